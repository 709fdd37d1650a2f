#ifndef STOPFRAME_RENDERER_SERVER_TLS_H_
#define STOPFRAME_RENDERER_SERVER_TLS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ServerCredentials;
}

namespace stopframe::renderer {

// Paths from the renderer's --tls_cert, --tls_key and --tls_client_ca flags.
struct ServerTlsFiles {
  std::string cert_path;
  std::string key_path;
  std::string client_ca_path;
};

// The loaded PEM material for a TLS listener. Holds a private key: never
// log or print it. A plain value; copy freely.
struct ServerTls {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // non-empty: mutual TLS, client certs required

  bool mutual() const { return !client_ca_pem.empty(); }
};

// nullopt when no flag is set (plaintext, the old behaviour). A cert without
// a key (or the reverse), a client CA without a server cert, or an
// unreadable, malformed or mismatched file is an error naming the flag and
// path, never the file's contents.
absl::StatusOr<std::optional<ServerTls>> LoadServerTls(
    const ServerTlsFiles& files);

// Insecure credentials for nullopt; otherwise TLS, and with a client CA
// every client must present a certificate it signed.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const std::optional<ServerTls>& tls);

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_SERVER_TLS_H_
