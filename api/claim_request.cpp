#include "api/claim_request.hpp"

#include "api/strict_json.hpp"

#include "chain/ethereum/address.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/sig/sign_raw.hpp"
#include "chain/sig/ss58.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <set>

namespace lstaked::api {

namespace {

std::string utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

api_error bad(std::string code, std::string message) {
  return api_error{400, std::move(code), std::move(message)};
}

bool valid_nonce(const std::string& n) {
  if (n.size() < 8 || n.size() > 64)
    return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return false;
  return true;
}

} // namespace

std::string claim_message(const claim_message_fields& f) {
  // One field per line, labels fixed: what the wallet shows is what is signed.
  return "lstaked: claim aKSMb for staked KSM\n"
         "Kusama account: " + f.address + "\n"
         "Ethereum recipient: " + f.eth_address + "\n"
         "Amount: " + f.amount + " KSM\n"
         "Ethereum chain id: " + std::to_string(f.chain_id) + "\n"
         "Nonce: " + f.nonce + "\n"
         "Expires: " + utc(f.expires_at) + " (" + std::to_string(f.expires_at) + ")";
}

std::variant<claim_request, api_error> parse_claim_request(const std::string& body,
                                                           const claim_request_limits& limits) {
  auto parsed = parse_json_body(body);
  if (!parsed.duplicate_key.empty())
    return bad("duplicate_field", "field \"" + parsed.duplicate_key + "\" appears more than once");
  auto& doc = parsed.value;
  if (!parsed.ok || !doc.is_object())
    return bad("invalid_json", "body must be a JSON object");
  static const std::set<std::string> known = {"address", "ethAddress", "amount", "nonce",
                                              "expiresAt", "scheme", "signature"};
  for (auto& [key, value] : doc.items())
    if (!known.count(key))
      return bad("unknown_field", "unknown field \"" + key + "\"");
  for (auto* key : {"address", "ethAddress", "amount", "nonce", "scheme", "signature"})
    if (!doc.contains(key) || !doc[key].is_string())
      return bad("missing_field", std::string{"\""} + key + "\" must be a string");
  if (!doc.contains("expiresAt") || !doc["expiresAt"].is_number_integer())
    return bad("missing_field", "\"expiresAt\" must be an integer (unix seconds)");

  claim_request req;
  req.address = doc["address"];
  auto account = chain::sig::ss58_decode_account(req.address, limits.ss58_prefix);
  if (!account)
    return bad("invalid_address", describe(account.error()));
  req.account = chain::to_hex(*account);

  auto scheme = chain::sig::scheme_from_string(doc["scheme"].get<std::string>());
  if (!scheme)
    return bad("invalid_scheme", "scheme must be sr25519, ed25519 or ecdsa");
  req.scheme = static_cast<uint8_t>(*scheme);
  auto signer = chain::sig::parse_signer(req.address, limits.ss58_prefix);
  if (!signer)
    return bad("invalid_address", describe(signer.error()));
  req.signer = *signer;

  std::string eth_text = doc["ethAddress"];
  auto eth = chain::eth::parse_address(eth_text);
  if (!eth)
    return bad("invalid_eth_address", describe(eth.error()));
  if (std::all_of(eth->begin(), eth->end(), [](uint8_t b) { return b == 0; }))
    return bad("invalid_eth_address", "the zero address cannot receive aKSMb");
  req.eth_address = chain::to_hex(*eth);

  req.amount_text = doc["amount"];
  auto amount = chain::eth::parse_amount(req.amount_text, chain::eth::ksm_decimals);
  if (!amount)
    return bad("invalid_amount", describe(amount.error()));
  if (amount->is_zero())
    return bad("invalid_amount", "amount must be positive");
  req.amount_planck = *amount;

  req.nonce = doc["nonce"];
  if (!valid_nonce(req.nonce))
    return bad("invalid_nonce", "nonce must be 8-64 characters of [A-Za-z0-9_-]");

  req.expires_at = doc["expiresAt"].get<int64_t>();
  if (req.expires_at <= limits.now)
    return bad("request_expired", "the request expired at " + utc(req.expires_at));
  if (req.expires_at > limits.now + limits.max_ttl_seconds)
    return bad("expiry_too_far", "expiresAt may be at most " + std::to_string(limits.max_ttl_seconds)
                                   + " s ahead");

  auto sig = chain::from_hex(doc["signature"].get<std::string>());
  size_t want = *scheme == chain::sig::scheme::ecdsa ? 65 : 64;
  // Some wallets return a SCALE MultiSignature (variant byte first): accept it
  // when the byte names the declared scheme.
  auto bare = sig ? chain::sig::bare_signature(*scheme, *sig) : caf::expected<chain::bytes>{sig.error()};
  if (!bare || bare->size() != want)
    return bad("invalid_signature", "signature must be " + std::to_string(want)
                                      + " bytes of hex (or a MultiSignature of this scheme)");
  req.signature = *bare;

  req.message = claim_message({req.address, chain::eth::to_checksum_address(*eth), req.amount_text,
                               limits.chain_id, req.nonce, req.expires_at});
  return req;
}

} // namespace lstaked::api
