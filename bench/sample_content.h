#ifndef STOPFRAME_BENCH_SAMPLE_CONTENT_H_
#define STOPFRAME_BENCH_SAMPLE_CONTENT_H_

#include "renderer/media/wrapped_content.h"

namespace stopframe::bench {

// A full year: every slide of the deck has something to show.
inline media::WrappedContent SampleContent() {
  media::WrappedContent c;
  c.year = 2025;
  c.display_name = "Ada";
  c.entries = 214;
  c.words = 48213;
  c.tags = 17;
  c.entries_per_month = {12, 15, 19, 22, 18, 25, 30, 11, 14, 17, 16, 15};
  c.top_tags = {{"family", 61},
                {"running", 44},
                {"books", 30},
                {"garden", 21},
                {"work", 12}};
  c.moods = {{"happy", 80}, {"calm", 51}, {"thoughtful", 40}, {"tired", 22}};
  c.longest_streak_days = 23;
  c.longest_entry =
      media::EntryHighlight{"The long road north", "2025-07-14", 2210};
  c.shortest_entry = media::EntryHighlight{"Rain.", "2025-02-02", 1};
  c.favorites = {"First swim of the year", "Grandma's 90th",
                 "Finished the novel"};
  return c;
}

}  // namespace stopframe::bench

#endif  // STOPFRAME_BENCH_SAMPLE_CONTENT_H_
