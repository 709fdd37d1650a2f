// stopframe-renderer: wiring only. Flags -> RendererServer; SIGTERM/SIGINT ->
// graceful shutdown.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

extern "C" {
#include <libavutil/log.h>
}

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "renderer/media/huge_pages.h"
#include "renderer/renderer_server.h"
#include "renderer/server_tls.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to listen on: HOST:PORT (PORT 0 picks one) or unix:/path");
ABSL_FLAG(int, max_concurrent, 0,
          "Renders at once; more get RESOURCE_EXHAUSTED. 0 = number of cores");
ABSL_FLAG(std::string, font_dir, "/usr/share/fonts/truetype/dejavu",
          "Directory holding DejaVuSans.ttf and DejaVuSans-Bold.ttf");
ABSL_FLAG(int, render_nice, 19,
          "Nice value of render threads (x264's included), so encodes yield "
          "the CPU to cancels and to other processes; 0 = normal priority");
ABSL_FLAG(int, encode_slice_ms, 100,
          "Time slice the threads that encode (lanes and x264's) ask the "
          "kernel for (Linux 6.12+): long, so that other threads waking "
          "preempt them at once; 0 = the kernel's default");
ABSL_FLAG(int, max_lanes, 1,
          "Slides one render may encode at once, each on its own thread and "
          "x264 encoder: 0-13% faster on 2 cores, more where x264's own "
          "threads scale poorly, at ~220 MB more per 1080p lane. A render "
          "takes its share of the cores, at most this many lanes");
ABSL_FLAG(bool, slice_threads, false,
          "x264 threads split each frame into slices instead of encoding "
          "several frames at once: ~147 instead of ~193 MB per 1080p job, "
          "~20% fewer frames/s for a render alone");
ABSL_FLAG(int, shutdown_grace_ms, 3000,
          "On SIGTERM, how long in-flight renders may finish before cancel");
ABSL_FLAG(int, ready_fd, -1,
          "If set, write the listening address to this fd and close it once "
          "serving (used by the gateway's embedded mode)");
ABSL_FLAG(int, max_connection_age_ms, 60000,
          "Close connections after this age so clients re-resolve replicas");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) to serve TLS with; needs --tls_key. "
          "Default: plaintext");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate(s): with it, every client must present a "
          "certificate signed by one of them (mutual TLS)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  umask(077);  // a unix socket is never reachable by others, even briefly
  av_log_set_level(AV_LOG_ERROR);  // x264's per-render statistics are noise
  if (absl::Status s = stopframe::media::SetTransparentHugePages(false);
      !s.ok()) {
    std::fprintf(stderr, "stopframe-renderer: %s; huge pages stay on\n",
                 std::string(s.message()).c_str());
  }

  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  stopframe::renderer::RendererServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  int max_concurrent = absl::GetFlag(FLAGS_max_concurrent);
  if (max_concurrent <= 0) {
    max_concurrent = static_cast<int>(std::thread::hardware_concurrency());
  }
  options.service.max_concurrent = max_concurrent > 0 ? max_concurrent : 1;
  options.service.font_dir = absl::GetFlag(FLAGS_font_dir);
  options.service.render_nice = absl::GetFlag(FLAGS_render_nice);
  if (options.service.render_nice < 0 || options.service.render_nice > 19) {
    std::fprintf(stderr,
                 "stopframe-renderer: --render_nice must be in 0..19, "
                 "got %d\n",
                 options.service.render_nice);
    return 1;
  }
  const int encode_slice_ms = absl::GetFlag(FLAGS_encode_slice_ms);
  if (encode_slice_ms < 0 || encode_slice_ms > 100) {
    std::fprintf(stderr,
                 "stopframe-renderer: --encode_slice_ms must be in 0..100 "
                 "(the kernel's bounds), got %d\n",
                 encode_slice_ms);
    return 1;
  }
  options.service.encode_slice = absl::Milliseconds(encode_slice_ms);
  options.service.max_lanes = absl::GetFlag(FLAGS_max_lanes);
  options.service.slice_threads = absl::GetFlag(FLAGS_slice_threads);
  if (options.service.max_lanes < 1 || options.service.max_lanes > 16) {
    std::fprintf(stderr,
                 "stopframe-renderer: --max_lanes must be in 1..16, "
                 "got %d\n",
                 options.service.max_lanes);
    return 1;
  }
  options.max_connection_age_ms = absl::GetFlag(FLAGS_max_connection_age_ms);
  auto tls = stopframe::renderer::LoadServerTls(
      {.cert_path = absl::GetFlag(FLAGS_tls_cert),
       .key_path = absl::GetFlag(FLAGS_tls_key),
       .client_ca_path = absl::GetFlag(FLAGS_tls_client_ca)});
  if (!tls.ok()) {
    std::fprintf(stderr, "stopframe-renderer: %s\n",
                 std::string(tls.status().message()).c_str());
    return 1;
  }
  options.tls = *std::move(tls);

  auto server = stopframe::renderer::RendererServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "stopframe-renderer: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  // One line on stderr that scripts and the gateway can wait for.
  std::fprintf(stderr, "stopframe-renderer: listening on %s (%s)\n",
               (*server)->target().c_str(),
               !options.tls            ? "plaintext"
               : options.tls->mutual() ? "TLS, client certificates required"
                                       : "TLS");

  if (int fd = absl::GetFlag(FLAGS_ready_fd); fd >= 0) {
    std::string line = (*server)->target() + "\n";
    if (write(fd, line.data(), line.size()) < 0) return 1;
    close(fd);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "stopframe-renderer: signal %d, shutting down\n",
               signal_number);
  (*server)->Shutdown(
      absl::Milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms)));
  return 0;
}
