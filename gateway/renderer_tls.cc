#include "gateway/renderer_tls.h"

#include "absl/status/status.h"
#include "common/tls_files.h"
#include "grpcpp/security/credentials.h"

namespace stopframe::gateway {

absl::StatusOr<std::optional<RendererTls>> LoadRendererTls(
    const RendererTlsFiles& files) {
  if (!files.any()) return std::nullopt;
  if (files.ca_path.empty()) {
    return absl::InvalidArgumentError(
        "TLS to the renderer needs --renderer_tls_ca (the CA that signed the "
        "renderer's certificate)");
  }
  if (files.cert_path.empty() != files.key_path.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both --renderer_tls_cert and "
        "--renderer_tls_key");
  }
  RendererTls tls;
  tls.server_name = files.server_name;
  auto ca =
      ReadPemFile("--renderer_tls_ca", files.ca_path, PemKind::kCertificates);
  if (!ca.ok()) return ca.status();
  tls.ca_pem = *std::move(ca);
  if (!files.cert_path.empty()) {
    auto cert = ReadPemFile("--renderer_tls_cert", files.cert_path,
                            PemKind::kCertificates);
    if (!cert.ok()) return cert.status();
    tls.cert_pem = *std::move(cert);
    auto key =
        ReadPemFile("--renderer_tls_key", files.key_path, PemKind::kPrivateKey);
    if (!key.ok()) return key.status();
    tls.key_pem = *std::move(key);
    if (absl::Status s =
            CheckKeyMatchesCertificate("--renderer_tls_cert", tls.cert_pem,
                                       "--renderer_tls_key", tls.key_pem);
        !s.ok()) {
      return s;
    }
  }
  return tls;
}

std::shared_ptr<grpc::ChannelCredentials> MakeRendererCredentials(
    const std::optional<RendererTls>& tls) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls->ca_pem;
  options.pem_private_key = tls->key_pem;
  options.pem_cert_chain = tls->cert_pem;
  return grpc::SslCredentials(options);
}

}  // namespace stopframe::gateway
