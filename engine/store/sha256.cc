// SHA-256 of input files for provenance, through OpenSSL's EVP interface
// (the low-level SHA256_* functions are deprecated in OpenSSL 3).
#include <openssl/evp.h>

#include <cstring>
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

namespace growthcast::store {

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::bytes(const void* data, std::size_t size) {
  if (size > 0)
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data, size);
}

void Sha256::integer(std::uint64_t value) {
  unsigned char little[8];
  for (int i = 0; i < 8; ++i) little[i] = (value >> (8 * i)) & 0xff;
  bytes(little, sizeof little);
}

void Sha256::text(std::string_view value) {
  integer(value.size());
  bytes(value.data(), value.size());
}

void Sha256::number(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  integer(bits);
}

void Sha256::numbers(std::span<const double> values) {
  integer(values.size());
  for (double v : values) number(v);
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &size);
  return to_hex(digest, size);
}

}  // namespace growthcast::store
