#include "renderer/media/slides.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace stopframe::media {
namespace {

// ---------------------------------------------------------------------------
// Words on slides.

constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string FormatCount(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string Counted(int64_t n, const char* one, const char* many) {
  return absl::StrCat(FormatCount(n), " ", n == 1 ? one : many);
}

SlideItem Item(std::string label, std::string value, std::string detail = "",
               double fraction = 0) {
  SlideItem item;
  item.label = std::move(label);
  item.value = std::move(value);
  item.detail = std::move(detail);
  item.fraction = fraction;
  return item;
}

// "2026-03-04" -> "4 March 2026"; anything else is shown as given.
std::string PrettyDate(const std::string& date) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      m < 1 || m > 12 || d < 1 || d > 31) {
    return date;
  }
  return absl::StrFormat("%d %s %d", d, kMonthNames[m - 1], y);
}

std::string OrUntitled(const std::string& title) {
  return title.empty() ? "Untitled" : title;
}

std::string Trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Slide TitleSlide(std::string kicker, std::string headline, std::string body) {
  Slide s;
  s.layout = SlideLayout::kTitle;
  s.kicker = std::move(kicker);
  s.headline = std::move(headline);
  s.body = std::move(body);
  return s;
}

Slide Greeting(const WrappedContent& c) {
  std::string name = Trimmed(c.display_name);
  std::string headline =
      name.empty() ? absl::StrCat("Your ", c.year, ", wrapped")
                   : absl::StrCat(name, ", your ", c.year, " wrapped");
  return TitleSlide("STOPFRAME WRAPPED", std::move(headline),
                    "A look back at your year in the journal");
}

Slide Closing(const WrappedContent& c) {
  return TitleSlide("THAT'S A WRAP", absl::StrCat("See you in ", c.year + 1),
                    "Keep writing \u2014 one frame at a time");
}

Slide Totals(const WrappedContent& c) {
  Slide s;
  s.layout = SlideLayout::kStats;
  s.kicker = absl::StrCat(c.year, " IN NUMBERS");
  s.headline = "You showed up";
  s.items = {
      Item(c.entries == 1 ? "entry" : "entries", FormatCount(c.entries)),
      Item(c.words == 1 ? "word" : "words", FormatCount(c.words)),
      Item(c.tags == 1 ? "tag" : "tags", FormatCount(c.tags)),
  };
  return s;
}

Slide Rhythm(const WrappedContent& c) {
  Slide s;
  s.layout = SlideLayout::kBars;
  s.kicker = "YOUR RHYTHM";
  s.headline = "Month by month";
  for (int m = 0; m < 12; ++m)
    s.months[m] = std::max(0, c.entries_per_month[m]);
  int busiest = static_cast<int>(
      std::max_element(s.months.begin(), s.months.end()) - s.months.begin());
  s.body =
      s.months[busiest] > 0
          ? absl::StrCat("Busiest month: ", kMonthNames[busiest], " \u00b7 ",
                         Counted(s.months[busiest], "entry", "entries"))
          : "No monthly breakdown this year";
  return s;
}

Slide Ranked(std::string kicker, std::string headline,
             const std::vector<NamedCount>& counts) {
  constexpr size_t kMaxRows = 5;
  Slide s;
  s.layout = SlideLayout::kRanked;
  s.kicker = std::move(kicker);
  s.headline = std::move(headline);
  int top = 1;
  for (const NamedCount& n : counts) top = std::max(top, n.count);
  for (size_t i = 0; i < counts.size() && i < kMaxRows; ++i) {
    const NamedCount& n = counts[i];
    s.items.push_back(Item(n.name.empty() ? "(unnamed)" : n.name,
                           Counted(n.count, "entry", "entries"), "",
                           std::max(0, n.count) / double(top)));
  }
  return s;
}

Slide Streak(const WrappedContent& c) {
  int days = std::max(0, c.longest_streak_days);
  return TitleSlide(
      "LONGEST STREAK",
      days > 0 ? absl::StrCat(Counted(days, "day", "days"), " in a row")
               : "No streak yet",
      "Your longest run of consecutive days with an entry");
}

SlideItem Highlight(std::string label, const EntryHighlight& e) {
  std::string date = PrettyDate(e.date);
  std::string words = Counted(std::max(0, e.words), "word", "words");
  return Item(std::move(label), OrUntitled(e.title),
              date.empty() ? words : absl::StrCat(date, " \u00b7 ", words));
}

Slide Extremes(const WrappedContent& c) {
  Slide s;
  s.layout = SlideLayout::kHighlights;
  s.kicker = "LONGEST & SHORTEST";
  s.headline = "Big days and quick notes";
  if (c.longest_entry)
    s.items.push_back(Highlight("LONGEST", *c.longest_entry));
  if (c.shortest_entry) {
    s.items.push_back(Highlight("SHORTEST", *c.shortest_entry));
  }
  return s;
}

Slide Favorites(const WrappedContent& c) {
  constexpr size_t kMaxRows = 4;
  Slide s;
  s.layout = SlideLayout::kList;
  s.kicker = "FAVOURITES";
  s.headline = "Entries you starred";
  for (size_t i = 0; i < c.favorites.size() && i < kMaxRows; ++i) {
    s.items.push_back(Item("", OrUntitled(c.favorites[i])));
  }
  if (c.favorites.size() > kMaxRows) {
    s.body = absl::StrCat("and ", c.favorites.size() - kMaxRows, " more");
  }
  return s;
}

// ---------------------------------------------------------------------------
// Text: UTF-8 decoding and FreeType layout.

// Decodes UTF-8, replacing malformed sequences with U+FFFD, so arbitrary
// user bytes can never confuse the layout.
std::u32string DecodeUtf8(std::string_view in) {
  std::u32string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<uint8_t>(in[i]);
    int len = b0 < 0x80           ? 1
              : (b0 >> 5) == 0x6  ? 2
              : (b0 >> 4) == 0xE  ? 3
              : (b0 >> 3) == 0x1E ? 4
                                  : 0;
    char32_t cp = len == 1   ? b0
                  : len == 2 ? b0 & 0x1F
                  : len == 3 ? b0 & 0x0F
                             : b0 & 0x07;
    bool ok = len > 0 && i + len <= in.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<uint8_t>(in[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and out-of-range values.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok =
        ok && cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    out.push_back(ok ? cp : U'\uFFFD');
    i += ok ? len : 1;
  }
  return out;
}

// Slide text is a single paragraph: control characters become spaces, runs
// of spaces collapse, and invisible joiners/selectors (which would otherwise
// draw as boxes) are dropped.
std::u32string NormalizeText(std::string_view utf8) {
  constexpr size_t kMaxCodePoints = 300;  // bounds layout work on huge input
  std::u32string out;
  for (char32_t cp : DecodeUtf8(utf8)) {
    if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xFEFF ||
        (cp >= 0xFE00 && cp <= 0xFE0F)) {
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) cp = U' ';
    if (cp == U' ' && (out.empty() || out.back() == U' ')) continue;
    out.push_back(cp);
    if (out.size() >= kMaxCodePoints) {
      out.push_back(U'\u2026');
      break;
    }
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}

constexpr FT_Int32 kLoadFlags = FT_LOAD_DEFAULT | FT_LOAD_TARGET_LIGHT;

struct Rgb {
  uint8_t r, g, b;
};

// Glyphs positioned along a baseline; pen positions are in 26.6 pixels.
struct GlyphRun {
  std::vector<FT_UInt> glyphs;
  std::vector<char32_t> chars;
  std::vector<FT_Pos> pen;
  FT_Pos width = 0;
  bool cut = false;  // Fit shortened it with an ellipsis

  int PixelWidth() const { return static_cast<int>((width + 63) >> 6); }
};

// Lays out and draws text in one face at one pixel size.
class TextStyle {
 public:
  TextStyle(FT_Face face, int px) : face_(face), px_(std::max(8, px)) {}

  int px() const { return px_; }
  int line_height() const { return px_ * 5 / 4; }
  int ascent() const { return px_ * 19 / 20; }

  GlyphRun Shape(std::u32string_view text) const {
    FT_Set_Pixel_Sizes(face_, 0, px_);
    GlyphRun run;
    FT_UInt prev = 0;
    FT_Pos x = 0;
    for (char32_t cp : text) {
      FT_UInt gi = FT_Get_Char_Index(face_, cp);
      if (gi == 0) gi = FT_Get_Char_Index(face_, 0xFFFD);  // visible, not blank
      if (prev != 0 && gi != 0 && FT_HAS_KERNING(face_)) {
        FT_Vector delta;
        if (FT_Get_Kerning(face_, prev, gi, FT_KERNING_DEFAULT, &delta) == 0) {
          x += delta.x;
        }
      }
      run.glyphs.push_back(gi);
      run.chars.push_back(cp);
      run.pen.push_back(x);
      if (FT_Load_Glyph(face_, gi, kLoadFlags) == 0) {
        x += face_->glyph->advance.x;
      }
      prev = gi;
    }
    run.width = x;
    return run;
  }

  // Shapes `text`, cutting it with an ellipsis if wider than `max_width`.
  GlyphRun Fit(std::u32string_view text, int max_width) const {
    GlyphRun run = Shape(text);
    if (run.PixelWidth() <= max_width) return run;
    GlyphRun dots = Shape(U"\u2026");
    const FT_Pos budget = (FT_Pos{max_width} << 6) - dots.width;
    const size_t n = run.glyphs.size();
    auto prefix_width = [&](size_t k) {
      return k < n ? run.pen[k] : run.width;
    };
    run.cut = true;
    size_t keep = 0;
    while (keep < n && prefix_width(keep + 1) <= budget) ++keep;
    while (keep > 0 && run.chars[keep - 1] == U' ') --keep;
    FT_Pos end = prefix_width(keep);
    run.glyphs.resize(keep);
    run.chars.resize(keep);
    run.pen.resize(keep);
    if (end + dots.width <= (FT_Pos{max_width} << 6)) {
      run.glyphs.push_back(dots.glyphs[0]);
      run.chars.push_back(U'\u2026');
      run.pen.push_back(end);
      end += dots.width;
    }
    run.width = end;
    return run;
  }

  // Greedy word wrap into at most `max_lines`; the last line takes the rest
  // of the text and is ellipsized.
  std::vector<GlyphRun> Wrap(std::u32string_view text, int max_width,
                             int max_lines) const {
    std::vector<std::u32string_view> words;
    for (size_t b = 0; b < text.size();) {
      size_t e = text.find(U' ', b);
      if (e == std::u32string_view::npos) e = text.size();
      if (e > b) words.push_back(text.substr(b, e - b));
      b = e + 1;
    }
    std::vector<GlyphRun> lines;
    std::u32string line;
    for (size_t i = 0; i < words.size(); ++i) {
      if (static_cast<int>(lines.size()) == max_lines - 1) {
        // Everything left goes on the last line.
        size_t from = words[i].data() - text.data();
        std::u32string rest =
            line.empty() ? std::u32string(text.substr(from))
                         : line + U' ' + std::u32string(text.substr(from));
        lines.push_back(Fit(rest, max_width));
        return lines;
      }
      std::u32string candidate = line.empty()
                                     ? std::u32string(words[i])
                                     : line + U' ' + std::u32string(words[i]);
      if (line.empty() || Shape(candidate).PixelWidth() <= max_width) {
        line = std::move(candidate);
        continue;
      }
      lines.push_back(Fit(line, max_width));
      line = std::u32string(words[i]);
    }
    if (!line.empty() || lines.empty()) lines.push_back(Fit(line, max_width));
    return lines;
  }

  // Draws `run` with its origin at (x, baseline), clipped to the canvas.
  void Draw(const GlyphRun& run, int x, int baseline, Rgb color,
            RgbImage* canvas) const {
    FT_Set_Pixel_Sizes(face_, 0, px_);
    for (size_t i = 0; i < run.glyphs.size(); ++i) {
      if (FT_Load_Glyph(face_, run.glyphs[i], kLoadFlags | FT_LOAD_RENDER) !=
          0) {
        continue;
      }
      const FT_GlyphSlot slot = face_->glyph;
      if (slot->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY) continue;
      BlendCoverage(
          slot->bitmap,
          x + static_cast<int>((run.pen[i] + 32) >> 6) + slot->bitmap_left,
          baseline - slot->bitmap_top, color, canvas);
    }
  }

 private:
  static void BlendCoverage(const FT_Bitmap& bm, int x0, int y0, Rgb color,
                            RgbImage* canvas) {
    const int rows = static_cast<int>(bm.rows);
    const int cols = static_cast<int>(bm.width);
    for (int r = std::max(0, -y0); r < rows && y0 + r < canvas->height; ++r) {
      const uint8_t* src = bm.buffer + r * bm.pitch;
      uint8_t* dst =
          canvas->pixels.data() + (size_t(y0 + r) * canvas->width) * 3;
      for (int c = std::max(0, -x0); c < cols && x0 + c < canvas->width; ++c) {
        const int a = src[c];
        if (a == 0) continue;
        uint8_t* p = dst + (x0 + c) * 3;
        p[0] = static_cast<uint8_t>(p[0] + (color.r - p[0]) * a / 255);
        p[1] = static_cast<uint8_t>(p[1] + (color.g - p[1]) * a / 255);
        p[2] = static_cast<uint8_t>(p[2] + (color.b - p[2]) * a / 255);
      }
    }
  }

  FT_Face face_;
  int px_;
};

// ---------------------------------------------------------------------------
// Painting.

// One backdrop for the whole deck, so a crossfade only changes the pixels
// where text differs: x264 then skips most macroblocks of a fade, which made
// fades ~3x cheaper to encode than with a backdrop per slide. Slides differ
// by accent colour instead.
constexpr Rgb kBackdropTop = {38, 30, 86};
constexpr Rgb kBackdropBottom = {10, 10, 26};

constexpr Rgb kAccents[] = {
    {255, 181, 71},   // amber
    {94, 200, 255},   // sky
    {255, 112, 136},  // coral
    {46, 214, 182},   // teal
    {176, 150, 255},  // violet
};

constexpr Rgb kWhite = {246, 246, 250};
constexpr Rgb kSoft = {206, 206, 222};
constexpr Rgb kDim = {150, 150, 172};

Rgb Mix(Rgb a, Rgb b, double t) {
  auto m = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>(std::lround(x + (y - x) * t));
  };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

void FillBackdrop(RgbImage* canvas) {
  // Mostly vertical, slightly diagonal: light from the top left. The colour
  // is a row term plus a column term, so the column term is computed once.
  const int w = canvas->width, h = canvas->height;
  const Rgb top = kBackdropTop, bottom = kBackdropBottom;
  const float base[3] = {float(top.r), float(top.g), float(top.b)};
  const float delta[3] = {float(bottom.r - top.r), float(bottom.g - top.g),
                          float(bottom.b - top.b)};
  std::vector<float> column(size_t(w) * 3);
  for (int x = 0; x < w; ++x) {
    const float t = 0.2f * x / std::max(1, w - 1);
    for (int c = 0; c < 3; ++c) column[x * 3 + c] = delta[c] * t;
  }
  uint8_t* px = canvas->pixels.data();
  for (int y = 0; y < h; ++y) {
    const float t = 0.8f * y / std::max(1, h - 1);
    const float row[3] = {base[0] + delta[0] * t + 0.5f,
                          base[1] + delta[1] * t + 0.5f,
                          base[2] + delta[2] * t + 0.5f};
    for (int i = 0; i < w * 3; i += 3, px += 3) {
      px[0] = static_cast<uint8_t>(row[0] + column[i]);
      px[1] = static_cast<uint8_t>(row[1] + column[i + 1]);
      px[2] = static_cast<uint8_t>(row[2] + column[i + 2]);
    }
  }
}

void FillRect(int x, int y, int w, int h, Rgb color, RgbImage* canvas) {
  const int x0 = std::clamp(x, 0, canvas->width);
  const int x1 = std::clamp(x + w, 0, canvas->width);
  const int y0 = std::clamp(y, 0, canvas->height);
  const int y1 = std::clamp(y + h, 0, canvas->height);
  for (int row = y0; row < y1; ++row) {
    uint8_t* p = canvas->pixels.data() + (size_t(row) * canvas->width + x0) * 3;
    for (int col = x0; col < x1; ++col, p += 3) {
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
    }
  }
}

// Resolution-dependent measurements, all derived from one unit so every
// size from 640x360 to 1920x1080 (and odd aspect ratios) stays proportional.
struct Metrics {
  explicit Metrics(int w, int h)
      : width(w),
        height(h),
        unit(std::min(h, w * 9 / 16)),
        margin(std::max(8, w * 8 / 100)),
        content_width(std::max(1, w - 2 * margin)) {}

  int Px(double fraction_of_unit) const {
    return std::max(8, static_cast<int>(std::lround(unit * fraction_of_unit)));
  }

  int width, height, unit, margin, content_width;
};

// Draws one slide; lives for a single Paint call.
class SlideLayoutPainter {
 public:
  SlideLayoutPainter(FT_Face regular, FT_Face bold, const Slide& slide,
                     RgbImage* canvas)
      : regular_(regular),
        bold_(bold),
        slide_(slide),
        canvas_(canvas),
        m_(canvas->width, canvas->height),
        accent_(kAccents[static_cast<unsigned>(slide.accent) %
                         std::size(kAccents)]) {}

  void Paint() {
    FillBackdrop(canvas_);
    switch (slide_.layout) {
      case SlideLayout::kTitle:
        PaintTitle();
        break;
      case SlideLayout::kStats:
        PaintStats(PaintHeader(/*with_body=*/false));
        break;
      case SlideLayout::kBars:
        PaintBars(PaintHeader(/*with_body=*/true));
        break;
      case SlideLayout::kRanked:
        PaintRanked(PaintHeader(/*with_body=*/false));
        break;
      case SlideLayout::kHighlights:
        PaintHighlights(PaintHeader(/*with_body=*/false));
        break;
      case SlideLayout::kList:
        PaintList(PaintHeader(/*with_body=*/false));
        break;
    }
  }

 private:
  // Text sizes as fractions of the unit (the height of a 16:9 frame): at
  // 640x360 the smallest text is 14 px, the size of a phone's body text.
  TextStyle Kicker() const { return TextStyle(bold_, m_.Px(0.04)); }
  TextStyle Body() const { return TextStyle(regular_, m_.Px(0.047)); }
  TextStyle Small() const { return TextStyle(regular_, m_.Px(0.04)); }
  TextStyle Title() const { return TextStyle(bold_, m_.Px(0.062)); }

  // Text wrapped at the largest size that shows all of it.
  struct Block {
    TextStyle style;
    std::vector<GlyphRun> lines;
    int height() const { return style.line_height() * int(lines.size()); }
  };

  // Wraps `text` into `max_lines` at `px`, stepping the size down (to no
  // less than `min_px`) until nothing is cut. If even `min_px` cuts it,
  // wraps at `min_px` into `fallback_lines` (>= max_lines), ellipsized.
  Block Shrink(FT_Face face, int px, int min_px, std::u32string_view text,
               int max_lines, int fallback_lines) const {
    for (int size = px;; size = std::max(min_px, size * 9 / 10)) {
      TextStyle style(face, size);
      std::vector<GlyphRun> lines =
          style.Wrap(text, m_.content_width, max_lines);
      const bool cut = std::any_of(lines.begin(), lines.end(),
                                   [](const GlyphRun& l) { return l.cut; });
      if (!cut) return {style, std::move(lines)};
      if (size <= min_px) break;
    }
    TextStyle style(face, min_px);
    return {style, style.Wrap(text, m_.content_width, fallback_lines)};
  }

  int Left(const GlyphRun& run, bool centred) const {
    return centred ? (m_.width - run.PixelWidth()) / 2 : m_.margin;
  }

  // Draws lines top-down from *y, advancing it.
  void DrawLines(const TextStyle& style, const std::vector<GlyphRun>& lines,
                 Rgb color, bool centred, int* y) {
    for (const GlyphRun& line : lines) {
      style.Draw(line, Left(line, centred), *y + style.ascent(), color,
                 canvas_);
      *y += style.line_height();
    }
  }

  void DrawBlock(const Block& block, Rgb color, bool centred, int* y) {
    DrawLines(block.style, block.lines, color, centred, y);
  }

  int AccentRuleHeight() const { return std::max(2, m_.unit / 120); }

  // Where a block of `height` starts so that the space between `top` and
  // the bottom margin is split 1:2 above and below it (optically centred:
  // a list hanging low under its headline looks detached). At `top` if the
  // block is taller.
  int PlacedTop(int top, int height) const {
    return top + std::max(0, (Bottom() - top - height) / 3);
  }

  void PaintTitle() {
    const TextStyle kicker = Kicker();
    const TextStyle body = Body();
    const std::vector<GlyphRun> kicker_lines =
        kicker.Wrap(NormalizeText(slide_.kicker), m_.content_width, 1);
    // Long names shrink the headline before it wraps onto a third line.
    const Block headline = Shrink(bold_, m_.Px(0.105), m_.Px(0.07),
                                  NormalizeText(slide_.headline), 2, 3);
    const std::vector<GlyphRun> body_lines =
        body.Wrap(NormalizeText(slide_.body), m_.content_width, 2);
    const int gap = m_.Px(0.03);
    const int rule = AccentRuleHeight();
    const int total = kicker.line_height() + gap + rule + gap +
                      headline.height() + gap +
                      body.line_height() * int(body_lines.size());
    int y = (m_.height - total) / 2;
    DrawLines(kicker, kicker_lines, accent_, /*centred=*/true, &y);
    y += gap;
    const int rule_width = m_.unit / 8;
    FillRect((m_.width - rule_width) / 2, y, rule_width, rule, accent_,
             canvas_);
    y += rule + gap;
    DrawBlock(headline, kWhite, /*centred=*/true, &y);
    y += gap;
    DrawLines(body, body_lines, kSoft, /*centred=*/true, &y);
  }

  // Kicker, headline and optionally body at the top left. Returns the y at
  // which the slide's own content may start.
  int PaintHeader(bool with_body) {
    const TextStyle kicker = Kicker();
    int y = m_.height * 10 / 100;
    DrawLines(kicker,
              kicker.Wrap(NormalizeText(slide_.kicker), m_.content_width, 1),
              accent_, /*centred=*/false, &y);
    y += m_.Px(0.012);
    DrawBlock(Shrink(bold_, m_.Px(0.085), m_.Px(0.065),
                     NormalizeText(slide_.headline), 1, 2),
              kWhite, /*centred=*/false, &y);
    if (with_body && !slide_.body.empty()) {
      const TextStyle body = Body();
      y += m_.Px(0.006);
      DrawLines(body,
                body.Wrap(NormalizeText(slide_.body), m_.content_width, 1),
                kSoft, /*centred=*/false, &y);
    }
    return y + m_.Px(0.05);
  }

  int Bottom() const { return m_.height - m_.height * 10 / 100; }

  void PaintStats(int top) {
    if (slide_.items.empty()) return;
    const TextStyle label = Body();
    const int columns = static_cast<int>(slide_.items.size());
    const int column_width = m_.content_width / columns;
    const int fit = column_width - m_.Px(0.05);
    // One size for every number, the largest at which all of them fit:
    // counts are never cut while a smaller size would show them whole.
    std::vector<std::u32string> values;
    for (const SlideItem& item : slide_.items) {
      values.push_back(NormalizeText(item.value));
    }
    const int min_px = m_.Px(0.045);
    int px = m_.Px(0.11);
    while (
        px > min_px &&
        std::any_of(values.begin(), values.end(), [&](const std::u32string& v) {
          return TextStyle(bold_, px).Shape(v).PixelWidth() > fit;
        })) {
      px = std::max(min_px, px * 9 / 10);
    }
    const TextStyle value(bold_, px);
    const int block = value.line_height() + label.line_height();
    const int y = PlacedTop(top, block);
    for (int i = 0; i < columns; ++i) {
      const SlideItem& item = slide_.items[i];
      const int x = m_.margin + i * column_width;
      value.Draw(value.Fit(values[i], fit), x, y + value.ascent(), accent_,
                 canvas_);
      label.Draw(label.Fit(NormalizeText(item.label), fit), x,
                 y + value.line_height() + label.ascent(), kSoft, canvas_);
    }
  }

  void PaintBars(int top) {
    static constexpr char32_t kInitials[] = U"JFMAMJJASOND";
    const TextStyle initial(bold_, m_.Px(0.04));
    const TextStyle count(regular_, m_.Px(0.036));
    const int slot = m_.content_width / 12;
    const int bar_width = std::max(2, slot * 6 / 10);
    const int base = Bottom() - initial.line_height();
    const int max_bar = std::max(4, base - top - count.line_height());
    const int busiest =
        *std::max_element(slide_.months.begin(), slide_.months.end());
    const Rgb track = Mix(kBackdropBottom, kDim, 0.25);
    const Rgb quiet = Mix(accent_, kBackdropBottom, 0.45);
    const int rule = AccentRuleHeight();
    for (int m = 0; m < 12; ++m) {
      const int value = slide_.months[m];
      const bool peak = busiest > 0 && value == busiest;
      const int x = m_.margin + m * slot + (slot - bar_width) / 2;
      const int h = busiest > 0
                        ? static_cast<int>(int64_t{max_bar} * value / busiest)
                        : 0;
      FillRect(x, base - rule, bar_width, rule, track, canvas_);
      if (value > 0) {
        // A month with entries always shows, however small next to the peak.
        const int shown = std::max(h, rule);
        FillRect(x, base - shown, bar_width, shown, peak ? accent_ : quiet,
                 canvas_);
        GlyphRun n = count.Fit(NormalizeText(absl::StrCat(value)), slot);
        count.Draw(n, x + (bar_width - n.PixelWidth()) / 2,
                   base - shown - count.line_height() + count.ascent(),
                   peak ? kWhite : kSoft, canvas_);
      }
      GlyphRun letter = initial.Shape(std::u32string_view(&kInitials[m], 1));
      initial.Draw(letter, x + (bar_width - letter.PixelWidth()) / 2,
                   base + initial.ascent() + m_.Px(0.01),
                   peak ? accent_ : kSoft, canvas_);
    }
  }

  void PaintRanked(int top) {
    const TextStyle text = Body();
    const int bar = std::max(3, m_.unit / 90);
    const int under = m_.Px(0.01);  // between a label and its bar
    const int fixed = text.line_height() + under + bar;
    // Rows spread out when there are few, and close up to fit five.
    const int space = Bottom() - top;
    const int count = static_cast<int>(slide_.items.size());
    const int gap = count > 1
                        ? std::clamp((space - count * fixed) / (count - 1),
                                     m_.Px(0.012), m_.Px(0.04))
                        : 0;
    const int row = fixed + gap;
    const int rows = std::min(count, std::max(1, (space + gap) / row));
    const Rgb track = Mix(kBackdropBottom, kDim, 0.25);
    int y = PlacedTop(top, rows * row - gap);
    for (int i = 0; i < rows; ++i) {
      const SlideItem& item = slide_.items[i];
      GlyphRun value =
          text.Fit(NormalizeText(item.value), m_.content_width / 2);
      GlyphRun label =
          text.Fit(NormalizeText(item.label),
                   m_.content_width - value.PixelWidth() - m_.Px(0.04));
      text.Draw(label, m_.margin, y + text.ascent(), kWhite, canvas_);
      text.Draw(value, m_.margin + m_.content_width - value.PixelWidth(),
                y + text.ascent(), kDim, canvas_);
      const int bar_y = y + text.line_height() + under;
      FillRect(m_.margin, bar_y, m_.content_width, bar, track, canvas_);
      FillRect(m_.margin, bar_y,
               static_cast<int>(m_.content_width *
                                std::clamp(item.fraction, 0.0, 1.0)),
               bar, accent_, canvas_);
      y += row;
    }
  }

  // Label over a title (wrapped onto two lines when there is room) over a
  // detail, per item; the blocks are centred in the space left.
  void PaintHighlights(int top) {
    const TextStyle label = Kicker();
    const TextStyle title = Title();
    const TextStyle detail = Small();
    const int inner = m_.Px(0.008);  // between the lines of one block
    const int gap = m_.Px(0.05);     // between blocks
    auto layout = [&](int title_lines, int* height) {
      std::vector<std::vector<GlyphRun>> titles;
      *height = 0;
      for (const SlideItem& item : slide_.items) {
        std::vector<GlyphRun> lines = title.Wrap(NormalizeText(item.value),
                                                 m_.content_width, title_lines);
        int block = title.line_height() * int(lines.size());
        if (!item.label.empty()) block += label.line_height() + inner;
        if (!item.detail.empty()) block += detail.line_height() + inner;
        if (*height + block > Bottom() - top) break;
        *height += block + gap;
        titles.push_back(std::move(lines));
      }
      *height = std::max(0, *height - gap);
      return titles;
    };
    int height = 0;
    std::vector<std::vector<GlyphRun>> titles = layout(2, &height);
    if (titles.size() < slide_.items.size()) titles = layout(1, &height);
    int y = PlacedTop(top, height);
    for (size_t i = 0; i < titles.size(); ++i) {
      const SlideItem& item = slide_.items[i];
      if (!item.label.empty()) {
        DrawLines(label,
                  {label.Fit(NormalizeText(item.label), m_.content_width)},
                  accent_, false, &y);
        y += inner;
      }
      DrawLines(title, titles[i], kWhite, false, &y);
      if (!item.detail.empty()) {
        y += inner;
        DrawLines(detail,
                  {detail.Fit(NormalizeText(item.detail), m_.content_width)},
                  kSoft, false, &y);
      }
      y += gap;
    }
  }

  // One title per row behind an accent star, then the body ("and 2 more").
  void PaintList(int top) {
    const TextStyle title = Title();
    const TextStyle star(regular_, title.px());
    const TextStyle more = Body();
    const GlyphRun bullet = star.Shape(U"\u2605");
    const int indent = bullet.PixelWidth() + m_.Px(0.03);
    const int row = title.line_height() + m_.Px(0.02);
    const int more_height =
        slide_.body.empty() ? 0 : more.line_height() + m_.Px(0.01);
    const int rows = std::min<int>(
        slide_.items.size(), std::max(1, (Bottom() - top - more_height) / row));
    int y = PlacedTop(top, rows * row + more_height);
    for (int i = 0; i < rows; ++i) {
      star.Draw(bullet, m_.margin, y + title.ascent(), accent_, canvas_);
      title.Draw(title.Fit(NormalizeText(slide_.items[i].value),
                           m_.content_width - indent),
                 m_.margin + indent, y + title.ascent(), kWhite, canvas_);
      y += row;
    }
    if (more_height > 0 && y + more_height <= Bottom()) {
      y += m_.Px(0.01);
      more.Draw(more.Fit(NormalizeText(slide_.body), m_.content_width - indent),
                m_.margin + indent, y + more.ascent(), kDim, canvas_);
    }
  }

  FT_Face regular_;
  FT_Face bold_;
  const Slide& slide_;
  RgbImage* canvas_;
  Metrics m_;
  Rgb accent_;
};

}  // namespace

std::vector<Slide> BuildSlides(const WrappedContent& content) {
  std::vector<Slide> deck;
  deck.push_back(Greeting(content));
  if (content.entries <= 0) {
    deck.push_back(TitleSlide(absl::StrCat(content.year), "A quiet year",
                              "Every story starts with a first entry"));
  } else {
    deck.push_back(Totals(content));
    deck.push_back(Rhythm(content));
    if (!content.top_tags.empty()) {
      deck.push_back(
          Ranked("TOP TAGS", "What you wrote about", content.top_tags));
    }
    if (!content.moods.empty()) {
      deck.push_back(Ranked("MOODS", "How it felt", content.moods));
    }
    deck.push_back(Streak(content));
    if (content.longest_entry || content.shortest_entry) {
      deck.push_back(Extremes(content));
    }
    if (!content.favorites.empty()) deck.push_back(Favorites(content));
  }
  deck.push_back(Closing(content));
  for (size_t i = 0; i < deck.size(); ++i) deck[i].accent = static_cast<int>(i);
  return deck;
}

struct SlidePainter::Fonts {
  FT_Library library = nullptr;
  FT_Face regular = nullptr;
  FT_Face bold = nullptr;

  ~Fonts() {
    if (bold != nullptr) FT_Done_Face(bold);
    if (regular != nullptr) FT_Done_Face(regular);
    if (library != nullptr) FT_Done_FreeType(library);
  }
};

absl::StatusOr<std::unique_ptr<SlidePainter>> SlidePainter::Create(
    const std::string& font_dir) {
  auto fonts = std::make_unique<Fonts>();
  if (FT_Error err = FT_Init_FreeType(&fonts->library); err != 0) {
    return absl::InternalError(absl::StrCat("FT_Init_FreeType failed: ", err));
  }
  auto load = [&](const char* file, FT_Face* face) -> absl::Status {
    const std::string path = absl::StrCat(font_dir, "/", file);
    if (FT_Error err = FT_New_Face(fonts->library, path.c_str(), 0, face);
        err != 0) {
      *face = nullptr;
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot load font ", path, " (FreeType error ", err, ")"));
    }
    return absl::OkStatus();
  };
  if (absl::Status s = load("DejaVuSans.ttf", &fonts->regular); !s.ok()) {
    return s;
  }
  if (absl::Status s = load("DejaVuSans-Bold.ttf", &fonts->bold); !s.ok()) {
    return s;
  }
  return std::make_unique<SlidePainter>(PrivateTag{}, std::move(fonts));
}

SlidePainter::SlidePainter(PrivateTag, std::unique_ptr<Fonts> fonts)
    : fonts_(std::move(fonts)) {}

SlidePainter::~SlidePainter() = default;

absl::Status SlidePainter::Paint(const Slide& slide, RgbImage* canvas) {
  if (canvas->width <= 0 || canvas->height <= 0) {
    return absl::InvalidArgumentError("canvas has no pixels");
  }
  canvas->pixels.resize(size_t(canvas->width) * canvas->height * 3);
  SlideLayoutPainter(fonts_->regular, fonts_->bold, slide, canvas).Paint();
  return absl::OkStatus();
}

}  // namespace stopframe::media
