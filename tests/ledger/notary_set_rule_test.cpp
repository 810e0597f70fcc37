// The notary-set rule (ledger::notary_set_is_safe): claims are signed only
// while no claim can reach the pool's threshold without this daemon, and the
// daemon can reach it alone. Examples from issue 18 and docs/contracts.md.
#include "storage/database.hpp"
#include "storage/ledger.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const std::string a = "0x" + std::string(40, 'a');
const std::string b = "0x" + std::string(40, 'b');
const std::string c = "0x" + std::string(40, 'c');

notary_set_reading reading(uint64_t count, uint64_t threshold, std::vector<std::string> held) {
  return {100, count, threshold, std::move(held)};
}

} // namespace

TEST(notary_set_rule, one_notary_held_here_is_safe) {
  EXPECT_TRUE(notary_set_is_safe(reading(1, 1, {a})));
  EXPECT_EQ(notary_signers(reading(1, 1, {a})), std::vector<std::string>{a});
}

TEST(notary_set_rule, a_second_notary_elsewhere_at_threshold_one_is_unsafe) {
  // Each daemon would sign the full amount alone: twice the deposit minted.
  EXPECT_FALSE(notary_set_is_safe(reading(2, 1, {a})));
  EXPECT_TRUE(notary_signers(reading(2, 1, {a})).empty());
}

TEST(notary_set_rule, one_of_three_at_threshold_two_is_unsafe) {
  // {A,B}, {B,C}, {A,C} for half each: 1.5x minted.
  EXPECT_FALSE(notary_set_is_safe(reading(3, 2, {a})));
}

TEST(notary_set_rule, two_of_three_held_at_threshold_two_is_safe_and_signs_with_two_ascending) {
  EXPECT_TRUE(notary_set_is_safe(reading(3, 2, {c, a})));
  EXPECT_EQ(notary_signers(reading(3, 2, {c, a})), (std::vector<std::string>{a, c}));
}

TEST(notary_set_rule, all_keys_held_signs_with_threshold_of_them) {
  EXPECT_EQ(notary_signers(reading(3, 2, {c, b, a})), (std::vector<std::string>{a, b}));
}

TEST(notary_set_rule, fewer_keys_than_the_threshold_cannot_sign_a_valid_claim) {
  auto r = reading(3, 3, {a});
  EXPECT_FALSE(notary_set_is_safe(r));
  EXPECT_NE(notary_set_unsafe_reason(r).find("a claim needs 3"), std::string::npos);
}

TEST(notary_set_rule, threshold_zero_or_inconsistent_counts_are_unsafe) {
  EXPECT_FALSE(notary_set_is_safe(reading(1, 0, {a})));
  EXPECT_FALSE(notary_set_is_safe(reading(1, 1, {a, b})));
}

TEST(notary_set_rule, claims_need_a_fresh_safe_reading_naming_the_signers) {
  test::temp_dir dir;
  auto db = sql::open_database(dir.file("n.sqlite"), sql::open_mode::read_write);
  ASSERT_TRUE(db);
  ASSERT_TRUE(sql::migrate(**db));
  statement_cache sc{**db};
  auto refused = [&](const std::vector<std::string>& signers, int64_t now) {
    auto err = check_notary_set(sc, signers, now, 120000);
    return err && refusal_of(err) == refusal::unsafe_notary_set;
  };
  EXPECT_TRUE(refused({a}, 1000)) << "never read";
  auto st = record_notary_set(sc, reading(1, 1, {a}), 1000);
  EXPECT_TRUE(st.safe);
  EXPECT_FALSE(check_notary_set(sc, {a}, 2000, 120000));
  EXPECT_TRUE(refused({b}, 2000)) << "signed with keys the reading does not name";
  EXPECT_TRUE(refused({a}, 1000 + 120001)) << "stale";
  record_notary_set(sc, reading(2, 1, {a}), 3000);
  EXPECT_TRUE(refused({a}, 3000)) << "unsafe";
  // One alert per change of safety, not per reading.
  record_notary_set(sc, reading(2, 1, {a}), 4000);
  EXPECT_EQ((**db).execAndGet("SELECT count(*) FROM alerts WHERE source = 'notary_set'").getInt(), 2);
}
