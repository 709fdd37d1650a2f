#ifndef STOPFRAME_RENDERER_REQUEST_CONVERSION_H_
#define STOPFRAME_RENDERER_REQUEST_CONVERSION_H_

#include "absl/status/statusor.h"
#include "renderer/media/video_pipeline.h"
#include "renderer/media/wrapped_content.h"
#include "stopframe/renderer/v1/renderer.pb.h"

namespace stopframe::renderer {

// A render request checked and converted into the media library's plain types.
struct RenderJobSpec {
  media::WrappedContent content;
  media::VideoSpec video;
};

// Validates every field of `request` against the bounds in renderer.proto.
// INVALID_ARGUMENT names the field and the allowed range.
absl::StatusOr<RenderJobSpec> ConvertRenderRequest(
    const stopframe::renderer::v1::RenderRequest& request,
    const std::string& font_dir);

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_REQUEST_CONVERSION_H_
