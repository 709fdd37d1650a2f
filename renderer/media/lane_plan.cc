#include "renderer/media/lane_plan.h"

#include <algorithm>

namespace stopframe::media {

LanePlan PlanLanes(int cores, int active, int max_lanes) {
  // A render's share of the cores; with several renders at once, each is
  // already parallel work, so each gets fewer lanes (and less memory).
  const int share =
      std::clamp(cores / std::max(1, active), 1, kMaxLanesOrThreads);
  LanePlan plan;
  plan.lanes = std::clamp(max_lanes, 1, share);
  // Twice a lane's even part of the share (at most the share): lanes
  // overlap, and when the last lane runs alone at the end of the deck its
  // frame threads still fill the cores. Measured on 2 cores at 720p: 2
  // lanes of 2 threads beat 2 lanes of 1 by ~14%.
  const int even_part = (share + plan.lanes - 1) / plan.lanes;
  plan.threads_per_lane = std::min(share, 2 * even_part);
  return plan;
}

}  // namespace stopframe::media
