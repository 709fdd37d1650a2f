#ifndef STOPFRAME_RENDERER_MEDIA_POSTER_H_
#define STOPFRAME_RENDERER_MEDIA_POSTER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "renderer/media/slides.h"

namespace stopframe::media {

// A still of the video as a PNG, for clients to show before it plays.
struct Poster {
  std::string png;
  int width = 0;
  int height = 0;
};

// Bounds for RenderPoster; the defaults are the renderer contract's.
struct PosterOptions {
  int max_width = 480;
  size_t max_bytes = 200 * 1024;
};

// Encodes `image` (RGB24, packed rows) as a PNG with libavcodec's "png"
// encoder. Thread-safe: every call owns its own codec objects.
absl::StatusOr<std::string> EncodePng(const RgbImage& image);

// The slide a poster shows: the totals, or the first slide (the greeting)
// when the deck has none, as for an empty year. `deck` must not be empty.
const Slide& PosterSlide(const std::vector<Slide>& deck);

// Paints PosterSlide(deck) for a video of `video_width` x `video_height`:
// same aspect ratio, at most options.max_width wide (never wider than the
// video). The slide is drawn at the poster's size, not scaled down, so text
// stays sharp; if the PNG exceeds options.max_bytes it is drawn smaller
// until it fits. Uses `painter`, so calls sharing one painter must not run
// concurrently.
absl::StatusOr<Poster> RenderPoster(const std::vector<Slide>& deck,
                                    int video_width, int video_height,
                                    SlidePainter& painter,
                                    const PosterOptions& options = {});

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_POSTER_H_
