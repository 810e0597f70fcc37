// POST /v1/claims end to end inside the process: the real HTTP server, the
// supervisor, storage and notary actors, and requests signed by polkadot-js
// (tools/vectors/claims). Every refusal has a stable code and changes nothing.
#include "actors/notary.hpp"
#include "api/user_routes.hpp"
#include "chain/ethereum/amount.hpp"
#include "config/secret_file.hpp"
#include "storage/ledger.hpp"
#include "tests/support/api_fixture.hpp"
#include "tests/support/claim_vectors.hpp"
#include "tests/support/eth_claim.hpp"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <thread>

using namespace lstaked;
using json = nlohmann::json;
using chain::eth::u256;

namespace {

// anvil's well-known dev account #0: a test key, never a real one.
const std::string notary_key = test::anvil_key0.substr(2);
const std::string& notary_address = test::anvil_address0;
const char* pool = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const char* token = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

json vectors() {
  return test::claim_vectors();
}

json vector(const std::string& name) {
  return test::claim_vector(name);
}

} // namespace

class claims_api_test : public test::api_fixture {
protected:
  void SetUp() override {
    ASSERT_FALSE(create_secret_file(dir.file("notary.key"), notary_key));
    auto cfg = actors_config();
    // No Ethereum node here: the notary-set check (notary_set_guard) is off and the key signs.
    cfg.children.push_back(notary_child(
      notary_config{dir.file("notary.key"), 31337, pool, token, 50, {}, false, std::chrono::seconds(120)}));
    start_actors(cfg);
    caf::anon_send(sup, eth_head_atom_v, uint64_t{1000});
    // 100 KSM credited to every account the vectors sign for.
    std::set<std::string> accounts;
    auto all = vectors();
    for (auto& r : all["requests"])
      accounts.insert(r["accountId"].get<std::string>());
    uint32_t event = 0;
    for (auto& account : accounts)
      write([account, event](SQLite::Database& db) {
        ledger::kusama_deposit d{"0x" + std::string(64, '1'), 7, 1, event, "0x", account,
                                 *u256::from_dec("100000000000000")};
        if (!ledger::credit_deposit(db, d, u256::pow10(12), 1))
          throw std::runtime_error("credit failed");
      }), ++event;
    http_config http;
    http.port = 0;
    http.max_body_bytes = 4096;
    auto bound = serve(http, [&](api::http_server& server) {
      api::add_user_routes(server, {sys, sup, db_path(), 2, 31337, token, 4000000000ll,
                                    std::chrono::milliseconds(10000)});
    });
    ASSERT_TRUE(bound);
  }

  std::pair<int, json> post(const std::string& body) {
    auto res = client->Post("/v1/claims", body, "application/json");
    if (!res)
      return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  std::pair<int, json> post(const json& body) { return post(body.dump()); }

  // Everything a refusal must leave untouched.
  std::string ledger_snapshot() {
    SQLite::Database db(dir.file("db.sqlite"));
    std::string out;
    for (auto* sql : {"SELECT count(*) FROM claims", "SELECT count(*) FROM claim_nonces",
                      "SELECT group_concat(unclaimed_shares || '/' || reserved_shares) FROM accounts",
                      "SELECT count(*) FROM history"}) {
      SQLite::Statement q(db, sql);
      q.executeStep();
      out += q.getColumn(0).getString() + ";";
    }
    return out;
  }

  void expect_refused(const json& body, int status, const std::string& code) {
    auto before = ledger_snapshot();
    auto [got_status, got] = post(body);
    EXPECT_EQ(got_status, status) << body.dump() << " -> " << got.dump();
    EXPECT_EQ(got["error"]["code"], code) << got.dump();
    EXPECT_FALSE(got["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(ledger_snapshot(), before) << "a refused request changed the ledger";
  }
};

TEST_F(claims_api_test, every_scheme_gets_a_signed_claim_in_the_published_shape) {
  for (auto name : {"sr25519_valid", "sr25519_valid_small", "ed25519_valid", "ecdsa_valid"}) {
    auto v = vector(name);
    auto [status, body] = post(v["body"]);
    ASSERT_EQ(status, 200) << name << ": " << body.dump();
    auto& claim = body["claim"];
    EXPECT_EQ(claim["status"], "ACTIVE");
    EXPECT_EQ(claim["address"], v["body"]["address"]);
    EXPECT_EQ(claim["tokenAddress"], token);
    EXPECT_EQ(body["tokenAddress"], token);
    EXPECT_EQ(claim["loanId"], 0);
    auto& data = claim["data"];
    EXPECT_EQ(data["network"], 0);
    EXPECT_EQ(data["amount"], v["body"]["amount"]);
    EXPECT_EQ(data["claimBeforeBlock"], 1050);
    EXPECT_EQ(data["ethAddress"], v["body"]["ethAddress"]);
    EXPECT_EQ(data["claimId"].get<std::string>().size(), 66u);
    // The EIP-712 signature recovers to the notary for exactly these fields.
    auto planck = *u256::from_dec(data["nativeAmount"].get<std::string>());
    test::eth_claim signed_fields{31337, pool, token, *u256::from_hex(data["claimId"].get<std::string>()),
                                  *checked_mul(planck, u256::pow10(6)), 1050,
                                  data["ethAddress"].get<std::string>()};
    auto sig = chain::from_hex(data["signature"].get<std::string>());
    ASSERT_TRUE(sig);
    auto signer = signed_fields.signer(*sig);
    ASSERT_TRUE(signer);
    EXPECT_EQ(chain::eth::to_checksum_address(*signer), notary_address);
  }
}

TEST_F(claims_api_test, resubmitting_returns_the_same_claim_and_reserves_once) {
  auto v = vector("sr25519_valid");
  auto [s1, first] = post(v["body"]);
  ASSERT_EQ(s1, 200);
  auto after_first = ledger_snapshot();
  auto [s2, second] = post(v["body"]);
  ASSERT_EQ(s2, 200);
  EXPECT_EQ(second["claim"]["data"]["claimId"], first["claim"]["data"]["claimId"]);
  EXPECT_EQ(second["claim"]["data"]["signature"], first["claim"]["data"]["signature"]);
  EXPECT_EQ(ledger_snapshot(), after_first);
  auto address = v["body"]["address"].get<std::string>();
  auto account = client->Get(("/v1/accounts/" + address).c_str());
  ASSERT_EQ(account->status, 200);
  auto summary = json::parse(account->body);
  EXPECT_EQ(summary["claimable"]["amount"], "87.8766");
  EXPECT_EQ(summary["inActiveClaims"]["amount"], "12.1234");
  auto claim = client->Get(("/v1/claims/" + first["claim"]["data"]["claimId"].get<std::string>()).c_str());
  ASSERT_EQ(claim->status, 200);
  EXPECT_EQ(json::parse(claim->body)["claim"]["status"], "ACTIVE");
  auto history = json::parse(client->Get(("/v1/accounts/" + address + "/history").c_str())->body);
  ASSERT_EQ(history["entries"].size(), 2u);
  EXPECT_EQ(history["entries"][0]["kind"], "CLAIM");
  EXPECT_EQ(history["entries"][1]["kind"], "STAKE");
}

TEST_F(claims_api_test, history_page_writes_every_field_and_reads_stored_amounts_as_before) {
  // The page is written straight from SQLite's rows (issue #16, P4). Its bytes
  // must be those of the nlohmann object it replaced, including how a stored
  // amount that is not canonical decimal reads (as u256::from_dec reads it: a
  // corrupt one shows as 0) and a reference that needs escaping.
  auto v = vector("sr25519_valid");
  auto address = v["body"]["address"].get<std::string>();
  auto account = v["accountId"].get<std::string>();
  struct row {
    const char* kind;
    std::string amount;
    const char* status;
    std::string reference;
    std::optional<std::string> chain_ref;
  };
  std::vector<row> rows{
    {"UNSTAKE", "1", "PAID", "u-1", std::string{"0xabc"}},
    {"UNSTAKE", "1000000000000", "REQUESTED", "u-2", std::nullopt},
    {"UNSTAKE", "007", "REQUESTED", "u-3", std::nullopt},               // leading zeros: corrupt
    {"UNSTAKE", "lots", "REQUESTED", "u-4", std::nullopt},              // not a number
    {"UNSTAKE", std::string(80, '9'), "REQUESTED", "u-5", std::nullopt}, // beyond 256 bits
    {"UNSTAKE", "115792089237316195423570985008687907853269984665640564039457584007913129639935",
     "REQUESTED", "u-\"quoted\"\n", std::string{"7-1"}}, // 2^256-1: 78 digits
    {"CLAIM", "123456789012345", "ACTIVE", "c-1", std::nullopt},
  };
  write([&](SQLite::Database& db) {
    int64_t t = 100;
    for (auto& r : rows) {
      SQLite::Statement ins(db, "INSERT INTO history (account, kind, amount_planck, status, reference, "
                                "chain_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      ins.bind(1, account);
      ins.bind(2, r.kind);
      ins.bind(3, r.amount);
      ins.bind(4, r.status);
      ins.bind(5, r.reference);
      if (r.chain_ref)
        ins.bind(6, *r.chain_ref);
      ins.bind(7, t);
      ins.bind(8, t + 1);
      ins.exec();
      ++t;
    }
  });
  // The whole history as the ledger reads it (with the fixture's STAKE entry),
  // newest first, turned into the JSON the route wrote with nlohmann.
  SQLite::Database reader(db_path());
  auto all = ledger::history_of(reader, account, INT64_MAX, 100);
  ASSERT_EQ(all.size(), rows.size() + 1);
  auto expected_page = [&](size_t from, size_t limit) {
    json entries = json::array();
    for (size_t i = from; i < std::min(all.size(), from + limit); ++i) {
      auto& h = all[i];
      entries.push_back({{"amount", chain::eth::format_amount(h.amount_planck, 12)},
                         {"chainRef", h.chain_ref ? json(*h.chain_ref) : json(nullptr)},
                         {"createdTimestamp", h.created_at},
                         {"id", h.id},
                         {"kind", h.kind},
                         {"nativeAmount", h.amount_planck.to_dec()},
                         {"reference", h.reference},
                         {"status", h.status},
                         {"updatedTimestamp", h.updated_at}});
    }
    json next = from + limit <= all.size() && entries.size() == limit ? json(all[from + limit - 1].id) : json(nullptr);
    return json{{"entries", entries}, {"nextBefore", next}}.dump();
  };
  // How the ledger reads the stored amounts (newest first): independent of the route.
  EXPECT_EQ(all[1].amount_planck, u256::max());
  EXPECT_TRUE(all[2].amount_planck.is_zero());
  EXPECT_TRUE(all[3].amount_planck.is_zero());
  EXPECT_TRUE(all[4].amount_planck.is_zero());
  auto page1 = client->Get(("/v1/accounts/" + address + "/history?limit=3").c_str());
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->status, 200);
  EXPECT_EQ(page1->body, expected_page(0, 3));
  auto before = std::to_string(all[2].id);
  auto page2 = client->Get(("/v1/accounts/" + address + "/history?limit=3&before=" + before).c_str());
  ASSERT_TRUE(page2);
  EXPECT_EQ(page2->body, expected_page(3, 3));
  auto last = client->Get(("/v1/accounts/" + address + "/history?limit=3&before=" + std::to_string(all[5].id)).c_str());
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, expected_page(6, 3)); // 2 entries: nextBefore null
  EXPECT_EQ(json::parse(last->body)["nextBefore"], nullptr);
  EXPECT_EQ(json::parse(page1->body)["entries"][0]["reference"], "c-1");
}

TEST_F(claims_api_test, reads_on_one_connection_see_each_commit_between_them) {
  // The read routes keep their prepared statements per HTTP thread
  // (api::read_scope): a statement left stepping from one request would keep
  // that thread on an old snapshot. One keep-alive connection is served by
  // one thread: read, commit a claim, read again.
  auto v = vector("sr25519_valid");
  auto address = v["body"]["address"].get<std::string>();
  auto summary = [&] {
    auto res = client->Get(("/v1/accounts/" + address).c_str());
    EXPECT_TRUE(res && res->status == 200);
    return res ? json::parse(res->body) : json();
  };
  auto history_size = [&] {
    auto res = client->Get(("/v1/accounts/" + address + "/history?limit=5").c_str());
    EXPECT_TRUE(res && res->status == 200);
    return res ? json::parse(res->body)["entries"].size() : 0u;
  };
  // Each read first after the commit is a different route from the last one
  // before it: statements are reset when fetched again, so only a reset at
  // the end of every request keeps the other routes off the old snapshot.
  EXPECT_EQ(summary()["claimable"]["amount"], "100");
  auto [status, claim] = post(v["body"]);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(history_size(), 2u);
  EXPECT_EQ(summary()["claimable"]["amount"], "87.8766");
  EXPECT_EQ(summary()["inActiveClaims"]["amount"], "12.1234");
  auto id = claim["claim"]["data"]["claimId"].get<std::string>();
  auto found = client->Get(("/v1/claims/" + id).c_str());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200);
  // A claim lookup stops at its one row; the next commit must still be seen.
  ASSERT_EQ(post(vector("sr25519_valid_small")["body"]).first, 200);
  EXPECT_EQ(history_size(), 3u);
}

TEST_F(claims_api_test, signed_but_unacceptable_requests_are_refused) {
  ASSERT_EQ(post(vector("sr25519_valid")["body"]).first, 200);
  expect_refused(vector("sr25519_nonce_reused")["body"], 409, "nonce_reused");
  expect_refused(vector("sr25519_above_claimable")["body"], 400, "amount_exceeds_claimable");
  expect_refused(vector("sr25519_expired")["body"], 400, "request_expired");
  expect_refused(vector("sr25519_tampered_amount")["body"], 400, "bad_signature");
  expect_refused(vector("sr25519_tampered_recipient")["body"], 400, "bad_signature");
  expect_refused(vector("sr25519_wrong_signer")["body"], 400, "bad_signature");
  expect_refused(vector("sr25519_as_ed25519")["body"], 400, "bad_signature");
}

TEST_F(claims_api_test, malformed_requests_are_refused_field_by_field) {
  auto good = vector("sr25519_valid")["body"];
  auto with = [&](const char* field, json value) {
    auto b = good;
    b[field] = value;
    return b;
  };
  auto without = [&](const char* field) {
    auto b = good;
    b.erase(field);
    return b;
  };
  expect_refused(json("not an object"), 400, "invalid_json");
  {
    auto before = ledger_snapshot();
    auto [status, body] = post(std::string{"{\"address\": "});
    EXPECT_EQ(status, 400);
    EXPECT_EQ(body["error"]["code"], "invalid_json");
    EXPECT_EQ(ledger_snapshot(), before);
  }
  expect_refused(with("extra", 1), 400, "unknown_field");
  expect_refused(without("nonce"), 400, "missing_field");
  expect_refused(with("amount", 12.1234), 400, "missing_field"); // numbers are not amounts
  auto address = good["address"].get<std::string>();
  auto flipped = address;
  flipped.back() = flipped.back() == 'F' ? 'G' : 'F';
  expect_refused(with("address", flipped), 400, "invalid_address");                // checksum
  expect_refused(with("address", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"), 400,
                 "invalid_address");                                                 // prefix 42
  expect_refused(with("address", "not-an-address"), 400, "invalid_address");
  auto eth = good["ethAddress"].get<std::string>();
  auto bad_case = eth;
  auto letter = bad_case.find_first_of("abcdefABCDEF", 2);
  bad_case[letter] = std::isupper(static_cast<unsigned char>(bad_case[letter]))
                       ? std::tolower(bad_case[letter])
                       : std::toupper(bad_case[letter]);
  expect_refused(with("ethAddress", bad_case), 400, "invalid_eth_address");           // EIP-55
  expect_refused(with("ethAddress", "0x1234"), 400, "invalid_eth_address");
  expect_refused(with("ethAddress", "0x0000000000000000000000000000000000000000"), 400,
                 "invalid_eth_address");
  expect_refused(with("scheme", "rsa"), 400, "invalid_scheme");
  expect_refused(with("signature", "0x1234"), 400, "invalid_signature");
  expect_refused(with("signature", "zz"), 400, "invalid_signature");
  expect_refused(with("amount", "1.0000000000001"), 400, "invalid_amount");          // 13 decimals
  expect_refused(with("amount", "0"), 400, "invalid_amount");
  expect_refused(with("amount", "-1"), 400, "invalid_amount");
  expect_refused(with("amount", "1e3"), 400, "invalid_amount");
  expect_refused(with("amount", ""), 400, "invalid_amount");
  expect_refused(with("nonce", "short"), 400, "invalid_nonce");
  expect_refused(with("nonce", "bad nonce with spaces"), 400, "invalid_nonce");
  expect_refused(with("expiresAt", 4000000001ll + 4000000000ll), 400, "expiry_too_far");
  expect_refused(with("expiresAt", "soon"), 400, "missing_field");
  json big = good;
  big["nonce"] = std::string(5000, 'a');
  expect_refused(big, 413, "payload_too_large");
}

TEST_F(claims_api_test, reads_refuse_bad_ids_and_addresses) {
  EXPECT_EQ(client->Get("/v1/claims/0x1234")->status, 400);
  auto unknown = client->Get(("/v1/claims/0x" + std::string(64, 'a')).c_str());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["error"]["code"], "unknown_claim");
  EXPECT_EQ(client->Get("/v1/accounts/nope")->status, 400);
  auto alice = vector("sr25519_valid")["body"]["address"].get<std::string>();
  EXPECT_EQ(client->Get(("/v1/accounts/" + alice + "/history?limit=0").c_str())->status, 400);
  EXPECT_EQ(client->Get(("/v1/accounts/" + alice + "/history?limit=abc").c_str())->status, 400);
}

TEST_F(claims_api_test, paused_claims_are_refused) {
  write([](SQLite::Database& db) { ledger::set_flow_paused(db, "claims", true, "test", 1); });
  expect_refused(vector("sr25519_valid")["body"], 503, "claims_paused");
  // The refusal kept nothing (not even the signature made ahead of the
  // transaction): once unpaused, the same request gets its claim.
  write([](SQLite::Database& db) { ledger::set_flow_paused(db, "claims", false, "test", 2); });
  auto [status, claim] = post(vector("sr25519_valid")["body"]);
  EXPECT_EQ(status, 200) << claim.dump();
}

TEST_F(claims_api_test, a_restarted_notary_is_found_again) {
  // The HTTP side remembers the notary's handle; when the supervisor restarts
  // the notary that handle is dead, and the next request must find the new one.
  auto body = vector("sr25519_valid")["body"];
  auto [first_status, first] = post(body);
  ASSERT_EQ(first_status, 200) << first.dump();
  {
    caf::scoped_actor self{*sys};
    self->request(sup, caf::infinite, notary_atom_v)
      // A crash, as an uncaught error would end it (not exit_reason::kill,
      // which CAF propagates through links untrappably, supervisor included).
      .receive([&](notary_actor& n) {
                 self->send_exit(n, make_error(ec::invalid_state, "test: the notary crashed"));
               },
               [](caf::error& err) { FAIL() << describe(err); });
  }
  // Resubmitting is idempotent: the same claim comes back once a notary answers.
  int status = 0;
  json again;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::tie(status, again) = post(body);
    if (status != 200)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status, 200) << again.dump();
  EXPECT_EQ(again["claimId"], first["claimId"]);
  EXPECT_EQ(again["signature"], first["signature"]);
}

TEST_F(claims_api_test, concurrent_requests_share_transactions_without_double_reservation) {
  // The same request 8 times at once and two requests competing for one nonce:
  // group commit puts them in shared transactions; the ledger still decides each once.
  auto same = vector("sr25519_valid")["body"];
  auto rival = vector("sr25519_nonce_reused")["body"]; // same nonce, other amount
  std::vector<std::thread> threads;
  std::vector<std::pair<int, json>> answers(10);
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&, i] {
      httplib::Client c{"127.0.0.1", port};
      auto res = c.Post("/v1/claims", (i == 9 ? rival : same).dump(), "application/json");
      answers[i] = {res ? res->status : 0, res ? json::parse(res->body, nullptr, false) : json()};
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> ids;
  int signed_count = 0;
  for (auto& [status, body] : answers)
    if (status == 200) {
      ++signed_count;
      ids.insert(body["claim"]["data"]["claimId"].get<std::string>());
    }
  // Either the rival won the nonce (and the 8 identical ones were refused) or the reverse.
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(signed_count == 9 || signed_count == 1) << signed_count;
  SQLite::Database db(dir.file("db.sqlite"));
  SQLite::Statement q(db, "SELECT count(*) FROM claims");
  q.executeStep();
  EXPECT_EQ(q.getColumn(0).getInt(), 1);
}
