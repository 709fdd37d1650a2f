// Tests for the pixel/codec library: deck building, slide painting, frame
// composition and the full H.264/fragmented-MP4 render, checked with ffprobe.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/poster.h"
#include "renderer/media/slides.h"
#include "renderer/media/video_pipeline.h"
#include "renderer/media/wrapped_content.h"

extern "C" {
#include <libavutil/log.h>
}

namespace stopframe::media {
namespace {

using ::testing::HasSubstr;

// Keeps x264's per-encode info lines out of the test log.
class MediaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { av_log_set_level(AV_LOG_ERROR); }
};

WrappedContent SmallContent() {
  WrappedContent c;
  c.year = 2026;
  c.display_name = "Ada";
  c.entries = 12;
  c.words = 3400;
  c.tags = 4;
  c.entries_per_month = {1, 0, 2, 1, 0, 3, 1, 0, 1, 2, 1, 0};
  c.top_tags = {{"travel", 5}, {"work", 2}};
  c.moods = {{"calm", 7}};
  c.longest_streak_days = 3;
  c.longest_entry = EntryHighlight{"A long day", "2026-06-01", 900};
  c.shortest_entry = EntryHighlight{"ok", "2026-03-02", 1};
  c.favorites = {"First snow"};
  return c;
}

WrappedContent EmptyYear() {
  WrappedContent c;
  c.year = 2026;
  c.display_name = "Ada";
  return c;
}

VideoSpec DraftSpec() {
  VideoSpec spec;
  spec.width = 640;
  spec.height = 360;
  spec.seconds_per_slide = 0.5;
  return spec;
}

// Everything a render reported through its callbacks.
struct Capture {
  std::string bytes;
  std::vector<RenderProgress> progress;
  RenderCallbacks Callbacks() {
    RenderCallbacks cb;
    cb.on_bytes = [this](absl::Span<const uint8_t> b) {
      bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
      return absl::OkStatus();
    };
    cb.on_progress = [this](const RenderProgress& p) { progress.push_back(p); };
    return cb;
  }
};

// Runs ffprobe on `mp4` and returns its key=value lines.
std::map<std::string, std::string> Probe(const std::string& mp4) {
  const std::string path = absl::StrCat(
      ::testing::TempDir(), "/media_test_",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".mp4");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(mp4.data(), static_cast<std::streamsize>(mp4.size()));
  }
  const std::string command = absl::StrCat(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration "
      "-of default=nw=1 '",
      path, "' 2>&1");
  std::map<std::string, std::string> fields;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return fields;
  char line[512];
  while (fgets(line, sizeof(line), pipe) != nullptr) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    const size_t eq = s.find('=');
    if (eq != std::string::npos)
      fields[s.substr(0, eq)] = s.substr(eq + 1);
    else
      fields["error"] += s;
  }
  pclose(pipe);
  std::remove(path.c_str());
  return fields;
}

// Runs ffprobe on a PNG and returns its codec_name, width and height lines.
std::map<std::string, std::string> ProbePng(const std::string& png) {
  const std::string path = absl::StrCat(
      ::testing::TempDir(), "/media_test_",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".png");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
  }
  const std::string command = absl::StrCat(
      "ffprobe -v error -show_entries stream=codec_name,width,height "
      "-of default=nw=1 '",
      path, "' 2>&1");
  std::map<std::string, std::string> fields;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return fields;
  char line[512];
  while (fgets(line, sizeof(line), pipe) != nullptr) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    const size_t eq = s.find('=');
    if (eq != std::string::npos)
      fields[s.substr(0, eq)] = s.substr(eq + 1);
    else
      fields["error"] += s;
  }
  pclose(pipe);
  std::remove(path.c_str());
  return fields;
}

constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";

// ---------------------------------------------------------------------------
// Validation and frame counts.

TEST_F(MediaTest, ValidateFillsDefaultsForZeroFields) {
  VideoSpec zero;
  zero.width = 0;
  zero.height = 0;
  zero.fps = 0;
  zero.seconds_per_slide = 0;
  zero.preset = "";
  zero.crf = 0;
  zero.font_dir = "";
  absl::StatusOr<VideoSpec> v = ValidateVideoSpec(zero);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->width, 1280);
  EXPECT_EQ(v->height, 720);
  EXPECT_EQ(v->fps, 30);
  EXPECT_EQ(v->seconds_per_slide, 3.0);
  EXPECT_EQ(v->preset, "veryfast");
  EXPECT_EQ(v->crf, 23);
  EXPECT_EQ(v->font_dir, "/usr/share/fonts/truetype/dejavu");
}

TEST_F(MediaTest, ValidateRejectsOutOfRangeFieldsNamingThem) {
  struct Case {
    void (*mutate)(VideoSpec&);
    const char* field;
    const char* range;
  };
  const Case cases[] = {
      {[](VideoSpec& s) { s.width = 641; }, "width", "160..1920"},
      {[](VideoSpec& s) { s.width = 4000; }, "width", "160..1920"},
      {[](VideoSpec& s) { s.width = 158; }, "width", "160..1920"},
      {[](VideoSpec& s) { s.height = 361; }, "height", "90..1080"},
      {[](VideoSpec& s) { s.height = 2000; }, "height", "90..1080"},
      {[](VideoSpec& s) { s.fps = 61; }, "fps", "1..60"},
      {[](VideoSpec& s) { s.fps = -1; }, "fps", "1..60"},
      {[](VideoSpec& s) { s.seconds_per_slide = 0.1; }, "seconds_per_slide",
       "0.2..10"},
      {[](VideoSpec& s) { s.seconds_per_slide = 11; }, "seconds_per_slide",
       "0.2..10"},
      {[](VideoSpec& s) { s.crf = 52; }, "crf", "0..51"},
      {[](VideoSpec& s) { s.crf = -3; }, "crf", "0..51"},
      {[](VideoSpec& s) { s.preset = "turbo"; }, "preset", "veryslow"},
  };
  for (const Case& c : cases) {
    VideoSpec spec;
    c.mutate(spec);
    absl::StatusOr<VideoSpec> v = ValidateVideoSpec(spec);
    ASSERT_FALSE(v.ok()) << c.field;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(v.status().message(), HasSubstr(c.field));
    EXPECT_THAT(v.status().message(), HasSubstr(c.range));
  }
}

TEST_F(MediaTest, ValidateAcceptsBounds) {
  VideoSpec spec;
  spec.width = 160;
  spec.height = 1080;
  spec.fps = 60;
  spec.seconds_per_slide = 0.2;
  spec.crf = 51;
  spec.preset = "ultrafast";
  EXPECT_TRUE(ValidateVideoSpec(spec).ok());
}

TEST_F(MediaTest, CountFramesIsSlidesTimesFramesPerSlide) {
  VideoSpec spec;
  spec.fps = 30;
  spec.seconds_per_slide = 0.5;
  EXPECT_EQ(BuildSlides(SmallContent()).size(), 9u);
  EXPECT_EQ(CountFrames(SmallContent(), spec), 9 * 15);
  EXPECT_EQ(CountFrames(EmptyYear(), spec), 3 * 15);
  spec.fps = 1;
  spec.seconds_per_slide = 0.2;  // rounds to 0; every slide still gets 1
  EXPECT_EQ(CountFrames(SmallContent(), spec), 9);
  spec.width = 641;
  EXPECT_EQ(CountFrames(SmallContent(), spec), 0);
}

TEST_F(MediaTest, CrossfadeIsAboutFourTenthsOfASecondAndAtMostAThird) {
  VideoSpec spec;
  spec.fps = 30;
  spec.seconds_per_slide = 3;
  EXPECT_EQ(CrossfadeFrames(spec), 12);
  VideoSpec odd = spec;
  odd.width = 641;  // invalid: renders nothing, so nothing fades
  EXPECT_EQ(CrossfadeFrames(odd), 0);
  spec.seconds_per_slide = 0.5;  // 15 frames: a third is 5
  EXPECT_EQ(CrossfadeFrames(spec), 5);
  spec.fps = 5;
  spec.seconds_per_slide = 0.4;  // 2 frames per slide: a third is 0
  EXPECT_EQ(CrossfadeFrames(spec), 0);
}

// ---------------------------------------------------------------------------
// The deck.

TEST_F(MediaTest, DeckSkipsOptionalSlidesWithoutData) {
  WrappedContent c = SmallContent();
  c.top_tags.clear();
  c.moods.clear();
  c.favorites.clear();
  c.longest_entry.reset();
  c.shortest_entry.reset();
  std::vector<Slide> deck = BuildSlides(c);
  ASSERT_EQ(deck.size(), 5u);  // greeting, totals, rhythm, streak, closing
  EXPECT_EQ(deck[0].headline, "Ada, your 2026 wrapped");
  EXPECT_EQ(deck[1].items[0].value, "12");
  EXPECT_EQ(deck[1].items[1].value, "3,400");
  EXPECT_EQ(deck[2].layout, SlideLayout::kBars);
  EXPECT_EQ(deck[3].headline, "3 days in a row");
  EXPECT_EQ(deck[4].headline, "See you in 2027");
}

TEST_F(MediaTest, EmptyYearGetsAFriendlyShortDeck) {
  WrappedContent c = EmptyYear();
  c.display_name = "";
  std::vector<Slide> deck = BuildSlides(c);
  ASSERT_EQ(deck.size(), 3u);
  EXPECT_EQ(deck[0].headline, "Your 2026, wrapped");
  EXPECT_EQ(deck[1].headline, "A quiet year");
  EXPECT_THAT(deck[1].body, HasSubstr("first entry"));
  EXPECT_EQ(deck[2].headline, "See you in 2027");
}

// ---------------------------------------------------------------------------
// Painting.

// Counts pixels bright in every channel: text is near-white, the background
// gradient never is.
int64_t BrightPixels(const RgbImage& img) {
  int64_t n = 0;
  for (size_t i = 0; i + 2 < img.pixels.size(); i += 3) {
    if (img.pixels[i] > 200 && img.pixels[i + 1] > 200 &&
        img.pixels[i + 2] > 200) {
      ++n;
    }
  }
  return n;
}

TEST_F(MediaTest, PaintsTextOnEverySlideAtEverySize) {
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create("/usr/share/fonts/truetype/dejavu");
  ASSERT_TRUE(painter.ok()) << painter.status();
  const std::vector<Slide> deck = BuildSlides(SmallContent());
  for (auto [w, h] : {std::pair{640, 360}, {1920, 1080}, {160, 90}}) {
    for (size_t i = 0; i < deck.size(); ++i) {
      RgbImage img;
      img.width = w;
      img.height = h;
      ASSERT_TRUE((*painter)->Paint(deck[i], &img).ok());
      ASSERT_EQ(img.pixels.size(), size_t(w) * h * 3);
      EXPECT_GT(BrightPixels(img), 0)
          << "slide " << i << " at " << w << "x" << h;
    }
  }
}

TEST_F(MediaTest, MissingFontsAreAnError) {
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create("/nonexistent");
  EXPECT_EQ(painter.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(painter.status().message(), HasSubstr("DejaVuSans.ttf"));
}

TEST_F(MediaTest, HostileTextIsPaintedWithoutOverflow) {
  WrappedContent c = SmallContent();
  c.display_name = "Zo\xc3\xab \xf0\x9f\x98\x80 \xc3\x85ngstr\xc3\xb6m";
  c.top_tags = {{"\xff\xfe bad bytes", 3},
                {"cut \xe2\x82", 2},
                {"tab\there\nnewline", 1},
                {std::string(5000, 'W'), 1}};
  c.favorites = {std::string(20000, 'x'), "zero\xe2\x80\x8bwidth", ""};
  c.longest_entry = EntryHighlight{std::string(3000, 'M'), "not-a-date", -5};
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create("/usr/share/fonts/truetype/dejavu");
  ASSERT_TRUE(painter.ok());
  for (const Slide& slide : BuildSlides(c)) {
    RgbImage img;
    img.width = 640;
    img.height = 360;
    ASSERT_TRUE((*painter)->Paint(slide, &img).ok());
    // Ellipsized text stays inside the right margin (8% of the width): the
    // last 40 columns hold no text.
    for (int y = 0; y < img.height; ++y) {
      for (int x = img.width - 40; x < img.width; ++x) {
        const uint8_t* p = &img.pixels[(size_t(y) * img.width + x) * 3];
        ASSERT_FALSE(p[0] > 200 && p[1] > 200 && p[2] > 200)
            << "text at " << x << "," << y << " on " << slide.kicker;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Posters.

TEST_F(MediaTest, PosterShowsTheTotalsOrTheGreetingForAnEmptyYear) {
  const std::vector<Slide> full = BuildSlides(SmallContent());
  EXPECT_EQ(&PosterSlide(full), &full[1]);
  EXPECT_EQ(PosterSlide(full).layout, SlideLayout::kStats);
  const std::vector<Slide> empty = BuildSlides(EmptyYear());
  EXPECT_EQ(&PosterSlide(empty), &empty[0]);
  EXPECT_EQ(PosterSlide(empty).headline, "Ada, your 2026 wrapped");
}

TEST_F(MediaTest, PosterIsASmallPngAtMost480Wide) {
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create("/usr/share/fonts/truetype/dejavu");
  ASSERT_TRUE(painter.ok()) << painter.status();
  for (const WrappedContent& content : {SmallContent(), EmptyYear()}) {
    for (auto [w, h] : {std::pair{1920, 1080}, {640, 360}, {160, 90}}) {
      absl::StatusOr<Poster> poster =
          RenderPoster(BuildSlides(content), w, h, **painter);
      ASSERT_TRUE(poster.ok()) << poster.status();
      EXPECT_EQ(poster->width, std::min(w, 480));
      EXPECT_EQ(poster->height, poster->width * h / w);
      EXPECT_TRUE(absl::StartsWith(poster->png, kPngSignature));
      EXPECT_LE(poster->png.size(), 200u * 1024);
      std::map<std::string, std::string> probe = ProbePng(poster->png);
      EXPECT_EQ(probe["codec_name"], "png") << probe["error"];
      EXPECT_EQ(probe["width"], absl::StrCat(poster->width));
      EXPECT_EQ(probe["height"], absl::StrCat(poster->height));
    }
  }
}

TEST_F(MediaTest, PosterOverTheByteBudgetIsDrawnSmaller) {
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create("/usr/share/fonts/truetype/dejavu");
  ASSERT_TRUE(painter.ok()) << painter.status();
  const std::vector<Slide> deck = BuildSlides(SmallContent());
  absl::StatusOr<Poster> full = RenderPoster(deck, 1280, 720, **painter);
  ASSERT_TRUE(full.ok()) << full.status();
  PosterOptions options;
  options.max_bytes = full->png.size() / 2;
  absl::StatusOr<Poster> small =
      RenderPoster(deck, 1280, 720, **painter, options);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_LT(small->width, full->width);
  EXPECT_GE(small->width, 64);
  EXPECT_LE(small->png.size(), options.max_bytes);
  EXPECT_EQ(ProbePng(small->png)["width"], absl::StrCat(small->width));

  options.max_bytes = 100;  // no PNG of a slide is this small
  EXPECT_EQ(RenderPoster(deck, 1280, 720, **painter, options).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(MediaTest, RenderSendsOnePosterAfterFirstProgressBeforeAnyBytes) {
  VideoSpec spec = DraftSpec();
  spec.fps = 10;
  std::vector<std::string> events;  // "progress", "bytes" or "poster"
  std::string png;
  int width = 0, height = 0;
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t>) {
    if (events.empty() || events.back() != "bytes") events.push_back("bytes");
    return absl::OkStatus();
  };
  cb.on_progress = [&](const RenderProgress&) { events.push_back("progress"); };
  cb.on_poster = [&](std::string p, int w, int h) {
    events.push_back("poster");
    png = std::move(p);
    width = w;
    height = h;
  };
  std::stop_source cancelled;
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(SmallContent(), spec, cancelled.get_token(), cb);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0], "progress");
  EXPECT_EQ(events[1], "poster");
  EXPECT_EQ(events[2], "bytes");
  EXPECT_EQ(std::count(events.begin(), events.end(), "poster"), 1);
  EXPECT_EQ(width, 480);
  EXPECT_EQ(height, 270);
  EXPECT_TRUE(absl::StartsWith(png, kPngSignature));
  EXPECT_LE(png.size(), 200u * 1024);
  std::map<std::string, std::string> probe = ProbePng(png);
  EXPECT_EQ(probe["codec_name"], "png") << probe["error"];
  ASSERT_FALSE(probe["width"].empty());
  EXPECT_LE(std::stoi(probe["width"]), 480);
}

TEST_F(MediaTest, CancelledBeforeStartDrawsNoPoster) {
  std::stop_source cancelled;
  cancelled.request_stop();
  RenderCallbacks cb;
  int posters = 0;
  cb.on_poster = [&](std::string, int, int) { ++posters; };
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      SmallContent(), DraftSpec(), cancelled.get_token(), cb);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(posters, 0);
}

// ---------------------------------------------------------------------------
// Composition.

// Three slides, each ending in a 3-frame crossfade (but the last).
FrameComposer::Options ThreeSlideOptions(int width, int height,
                                         int frames_per_slide) {
  FrameComposer::Options options;
  options.width = width;
  options.height = height;
  options.slide_count = 3;
  options.frames_per_slide = frames_per_slide;
  options.fade_frames = 3;
  return options;
}

TEST_F(MediaTest, ComposerPaintsEachSlideOnceAndCrossfades) {
  int paints = 0;
  FrameComposer::Options options =
      ThreeSlideOptions(160, 90, /*frames_per_slide=*/10);
  options.progress_line = false;
  absl::StatusOr<std::unique_ptr<FrameComposer>> composer =
      FrameComposer::Create(options, [&](int index, RgbImage* img) {
        ++paints;
        img->pixels.assign(size_t(img->width) * img->height * 3,
                           static_cast<uint8_t>(40 + 80 * index));
        return absl::OkStatus();
      });
  ASSERT_TRUE(composer.ok()) << composer.status();
  ASSERT_EQ((*composer)->frame_count(), 30);
  std::vector<int> luma;
  for (int i = 0; i < 30; ++i) {
    absl::StatusOr<const AVFrame*> frame = (*composer)->Next();
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ((*frame)->pts, i);
    luma.push_back((*frame)->data[0][45 * (*frame)->linesize[0] + 80]);
  }
  EXPECT_EQ(paints, 3);
  EXPECT_EQ((*composer)->Next().status().code(), absl::StatusCode::kOutOfRange);
  // Held frames are identical; the last 3 frames of a slide step towards the
  // next one; the last slide does not fade out.
  for (int i = 1; i < 7; ++i) EXPECT_EQ(luma[i], luma[0]);
  EXPECT_LT(luma[6], luma[7]);
  EXPECT_LT(luma[7], luma[8]);
  EXPECT_LT(luma[8], luma[9]);
  EXPECT_LT(luma[9], luma[10]);
  EXPECT_EQ(luma[10], luma[16]);
  for (int i = 21; i < 30; ++i) EXPECT_EQ(luma[i], luma[20]);
}

// Slides with a pattern in every pixel, different per slide: a frame that
// kept stale bytes of the canvas (which the output frame shares) shows.
absl::Status PaintPattern(int index, RgbImage* img) {
  img->pixels.resize(size_t(img->width) * img->height * 3);
  for (int y = 0; y < img->height; ++y) {
    for (int x = 0; x < img->width * 3; ++x) {
      img->pixels[size_t(y) * img->width * 3 + x] =
          static_cast<uint8_t>(x + 7 * y + 60 * index);
    }
  }
  return absl::OkStatus();
}

// Every visible byte of a YUV420P frame, row by row (strides dropped).
std::string FrameBytes(const AVFrame* f) {
  std::string bytes;
  for (int p = 0; p < 3; ++p) {
    const int w = p == 0 ? f->width : f->width / 2;
    const int h = p == 0 ? f->height : f->height / 2;
    for (int row = 0; row < h; ++row) {
      bytes.append(
          reinterpret_cast<const char*>(f->data[p]) + row * f->linesize[p], w);
    }
  }
  return bytes;
}

FrameComposer::Options PatternOptions() {
  return ThreeSlideOptions(192, 108, /*frames_per_slide=*/8);
}

// Composes every frame in order, then again jumping around, which repaints
// slides into the canvas that the output frame shares: each frame must come
// out byte for byte the same. Held frames repeat their slide's first; fade
// frames differ from the frame before.
void ExpectSameFramesWhateverTheOrder(const FrameComposer::Options& options,
                                      const FrameComposer::SlideSource& paint) {
  auto in_order = FrameComposer::Create(options, paint);
  ASSERT_TRUE(in_order.ok()) << in_order.status();
  std::vector<std::string> frames;
  for (int i = 0; i < 24; ++i) {
    absl::StatusOr<const AVFrame*> f = (*in_order)->Next();
    ASSERT_TRUE(f.ok()) << f.status();
    frames.push_back(FrameBytes(*f));
  }
  for (int slide = 0; slide < 3; ++slide) {
    const int first = slide * 8;
    const int held_until = slide < 2 ? first + 4 : first + 7;
    for (int i = first + 1; i <= held_until; ++i) {
      EXPECT_EQ(frames[i], frames[first]) << "frame " << i;
    }
  }
  for (int i : {5, 6, 7, 8, 13, 14, 15, 16}) {
    EXPECT_NE(frames[i], frames[i - 1]) << "frame " << i;
  }

  auto jumping = FrameComposer::Create(options, paint);
  ASSERT_TRUE(jumping.ok()) << jumping.status();
  for (int start : {13, 2, 21, 6, 0, 17, 9}) {
    (*jumping)->SeekTo(start, start);
    for (int i = start; i < std::min(start + 4, 24); ++i) {
      absl::StatusOr<const AVFrame*> f = (*jumping)->Next();
      ASSERT_TRUE(f.ok()) << f.status();
      EXPECT_EQ((*f)->pts, i);
      EXPECT_EQ(FrameBytes(*f), frames[i]) << "frame " << i << " after a seek";
    }
  }
}

TEST_F(MediaTest, ComposerFramesAreTheSameWhateverTheOrderOfRepaints) {
  ExpectSameFramesWhateverTheOrder(PatternOptions(), PaintPattern);
}

TEST_F(MediaTest, ComposerFollowsASourceThatPaintsIntoANewVector) {
  // Each paint frees the canvas's old bytes, where the output frame was.
  ExpectSameFramesWhateverTheOrder(
      PatternOptions(), [](int index, RgbImage* img) {
        RgbImage fresh{img->width, img->height, {}};
        absl::Status s = PaintPattern(index, &fresh);
        img->pixels = std::move(fresh.pixels);
        return s;
      });
}

TEST_F(MediaTest, ComposerFramesTooSmallToShareTheCanvasStillCompose) {
  // At 16x16, 64-byte rows make the YUV frame larger than the RGB canvas.
  ExpectSameFramesWhateverTheOrder(
      ThreeSlideOptions(16, 16, /*frames_per_slide=*/8), PaintPattern);
}

TEST_F(MediaTest, ComposerRefusesToRepaintAFrameStillReferenced) {
  auto composer = FrameComposer::Create(PatternOptions(), PaintPattern);
  ASSERT_TRUE(composer.ok()) << composer.status();
  absl::StatusOr<const AVFrame*> first = (*composer)->Next();
  ASSERT_TRUE(first.ok()) << first.status();
  FramePtr held(av_frame_alloc());
  ASSERT_NE(held, nullptr);
  ASSERT_EQ(av_frame_ref(held.get(), *first), 0);
  EXPECT_EQ((*composer)->Next().status().code(),
            absl::StatusCode::kFailedPrecondition);
  held.reset();
  EXPECT_TRUE((*composer)->Next().ok()) << "usable again once released";
}

// ---------------------------------------------------------------------------
// Full renders.

TEST_F(MediaTest, DraftRenderIsValidH264WithExactFrameCount) {
  const WrappedContent content = SmallContent();
  const VideoSpec spec = DraftSpec();
  const int64_t expected = CountFrames(content, spec);
  ASSERT_EQ(expected, 9 * 15);

  Capture capture;
  std::stop_source cancelled;
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      content, spec, cancelled.get_token(), capture.Callbacks());
  ASSERT_TRUE(summary.ok()) << summary.status();

  EXPECT_EQ(summary->frames, expected);
  EXPECT_DOUBLE_EQ(summary->duration_seconds, expected / 30.0);
  EXPECT_EQ(summary->bytes, static_cast<int64_t>(capture.bytes.size()));
  EXPECT_EQ(summary->encoder, "libx264 veryfast crf 23");
  // A fragmented MP4: ftyp first, then movie fragments.
  ASSERT_GT(capture.bytes.size(), 8u);
  EXPECT_EQ(capture.bytes.substr(4, 4), "ftyp");
  EXPECT_NE(capture.bytes.find("moof"), std::string::npos);

  ASSERT_FALSE(capture.progress.empty());
  EXPECT_EQ(capture.progress.front().frames_done, 0);
  EXPECT_EQ(capture.progress.back().frames_done, expected);
  EXPECT_EQ(capture.progress.back().frames_total, expected);
  EXPECT_STREQ(capture.progress.back().stage, "finishing");
  for (size_t i = 1; i < capture.progress.size(); ++i) {
    EXPECT_GE(capture.progress[i].frames_done,
              capture.progress[i - 1].frames_done);
  }

  std::map<std::string, std::string> probe = Probe(capture.bytes);
  EXPECT_EQ(probe["codec_name"], "h264") << probe["error"];
  EXPECT_EQ(probe["pix_fmt"], "yuv420p");
  EXPECT_EQ(probe["width"], "640");
  EXPECT_EQ(probe["height"], "360");
  EXPECT_EQ(probe["nb_read_frames"], absl::StrCat(expected));
  ASSERT_FALSE(probe["duration"].empty());
  EXPECT_NEAR(std::stod(probe["duration"]), expected / 30.0, 1.5 / 30.0);
}

// x264 writes its settings into the stream (an SEI of the first frame).
TEST_F(MediaTest, EncoderThreadsAreFrameOrSliceAndBFramesAreNeverReferences) {
  const WrappedContent content = SmallContent();
  for (bool slice_threads : {false, true}) {
    VideoSpec spec = DraftSpec();
    spec.lanes = 1;
    spec.threads_per_lane = 2;
    spec.slice_threads = slice_threads;
    Capture capture;
    std::stop_source cancelled;
    absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
        content, spec, cancelled.get_token(), capture.Callbacks());
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_THAT(capture.bytes, HasSubstr(" threads=2 "));
    EXPECT_THAT(capture.bytes, HasSubstr(slice_threads ? " sliced_threads=1 "
                                                       : " sliced_threads=0 "))
        << "slice_threads=" << slice_threads;
    EXPECT_THAT(capture.bytes, HasSubstr(" b_pyramid=0 "));
    std::map<std::string, std::string> probe = Probe(capture.bytes);
    EXPECT_EQ(probe["nb_read_frames"], absl::StrCat(CountFrames(content, spec)))
        << "slice_threads=" << slice_threads;
  }
}

TEST_F(MediaTest, EmptyYearRenders) {
  VideoSpec spec = DraftSpec();
  spec.fps = 10;
  Capture capture;
  std::stop_source cancelled;
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      EmptyYear(), spec, cancelled.get_token(), capture.Callbacks());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->frames, 3 * 5);
  std::map<std::string, std::string> probe = Probe(capture.bytes);
  EXPECT_EQ(probe["codec_name"], "h264") << probe["error"];
  EXPECT_EQ(probe["nb_read_frames"], "15");
}

TEST_F(MediaTest, Utf8AndHostileTextRender) {
  WrappedContent content = SmallContent();
  content.display_name = "Zo\xc3\xab \xf0\x9f\x98\x80 \xc3\x85ngstr\xc3\xb6m";
  content.top_tags = {{"caf\xc3\xa9", 3}, {"\xff\xfe", 2}, {"\xe2\x82", 1}};
  content.favorites = {std::string(10000, 'x')};
  VideoSpec spec = DraftSpec();
  spec.fps = 10;
  spec.seconds_per_slide = 0.2;
  Capture capture;
  std::stop_source cancelled;
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      content, spec, cancelled.get_token(), capture.Callbacks());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->frames, CountFrames(content, spec));
  EXPECT_GT(summary->bytes, 0);
}

// A long render (2700 frames on two lanes) stopped from inside a progress
// callback: nothing more is written or reported but the one "cancelled"
// report, which counts the frames encoded, including the at most one per
// lane that was in flight.
TEST_F(MediaTest, CancelFromProgressStopsAtOnce) {
  VideoSpec spec = DraftSpec();
  spec.seconds_per_slide = 10;
  spec.lanes = 2;
  spec.threads_per_lane = 1;
  std::stop_source cancelled;
  int64_t flagged_at = -1;
  std::vector<RenderProgress> after_flag;
  int64_t bytes_after_flag = 0;
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t> b) {
    if (cancelled.stop_requested()) bytes_after_flag += b.size();
    return absl::OkStatus();
  };
  cb.on_progress = [&](const RenderProgress& p) {
    if (cancelled.stop_requested()) {
      after_flag.push_back(p);
    } else if (p.frames_done > 0) {
      flagged_at = p.frames_done;
      cancelled.request_stop();
    }
  };
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(SmallContent(), spec, cancelled.get_token(), cb);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(summary.status().message(), "render cancelled");
  ASSERT_GT(flagged_at, 0);
  EXPECT_LT(flagged_at, 2700);
  // Exactly one more report: how many frames were encoded. None after the
  // flag, and no more bytes.
  ASSERT_EQ(after_flag.size(), 1u);
  EXPECT_STREQ(after_flag[0].stage, "cancelled");
  EXPECT_GE(after_flag[0].frames_done, flagged_at);
  EXPECT_LT(after_flag[0].frames_done, 2700);
  EXPECT_EQ(bytes_after_flag, 0);
}

// The first bytes are the MP4 header, written while the encoder opens: a
// cancel raised there must stop before frame 0 and no fragment may follow.
TEST_F(MediaTest, CancelFromByteSinkStopsBeforeTheFirstFrame) {
  VideoSpec spec = DraftSpec();
  spec.seconds_per_slide = 10;
  std::stop_source cancelled;
  std::string bytes;
  int64_t last_reported = -1;
  const char* last_stage = "";
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t> b) {
    bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    cancelled.request_stop();
    return absl::OkStatus();
  };
  cb.on_progress = [&](const RenderProgress& p) {
    last_reported = p.frames_done;
    last_stage = p.stage;
  };
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(SmallContent(), spec, cancelled.get_token(), cb);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kCancelled);
  EXPECT_STREQ(last_stage, "cancelled");
  EXPECT_EQ(last_reported, 0);
  EXPECT_EQ(bytes.substr(4, 4), "ftyp");
  EXPECT_EQ(bytes.find("moof"), std::string::npos);
}

TEST_F(MediaTest, CancelledBeforeStartEncodesNothing) {
  std::stop_source cancelled;
  cancelled.request_stop();
  Capture capture;
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      SmallContent(), DraftSpec(), cancelled.get_token(), capture.Callbacks());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(capture.bytes.empty());
}

TEST_F(MediaTest, ByteSinkErrorAbortsTheRender) {
  std::stop_source cancelled;
  int calls = 0;
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t>) {
    ++calls;
    return absl::UnavailableError("client went away");
  };
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      SmallContent(), DraftSpec(), cancelled.get_token(), cb);
  EXPECT_EQ(summary.status(), absl::UnavailableError("client went away"));
  EXPECT_EQ(calls, 1);
}

TEST_F(MediaTest, InvalidSpecIsRejectedBeforeRendering) {
  VideoSpec spec = DraftSpec();
  spec.width = 641;
  std::stop_source cancelled;
  Capture capture;
  absl::StatusOr<RenderSummary> summary = RenderWrappedVideo(
      SmallContent(), spec, cancelled.get_token(), capture.Callbacks());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(capture.bytes.empty());
  EXPECT_TRUE(capture.progress.empty());
}

}  // namespace
}  // namespace stopframe::media
