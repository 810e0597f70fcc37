// BIP-39 mnemonics (English word list) as Substrate and polkadot-js turn them into keys.
//
// Contract: thread-safe pure functions. A phrase is 12/15/18/21/24 lower-case English words
// separated by single spaces, with a valid checksum. Substrate's "mini secret" is the first
// 32 bytes of PBKDF2-HMAC-SHA512(password = the phrase's ENTROPY (not its text, unlike
// Bitcoin), salt = "mnemonic" ‖ password, 2048 rounds). Phrases and passwords are secrets:
// never log them. Non-ASCII passwords are refused (BIP-39 wants NFKD, which we do not do).
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"

#include <string>
#include <string_view>

namespace lstaked::chain::sig {

/// The phrase's entropy (16..32 bytes) after checking words and checksum.
caf::expected<bytes> mnemonic_to_entropy(std::string_view phrase);

/// polkadot-js mnemonicToMiniSecret / substrate's mini secret from a phrase.
caf::expected<secret_key32> mnemonic_to_mini_secret(std::string_view phrase,
                                                    std::string_view password = {});

/// A fresh phrase of 12, 15, 18, 21 or 24 words from OS randomness (libsodium).
caf::expected<std::string> generate_mnemonic(size_t words = 24);

} // namespace lstaked::chain::sig
