#include "common/tls_files.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace stopframe {
namespace {

// Certificates and keys are a few kB; anything this big is the wrong file.
constexpr off_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Refuses to decrypt: an encrypted key would otherwise prompt on the tty.
int NoPassphrase(char*, int, int, void*) { return -1; }

KeyPtr ParseKey(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return nullptr;
  return KeyPtr(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
}

// How many certificates parse; stops at the first bad block.
int CountCertificates(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return 0;
  int count = 0;
  while (X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))) {
    ++count;
  }
  return count;
}

absl::Status FileError(absl::string_view flag, const std::string& path,
                       absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " ", path, ": ", what));
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(absl::string_view flag,
                                        const std::string& path, PemKind kind) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return FileError(flag, path, strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return FileError(flag, path, "not a regular file");
  if (st.st_size > kMaxPemBytes) {
    return FileError(flag, path, "larger than 1 MiB; not a PEM file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(flag, path, strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return FileError(flag, path, "read error");
  std::string pem = std::move(contents).str();

  bool ok = false;
  absl::string_view expected;
  if (kind == PemKind::kPrivateKey) {
    ok = ParseKey(pem) != nullptr;
    expected = "not an unencrypted PEM private key";
  } else {
    ok = CountCertificates(pem) > 0;
    expected = "holds no PEM certificate";
  }
  ERR_clear_error();  // its messages may quote the input; never show them
  if (!ok) return FileError(flag, path, expected);
  return pem;
}

absl::Status CheckKeyMatchesCertificate(absl::string_view cert_flag,
                                        const std::string& cert_pem,
                                        absl::string_view key_flag,
                                        const std::string& key_pem) {
  BioPtr bio = MemoryBio(cert_pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                   : nullptr);
  KeyPtr key = ParseKey(key_pem);
  const bool match = cert != nullptr && key != nullptr &&
                     X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_flag, " is not the private key of the certificate in ", cert_flag));
  }
  return absl::OkStatus();
}

}  // namespace stopframe
