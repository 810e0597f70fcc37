#include "chain/sig/keypair.hpp"

#include "chain/common/hash.hpp"
#include "chain/sig/bip39.hpp"
#include "chain/sig/ecdsa.hpp"
#include "chain/sig/ed25519.hpp"
#include "chain/sig/merlin.hpp"
#include "chain/sig/sr25519.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <variant>
#include <vector>

namespace lstaked::chain::sig {

namespace {

// Substrate's public dev phrase, from which //Alice, //Bob… are hard-derived. It is public
// by design (every dev chain endows its accounts).
constexpr std::string_view dev_phrase =
  "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

void append_compact(bytes& out, size_t n) {
  if (n < 64) {
    out.push_back(static_cast<uint8_t>(n << 2));
  } else if (n < (1u << 14)) {
    out.push_back(static_cast<uint8_t>((n << 2) | 1));
    out.push_back(static_cast<uint8_t>(n >> 6));
  } else {
    uint32_t v = static_cast<uint32_t>(n << 2) | 2;
    for (int i = 0; i < 4; ++i)
      out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

// Hard derivation of a seed for ed25519 and ecdsa (Substrate's `derive` on seeds):
// blake2-256(SCALE(tag) ‖ seed ‖ chain code).
secret_key32 derive_seed_hard(std::string_view tag, const secret_key32& seed,
                              const std::array<uint8_t, 32>& chain_code) {
  bytes input;
  append_compact(input, tag.size());
  input.insert(input.end(), tag.begin(), tag.end());
  append(input, seed.view());
  append(input, chain_code);
  auto h = blake2b_256(input);
  sodium_memzero(input.data(), input.size());
  secret_key32 out(h.data());
  sodium_memzero(h.data(), h.size());
  return out;
}

// schnorrkel's hard_derive_mini_secret_key (as substrate uses it): a merlin transcript over
// the chain code and the secret scalar yields the next mini secret.
secret_key32 derive_sr25519_hard(const sr25519_keypair& pair,
                                 const std::array<uint8_t, 32>& chain_code) {
  merlin_transcript t{"SchnorrRistrettoHDKD"};
  t.append_message("sign-bytes", bytes{});
  t.append_message("chain-code", chain_code);
  t.append_message("secret-key", pair.key.view());
  secret_key32 mini;
  t.challenge_bytes("HDKD-hard", mini.data(), 32);
  return mini;
}

bool is_hex_text(std::string_view s) {
  if (s.size() < 2 || s[0] != '0' || s[1] != 'x' || s.size() % 2 != 0)
    return false;
  return static_cast<bool>(from_hex(s));
}

} // namespace

struct keypair::secrets {
  std::variant<ed25519_keypair, sr25519_keypair, ecdsa_keypair> pair;
};

caf::expected<std::array<uint8_t, 32>> junction_chain_code(std::string_view junction) {
  if (junction.empty())
    return make_error(ec::invalid_input, "empty derivation junction");
  bytes raw;
  if (std::all_of(junction.begin(), junction.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Substrate reads numeric junctions as u64 (larger ones as text), polkadot-js as
    // 256-bit numbers: they agree up to u64, so refuse what is above.
    uint64_t n = 0;
    for (char c : junction) {
      uint64_t digit = static_cast<uint64_t>(c - '0');
      if (n > (UINT64_MAX - digit) / 10)
        return make_error(ec::invalid_input, "numeric junction above u64");
      n = n * 10 + digit;
    }
    for (int i = 0; i < 8; ++i)
      raw.push_back(static_cast<uint8_t>(n >> (8 * i)));
  } else if (is_hex_text(junction)) {
    raw = *from_hex(junction);
  } else {
    append_compact(raw, junction.size());
    raw.insert(raw.end(), junction.begin(), junction.end());
  }
  std::array<uint8_t, 32> code{};
  if (raw.size() > 32)
    code = blake2b_256(raw);
  else
    std::copy(raw.begin(), raw.end(), code.begin());
  return code;
}

caf::expected<keypair> keypair::from_seed(scheme kind, const secret_key32& seed) {
  keypair out;
  out.kind_ = kind;
  auto s = std::make_shared<secrets>();
  switch (kind) {
    case scheme::ed25519: {
      auto pair = ed25519_from_seed(seed);
      out.public_key_.assign(pair.public_key.begin(), pair.public_key.end());
      out.account_ = pair.public_key;
      s->pair = std::move(pair);
      break;
    }
    case scheme::sr25519: {
      auto pair = sr25519_from_seed(seed);
      if (!pair)
        return pair.error();
      out.public_key_.assign(pair->public_key.begin(), pair->public_key.end());
      out.account_ = pair->public_key;
      s->pair = std::move(*pair);
      break;
    }
    case scheme::ecdsa: {
      auto pair = ecdsa_from_seed(seed);
      if (!pair)
        return pair.error();
      out.public_key_.assign(pair->public_key.begin(), pair->public_key.end());
      out.account_ = ecdsa_account_id(pair->public_key);
      s->pair = std::move(*pair);
      break;
    }
  }
  out.secrets_ = std::move(s);
  return out;
}

caf::expected<keypair> keypair::from_uri(scheme kind, std::string_view uri) {
  std::string_view phrase = uri;
  std::string_view path;
  std::string_view password;
  bool has_password = false;
  if (uri.substr(0, 2) == "//") {
    phrase = dev_phrase;
    path = uri;
  } else {
    auto slash = uri.find('/');
    if (slash != std::string_view::npos) {
      phrase = uri.substr(0, slash);
      path = uri.substr(slash);
    }
  }
  // "///password" ends the URI (everything after it is the password).
  if (auto pw = path.find("///"); pw != std::string_view::npos) {
    password = path.substr(pw + 3);
    path = path.substr(0, pw);
    has_password = true;
  }
  secret_key32 seed;
  if (phrase.substr(0, 2) == "0x") {
    auto root = from_hex_fixed<32>(phrase);
    if (!root)
      return make_error(ec::invalid_input, "secret URI: a 0x seed must be 32 bytes of hex");
    if (has_password)
      return make_error(ec::invalid_input, "secret URI: a password needs a mnemonic, not a seed");
    seed = secret_key32(root->data());
    sodium_memzero(root->data(), root->size());
  } else {
    auto mini = mnemonic_to_mini_secret(phrase, password);
    if (!mini)
      return mini.error();
    seed = *mini;
  }
  // Junctions: "//x" hard; "/x" soft, refused (it needs a different construction).
  std::vector<std::array<uint8_t, 32>> codes;
  size_t i = 0;
  while (i < path.size()) {
    if (path.substr(i, 2) != "//")
      return make_error(ec::invalid_input, "soft derivation is not supported");
    i += 2;
    auto end = path.find('/', i);
    auto junction = path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    auto code = junction_chain_code(junction);
    if (!code)
      return code.error();
    codes.push_back(*code);
    i = end == std::string_view::npos ? path.size() : end;
  }
  for (const auto& code : codes) {
    switch (kind) {
      case scheme::ed25519:
        seed = derive_seed_hard("Ed25519HDKD", seed, code);
        break;
      case scheme::ecdsa:
        seed = derive_seed_hard("Secp256k1HDKD", seed, code);
        break;
      case scheme::sr25519: {
        auto pair = sr25519_from_seed(seed);
        if (!pair)
          return pair.error();
        seed = derive_sr25519_hard(*pair, code);
        break;
      }
    }
  }
  return from_seed(kind, seed);
}

std::string keypair::address(uint16_t prefix) const {
  auto a = ss58_encode(account_, prefix);
  return a ? *a : std::string{};
}

caf::expected<bytes> keypair::sign(byte_view message) const {
  if (auto* ed = std::get_if<ed25519_keypair>(&secrets_->pair)) {
    auto sig = ed25519_sign(*ed, message);
    return bytes(sig.begin(), sig.end());
  }
  if (auto* sr = std::get_if<sr25519_keypair>(&secrets_->pair)) {
    auto sig = sr25519_sign(*sr, message);
    return bytes(sig.begin(), sig.end());
  }
  auto sig = ecdsa_sign(std::get<ecdsa_keypair>(secrets_->pair), message);
  if (!sig)
    return sig.error();
  return bytes(sig->begin(), sig->end());
}

caf::expected<bytes> keypair::sign_multi(byte_view message) const {
  auto sig = sign(message);
  if (!sig)
    return sig.error();
  bytes out{static_cast<uint8_t>(kind_)};
  append(out, *sig);
  return out;
}

} // namespace lstaked::chain::sig
