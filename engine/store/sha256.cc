// SHA-256 of input files for provenance, through OpenSSL's EVP interface
// (the low-level SHA256_* functions are deprecated in OpenSSL 3).
#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "store/result_file.h"

namespace growthcast::store {

namespace {

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextFree>;

std::string to_hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

}  // namespace

Result<std::string> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail("cannot open file to compute its SHA-256", path.string());
  DigestContext context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return fail("cannot initialise SHA-256 (OpenSSL)", path.string());
  }
  // Streamed in blocks so large input files need no more memory.
  std::vector<char> block(1 << 16);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const std::streamsize got = in.gcount();
    if (got > 0 && EVP_DigestUpdate(context.get(), block.data(),
                                    static_cast<std::size_t>(got)) != 1) {
      return fail("SHA-256 update failed (OpenSSL)", path.string());
    }
  }
  if (in.bad())
    return fail("read error while computing SHA-256", path.string());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (EVP_DigestFinal_ex(context.get(), digest, &size) != 1) {
    return fail("SHA-256 finalisation failed (OpenSSL)", path.string());
  }
  return to_hex(digest, size);
}

}  // namespace growthcast::store

namespace growthcast::store {

std::string sha256_text(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return to_hex(digest, size);
}

}  // namespace growthcast::store
