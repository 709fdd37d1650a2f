#ifndef STOPFRAME_GATEWAY_RENDERER_TLS_H_
#define STOPFRAME_GATEWAY_RENDERER_TLS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ChannelCredentials;
}

namespace stopframe::gateway {

// Paths from the gateway's --renderer_tls_* flags.
struct RendererTlsFiles {
  std::string ca_path;      // CA that signed the renderer's cert; enables TLS
  std::string cert_path;    // client certificate, for mutual TLS
  std::string key_path;     // its private key
  std::string server_name;  // name to check instead of the target's host

  bool any() const {
    return !ca_path.empty() || !cert_path.empty() || !key_path.empty() ||
           !server_name.empty();
  }
};

// The loaded PEM material for a TLS channel to the renderer. Holds a
// private key: never log or print it. A plain value; copy freely.
struct RendererTls {
  std::string ca_pem;
  std::string cert_pem;  // empty: no client certificate
  std::string key_pem;
  std::string server_name;

  bool mutual() const { return !cert_pem.empty(); }
};

// nullopt when no flag is set (plaintext). A cert without a key (or the
// reverse), any flag without --renderer_tls_ca, or an unreadable, malformed
// or mismatched file is an error naming the flag and path, never the file's
// contents.
absl::StatusOr<std::optional<RendererTls>> LoadRendererTls(
    const RendererTlsFiles& files);

// Insecure credentials for nullopt; otherwise TLS verified against the CA,
// presenting the client certificate if there is one.
std::shared_ptr<grpc::ChannelCredentials> MakeRendererCredentials(
    const std::optional<RendererTls>& tls);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RENDERER_TLS_H_
