#ifndef STOPFRAME_GATEWAY_TOOLS_WRAPPED_VIDEO_TOOL_H_
#define STOPFRAME_GATEWAY_TOOLS_WRAPPED_VIDEO_TOOL_H_

#include <functional>
#include <memory>
#include <string>

#include "gateway/journal/journal_store.h"
#include "gateway/renderer_client.h"
#include "gateway/tools/tool.h"
#include "gateway/video_store.h"

namespace stopframe::gateway {

// Quality presets a user picks from; each is a full render spec.
struct QualityPreset {
  const char* name;
  int width;
  int height;
};

// create_wrapped_video: reads a year of the journal, streams the render from
// the renderer into a temp file, reports progress, and publishes the video
// with an atomic rename. A cancel stops the renderer within a frame and
// leaves no file behind.
// A published video is recorded in the journal (so that it is a
// stopframe://videos/{id} resource) and then reported to `on_published`.
// Owned by the ToolRegistry; the stores and client must outlive it.
// Thread-safe: concurrent calls share only thread-safe collaborators (and
// `on_published`, which must be thread-safe; may be empty).
class WrappedVideoTool final : public Tool {
 public:
  using PublishedFn = std::function<void(const std::string& video_id)>;
  WrappedVideoTool(journal::JournalStore* journal, RendererClient* renderer,
                   VideoStore* videos, std::string display_name,
                   PublishedFn on_published = nullptr);

  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override;

 private:
  journal::JournalStore* const journal_;
  RendererClient* const renderer_;
  VideoStore* const videos_;
  const std::string display_name_;
  const PublishedFn on_published_;
  const Json definition_;
};

// Converts journal stats to the renderer's request (exposed for tests).
stopframe::renderer::v1::WrappedStats ToRenderStats(
    const journal::YearStats& stats);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_TOOLS_WRAPPED_VIDEO_TOOL_H_
