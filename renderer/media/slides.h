#ifndef STOPFRAME_RENDERER_MEDIA_SLIDES_H_
#define STOPFRAME_RENDERER_MEDIA_SLIDES_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "renderer/media/wrapped_content.h"

namespace stopframe::media {

// How a slide arranges its items. Each layout reads only the fields noted.
enum class SlideLayout {
  kTitle,       // kicker, headline, body; centred
  kStats,       // kicker, headline; items as columns: value over label
  kBars,        // kicker, headline, body; months as 12 bars
  kRanked,      // kicker, headline; items as rows: label, value, bar
  kHighlights,  // kicker, headline; items as blocks: label, value, detail
  kList,        // kicker, headline, body; items as starred rows: value
};

// One row, column or block on a slide. Which fields show depends on layout.
struct SlideItem {
  std::string label;
  std::string value;
  std::string detail;
  double fraction = 0;  // kRanked bar length relative to the first row
};

// What one slide says, independent of resolution. Plain data.
struct Slide {
  SlideLayout layout = SlideLayout::kTitle;
  int accent = 0;  // picks the accent colour
  std::string kicker;
  std::string headline;
  std::string body;
  std::vector<SlideItem> items;
  std::array<int, 12> months{};
};

// The deck for `content`. Pure and deterministic: the same content always
// gives the same slides, so frame counts can be computed without drawing.
std::vector<Slide> BuildSlides(const WrappedContent& content);

// An 8-bit RGB image with packed rows (stride = 3 * width). Owns its pixels.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

// Draws slides into RGB images with FreeType (DejaVu Sans and Sans-Bold).
// Owns its FreeType library and faces. Not thread-safe: use one per render
// (FreeType handles may not be shared across threads without locking).
class SlidePainter {
  // Declared first so the public constructor can name them; only members
  // can create a PrivateTag, which keeps construction to Create().
  struct Fonts;
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Loads DejaVuSans.ttf and DejaVuSans-Bold.ttf from `font_dir`.
  static absl::StatusOr<std::unique_ptr<SlidePainter>> Create(
      const std::string& font_dir);

  SlidePainter(PrivateTag, std::unique_ptr<Fonts> fonts);
  ~SlidePainter();
  SlidePainter(const SlidePainter&) = delete;
  SlidePainter& operator=(const SlidePainter&) = delete;

  // Paints `slide` over the whole of `canvas`, whose width and height must be
  // set; pixels are (re)sized as needed.
  absl::Status Paint(const Slide& slide, RgbImage* canvas);

 private:
  std::unique_ptr<Fonts> fonts_;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_SLIDES_H_
