// Protocol overhead against the official MCP TypeScript SDK: the same cheap
// tool (get_entry: same name, input schema and result shape) served by
// stopframe-gateway and by bench/node/sdk_journal_server.mjs (McpServer +
// StdioServerTransport), both over stdio, driven by the same client.
//  1. sequential tools/call round trips: p50, p99;
//  2. pipelined: --inflight requests outstanding at all times: calls/s, and
//     the server's CPU time per call (all its threads, user and system),
//     which a busy shared machine disturbs less than calls/s;
//  3. ours only: the same round trips while --renders draft renders run.
// It also reports MCP ping round trips: the protocol path without a tool.
// Both servers run for tests 1 and 2 and alternate round by round; test 3
// runs after the SDK server has exited. The tables give medians over
// rounds. The SDK side keeps its journal in memory (no database read per
// call), which favours it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/mcp_peer.h"
#include "tests/integration/support/renderer_harness.h"

ABSL_FLAG(int, calls, 2000, "Sequential calls per server and round");
ABSL_FLAG(int, rounds, 5, "Rounds; the servers alternate within each");
ABSL_FLAG(int, inflight, 64, "Requests outstanding in the pipelined test");
ABSL_FLAG(int, pipelined, 5000, "Calls per pipelined round");
ABSL_FLAG(int, entries, 1000, "Journal entries on both sides");
ABSL_FLAG(int, renders, 8, "Concurrent draft renders for test 3; 0 skips it");
ABSL_FLAG(std::vector<std::string>, renderer_flags, {},
          "Extra flags for the renderer of test 3, e.g. --max_lanes=1");
ABSL_FLAG(std::string, node, STOPFRAME_NODE, "The node binary");
ABSL_FLAG(std::string, node_dir, STOPFRAME_BENCH_NODE_DIR,
          "bench/node, with its node_modules installed");

namespace {

using stopframe::bench::Json;
using stopframe::bench::McpPeer;
using stopframe::bench::Median;
using stopframe::bench::Percentile;
using Clock = std::chrono::steady_clock;

constexpr const char* kMoods[] = {"happy", "calm", "tired", "thoughtful",
                                  "excited"};
constexpr const char* kTags[] = {"family", "running", "books", "garden",
                                 "work",   "travel",  "food",  "music"};
constexpr absl::Duration kTimeout = absl::Seconds(60);

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "protocol_overhead: %s\n", why.c_str());
  std::exit(1);
}

double MicrosSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// One server under test and its next request id.
struct Server {
  std::unique_ptr<McpPeer> peer;
  int64_t next_id = 1;
};

// The request line, formatted before any timing starts.
std::string GetEntryLine(int64_t id) {
  return absl::StrCat(
      R"({"jsonrpc":"2.0","id":)", id,
      R"(,"method":"tools/call","params":{"name":"get_entry","arguments":{"id":)",
      id % absl::GetFlag(FLAGS_entries) + 1, "}}}");
}

// MCP ping: the protocol round trip alone, no tool.
std::string PingLine(int64_t id) {
  return absl::StrCat(R"({"jsonrpc":"2.0","id":)", id, R"(,"method":"ping"})");
}

void CheckResult(const Json& response) {
  if (response.contains("error") ||
      response["result"].value("isError", false)) {
    Fail(absl::StrCat("get_entry failed: ", response.dump()));
  }
}

// The journal_scale generator, written through the real create_entry tool
// with --inflight requests outstanding.
void Seed(Server& s, int count) {
  const int inflight = absl::GetFlag(FLAGS_inflight);
  int sent = 0, done = 0;
  auto send = [&] {
    const int i = sent++;
    s.peer->CallTool(
        absl::StrCat("seed-", i), "create_entry",
        {{"title", absl::StrCat("Entry ", i)},
         {"content", absl::StrCat("Words for entry ", i,
                                  " about the day, the "
                                  "weather and the people.")},
         {"mood", kMoods[i % 5]},
         {"tags", {kTags[i % 8], kTags[(i / 8) % 8]}},
         {"isFavorite", i % 97 == 0},
         {"isPrivate", i % 31 == 0},
         {"date", absl::StrFormat("2025-%02d-%02d", 1 + i % 12, 1 + i % 28)}});
  };
  while (sent < std::min(inflight, count)) send();
  while (done < count) {
    std::optional<Json> m = s.peer->Next(kTimeout);
    if (!m) Fail("the gateway stopped answering while seeding");
    if (!McpPeer::IsResponse(*m)) continue;
    CheckResult(*m);
    ++done;
    if (sent < count) send();
  }
}

// `calls` round trips (get_entry, or ping), one at a time; latencies in µs.
// `on_other` sees every other message; `between` runs after each round trip,
// outside the timing.
std::vector<double> Sequential(
    Server& s, int calls,
    const std::function<void(const Json&)>& on_other = nullptr,
    const std::function<void()>& between = nullptr, bool ping = false) {
  std::vector<double> micros;
  micros.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    const int64_t id = s.next_id++;
    const std::string request = ping ? PingLine(id) : GetEntryLine(id);
    const Clock::time_point t0 = Clock::now();
    s.peer->SendLine(request);
    while (true) {
      std::optional<std::string> line = s.peer->NextLine(kTimeout);
      // Stopped on arrival: parsing and checking are the client's cost.
      const double elapsed = MicrosSince(t0);
      if (!line) Fail("no response in time");
      Json m = Json::parse(*line, nullptr, false);
      if (McpPeer::IsResponse(m) && m["id"] == id) {
        micros.push_back(elapsed);
        CheckResult(m);
        break;
      }
      if (on_other) on_other(m);
    }
    if (between) between();
  }
  return micros;
}

// The CPU time `pid` has used so far, all threads, user and system, in µs
// (from /proc/PID/stat, to the clock tick: 10 ms).
double CpuMicros(pid_t pid) {
  const std::string stat =
      stopframe::testing::ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  // The fields after the command name, which may hold spaces: state (the
  // 3rd field of the line) first, so utime (14th) and stime (15th) are at 11
  // and 12.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) Fail("unreadable /proc/PID/stat");
  const std::vector<std::string> fields =
      absl::StrSplit(stat.substr(close + 2), ' ');
  if (fields.size() < 13) Fail("short /proc/PID/stat");
  const double ticks = std::strtod(fields[11].c_str(), nullptr) +
                       std::strtod(fields[12].c_str(), nullptr);
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct PipelinedResult {
  double calls_per_second;
  double server_cpu_micros_per_call;
};

// `total` calls with `inflight` outstanding at all times. The client
// must not be what is measured, so it stays cheap: requests are formatted in
// advance and refilled with one write per read, replies are counted line by
// line and scanned for an error marker, and one in 64 is parsed and checked in
// full.
PipelinedResult Pipelined(Server& s, int total, int inflight) {
  std::vector<std::string> requests;
  requests.reserve(total);
  for (int i = 0; i < total; ++i) requests.push_back(GetEntryLine(s.next_id++));
  std::string batch;
  int sent = 0, done = 0;
  auto refill = [&] {
    batch.clear();
    for (; sent < total && sent - done < inflight; ++sent) {
      absl::StrAppend(&batch, requests[sent], "\n");
    }
    if (!batch.empty()) {
      batch.pop_back();  // SendLine adds the last newline
      if (!s.peer->SendLine(std::move(batch)))
        Fail("the server stopped reading");
    }
  };
  const pid_t pid = s.peer->process().pid();
  const double cpu0 = CpuMicros(pid);
  const Clock::time_point t0 = Clock::now();
  refill();
  while (done < total) {
    std::optional<std::string> line = s.peer->NextLine(kTimeout);
    if (!line) Fail("no response in time (pipelined)");
    if (!absl::StrContains(*line, R"("id":)")) continue;  // not a response
    if (absl::StrContains(*line, R"("isError":true)") ||
        absl::StrContains(*line, R"("error":{)")) {
      Fail(absl::StrCat("get_entry failed: ", line->substr(0, 500)));
    }
    if (done % 64 == 0) CheckResult(Json::parse(*line, nullptr, false));
    ++done;
    if (!s.peer->LineBuffered()) refill();  // one write per read, not per reply
  }
  const double micros = MicrosSince(t0);
  return {total / (micros / 1e6), (CpuMicros(pid) - cpu0) / total};
}

// Round trips while `renders` draft renders run (a finished one is replaced
// between round trips); cancels them all and waits for an idle renderer.
std::vector<double> Loaded(Server& s, stopframe::testing::RendererHarness& r,
                           int renders, int calls) {
  static int next_render = 0;
  std::set<std::string> active, started;
  auto start = [&] {
    const std::string id = absl::StrCat("render-", next_render++);
    s.peer->CallTool(
        id, "create_wrapped_video",
        {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 3}}, true);
    active.insert(id);
  };
  auto on_other = [&](const Json& m) {
    if (McpPeer::IsResponse(m) && m["id"].is_string()) {
      if (m.contains("error") || m["result"].value("isError", false)) {
        Fail(absl::StrCat("a render failed: ", m.dump().substr(0, 500)));
      }
      active.erase(m["id"].get<std::string>());
      started.erase(m["id"].get<std::string>());
    } else if (m.value("method", "") == "notifications/progress") {
      // Only this round's renders (a cancelled one may still report).
      const Json& token = m["params"]["progressToken"];
      if (token.is_string() && active.contains(token.get<std::string>())) {
        started.insert(token.get<std::string>());
      }
    }
  };
  auto top_up = [&] {
    while (static_cast<int>(active.size()) < renders) start();
  };
  top_up();
  // Every render has started drawing before the first sample.
  while (started.size() < active.size() ||
         static_cast<int>(active.size()) < renders) {
    std::optional<Json> m = s.peer->Next(kTimeout);
    if (!m) Fail("renders did not start");
    on_other(*m);
    top_up();
  }
  std::vector<double> micros = Sequential(s, calls, on_other, top_up);
  for (const std::string& id : active) s.peer->Cancel(id);
  if (!r.WaitForStats(
          [](const stopframe::renderer::v1::RendererStats& st) {
            return st.active() == 0;
          },
          kTimeout)) {
    Fail("renders did not stop");
  }
  return micros;
}

std::string Ratio(double ours, double theirs) {
  return theirs > 0 ? absl::StrFormat("%.2fx", ours / theirs) : "-";
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int calls = absl::GetFlag(FLAGS_calls);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int inflight = absl::GetFlag(FLAGS_inflight);
  const int pipelined = absl::GetFlag(FLAGS_pipelined);
  const int entries = absl::GetFlag(FLAGS_entries);
  const int renders = absl::GetFlag(FLAGS_renders);

  auto renderer = stopframe::testing::RendererHarness::Start(
      std::max(2, renders), absl::GetFlag(FLAGS_renderer_flags));
  if (!renderer) Fail("renderer did not start (set STOPFRAME_BIN_DIR)");
  const std::string dir = stopframe::testing::MakeTempDir();
  Server ours, theirs;
  ours.peer = McpPeer::Start(
      {stopframe::testing::BinaryPath("gateway/stopframe-gateway"),
       "--db=" + dir + "/journal.db", "--videos_dir=" + dir + "/videos",
       "--renderer=" + renderer->target()});
  theirs.peer =
      McpPeer::Start({absl::GetFlag(FLAGS_node),
                      absl::GetFlag(FLAGS_node_dir) + "/sdk_journal_server.mjs",
                      absl::StrCat("--entries=", entries)});
  if (!ours.peer || !ours.peer->Initialize()) Fail("gateway did not start");
  if (!theirs.peer || !theirs.peer->Initialize()) {
    Fail("the SDK server did not start (npm ci --prefix bench/node?)");
  }
  Seed(ours, entries);

  // Warm both up (the SDK side has a JIT), unreported.
  for (Server* s : {&ours, &theirs}) {
    Sequential(*s, std::min(calls, 500));
    Pipelined(*s, std::min(pipelined, 1000), inflight);
  }

  std::vector<double> p50[2], p99[2], rate[2], cpu[2], ping_p50[2], idle_p50,
      idle_p99, loaded_p50, loaded_p99;
  for (int round = 0; round < rounds; ++round) {
    for (int k = 0; k < 2; ++k) {
      const int side = (round + k) % 2;  // alternate who goes first
      Server& s = side == 0 ? ours : theirs;
      std::vector<double> micros = Sequential(s, calls);
      p50[side].push_back(Percentile(micros, 0.5));
      p99[side].push_back(Percentile(micros, 0.99));
      const PipelinedResult piped = Pipelined(s, pipelined, inflight);
      rate[side].push_back(piped.calls_per_second);
      cpu[side].push_back(piped.server_cpu_micros_per_call);
      ping_p50[side].push_back(
          Percentile(Sequential(s, calls, nullptr, nullptr, true), 0.5));
    }
  }
  // Test 3 is ours alone: the SDK server is shut down first, so that its
  // runtime's background threads (V8's GC and compiler, which ran for up to
  // 4 ms at a time after its pipelined rounds) do not share the cores.
  theirs.peer.reset();
  for (int round = 0; renders > 0 && round < rounds; ++round) {
    for (int k = 0; k < 2; ++k) {
      if ((round + k) % 2 == 0) {
        std::vector<double> micros = Sequential(ours, calls);
        idle_p50.push_back(Percentile(micros, 0.5));
        idle_p99.push_back(Percentile(micros, 0.99));
      } else {
        std::vector<double> micros = Loaded(ours, *renderer, renders, calls);
        loaded_p50.push_back(Percentile(micros, 0.5));
        loaded_p99.push_back(Percentile(micros, 0.99));
      }
    }
  }

  std::string node_version = "Node";
  if (auto v = stopframe::testing::RunCommand(absl::GetFlag(FLAGS_node) +
                                              " --version");
      v.ok()) {
    node_version = absl::StrCat("Node ", absl::StripAsciiWhitespace(*v));
  }
  std::printf(
      "| get_entry over stdio, %d entries, %d calls x %d rounds | p50 us | "
      "p99 us | calls/s, %d in flight | server CPU us per call, in flight | "
      "ping p50 us |\n"
      "|---|---|---|---|---|---|\n",
      entries, calls, rounds, inflight);
  std::printf(
      "| stopframe-gateway (C++, SQLite) | %.0f | %.0f | %.0f | %.1f | %.0f "
      "|\n",
      Median(p50[0]), Median(p99[0]), Median(rate[0]), Median(cpu[0]),
      Median(ping_p50[0]));
  std::printf(
      "| official TypeScript SDK 1.32.2 (%s, in memory) | %.0f | %.0f | "
      "%.0f | %.1f | %.0f |\n",
      node_version.c_str(), Median(p50[1]), Median(p99[1]), Median(rate[1]),
      Median(cpu[1]), Median(ping_p50[1]));
  std::printf("| ratio (ours / SDK) | %s | %s | %s | %s | %s |\n",
              Ratio(Median(p50[0]), Median(p50[1])).c_str(),
              Ratio(Median(p99[0]), Median(p99[1])).c_str(),
              Ratio(Median(rate[0]), Median(rate[1])).c_str(),
              Ratio(Median(cpu[0]), Median(cpu[1])).c_str(),
              Ratio(Median(ping_p50[0]), Median(ping_p50[1])).c_str());
  if (renders > 0) {
    std::printf(
        "\n| get_entry on stopframe-gateway, %d calls x %d rounds | p50 us | "
        "p99 us |\n|---|---|---|\n",
        calls, rounds);
    std::printf("| idle | %.0f | %.0f |\n", Median(idle_p50), Median(idle_p99));
    std::printf("| %d draft renders in flight | %.0f | %.0f |\n", renders,
                Median(loaded_p50), Median(loaded_p99));
    std::printf("| ratio (loaded / idle) | %s | %s |\n",
                Ratio(Median(loaded_p50), Median(idle_p50)).c_str(),
                Ratio(Median(loaded_p99), Median(idle_p99)).c_str());
  }
  ours.peer.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
