#include "chain/sig/bip39.hpp"

#include "chain/common/hash.hpp"

#include <nettle/pbkdf2.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace lstaked::chain::sig {

namespace {

const char* const english[2048] = {
#include "chain/sig/bip39_english.inc"
};

int word_index(std::string_view word) {
  // The list is sorted, so binary search.
  auto it = std::lower_bound(std::begin(english), std::end(english), word,
                             [](const char* a, std::string_view b) { return std::string_view(a) < b; });
  if (it == std::end(english) || word != *it)
    return -1;
  return static_cast<int>(it - std::begin(english));
}

bool valid_word_count(size_t n) {
  return n == 12 || n == 15 || n == 18 || n == 21 || n == 24;
}

} // namespace

caf::expected<bytes> mnemonic_to_entropy(std::string_view phrase) {
  std::vector<int> indices;
  size_t start = 0;
  while (start <= phrase.size()) {
    auto end = phrase.find(' ', start);
    auto word = phrase.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                   : end - start);
    int index = word_index(word);
    if (index < 0)
      return make_error(ec::invalid_input, "mnemonic: unknown word (or stray space)");
    indices.push_back(index);
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  if (!valid_word_count(indices.size()))
    return make_error(ec::invalid_input, "mnemonic: must have 12, 15, 18, 21 or 24 words");
  // 11 bits per word: ENT bits of entropy followed by ENT/32 bits of sha256(entropy).
  size_t total_bits = indices.size() * 11;
  size_t checksum_bits = total_bits / 33;
  size_t entropy_bits = total_bits - checksum_bits;
  bytes packed((total_bits + 7) / 8, 0);
  for (size_t w = 0; w < indices.size(); ++w)
    for (size_t b = 0; b < 11; ++b)
      if (indices[w] & (1 << (10 - b))) {
        size_t bit = w * 11 + b;
        packed[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
      }
  bytes entropy(packed.begin(), packed.begin() + static_cast<long>(entropy_bits / 8));
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, entropy.data(), entropy.size());
  for (size_t b = 0; b < checksum_bits; ++b) {
    size_t bit = entropy_bits + b;
    bool have = packed[bit / 8] & (0x80 >> (bit % 8));
    bool want = digest[b / 8] & (0x80 >> (b % 8));
    if (have != want) {
      sodium_memzero(packed.data(), packed.size());
      sodium_memzero(entropy.data(), entropy.size());
      return make_error(ec::crypto_error, "mnemonic: invalid checksum");
    }
  }
  sodium_memzero(packed.data(), packed.size());
  return entropy;
}

caf::expected<secret_key32> mnemonic_to_mini_secret(std::string_view phrase,
                                                    std::string_view password) {
  ensure_sodium();
  if (std::any_of(password.begin(), password.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    return make_error(ec::invalid_input, "mnemonic: non-ASCII passwords are not supported");
  auto entropy = mnemonic_to_entropy(phrase);
  if (!entropy)
    return entropy.error();
  std::string salt = "mnemonic";
  salt.append(password);
  secret_bytes<64> seed;
  pbkdf2_hmac_sha512(entropy->size(), entropy->data(), 2048, salt.size(),
                     reinterpret_cast<const uint8_t*>(salt.data()), 64, seed.data());
  sodium_memzero(entropy->data(), entropy->size());
  sodium_memzero(salt.data(), salt.size());
  return secret_key32(seed.data());
}

caf::expected<std::string> generate_mnemonic(size_t words) {
  ensure_sodium();
  if (!valid_word_count(words))
    return make_error(ec::invalid_input, "mnemonic: must have 12, 15, 18, 21 or 24 words");
  size_t entropy_len = words * 4 / 3; // 16..32 bytes
  std::array<uint8_t, 32> entropy{};
  randombytes_buf(entropy.data(), entropy_len);
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, entropy.data(), entropy_len);
  std::string out;
  for (size_t w = 0; w < words; ++w) {
    int index = 0;
    for (size_t b = 0; b < 11; ++b) {
      size_t bit = w * 11 + b;
      bool set = bit < entropy_len * 8 ? (entropy[bit / 8] & (0x80 >> (bit % 8)))
                                       : (digest[(bit - entropy_len * 8) / 8]
                                          & (0x80 >> ((bit - entropy_len * 8) % 8)));
      index = (index << 1) | (set ? 1 : 0);
    }
    if (w)
      out.push_back(' ');
    out.append(english[index]);
  }
  sodium_memzero(entropy.data(), entropy.size());
  sodium_memzero(digest, sizeof digest);
  return out;
}

} // namespace lstaked::chain::sig
