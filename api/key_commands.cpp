#include "api/key_commands.hpp"

#include "api/debug_commands.hpp"
#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/signature.hpp"
#include "chain/sig/keypair.hpp"
#include "config/secret_file.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <iostream>
#include <iterator>
#include <string>

namespace lstaked::api {

namespace {

using json = nlohmann::json;

struct key_flags {
  std::string scheme = "sr25519";
  std::string file;
  uint16_t ss58_prefix = 2;
};

[[noreturn]] void refuse(const std::string& why) {
  std::cerr << "error: " << why << std::endl;
  throw debug_exit{2};
}

// A std::string whose bytes are wiped when it goes.
struct wiped_string {
  std::string text;
  ~wiped_string() {
    if (!text.empty())
      sodium_memzero(text.data(), text.size());
  }
};

std::string hex_of(const uint8_t* data, size_t size) {
  return chain::to_hex(chain::byte_view(data, size));
}

/// The public description of a secret (a Kusama URI or Ethereum hex); refuses
/// a secret that is not a key of the scheme.
json describe(const key_flags& f, const std::string& secret) {
  if (f.scheme == "ethereum") {
    std::string_view hex = secret;
    auto raw = chain::from_hex(hex);
    if (!raw || raw->size() != 32)
      refuse("an Ethereum key is 32 bytes of hex (64 digits, 0x optional)");
    chain::secret_key32 key;
    std::copy(raw->begin(), raw->end(), key.data());
    sodium_memzero(raw->data(), raw->size());
    auto a = chain::eth::address_of(key);
    if (!a)
      refuse("not a valid secp256k1 secret key (zero or above the curve order)");
    return {{"scheme", "ethereum"}, {"address", chain::eth::to_checksum_address(*a)}};
  }
  auto kind = f.scheme == "ed25519" ? chain::sig::scheme::ed25519 : chain::sig::scheme::sr25519;
  auto kp = chain::sig::keypair::from_uri(kind, secret);
  if (!kp)
    refuse("not a " + f.scheme + " secret URI, seed or mnemonic: " + message_of(kp.error()));
  auto& id = kp->account();
  return {{"scheme", f.scheme},
          {"address", kp->address(f.ss58_prefix)},
          {"accountId", hex_of(id.data(), id.size())}};
}

void write_and_print(const key_flags& f, const std::string& secret) {
  auto doc = describe(f, secret);
  if (auto err = create_secret_file(f.file, secret + "\n"))
    refuse(message_of(err));
  doc["file"] = f.file;
  debug_answer(doc);
}

void check_scheme(const key_flags& f) {
  if (f.scheme != "sr25519" && f.scheme != "ed25519" && f.scheme != "ethereum")
    refuse("--scheme must be sr25519, ed25519 or ethereum");
}

void add_common(CLI::App* cmd, key_flags& f) {
  cmd->add_option("--scheme", f.scheme, "sr25519 | ed25519 (Kusama) or ethereum (secp256k1)")
    ->capture_default_str();
  cmd->add_option("--ss58-prefix", f.ss58_prefix, "SS58 prefix of the printed Kusama address")
    ->capture_default_str();
}

} // namespace

void add_key_commands(CLI::App& app) {
  auto key = app.add_subcommand("key", "Operator keys as 0600 files (prints public addresses only)");
  key->require_subcommand(1);
  static key_flags gen, imp, addr;

  auto generate = key->add_subcommand("generate", "Create a new random key in a new 0600 file");
  add_common(generate, gen);
  generate->add_option("--out", gen.file, "File to create (never overwritten)")->required();
  generate->callback([] {
    check_scheme(gen);
    wiped_string secret;
    if (sodium_init() < 0)
      refuse("libsodium failed to initialise");
    for (int tries = 0; tries < 16 && secret.text.empty(); ++tries) {
      chain::secret_key32 seed;
      randombytes_buf(seed.data(), seed.size());
      auto hex = hex_of(seed.data(), seed.size());
      if (gen.scheme == "ethereum") {
        // A random 32 bytes is a valid key unless zero or >= n (about 2^-128).
        if (!chain::eth::address_of(seed))
          continue;
        hex = hex.substr(2);
      }
      secret.text = hex;
    }
    if (secret.text.empty())
      refuse("could not draw a valid key");
    write_and_print(gen, secret.text);
  });

  auto import = key->add_subcommand(
    "import", "Store a key read from stdin (secret URI, mnemonic, 0x seed, or Ethereum hex)");
  add_common(import, imp);
  import->add_option("--out", imp.file, "File to create (never overwritten)")->required();
  import->callback([] {
    check_scheme(imp);
    wiped_string secret;
    secret.text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!secret.text.empty() && std::isspace(static_cast<unsigned char>(secret.text.back())))
      secret.text.pop_back();
    while (!secret.text.empty() && std::isspace(static_cast<unsigned char>(secret.text.front())))
      secret.text.erase(secret.text.begin());
    if (secret.text.empty())
      refuse("no key on stdin");
    if (secret.text.find('\n') != std::string::npos)
      refuse("the key must be one line");
    write_and_print(imp, secret.text);
  });

  auto address = key->add_subcommand("address", "Print the public address of a key file");
  add_common(address, addr);
  address->add_option("file", addr.file, "Key file (mode 0600 or 0400)")->required();
  address->callback([] {
    check_scheme(addr);
    auto text = read_secret_file(addr.file);
    if (!text)
      refuse(message_of(text.error()));
    wiped_string secret{std::move(*text)};
    auto doc = describe(addr, secret.text);
    doc["file"] = addr.file;
    debug_answer(doc);
  });
}

} // namespace lstaked::api
