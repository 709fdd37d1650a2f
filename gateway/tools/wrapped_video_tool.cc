#include "gateway/tools/wrapped_video_tool.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/log.h"
#include "gateway/tools/arguments.h"

namespace stopframe::gateway {
namespace {

namespace pb = ::stopframe::renderer::v1;

constexpr QualityPreset kQualities[] = {
    {"draft", 640, 360}, {"standard", 1280, 720}, {"high", 1920, 1080}};

Json MakeDefinition() {
  return Json::parse(R"json({
  "name": "create_wrapped_video",
  "title": "Create wrapped video",
  "description": "Render a year-in-review video of the journal: totals, monthly rhythm, top tags, moods, streaks and highlights, as an H.264 MP4. Streams progress when the request carries a progressToken, and stops within a frame when cancelled (no file is left behind).",
  "inputSchema": {
    "type": "object",
    "properties": {
      "year": {"type": "integer", "minimum": 1, "maximum": 9999, "description": "Calendar year to review. Default: the current year."},
      "quality": {"type": "string", "enum": ["draft", "standard", "high"], "description": "draft 640x360, standard 1280x720 (default), high 1920x1080."},
      "secondsPerSlide": {"type": "number", "minimum": 0.2, "maximum": 10, "description": "How long each slide stays on screen. Default 3."}
    },
    "additionalProperties": false
  },
  "outputSchema": {
    "type": "object",
    "properties": {
      "videoUri": {"type": "string"},
      "path": {"type": "string"},
      "durationSeconds": {"type": "number"},
      "frames": {"type": "integer"},
      "bytes": {"type": "integer"},
      "width": {"type": "integer"},
      "height": {"type": "integer"},
      "year": {"type": "integer"}
    },
    "required": ["videoUri", "path", "durationSeconds", "frames", "bytes"]
  },
  "annotations": {
    "readOnlyHint": false,
    "destructiveHint": false,
    "idempotentHint": false,
    "openWorldHint": false
  }
})json");
}

pb::EntryHighlight ToHighlight(const journal::Highlight& h) {
  pb::EntryHighlight out;
  out.set_title(h.title);
  out.set_date(h.date);
  out.set_words(h.words);
  return out;
}

}  // namespace

pb::WrappedStats ToRenderStats(const journal::YearStats& stats) {
  pb::WrappedStats out;
  out.set_entries(static_cast<int32_t>(stats.entries));
  out.set_words(stats.words);
  out.set_tags(static_cast<int32_t>(stats.tags));
  for (int m = 0; m < 12; ++m) {
    if (stats.entries_per_month[m] == 0) continue;
    pb::MonthCount* month = out.add_months();
    month->set_month(m + 1);
    month->set_entries(stats.entries_per_month[m]);
  }
  for (const journal::NamedCount& t : stats.top_tags) {
    pb::NamedCount* c = out.add_top_tags();
    c->set_name(t.name);
    c->set_entries(t.count);
  }
  for (const journal::NamedCount& t : stats.moods) {
    pb::NamedCount* c = out.add_moods();
    c->set_name(t.name);
    c->set_entries(t.count);
  }
  out.set_longest_streak_days(stats.longest_streak_days);
  if (stats.longest_entry) {
    *out.mutable_longest_entry() = ToHighlight(*stats.longest_entry);
  }
  if (stats.shortest_entry) {
    *out.mutable_shortest_entry() = ToHighlight(*stats.shortest_entry);
  }
  for (const std::string& f : stats.favorite_titles) out.add_favorites(f);
  return out;
}

WrappedVideoTool::WrappedVideoTool(journal::JournalStore* journal,
                                   RendererClient* renderer, VideoStore* videos,
                                   std::string display_name,
                                   PublishedFn on_published)
    : journal_(journal),
      renderer_(renderer),
      videos_(videos),
      display_name_(std::move(display_name)),
      on_published_(std::move(on_published)),
      definition_(MakeDefinition()) {}

ToolResult WrappedVideoTool::Call(ToolCall& call) {
  const Json& a = call.arguments;
  if (absl::Status s =
          args::CheckKnown(a, {"year", "quality", "secondsPerSlide"});
      !s.ok()) {
    return ToolResult::Error(std::string(s.message()));
  }
  auto year = args::OptionalInt(a, "year", 1, 9999);
  if (!year.ok())
    return ToolResult::Error(std::string(year.status().message()));
  auto quality =
      args::OptionalEnum(a, "quality", {"draft", "standard", "high"});
  if (!quality.ok()) {
    return ToolResult::Error(std::string(quality.status().message()));
  }
  auto pace = args::OptionalNumber(a, "secondsPerSlide", 0.2, 10);
  if (!pace.ok())
    return ToolResult::Error(std::string(pace.status().message()));

  const int the_year = year->value_or(
      absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year());
  const std::string quality_name = quality->value_or("standard");
  QualityPreset preset = kQualities[1];
  for (const QualityPreset& q : kQualities) {
    if (quality_name == q.name) preset = q;
  }

  absl::StatusOr<journal::YearStats> stats =
      journal_->ComputeYearStats(the_year);
  if (!stats.ok()) {
    return ToolResult::Error(
        absl::StrCat("Could not read the journal: ", stats.status().message()));
  }

  pb::RenderRequest request;
  request.set_year(the_year);
  request.set_display_name(display_name_);
  *request.mutable_stats() = ToRenderStats(*stats);
  pb::RenderOptions* options = request.mutable_options();
  options->set_width(preset.width);
  options->set_height(preset.height);
  options->set_fps(30);
  options->set_seconds_per_slide(pace->value_or(3.0));
  options->set_preset("veryfast");

  absl::StatusOr<std::unique_ptr<PendingVideo>> video = videos_->Begin();
  if (!video.ok()) {
    return ToolResult::Error(absl::StrCat("Could not start the video file: ",
                                          video.status().message()));
  }
  PendingVideo& file = **video;

  RendererClient::StreamCallbacks callbacks;
  callbacks.on_progress = [&](const pb::Progress& p) {
    call.progress.Report(static_cast<double>(p.frames_done()),
                         static_cast<double>(p.frames_total()),
                         absl::StrFormat("%s frame %d of %d", p.stage(),
                                         p.frames_done(), p.frames_total()));
  };
  callbacks.on_chunk = [&](int64_t offset,
                           absl::string_view bytes) -> absl::Status {
    if (offset != file.size()) {
      return absl::DataLossError(
          absl::StrCat("the renderer sent bytes at offset ", offset, " but ",
                       file.size(), " were written"));
    }
    return file.Append(bytes);
  };
  std::string poster_png;  // empty if the renderer sent no poster
  callbacks.on_poster = [&](const pb::Poster& poster) {
    poster_png = poster.png();
  };

  absl::StatusOr<pb::Summary> summary =
      renderer_->Render(request, call.cancel, callbacks);
  if (!summary.ok()) {
    if (absl::IsCancelled(summary.status())) {
      return ToolResult::Error("The render was cancelled; no video was saved.");
    }
    return ToolResult::Error(absl::StrCat(
        "The wrapped video for ", the_year,
        " could not be rendered: ", summary.status().message(),
        ". No video was saved and existing videos are untouched; try again."));
  }
  if (summary->bytes() != file.size()) {
    return ToolResult::Error(absl::StrCat(
        "The renderer reported ", summary->bytes(), " bytes but ", file.size(),
        " arrived; the video was discarded. Try again."));
  }
  // A stop that lands after the last frame but before publishing still
  // wins: the temp file is dropped (no response is sent either).
  if (call.cancel.cancelled()) {
    return ToolResult::Error("The render was cancelled; no video was saved.");
  }
  if (absl::Status s = file.Commit(); !s.ok()) {
    return ToolResult::Error(
        absl::StrCat("The video could not be saved: ", s.message(),
                     ". Existing videos are untouched."));
  }
  // Recorded so that resources/list and resources/read know it.
  journal::VideoRecord record;
  record.id = file.id();
  record.year = the_year;
  record.quality = quality_name;
  record.bytes = summary->bytes();
  record.frames = summary->frames();
  record.duration_seconds = summary->duration_seconds();
  if (absl::Status s = journal_->RecordVideo(record); !s.ok()) {
    return ToolResult::Error(
        absl::StrCat("The video was saved to ", file.final_path(),
                     " but could not be recorded in the journal (", s.message(),
                     "), so it is not available as a resource. Try again."));
  }
  if (on_published_) on_published_(file.id());

  const std::string uri = absl::StrCat("stopframe://videos/", file.id());
  Json structured{{"videoUri", uri},
                  {"path", file.final_path()},
                  {"durationSeconds", summary->duration_seconds()},
                  {"frames", summary->frames()},
                  {"bytes", summary->bytes()},
                  {"width", summary->width()},
                  {"height", summary->height()},
                  {"year", the_year}};
  ToolResult result = ToolResult::Text(
      absl::StrFormat(
          "Your %d wrapped video is ready: %.1f s, %dx%d, %d frames, %.1f MB "
          "(%s), %d entries reviewed.\nSaved to %s",
          the_year, summary->duration_seconds(), summary->width(),
          summary->height(), summary->frames(),
          static_cast<double>(summary->bytes()) / 1e6, summary->encoder(),
          stats->entries, file.final_path()),
      std::move(structured));
  if (!poster_png.empty()) {
    // Image content is in every MCP version; clients show it inline.
    result.content.push_back({{"type", "image"},
                              {"data", absl::Base64Escape(poster_png)},
                              {"mimeType", "image/png"}});
  }
  if (SupportsStructuredResults(call.protocol_version)) {
    result.content.push_back(
        {{"type", "resource_link"},
         {"uri", uri},
         {"name", absl::StrCat("wrapped-", the_year, ".mp4")},
         {"title", absl::StrCat("Your ", the_year, " wrapped")},
         {"mimeType", "video/mp4"},
         {"size", summary->bytes()}});
  }
  return result;
}

}  // namespace stopframe::gateway
