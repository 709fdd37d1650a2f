#include "gateway/gateway_app.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "common/thread_priority.h"
#include "gateway/elicitation.h"
#include "gateway/journal/journal_store.h"
#include "gateway/line_splitter.h"
#include "gateway/log.h"
#include "gateway/mcp_server.h"
#include "gateway/prompts/prompt_methods.h"
#include "gateway/read_loop.h"
#include "gateway/renderer_client.h"
#include "gateway/renderer_process.h"
#include "gateway/resources/resource_methods.h"
#include "gateway/resources/resource_subscriptions.h"
#include "gateway/stdout_writer.h"
#include "gateway/tools/journal_tools.h"
#include "gateway/tools/wrapped_video_tool.h"
#include "gateway/video_store.h"

namespace stopframe::gateway {
namespace {

// EEVDF's shortest slice: the reader runs for microseconds per message.
constexpr absl::Duration kReaderSlice = absl::Microseconds(100);

}  // namespace

std::string DefaultDatabasePath() {
  const char* xdg = getenv("XDG_DATA_HOME");
  std::string base;
  if (xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else {
    const char* home = getenv("HOME");
    base = std::string(home ? home : "/tmp") + "/.local/share";
  }
  return base + "/stopframe/journal.db";
}

int RunGateway(const GatewayOptions& options) {
  // Stop signals arrive through a signalfd the reader polls; block them in
  // every thread (threads inherit this mask; the renderer child resets it).
  signal(SIGPIPE, SIG_IGN);
  // A file-size limit must fail the write (EFBIG, reported to the user),
  // not kill the server.
  signal(SIGXFSZ, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);

  const std::string db_path =
      options.db_path.empty() ? DefaultDatabasePath() : options.db_path;
  auto journal = journal::JournalStore::Open(db_path);
  if (!journal.ok()) {
    Log("cannot open the journal %s: %s", db_path, journal.status().ToString());
    return 1;
  }
  if ((*journal)->read_only()) {
    Log("the journal %s is read-only: reads work, every change is refused",
        db_path);
  }
  std::string videos_dir = options.videos_dir;
  if (videos_dir.empty()) {
    // Beside the journal file; --db may be an SQLite URI, so ask the store.
    const std::string file = (*journal)->file_path();
    videos_dir = file.substr(0, file.rfind('/') + 1) + "videos";
  }
  auto videos = VideoStore::Open(videos_dir);
  if (!videos.ok()) {
    Log("cannot open the videos directory: %s", videos.status().ToString());
    return 1;
  }

  // The embedded child listens on a private 0700 unix socket; TLS is for a
  // renderer reached over the network.
  if (options.renderer_target.empty() && options.renderer_tls.any()) {
    Log("the --renderer_tls_* flags apply only to a remote renderer; pass "
        "--renderer=HOST:PORT too (the embedded renderer uses a private unix "
        "socket)");
    return 1;
  }
  auto tls = LoadRendererTls(options.renderer_tls);
  if (!tls.ok()) {
    Log("%s", tls.status().message());
    return 1;
  }
  if (*tls) {
    Log("renderer %s over TLS%s", options.renderer_target,
        (*tls)->mutual() ? " with a client certificate" : "");
  }

  std::unique_ptr<RendererProcess> embedded;
  std::string target = options.renderer_target;
  if (target.empty()) {
    auto spawned = RendererProcess::Spawn(options.renderer_binary.empty()
                                              ? DefaultRendererBinary()
                                              : options.renderer_binary,
                                          absl::Seconds(15));
    if (!spawned.ok()) {
      Log("%s", spawned.status().ToString());
      return 1;
    }
    embedded = *std::move(spawned);
    target = embedded->target();
  }
  {
    // Declared in dependency order; the server's workers are joined first.
    auto renderer = std::make_unique<RendererClient>(
        [&target, &tls] { return MakeRendererChannel(target, *tls); });
    StdoutWriter out(STDOUT_FILENO);
    ToolRegistry tools;
    McpServer server(McpServerOptions{}, &tools, &out);
    ResourceSubscriptions subscriptions(&server);
    AddJournalTools(tools, journal->get(), &subscriptions,
                    [&server](const std::string& question, ToolCall& call) {
                      return ConfirmWithUser(server, question, call.cancel);
                    });
    tools.Add(std::make_unique<WrappedVideoTool>(
        journal->get(), renderer.get(), videos->get(), options.display_name,
        [&subscriptions](const std::string& id) {
          subscriptions.VideoAdded(id);
        }));
    AddResourceMethods(server, journal->get(), videos->get(), &subscriptions);
    AddPromptMethods(server, journal->get());

    LineSplitter splitter(
        options.max_line_bytes,
        {.on_line =
             [&](std::string_view line) {
               server.HandleLine(line, splitter.more_lines_buffered());
             },
         .on_oversized =
             [&](size_t limit) { server.HandleOversizedLine(limit); }});
    ReadLoopEnd end = ReadLoopEnd::kEndOfInput;
    std::thread reader([&] {
      pthread_setname_np(pthread_self(), "sf-reader");
      // Every message comes in on this thread and the inline answers leave
      // from it: with the cores busy rendering, its wake-ups should preempt
      // a render at once rather than wait out the render's slice.
      if (absl::Status s = SetCurrentThreadLatencySlice(kReaderSlice);
          !s.ok()) {
        Log("the reader keeps the default time slice: %s", s.ToString());
      }
      end = RunReadLoop(STDIN_FILENO, signal_fd, splitter, out);
    });
    reader.join();
    Log("%s: shutting down", end == ReadLoopEnd::kEndOfInput ? "stdin closed"
                             : end == ReadLoopEnd::kStopRequested
                                 ? "stop signal"
                                 : "stdin read error");
    server.Shutdown(options.shutdown_timeout);
    server.JoinWorkers();
    // Close the channel before stopping the child, so the renderer's
    // graceful shutdown does not wait on an idle connection.
    renderer.reset();
  }  // then stdout is flushed
  if (embedded) embedded->Stop(absl::Seconds(3));
  if (signal_fd >= 0) close(signal_fd);
  return 0;
}

}  // namespace stopframe::gateway
