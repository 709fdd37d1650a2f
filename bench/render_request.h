#ifndef STOPFRAME_BENCH_RENDER_REQUEST_H_
#define STOPFRAME_BENCH_RENDER_REQUEST_H_

// Renders driven straight over gRPC, for benchmarks that measure the
// renderer process alone: the sample year as a RenderRequest at the
// gateway's quality presets, and a blocking render that drains the stream.
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "bench/sample_content.h"
#include "grpcpp/grpcpp.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace stopframe::bench {

namespace rpb = ::stopframe::renderer::v1;

// The gateway's presets (gateway/tools/wrapped_video_tool.cc): draft 360p,
// standard 720p, high 1080p; 30 fps, veryfast.
inline rpb::RenderRequest SampleRequest(absl::string_view quality,
                                        double seconds_per_slide) {
  const media::WrappedContent c = SampleContent();
  rpb::RenderRequest r;
  r.set_year(c.year);
  r.set_display_name(c.display_name);
  rpb::WrappedStats* s = r.mutable_stats();
  s->set_entries(c.entries);
  s->set_words(c.words);
  s->set_tags(c.tags);
  for (int m = 0; m < 12; ++m) {
    rpb::MonthCount* month = s->add_months();
    month->set_month(m + 1);
    month->set_entries(c.entries_per_month[m]);
  }
  for (const auto& [name, n] : c.top_tags) {
    rpb::NamedCount* t = s->add_top_tags();
    t->set_name(name);
    t->set_entries(n);
  }
  for (const auto& [name, n] : c.moods) {
    rpb::NamedCount* t = s->add_moods();
    t->set_name(name);
    t->set_entries(n);
  }
  s->set_longest_streak_days(c.longest_streak_days);
  for (auto [from, to] :
       {std::pair{&c.longest_entry, s->mutable_longest_entry()},
        {&c.shortest_entry, s->mutable_shortest_entry()}}) {
    if (!from->has_value()) continue;
    to->set_title((*from)->title);
    to->set_date((*from)->date);
    to->set_words((*from)->words);
  }
  for (const std::string& f : c.favorites) s->add_favorites(f);
  rpb::RenderOptions* o = r.mutable_options();
  o->set_width(quality == "draft" ? 640 : quality == "high" ? 1920 : 1280);
  o->set_height(quality == "draft" ? 360 : quality == "high" ? 1080 : 720);
  o->set_fps(30);
  o->set_seconds_per_slide(seconds_per_slide);
  o->set_preset("veryfast");
  return r;
}

// Renders and drains every event; the final status.
inline grpc::Status RenderAndDrain(rpb::Renderer::Stub& stub,
                                   const rpb::RenderRequest& request,
                                   int64_t* bytes = nullptr) {
  grpc::ClientContext context;
  auto reader = stub.RenderWrapped(&context, request);
  rpb::RenderEvent event;
  int64_t total = 0;
  while (reader->Read(&event)) {
    if (event.has_chunk()) total += event.chunk().data().size();
  }
  if (bytes != nullptr) *bytes = total;
  return reader->Finish();
}

}  // namespace stopframe::bench

#endif  // STOPFRAME_BENCH_RENDER_REQUEST_H_
