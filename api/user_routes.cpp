#include "api/user_routes.hpp"

#include "api/claim_request.hpp"
#include "api/json_writer.hpp"
#include "api/route_helpers.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/sig/ss58.hpp"

#include <chrono>
#include <memory>
#include <mutex>

namespace lstaked::api {

namespace {

using nlohmann::json;
using chain::eth::u256;

std::string checksummed(const std::string& eth_hex) {
  auto a = chain::eth::parse_address(eth_hex);
  return a ? chain::eth::to_checksum_address(*a) : eth_hex;
}

// A claim as the API shows it (SPEC 2.7). Keys in ascending order: the bytes
// nlohmann's sorted objects produced before these routes wrote JSON directly.
void write_claim(json_writer& w, const ledger::claim_record& c, const user_routes_context& ctx) {
  w.begin_object()
    .field("address", ss58_of(c.account, ctx.ss58_prefix))
    .field("createdTimestamp", c.created_at)
    .key("data")
    .begin_object()
    .field("amount", chain::eth::format_amount(c.amount_planck, chain::eth::ksm_decimals))
    .field("claimBeforeBlock", static_cast<int64_t>(c.claim_before_block))
    .field("claimId", c.claim_id)
    .field("ethAddress", checksummed(c.eth_address))
    .field("nativeAmount", c.amount_planck.to_dec())
    .field("network", int64_t{0})
    .field("signature", c.signature)
    .end_object()
    // When the claim stops being usable: the expected time of
    // claimBeforeBlock (SPEC 2.7), not the request's expiresAt.
    .field("expiresTimestamp", c.created_at + ctx.claim_validity_ms)
    .field("loanId", int64_t{0})
    .field("status", c.status)
    .field("tokenAddress", ctx.token_address)
    .end_object();
}

// {"claim": {...}, "tokenAddress": "0x..."}
std::string claim_reply(const ledger::claim_record& c, const user_routes_context& ctx) {
  json_writer w;
  w.begin_object().key("claim");
  write_claim(w, c, ctx);
  w.field("tokenAddress", ctx.token_address).end_object();
  return w.take();
}

// {"amount": "<KSM>", "nativeAmount": "<planck>"} as a member `name`.
void write_amount(json_writer& w, std::string_view name, const u256& planck) {
  w.key(name)
    .begin_object()
    .field("amount", chain::eth::format_amount(planck, chain::eth::ksm_decimals))
    .field("nativeAmount", planck.to_dec())
    .end_object();
}

// The account in a path, checked against the network's prefix.
std::optional<std::string> account_from_path(const std::string& address, uint16_t prefix,
                                             httplib::Response& res) {
  auto id = chain::sig::ss58_decode_account(address, prefix);
  if (!id) {
    json_error(res, 400, "invalid_address", describe(id.error()));
    return std::nullopt;
  }
  return chain::to_hex(*id);
}

class remembered_notary {
public:
  std::optional<notary_actor> get() {
    std::lock_guard<std::mutex> lock{mutex_};
    return handle_;
  }
  void set(const notary_actor& n) {
    std::lock_guard<std::mutex> lock{mutex_};
    handle_ = n;
  }
  void forget(const notary_actor& n) {
    std::lock_guard<std::mutex> lock{mutex_};
    if (handle_ && *handle_ == n)
      handle_.reset();
  }

private:
  std::mutex mutex_;
  std::optional<notary_actor> handle_;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

api_error claim_error_http(const caf::error& err) {
  if (auto r = ledger::refusal_of(err)) {
    switch (*r) {
      case ledger::refusal::claims_paused:
        return {503, "claims_paused", "claims are paused by the operator"};
      case ledger::refusal::unsafe_notary_set:
        return {503, "unsafe_notary_set", message_of(err)};
      case ledger::refusal::nonce_used:
        return {409, "nonce_reused", "this nonce was already used for another request"};
      case ledger::refusal::exceeds_claimable:
        return {400, "amount_exceeds_claimable", message_of(err)};
      case ledger::refusal::zero_amount:
        return {400, "invalid_request", describe(err)};
      case ledger::refusal::reservation_exceeds_shares:
      case ledger::refusal::claim_fields_mismatch:
        return {500, "internal_error", "the claim could not be stored"};
      case ledger::refusal::deposit_malformed:
      case ledger::refusal::deposit_of_other_block:
      case ledger::refusal::kusama_block_not_next:
      case ledger::refusal::eth_window_not_after_cursor:
      case ledger::refusal::intent_not_signable:
      case ledger::refusal::unstake_unknown:
      case ledger::refusal::unstake_wrong_state:
      case ledger::refusal::unstake_out_of_order:
      case ledger::refusal::unstake_exceeds_available:
      case ledger::refusal::unstake_unpayable:
      case ledger::refusal::payout_intent_unusable:
      case ledger::refusal::payout_not_final:
      case ledger::refusal::payout_already_settled:
      case ledger::refusal::payout_results_mismatch:
      case ledger::refusal::payout_fee_unfunded:
      case ledger::refusal::transfer_unknown:
      case ledger::refusal::transfer_wrong_state:
      case ledger::refusal::deposit_not_refundable:
      case ledger::refusal::fee_withdrawal_exceeds_balance:
      case ledger::refusal::ratio_readings_moved:
        break; // not claim refusals: answered by their ec below
    }
  }
  switch (code_of(err)) {
    case ec::crypto_error:
      return {400, "bad_signature", "the signature does not match this request and address"};
    case ec::invalid_input:
      return {400, "invalid_request", describe(err)};
    case ec::unavailable:
    case ec::timeout:
      return {503, "unavailable", describe(err)};
    default:
      if (err == caf::sec::request_timeout)
        return {503, "unavailable", "the notary did not answer in time"};
      return {500, "internal_error", "the claim could not be stored"};
  }
}

void add_user_routes(http_server& server, user_routes_context ctx) {
  // The notary's handle, asked from the supervisor once and remembered (not a
  // supervisor round trip per claim); forgotten when that notary is gone.
  auto notary_handle = std::make_shared<remembered_notary>();
  server.post("/v1/claims", [ctx, notary_handle](const httplib::Request& req,
                                                 httplib::Response& res) {
    auto parsed = parse_claim_request(req.body, {ctx.ss58_prefix, ctx.chain_id, unix_now(),
                                                 ctx.max_request_ttl_seconds});
    if (auto* e = std::get_if<api_error>(&parsed))
      return json_error(res, e->status, e->code, e->message);
    // The claims pause switch is checked by the notary inside the transaction
    // that would store the claim (no read here: it would cost a SQLite read
    // transaction per request and could be stale by the time the claim commits).
    caf::scoped_actor self{*ctx.system};
    auto& req_claim = std::get<claim_request>(parsed);
    // Two tries: a remembered notary may have been restarted by the
    // supervisor since (its handle is then dead); the request is idempotent.
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto notary = notary_handle->get();
      if (!notary) {
        bool failed = false;
        self->request(ctx.supervisor, ctx.timeout, notary_atom_v)
          .receive([&](notary_actor& n) { notary = std::move(n); },
                   [&](caf::error& err) {
                     failed = true;
                     json_error(res, 503, "claims_unavailable", describe(err));
                   });
        if (failed || !notary)
          return;
        notary_handle->set(*notary);
      }
      bool retry = false;
      self->request(*notary, ctx.timeout, claim_atom_v, req_claim)
        .receive([&](ledger::claim_record& c) { text_json_reply(res, claim_reply(c, ctx)); },
                 [&](caf::error& err) {
                   if (attempt == 0 && err == caf::sec::request_receiver_down) {
                     notary_handle->forget(*notary);
                     retry = true;
                     return;
                   }
                   auto e = claim_error_http(err);
                   json_error(res, e.status, e.code, e.message);
                 });
      if (!retry)
        return;
    }
  });

  server.get("/v1/claims/:claimId", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto id = req.matches[1].str();
    auto raw = chain::from_hex(id);
    if (!raw || raw->size() != 32 || id.rfind("0x", 0) != 0)
      return json_error(res, 400, "invalid_claim_id", "claimId must be 0x + 64 hex digits");
    std::optional<ledger::claim_record> claim;
    {
      read_scope reads{ctx.database_path};
      claim = ledger::find_claim(reads.statements(), chain::to_hex(*raw));
    }
    if (!claim)
      return json_error(res, 404, "unknown_claim", "no claim with this id");
    text_json_reply(res, claim_reply(*claim, ctx));
  });

  server.get("/v1/accounts/:address", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto account = account_from_path(req.matches[1].str(), ctx.ss58_prefix, res);
    if (!account)
      return;
    caf::expected<ledger::account_summary> s{ledger::account_summary{}};
    {
      read_scope reads{ctx.database_path};
      s = ledger::summarize_account(reads.statements(), *account);
    }
    if (!s)
      return json_error(res, 500, "internal_error", "cannot compute the account summary");
    json_writer w;
    w.begin_object().field("address", req.matches[1].str());
    write_amount(w, "claimable", s->claimable_planck);
    write_amount(w, "inActiveClaims", s->in_active_claims_planck);
    write_amount(w, "pendingUnstake", s->pending_unstake_planck);
    w.key("shares")
      .begin_object()
      .field("reserved", s->reserved_shares.to_dec())
      .field("unclaimed", s->unclaimed_shares.to_dec())
      .end_object();
    write_amount(w, "staked", s->deposited_planck);
    text_json_reply(res, w.end_object().take());
  });

  server.get("/v1/accounts/:address/claims",
             [ctx](const httplib::Request& req, httplib::Response& res) {
               auto account = account_from_path(req.matches[1].str(), ctx.ss58_prefix, res);
               if (!account)
                 return;
               json_writer w;
               w.begin_object().key("claims").begin_array();
               for (auto& c : ledger::claims_of(read_connection(ctx.database_path), *account, 100))
                 write_claim(w, c, ctx);
               text_json_reply(res, w.end_array().end_object().take());
             });

  server.get("/v1/accounts/:address/history",
             [ctx](const httplib::Request& req, httplib::Response& res) {
               auto account = account_from_path(req.matches[1].str(), ctx.ss58_prefix, res);
               if (!account)
                 return;
               int64_t limit = 0, before = 0;
               if (!page_query(req, res, limit, before))
                 return;
               // Written straight from SQLite's rows (no copies), inside the
               // read scope: the page is one snapshot.
               json_writer w{static_cast<size_t>(256 + 160 * limit)};
               w.begin_object().key("entries").begin_array();
               int64_t count = 0, last_id = 0;
               {
                 read_scope reads{ctx.database_path};
                 ledger::for_each_history(
                   reads.statements(), *account, before, limit, [&](const ledger::history_row& h) {
                     w.begin_object()
                       .field("amount", chain::eth::format_amount_digits(h.amount_planck,
                                                                         chain::eth::ksm_decimals))
                       .key("chainRef");
                     if (h.chain_ref)
                       w.string(*h.chain_ref);
                     else
                       w.null();
                     w.field("createdTimestamp", h.created_at)
                       .field("id", h.id)
                       .field("kind", h.kind)
                       .field("nativeAmount", h.amount_planck)
                       .field("reference", h.reference)
                       .field("status", h.status)
                       .field("updatedTimestamp", h.updated_at)
                       .end_object();
                     ++count;
                     last_id = h.id;
                   });
               }
               w.end_array().key("nextBefore");
               if (count == limit && count > 0)
                 w.number(last_id);
               else
                 w.null();
               text_json_reply(res, w.end_object().take());
             });
}

} // namespace lstaked::api
