// POST /v1/claims refusals: every ledger refusal maps to one HTTP status and
// error code (docs/claims.md), decided by the refusal, never by message text.
#include "api/user_routes.hpp"
#include "storage/ledger.hpp"

#include <caf/sec.hpp>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

using namespace lstaked;
using ledger::refusal;

namespace {

// What each refusal answers today. A new refusal must be added here (the test
// below fails on one it does not know) and to docs/claims.md if it can reach a user.
const std::map<refusal, std::pair<int, std::string>>& expected_answers() {
  static const std::map<refusal, std::pair<int, std::string>> answers = {
    {refusal::claims_paused, {503, "claims_paused"}},
    {refusal::zero_amount, {400, "invalid_request"}},
    {refusal::nonce_used, {409, "nonce_reused"}},
    {refusal::exceeds_claimable, {400, "amount_exceeds_claimable"}},
    {refusal::reservation_exceeds_shares, {500, "internal_error"}},
    {refusal::claim_fields_mismatch, {500, "internal_error"}},
    {refusal::unsafe_notary_set, {503, "unsafe_notary_set"}},
    // Never produced on the claims path; answered by the ec they refine.
    {refusal::deposit_malformed, {400, "invalid_request"}},
    {refusal::deposit_of_other_block, {400, "invalid_request"}},
    {refusal::kusama_block_not_next, {500, "internal_error"}},
    {refusal::eth_window_not_after_cursor, {500, "internal_error"}},
    {refusal::intent_not_signable, {500, "internal_error"}},
    // The payout queue's (storage/payout_queue.hpp): never produced on the
    // claims path either; answered by the ec they refine.
    {refusal::unstake_unknown, {400, "invalid_request"}},
    {refusal::unstake_wrong_state, {500, "internal_error"}},
    {refusal::unstake_out_of_order, {500, "internal_error"}},
    {refusal::unstake_exceeds_available, {500, "internal_error"}},
    {refusal::unstake_unpayable, {500, "internal_error"}},
    {refusal::payout_intent_unusable, {500, "internal_error"}},
    {refusal::payout_not_final, {500, "internal_error"}},
    {refusal::payout_already_settled, {500, "internal_error"}},
    {refusal::payout_results_mismatch, {400, "invalid_request"}},
    {refusal::payout_fee_unfunded, {503, "unavailable"}},
    // Operator transfers (storage/operator_transfers.hpp): the admin API's, not claims'.
    {refusal::transfer_unknown, {400, "invalid_request"}},
    {refusal::transfer_wrong_state, {500, "internal_error"}},
    {refusal::deposit_not_refundable, {500, "internal_error"}},
    {refusal::fee_withdrawal_exceeds_balance, {500, "internal_error"}},
    // The ratio calculator's (storage/ratio_ledger.hpp): retried there, never a user's.
    {refusal::ratio_readings_moved, {500, "internal_error"}},
  };
  return answers;
}

void expect_answer(const caf::error& err, int status, const std::string& code) {
  auto answer = api::claim_error_http(err);
  EXPECT_EQ(answer.status, status) << describe(err);
  EXPECT_EQ(answer.code, code) << describe(err);
}

} // namespace

TEST(claim_refusal_http, every_refusal_has_its_status_and_code) {
  for (auto r : ledger::all_refusals) {
    auto expected = expected_answers().find(r);
    ASSERT_NE(expected, expected_answers().end()) << "no expected answer for " << to_string(r);
    auto answer = api::claim_error_http(ledger::make_refusal(r, "some words"));
    EXPECT_EQ(answer.status, expected->second.first) << to_string(r);
    EXPECT_EQ(answer.code, expected->second.second) << to_string(r);
  }
  EXPECT_EQ(expected_answers().size(), std::size(ledger::all_refusals));
}

TEST(claim_refusal_http, rewording_a_message_changes_no_status_and_no_code) {
  const char* wordings[] = {"", "paused", "nonce", "exceeds claimable", "amount must be positive",
                            "something else entirely: with a colon"};
  for (auto r : ledger::all_refusals) {
    auto reference = api::claim_error_http(ledger::make_refusal(r, "the original message"));
    for (auto w : wordings) {
      auto answer = api::claim_error_http(ledger::make_refusal(r, w));
      EXPECT_EQ(answer.status, reference.status) << to_string(r) << " worded \"" << w << "\"";
      EXPECT_EQ(answer.code, reference.code) << to_string(r) << " worded \"" << w << "\"";
    }
  }
}

TEST(claim_refusal_http, plain_errors_with_refusal_words_are_not_refusals) {
  // Only the typed refusal decides: the old substring triggers no longer do.
  expect_answer(make_error(ec::unavailable, "claims are paused by the operator"), 503, "unavailable");
  expect_answer(make_error(ec::invalid_input, "nonce already used"), 400, "invalid_request");
  expect_answer(make_error(ec::invalid_input, "amount 2 planck exceeds claimable 1 planck"), 400,
                "invalid_request");
}

TEST(claim_refusal_http, messages_users_see_are_unchanged) {
  auto paused = api::claim_error_http(ledger::make_refusal(refusal::claims_paused, "x"));
  EXPECT_EQ(paused.message, "claims are paused by the operator");
  auto nonce = api::claim_error_http(ledger::make_refusal(refusal::nonce_used, "x"));
  EXPECT_EQ(nonce.message, "this nonce was already used for another request");
  auto above = api::claim_error_http(ledger::make_refusal(
    refusal::exceeds_claimable, "amount 2 planck exceeds claimable 1 planck"));
  EXPECT_EQ(above.message, "amount 2 planck exceeds claimable 1 planck");
  auto zero = api::claim_error_http(ledger::make_refusal(refusal::zero_amount, "amount must be positive"));
  EXPECT_EQ(zero.message, "invalid_input: amount must be positive");
}

TEST(claim_refusal_http, other_errors_map_by_their_ec) {
  expect_answer(make_error(ec::crypto_error, "signature does not match"), 400, "bad_signature");
  expect_answer(caf::make_error(caf::sec::request_timeout), 503, "unavailable");
  expect_answer(make_error(ec::timeout, "slow"), 503, "unavailable");
  expect_answer(make_error(ec::database_error, "disk I/O error"), 500, "internal_error");
  auto head = api::claim_error_http(make_error(ec::unavailable, "the Ethereum head is not known yet"));
  EXPECT_EQ(head.status, 503);
  EXPECT_EQ(head.code, "unavailable");
  EXPECT_EQ(head.message, "unavailable: the Ethereum head is not known yet");
}
