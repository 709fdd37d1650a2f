#ifndef STOPFRAME_RENDERER_MEDIA_LANE_PLAN_H_
#define STOPFRAME_RENDERER_MEDIA_LANE_PLAN_H_

namespace stopframe::media {

// How a render spreads its encode over cores: `lanes` slides encoded at
// once (encode_lanes.h), each by an x264 running `threads_per_lane` threads.
struct LanePlan {
  int lanes = 1;
  int threads_per_lane = 1;
};

// Both fields are at most this: more buys nothing and costs memory.
inline constexpr int kMaxLanesOrThreads = 16;

// The plan for a render when `active` renders (this one included) share
// `cores`, with at most `max_lanes` lanes.
LanePlan PlanLanes(int cores, int active, int max_lanes);

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_LANE_PLAN_H_
