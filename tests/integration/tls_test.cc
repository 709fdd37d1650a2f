// TLS and mutual TLS between the gateway and a remote renderer, with
// certificates made by the openssl CLI at test time; and the private unix
// socket. Real processes, real gRPC.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

namespace pb = ::stopframe::renderer::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kTimeout = absl::Seconds(60);

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

// A test PKI in a temp dir: a CA with a server cert (localhost, 127.0.0.1)
// and a client cert, and an unrelated CA with a client cert of its own.
// Every key is PEM, unencrypted. Owned by one test.
struct Pki {
  std::string dir;
  std::string Path(const std::string& name) const { return dir + "/" + name; }

  static std::optional<Pki> Create() {
    Pki pki{MakeTempDir()};
    const std::string& d = pki.dir;
    WriteFile(d + "/server.ext",
              "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
              "extendedKeyUsage=serverAuth\n");
    WriteFile(d + "/client.ext", "extendedKeyUsage=clientAuth\n");
    const std::string new_key =
        "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto make_ca = [&](const std::string& name) {
      return absl::StrCat(
          "openssl req -x509 ", new_key, " -days 2 -subj /CN=", name,
          " -addext basicConstraints=critical,CA:TRUE",
          " -addext keyUsage=critical,keyCertSign,cRLSign", " -keyout '", d,
          "/", name, ".key' -out '", d, "/", name, ".pem' 2>&1");
    };
    auto make_leaf = [&](const std::string& name, const std::string& ca,
                         const std::string& ext, const std::string& cn) {
      return absl::StrCat("openssl req -new ", new_key, " -subj /CN=", cn,
                          " -keyout '", d, "/", name, ".key' -out '", d, "/",
                          name, ".csr' 2>&1 && openssl x509 -req -days 2",
                          " -in '", d, "/", name, ".csr' -CA '", d, "/", ca,
                          ".pem' -CAkey '", d, "/", ca,
                          ".key' -CAcreateserial -extfile '", d, "/", ext,
                          "' -out '", d, "/", name, ".pem' 2>&1");
    };
    for (const std::string& command :
         {make_ca("ca"), make_ca("other-ca"),
          make_leaf("server", "ca", "server.ext", "localhost"),
          make_leaf("client", "ca", "client.ext", "stopframe-gateway"),
          make_leaf("rogue", "other-ca", "client.ext", "stopframe-gateway")}) {
      absl::StatusOr<std::string> out = RunCommand(command);
      if (!out.ok()) {
        ADD_FAILURE() << out.status();
        return std::nullopt;
      }
    }
    return pki;
  }
};

// The base64 lines of every private key in the PKI: none may ever appear
// in a log.
std::vector<std::string> KeyBodyLines(const Pki& pki) {
  std::vector<std::string> lines;
  for (const char* name : {"ca", "other-ca", "server", "client", "rogue"}) {
    for (absl::string_view line :
         absl::StrSplit(ReadFile(pki.Path(absl::StrCat(name, ".key"))), '\n')) {
      if (!line.empty() && !absl::StartsWith(line, "-----")) {
        lines.emplace_back(line);
      }
    }
  }
  return lines;
}

void ExpectNoSecrets(const Pki& pki, const std::string& log,
                     const std::string& who) {
  EXPECT_THAT(log, Not(HasSubstr("-----BEGIN"))) << who;
  EXPECT_THAT(log, Not(HasSubstr("PRIVATE KEY"))) << who;
  std::vector<std::string> lines = KeyBodyLines(pki);
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_THAT(log, Not(HasSubstr(line))) << who << " logged key material";
  }
}

// A stopframe-renderer process with the given extra flags, its stderr
// captured. Owned by one test.
class Renderer {
 public:
  static std::unique_ptr<Renderer> Start(const std::string& listen,
                                         std::vector<std::string> flags) {
    // gRPC 1.51 services an idle client channel only every 5 s; see
    // renderer_harness.cc.
    setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
    Subprocess::Options options;
    options.argv = {BinaryPath("renderer/stopframe-renderer"),
                    "--listen=" + listen, "--max_concurrent=1",
                    "--shutdown_grace_ms=500", "--ready_fd=3"};
    options.argv.insert(options.argv.end(), flags.begin(), flags.end());
    options.ready_pipe = options.pipe_stderr = true;
    auto process = Subprocess::Start(std::move(options));
    if (!process.ok()) {
      ADD_FAILURE() << process.status();
      return nullptr;
    }
    std::unique_ptr<Renderer> r(new Renderer());
    r->process_ = *std::move(process);
    auto target = ReadLine(r->process_->ready_fd(), absl::Seconds(20));
    if (target.ok()) r->target_ = *target;
    return r;
  }

  // Empty if the renderer never became ready.
  const std::string& target() const { return target_; }
  Subprocess& process() { return *process_; }

  // SIGTERM (if still running), then its whole stderr and exit code.
  std::string StopAndReadStderr(std::optional<int>* exit_code = nullptr) {
    if (!process_->exited()) process_->Signal(SIGTERM);
    absl::StatusOr<std::string> log =
        ReadToEnd(process_->stderr_fd(), kTimeout);
    EXPECT_TRUE(log.ok()) << log.status();
    std::optional<int> code = process_->WaitForExit(kTimeout);
    if (exit_code != nullptr) *exit_code = code;
    return log.ok() ? *log : "";
  }

 private:
  Renderer() = default;
  std::unique_ptr<Subprocess> process_;
  std::string target_;
};

// What a test's own gRPC client presents.
struct ClientTls {
  std::string ca;    // empty: plaintext channel
  std::string cert;  // empty: no client certificate
  std::string key;
};

// TLS verifying the server against `ca`, with no client certificate.
ClientTls Trusting(const std::string& ca) { return ClientTls{ca, "", ""}; }

grpc::Status GetStats(const std::string& target, const ClientTls& tls) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (tls.ca.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(tls.ca);
    if (!tls.cert.empty()) {
      options.pem_cert_chain = ReadFile(tls.cert);
      options.pem_private_key = ReadFile(tls.key);
    }
    credentials = grpc::SslCredentials(options);
  }
  auto stub = pb::Renderer::NewStub(grpc::CreateChannel(target, credentials));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  pb::RendererStats stats;
  return stub->GetStats(&context, pb::GetStatsRequest(), &stats);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = Pki::Create();
    ASSERT_TRUE(pki.has_value());
    pki_ = *std::move(pki);
  }

  std::vector<std::string> ServerFlags(bool mutual) const {
    std::vector<std::string> flags = {"--tls_cert=" + pki_.Path("server.pem"),
                                      "--tls_key=" + pki_.Path("server.key")};
    if (mutual) flags.push_back("--tls_client_ca=" + pki_.Path("ca.pem"));
    return flags;
  }

  Pki pki_;
};

TEST_F(TlsTest, TlsRendererServesVerifiedClientsAndRefusesPlaintext) {
  auto renderer = Renderer::Start("127.0.0.1:0", ServerFlags(false));
  ASSERT_NE(renderer, nullptr);
  ASSERT_FALSE(renderer->target().empty()) << renderer->StopAndReadStderr();

  grpc::Status ok = GetStats(renderer->target(), Trusting(pki_.Path("ca.pem")));
  EXPECT_TRUE(ok.ok()) << ok.error_code() << " " << ok.error_message();
  grpc::Status plaintext = GetStats(renderer->target(), {});
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE)
      << plaintext.error_message();
  // A server whose certificate the client's CA did not sign is refused too.
  grpc::Status wrong_ca =
      GetStats(renderer->target(), Trusting(pki_.Path("other-ca.pem")));
  EXPECT_EQ(wrong_ca.error_code(), grpc::StatusCode::UNAVAILABLE)
      << wrong_ca.error_message();

  const std::string log = renderer->StopAndReadStderr();
  EXPECT_THAT(log, HasSubstr("(TLS)"));
  ExpectNoSecrets(pki_, log, "renderer");
}

TEST_F(TlsTest, MutualTlsAdmitsOnlyClientsWithACertFromTheClientCa) {
  auto renderer = Renderer::Start("127.0.0.1:0", ServerFlags(true));
  ASSERT_NE(renderer, nullptr);
  ASSERT_FALSE(renderer->target().empty()) << renderer->StopAndReadStderr();

  grpc::Status valid =
      GetStats(renderer->target(), {.ca = pki_.Path("ca.pem"),
                                    .cert = pki_.Path("client.pem"),
                                    .key = pki_.Path("client.key")});
  EXPECT_TRUE(valid.ok()) << valid.error_code() << " " << valid.error_message();
  grpc::Status no_cert =
      GetStats(renderer->target(), Trusting(pki_.Path("ca.pem")));
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << no_cert.error_message();
  grpc::Status rogue =
      GetStats(renderer->target(), {.ca = pki_.Path("ca.pem"),
                                    .cert = pki_.Path("rogue.pem"),
                                    .key = pki_.Path("rogue.key")});
  EXPECT_EQ(rogue.error_code(), grpc::StatusCode::UNAVAILABLE)
      << rogue.error_message();
  grpc::Status plaintext = GetStats(renderer->target(), {});
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE);

  const std::string log = renderer->StopAndReadStderr();
  EXPECT_THAT(log, HasSubstr("TLS, client certificates required"));
  ExpectNoSecrets(pki_, log, "renderer");
}

TEST_F(TlsTest, GatewayRendersOverMutualTlsAndFailsClearlyWithoutItsCert) {
  auto renderer = Renderer::Start("127.0.0.1:0", ServerFlags(true));
  ASSERT_NE(renderer, nullptr);
  ASSERT_FALSE(renderer->target().empty()) << renderer->StopAndReadStderr();
  const std::string dir = MakeTempDir();
  const std::string port =
      renderer->target().substr(renderer->target().rfind(':') + 1);

  std::string gateway_log;
  {
    // By IP (checked against the certificate's IP SAN).
    auto gateway = McpTestClient::Start(
        {"--db=" + dir + "/journal.db", "--renderer=" + renderer->target(),
         "--renderer_tls_ca=" + pki_.Path("ca.pem"),
         "--renderer_tls_cert=" + pki_.Path("client.pem"),
         "--renderer_tls_key=" + pki_.Path("client.key")});
    ASSERT_NE(gateway, nullptr);
    ASSERT_EQ(gateway->Initialize()["protocolVersion"], "2025-06-18")
        << gateway->Stderr();
    gateway->CallTool(
        1, "create_wrapped_video",
        {{"year", 1999}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
    auto response = gateway->WaitForResponse(1, kTimeout);
    ASSERT_TRUE(response.has_value()) << gateway->Stderr();
    ASSERT_FALSE((*response)["result"]["isError"].get<bool>())
        << response->dump();
    const std::string path = (*response)["result"]["structuredContent"]["path"];
    auto codec = RunCommand(
        "ffprobe -v error -select_streams v:0 -show_entries "
        "stream=codec_name -of default=nw=1:nk=1 '" +
        path + "'");
    ASSERT_TRUE(codec.ok()) << codec.status();
    EXPECT_EQ(*codec, "h264\n");

    gateway->process().CloseStdin();
    ASSERT_EQ(gateway->process().WaitForExit(kTimeout), 0);
    ASSERT_TRUE(gateway->WaitForStderr("shutting down", kTimeout));
    gateway_log = gateway->Stderr();
  }
  EXPECT_THAT(gateway_log, HasSubstr("over TLS with a client certificate"));
  ExpectNoSecrets(pki_, gateway_log, "gateway");

  {
    // By name, through the override; no client certificate: refused.
    auto gateway = McpTestClient::Start(
        {"--db=" + dir + "/journal.db", "--renderer=127.0.0.1:" + port,
         "--renderer_tls_ca=" + pki_.Path("ca.pem"),
         "--renderer_tls_server_name=localhost"});
    ASSERT_NE(gateway, nullptr);
    gateway->Initialize();
    gateway->CallTool(
        2, "create_wrapped_video",
        {{"year", 1999}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
    auto response = gateway->WaitForResponse(2, kTimeout);
    ASSERT_TRUE(response.has_value()) << gateway->Stderr();
    EXPECT_TRUE((*response)["result"]["isError"].get<bool>())
        << response->dump();
    EXPECT_THAT((*response)["result"]["content"][0]["text"].get<std::string>(),
                HasSubstr("unreachable"));
    gateway->process().CloseStdin();
    ASSERT_EQ(gateway->process().WaitForExit(kTimeout), 0);
    ASSERT_TRUE(gateway->WaitForStderr("shutting down", kTimeout));
    ExpectNoSecrets(pki_, gateway->Stderr(), "gateway");
  }

  ExpectNoSecrets(pki_, renderer->StopAndReadStderr(), "renderer");
}

// A key file that is real key material, cut short: unusable, and exactly
// what must not be echoed.
std::string WriteCorruptKey(const Pki& pki) {
  std::string key = ReadFile(pki.Path("server.key"));
  const std::string path = pki.Path("corrupt.key");
  WriteFile(path,
            key.substr(0, key.size() / 2) + "\n-----END PRIVATE KEY-----\n");
  return path;
}

TEST_F(TlsTest, RendererRefusesBadTlsFlagsNamingTheFlagNotTheContents) {
  const std::string corrupt = WriteCorruptKey(pki_);
  struct Case {
    std::vector<std::string> flags;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--tls_cert=" + pki_.Path("server.pem"), "--tls_key=" + corrupt},
       "--tls_key " + corrupt + ": not an unencrypted PEM private key"},
      // A certificate where the key should be, and the reverse.
      {{"--tls_cert=" + pki_.Path("server.key"),
        "--tls_key=" + pki_.Path("server.key")},
       "--tls_cert " + pki_.Path("server.key") + ": holds no PEM certificate"},
      {{"--tls_cert=" + pki_.Path("server.pem"),
        "--tls_key=" + pki_.Path("client.key")},
       "--tls_key is not the private key of the certificate in --tls_cert"},
      {{"--tls_cert=" + pki_.Path("server.pem")}, "needs both --tls_cert"},
      {{"--tls_key=" + pki_.Path("server.key")}, "needs both --tls_cert"},
      {{"--tls_client_ca=" + pki_.Path("ca.pem")}, "needs both --tls_cert"},
      {{"--tls_cert=" + pki_.Path("server.pem"),
        "--tls_key=" + pki_.Path("server.key"),
        "--tls_client_ca=" + pki_.Path("missing.pem")},
       "--tls_client_ca " + pki_.Path("missing.pem") +
           ": No such file or directory"},
  };
  for (const Case& c : cases) {
    auto renderer = Renderer::Start("127.0.0.1:0", c.flags);
    ASSERT_NE(renderer, nullptr);
    EXPECT_TRUE(renderer->target().empty()) << "started with bad flags";
    std::optional<int> code;
    const std::string log = renderer->StopAndReadStderr(&code);
    EXPECT_EQ(code, 1) << log;
    EXPECT_THAT(log, HasSubstr(c.expected));
    ExpectNoSecrets(pki_, log, "renderer");
  }
}

TEST_F(TlsTest, GatewayRefusesBadTlsFlagsNamingTheFlagNotTheContents) {
  const std::string corrupt = WriteCorruptKey(pki_);
  const std::string dir = MakeTempDir();
  struct Case {
    std::vector<std::string> flags;
    std::string expected;
  };
  const std::string ca = "--renderer_tls_ca=" + pki_.Path("ca.pem");
  const std::string remote = "--renderer=127.0.0.1:1";
  const std::vector<Case> cases = {
      {{remote, ca, "--renderer_tls_cert=" + pki_.Path("client.pem"),
        "--renderer_tls_key=" + corrupt},
       "--renderer_tls_key " + corrupt +
           ": not an unencrypted PEM private key"},
      {{remote, "--renderer_tls_ca=" + pki_.Path("client.key")},
       "--renderer_tls_ca " + pki_.Path("client.key") +
           ": holds no PEM certificate"},
      {{remote, ca, "--renderer_tls_cert=" + pki_.Path("client.pem"),
        "--renderer_tls_key=" + pki_.Path("rogue.key")},
       "--renderer_tls_key is not the private key of the certificate in "
       "--renderer_tls_cert"},
      {{remote, ca, "--renderer_tls_cert=" + pki_.Path("client.pem")},
       "needs both --renderer_tls_cert and --renderer_tls_key"},
      {{remote, "--renderer_tls_cert=" + pki_.Path("client.pem"),
        "--renderer_tls_key=" + pki_.Path("client.key")},
       "needs --renderer_tls_ca"},
      // No --renderer: the embedded child never uses TLS.
      {{ca}, "apply only to a remote renderer"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--db=" + dir + "/journal.db"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    auto gateway = McpTestClient::Start(args);
    ASSERT_NE(gateway, nullptr);
    EXPECT_EQ(gateway->process().WaitForExit(kTimeout), 1);
    ASSERT_TRUE(gateway->WaitForStderr(c.expected, kTimeout))
        << gateway->Stderr();
    ASSERT_TRUE(gateway->WaitForStdoutClosed(kTimeout));
    ExpectNoSecrets(pki_, gateway->Stderr(), "gateway");
  }
}

TEST(UnixSocketTest, RendererSocketIsMode0600BeforeItIsAnnounced) {
  const std::string socket = MakeTempDir() + "/renderer.sock";
  auto renderer = Renderer::Start("unix:" + socket, {});
  ASSERT_NE(renderer, nullptr);
  ASSERT_EQ(renderer->target(), "unix:" + socket)
      << renderer->StopAndReadStderr();
  struct stat st;
  ASSERT_EQ(stat(socket.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, getuid());
  // And it serves.
  grpc::Status ok = GetStats(renderer->target(), {});
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  std::optional<int> code;
  renderer->StopAndReadStderr(&code);
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace stopframe::testing
