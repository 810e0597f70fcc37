// `lstaked debug ss58 encode|decode` and `lstaked debug verify` (contract in debug_commands.hpp).
//
// Thin wrappers over chain/sig for operators and black-box tests: inputs are parsed strictly,
// anything malformed ends with exit 2, a signature that does not verify with exit 1.
#include "api/debug_commands.hpp"

#include "chain/sig/sign_raw.hpp"
#include "chain/sig/ss58.hpp"

#include <memory>

namespace lstaked::api {

namespace {

namespace sig = chain::sig;

// polkadot-js's u8aToU8a: a string that is 0x-hex is bytes, anything else is UTF-8 text.
chain::bytes message_bytes(const std::string& text) {
  if (text.size() >= 2 && text[0] == '0' && text[1] == 'x') {
    if (auto raw = chain::from_hex(text))
      return std::move(*raw);
  }
  return chain::bytes(text.begin(), text.end());
}

struct ss58_encode_args {
  int prefix = -1;
  std::string public_key;
};

struct verify_args {
  std::string scheme;
  std::string public_key;
  std::string message;
  std::string signature;
  bool raw = false;
};

} // namespace

void add_debug_sig_commands(CLI::App& debug) {
  auto* ss58 = debug.add_subcommand("ss58", "Encode or decode SS58 addresses");
  ss58->require_subcommand(1);

  auto enc = std::make_shared<ss58_encode_args>();
  auto* encode = ss58->add_subcommand("encode", "Public key (0x, 32 bytes) to SS58 address");
  encode->add_option("--prefix", enc->prefix, "Network prefix (0 Polkadot, 2 Kusama, 42 generic)")
    ->required();
  encode->add_option("public-key", enc->public_key, "0x-hex public key or account id")->required();
  encode->callback([enc] {
    if (enc->prefix < 0 || enc->prefix > 16383)
      debug_fail(make_error(ec::invalid_input, "--prefix must be in 0..16383"));
    auto key = chain::from_hex(enc->public_key);
    if (!key)
      debug_fail(key.error());
    if (key->size() != 32)
      debug_fail(make_error(ec::invalid_input, "public key must be 32 bytes"));
    auto address = sig::ss58_encode(*key, static_cast<uint16_t>(enc->prefix));
    if (!address)
      debug_fail(address.error());
    debug_answer({{"address", *address}});
  });

  auto dec_address = std::make_shared<std::string>();
  auto* decode = ss58->add_subcommand("decode", "SS58 address to prefix and public key");
  decode->add_option("address", *dec_address, "SS58 address")->required();
  decode->callback([dec_address] {
    auto decoded = sig::ss58_decode(*dec_address);
    if (!decoded)
      debug_fail(decoded.error());
    debug_answer({{"prefix", decoded->prefix}, {"publicKey", chain::to_hex(decoded->payload)}});
  });

  auto args = std::make_shared<verify_args>();
  auto* verify = debug.add_subcommand(
    "verify", "Check a signature as the polkadot.js extension's signRaw makes it");
  verify->add_option("--scheme", args->scheme, "sr25519, ed25519 or ecdsa")->required();
  verify->add_option("--public-key", args->public_key,
                     "0x-hex public key / account id, or an SS58 address")
    ->required();
  verify->add_option("--message", args->message, "Text, or 0x-hex for bytes")->required();
  verify->add_option("--signature", args->signature, "0x-hex signature")->required();
  verify->add_flag("--raw", args->raw, "Check the message as given, without <Bytes> wrapping");
  verify->callback([args] {
    auto scheme = sig::scheme_from_string(args->scheme);
    if (!scheme)
      debug_fail(make_error(ec::invalid_input, "--scheme must be sr25519, ed25519 or ecdsa"));
    auto signer = sig::parse_signer(args->public_key);
    if (!signer)
      debug_fail(signer.error());
    auto signature = chain::from_hex(args->signature);
    if (!signature)
      debug_fail(signature.error());
    auto message = message_bytes(args->message);
    auto valid = args->raw ? sig::verify_message(*scheme, *signer, message, *signature)
                           : sig::verify_sign_raw(*scheme, *signer, message, *signature);
    if (!valid)
      debug_fail(valid.error());
    debug_answer({{"valid", *valid}}, *valid ? 0 : 1);
  });
}

} // namespace lstaked::api
