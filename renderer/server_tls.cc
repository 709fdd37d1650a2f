#include "renderer/server_tls.h"

#include "absl/status/status.h"
#include "common/tls_files.h"
#include "grpcpp/security/server_credentials.h"

namespace stopframe::renderer {

absl::StatusOr<std::optional<ServerTls>> LoadServerTls(
    const ServerTlsFiles& files) {
  if (files.cert_path.empty() && files.key_path.empty() &&
      files.client_ca_path.empty()) {
    return std::nullopt;
  }
  if (files.cert_path.empty() || files.key_path.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert and --tls_key (--tls_client_ca "
        "additionally requires client certificates)");
  }
  ServerTls tls;
  auto cert =
      ReadPemFile("--tls_cert", files.cert_path, PemKind::kCertificates);
  if (!cert.ok()) return cert.status();
  tls.cert_pem = *std::move(cert);
  auto key = ReadPemFile("--tls_key", files.key_path, PemKind::kPrivateKey);
  if (!key.ok()) return key.status();
  tls.key_pem = *std::move(key);
  if (absl::Status s = CheckKeyMatchesCertificate("--tls_cert", tls.cert_pem,
                                                  "--tls_key", tls.key_pem);
      !s.ok()) {
    return s;
  }
  if (!files.client_ca_path.empty()) {
    auto ca = ReadPemFile("--tls_client_ca", files.client_ca_path,
                          PemKind::kCertificates);
    if (!ca.ok()) return ca.status();
    tls.client_ca_pem = *std::move(ca);
  }
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const std::optional<ServerTls>& tls) {
  if (!tls) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls->mutual() ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = tls->client_ca_pem;
  options.pem_key_cert_pairs.push_back({tls->key_pem, tls->cert_pem});
  return grpc::SslServerCredentials(options);
}

}  // namespace stopframe::renderer
