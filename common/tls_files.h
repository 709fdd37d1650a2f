#ifndef STOPFRAME_COMMON_TLS_FILES_H_
#define STOPFRAME_COMMON_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stopframe {

// What a PEM file given on the command line must hold.
enum class PemKind {
  kCertificates,  // one or more "CERTIFICATE" blocks (a cert chain or CAs)
  kPrivateKey,    // one unencrypted private key
};

// Reads the PEM file `path` named by command-line flag `flag` (e.g.
// "--tls_key") and checks that it parses as `kind`. Errors name the flag and
// the path and say what is wrong; they never contain the file's contents,
// and the parser's error queue is discarded, not printed. An encrypted key
// is refused (nothing may prompt for a passphrase).
// Stateless; thread-safe.
absl::StatusOr<std::string> ReadPemFile(absl::string_view flag,
                                        const std::string& path, PemKind kind);

// Checks that `key_pem` is the private key of the first certificate in
// `cert_pem` (both already read by ReadPemFile). Errors name the two flags.
absl::Status CheckKeyMatchesCertificate(absl::string_view cert_flag,
                                        const std::string& cert_pem,
                                        absl::string_view key_flag,
                                        const std::string& key_pem);

}  // namespace stopframe

#endif  // STOPFRAME_COMMON_TLS_FILES_H_
