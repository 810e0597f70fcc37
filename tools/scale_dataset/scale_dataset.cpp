// A pool that has run for years, in one database (issue #16, scale and load):
// 100,000 stakers and about 1,000,000 history rows by default, every table at
// a realistic size. Every row is written by the ledger's own functions, the
// ones the watchers and actors call (credit through apply_kusama_block,
// reserve_claim, apply_eth_batch, the payout queue, the outbox, decide_ratio /
// apply_ratio_updated, record_staking_events, record_submission), never by
// raw INSERTs, so the data obeys every money rule and constraint the code
// enforces. docs/benchmarks/scale.md says how it is used.
//
//   scale_dataset --data-dir DIR [--stakers 100000] [--days 1460]
//                 [--deposits 500000] [--claims 350000] [--burns 150000]
//                 [--ratio-every 7] [--seed 16]
//
// Writes DIR/lstaked.sqlite (the daemon's file name; refuses an existing
// one), DIR/sample-accounts.txt (SS58 of stakers with history) and
// DIR/sample-claims.txt (claim ids) for the load driver, and prints the row
// count of every table, the generation time and the database size.
//
// What is synthetic: block and transaction hashes are counters, claim
// signatures are a fixed placeholder (no key is involved; nothing here is
// ever sent to a chain), and the chains' side (holdings, aKSMb shares) is
// what the ledger implies plus a reward of about 10% a year. One simulated
// day = one transaction (NORMAL durability: re-derivable test data).
#include "chain/sig/ss58.hpp"
#include "storage/database.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/ledger.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"
#include "storage/ratio_ledger.hpp"
#include "storage/write_task.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace lstaked;
using namespace lstaked::ledger;
using nlohmann::json;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::cerr << "scale_dataset: " << what << "\n";
  std::exit(1);
}

template <class T>
T must(caf::expected<T> v, const std::string& what) {
  if (!v)
    die(what + ": " + describe(v.error()));
  return std::move(*v);
}

void must(const caf::error& err, const std::string& what) {
  if (err)
    die(what + ": " + describe(err));
}

struct options {
  std::string data_dir;
  uint64_t stakers = 100'000, days = 1460, deposits = 500'000, claims = 350'000, burns = 150'000;
  uint64_t ratio_every = 7, seed = 16;
};

// 0x + 64 hex with a digit per kind in front so hashes of different kinds
// never collide.
std::string hash_of(char kind, uint64_t n) {
  static const std::string kinds = "kxcrbtupqz"; // block, extrinsic, claim, digest, ...
  auto at = kinds.find(kind);
  if (at == std::string::npos)
    die(std::string{"hash_of: unknown kind "} + kind);
  char buf[80];
  std::snprintf(buf, sizeof buf, "0x%c%063llx", "123456789a"[at], static_cast<unsigned long long>(n));
  return buf;
}

std::string eth_address_of(uint64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%040llx", static_cast<unsigned long long>(n + 1));
  return buf;
}

// A staker's AccountId: 32 bytes spread from its index (any 32 bytes are a
// valid AccountId; SS58 only checksums them).
chain::bytes account_bytes(uint64_t i) {
  chain::bytes b(32);
  uint64_t x = i * 0x9E3779B97F4A7C15ULL + 0x1234567;
  for (size_t k = 0; k < 32; ++k) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ULL;
    b[k] = static_cast<uint8_t>(x >> 56);
  }
  return b;
}

std::string account_hex(uint64_t i) {
  return chain::to_hex(account_bytes(i));
}

const u256 ksm{1'000'000'000'000ULL};
const std::string payout_account = "0x" + std::string(64, 'd');  // the pool's payout account
const std::string stash = "0x" + std::string(64, 'e');           // the pool's stash
const std::string operator_eth = "0x" + std::string(40, 'f');     // signs updateRatio
const std::string token = "0x" + std::string(40, 'a');

struct generator {
  options opt;
  SQLite::Database& db;
  std::mt19937_64 rng;
  int64_t now = 1'670'371'200'000; // 2022-12-07, four years before these figures
  uint64_t kusama_block = 9'000'000, eth_block = 16'000'000, eth_time = 1'670'371'200;
  uint64_t last_ratio_update = 1'670'371'200;
  uint64_t tx_counter = 0, nonce_counter = 0, request_counter = 0, kusama_nonce = 0,
           eth_nonce = 0;
  u256 eth_total_shares;             // aKSMb shares on Ethereum: claimed, less burned
  std::vector<u256> unclaimed;       // per staker: principal not yet claimed (generator's view)
  std::vector<u256> on_eth;          // per staker: aKSMb planck held on Ethereum
  std::vector<uint64_t> holders;     // stakers with on_eth > 0 (may repeat)
  std::vector<claim_record> todays_claims;
  std::vector<std::string> sample_claims;
  std::map<std::string, uint64_t> counts;

  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); }

  // Deposit amounts: 1 to 200 KSM with planck digits, ~1% below the minimum.
  u256 deposit_amount() {
    uint64_t planck = 1'000'000'000'000ULL * (1 + pick(200)) + pick(1'000'000'000'000ULL);
    if (pick(100) == 0)
      planck = pick(900'000'000'000ULL) + 1; // under 1 KSM: BELOW_MINIMUM, refundable
    return u256{planck};
  }

  void next_kusama_block(statement_cache& sc, const std::vector<kusama_deposit>& deposits) {
    auto outcomes = must(apply_kusama_block(sc, {kusama_block, hash_of('k', kusama_block)},
                                            deposits, ksm, now),
                         "apply_kusama_block");
    for (auto o : outcomes)
      counts[o == deposit_outcome::credited ? "deposits credited" : "deposits below minimum"]++;
    ++kusama_block;
  }

  // One day of deposits: blocks of up to 4 deposits, ~10% also submitted by
  // their sender before the block was final.
  void deposits_of_day(statement_cache& sc, uint64_t n, uint64_t& next_deposit) {
    std::vector<kusama_deposit> block;
    for (uint64_t k = 0; k < n; ++k, ++next_deposit) {
      // Each staker's first deposit in order, then anyone's.
      uint64_t who = next_deposit < opt.stakers ? next_deposit : pick(opt.stakers);
      kusama_deposit d;
      d.block_hash = hash_of('k', kusama_block);
      d.block_number = kusama_block;
      d.extrinsic_index = static_cast<uint32_t>(block.size() + 2);
      d.event_index = static_cast<uint32_t>(3 * block.size() + 5);
      d.extrinsic_hash = hash_of('x', ++tx_counter);
      d.account = account_hex(who);
      d.amount_planck = deposit_amount();
      if (!(d.amount_planck < ksm))
        unclaimed[who] = *chain::eth::checked_add(unclaimed[who], d.amount_planck);
      if (pick(10) == 0) {
        deposit_submission s{d.extrinsic_hash, d.block_hash, d.block_number, d.extrinsic_index,
                             d.account, d.amount_planck, now};
        must(record_submission(sc.db(), s, now), "record_submission");
        counts["submissions"]++;
      }
      block.push_back(d);
      if (block.size() == 4) {
        next_kusama_block(sc, block);
        block.clear();
      }
    }
    if (!block.empty())
      next_kusama_block(sc, block);
  }

  // Claims, as the notary reserves them (the signature is a placeholder).
  void claims_of_day(statement_cache& sc, uint64_t n, uint64_t seen) {
    todays_claims.clear();
    for (uint64_t k = 0, tries = 0; k < n && tries < 20 * n; ++tries) {
      uint64_t who = pick(std::min(seen, opt.stakers));
      if (unclaimed[who] < ksm)
        continue;
      u256 amount, rest;
      u256::divmod(*chain::eth::checked_mul(unclaimed[who], u256{3}), u256{4}, amount, rest);
      claim_intent in;
      auto id = ++nonce_counter;
      in.claim_id = hash_of('c', id);
      in.request_digest = hash_of('r', id);
      in.account = account_hex(who);
      in.eth_address = eth_address_of(who);
      in.amount_planck = amount;
      in.nonce = "n" + std::to_string(id);
      in.claim_before_block = eth_block + 7200 + 600; // valid into tomorrow's window
      in.expires_at_ms = now + 26 * 3600 * 1000;
      auto signer = [](const claim_record&) -> caf::expected<std::string> {
        return "0x" + std::string(130, '5');
      };
      auto c = reserve_claim(sc, in, signer, now);
      if (!c)
        die("reserve_claim: " + describe(c.error()));
      unclaimed[who] = u256::wrapping_sub(unclaimed[who], amount);
      todays_claims.push_back(*c);
      if (sample_claims.size() < 5000 && pick(50) == 0)
        sample_claims.push_back(c->claim_id);
      counts["claims"]++;
      ++k;
    }
  }

  // One day of finalized Ethereum logs: 95% of today's claims minted (the
  // rest expire when the next window passes their claimBeforeBlock), burns.
  void eth_window(statement_cache& sc, uint64_t burns, bool mint_today) {
    eth_batch b;
    auto ratio = current_ratio(sc.db());
    uint64_t log = 0, block = eth_block + 1;
    auto next_log = [&]() {
      if (++log % 20 == 0) {
        b.blocks.push_back({block, hash_of('b', block)});
        block += 300;
      }
    };
    for (auto& c : todays_claims) {
      if (!mint_today || pick(20) == 0)
        continue;
      eth_claim_event e{c.claim_id, c.eth_address, c.amount_wei, c.shares, hash_of('t', ++tx_counter),
                        log % 20, block};
      b.claims.push_back(e);
      eth_total_shares = *chain::eth::checked_add(eth_total_shares, c.shares);
      auto who = std::stoull(c.eth_address.substr(2), nullptr, 16) - 1;
      if (on_eth[who].is_zero())
        holders.push_back(who);
      on_eth[who] = *chain::eth::checked_add(on_eth[who], c.amount_planck);
      next_log();
    }
    for (uint64_t k = 0; k < burns && !holders.empty(); ++k) {
      auto slot = pick(holders.size());
      auto who = holders[slot];
      u256 planck, rest;
      u256::divmod(on_eth[who], u256{2}, planck, rest);
      if (planck < ksm) {
        planck = on_eth[who];
        holders[slot] = holders.back();
        holders.pop_back();
      }
      on_eth[who] = u256::wrapping_sub(on_eth[who], planck);
      auto wei = *chain::eth::checked_mul(planck, wei_per_planck());
      auto shares = *chain::eth::checked_mul_div(wei, ratio, ratio_one());
      if (eth_total_shares < shares)
        shares = eth_total_shares;
      eth_total_shares = u256::wrapping_sub(eth_total_shares, shares);
      b.burns.push_back({u256{++request_counter}, eth_address_of(who), wei, shares,
                         account_hex(who), hash_of('u', ++tx_counter), log % 20, block});
      next_log();
    }
    eth_block += 7200; // a day of 12 s blocks
    eth_time += 86400;
    b.to = {eth_block, hash_of('b', eth_block)};
    b.blocks.push_back(b.to);
    must(apply_eth_batch(sc, b, now), "apply_eth_batch");
    counts["burns"] += b.burns.size();
  }

  // The payout actor's write step, then the finalized Kusama block paying it.
  void payouts(statement_cache& sc) {
    queue_requested(sc, now);
    fund_in_order(sc, *chain::eth::checked_mul(u256{1'000'000'000ULL}, ksm), now);
    for (;;) {
      auto batch = funded_batch(sc.db(), 100);
      if (batch.empty())
        return;
      std::vector<std::string> ids;
      json calls = json::array();
      for (auto& r : batch) {
        ids.push_back(r.request_id);
        calls.push_back({{"Balances", {{"transfer_keep_alive",
                                        {{"dest", {{"Id", r.recipient}}},
                                         {"value", r.amount_planck.to_dec()}}}}}});
      }
      json call{{"pallet", "Utility"}, {"call", "force_batch"}, {"args", {{"calls", calls}}}};
      auto row = add_intent(sc, "kusama", payout_account, "payout", call, kusama_nonce++, now);
      must(begin_payout(sc, ids, row.id, u256{}, now), "begin_payout");
      outbox_attempt a;
      a.tx_hash = hash_of('p', row.id);
      a.signed_hex = "0x" + std::string(200, '7');
      a.era_birth = kusama_block;
      a.era_period = 64;
      a.spec_version = 1'002'000;
      a.fee = std::to_string(150'000'000ULL + 1'000'000ULL * ids.size());
      record_attempt(sc, row.id, a, now);
      next_kusama_block(sc, {});
      auto matched = match_finalized_block(sc, "kusama", kusama_block - 1,
                                           hash_of('k', kusama_block - 1), {hash_of('z', 0), a.tx_hash},
                                           {{0, {}}, {1, {}}}, now);
      if (matched.size() != 1)
        die("payout extrinsic not matched in its block");
      std::vector<payout_item_result> items(ids.size(), payout_item_result{true, ""});
      auto settled = settle_payout(sc, row.id, items, *u256::from_dec(a.fee), now);
      if (!settled)
        die("settle_payout: " + describe(settled.error()));
      counts["payouts (extrinsics)"]++;
    }
  }

  // The pool's staking events of the day (bond of the new deposits, the
  // era's reward), as the Kusama watcher records them.
  void staking_events(statement_cache& sc) {
    std::vector<staking_event> ev;
    for (uint32_t i = 0; i < 4; ++i) {
      staking_event e;
      e.block_hash = hash_of('k', kusama_block - 1);
      e.block_number = kusama_block - 1;
      e.event_index = 40 + i;
      e.kind = i == 0 ? "Bonded" : i == 3 ? "Unbonded" : "Rewarded";
      e.account = stash;
      e.amount_planck = u256{1'000'000'000'000ULL * (1 + pick(500))};
      ev.push_back(e);
    }
    must(record_staking_events(sc, ev, now), "record_staking_events");
    counts["staking events"] += ev.size();
  }

  // The ratio calculator at the cursors, then its updateRatio final on
  // Ethereum and applied (the fee is booked then). The chain holds what the
  // ledger implies plus ~10%/year of rewards since the last update.
  void ratio(statement_cache& sc) {
    auto side = ratio_side_of(sc);
    auto all_shares = *chain::eth::checked_add(
      *chain::eth::checked_add(eth_total_shares, side.unclaimed_shares), side.reserved_shares);
    if (all_shares.is_zero())
      return;
    auto implied = *chain::eth::checked_mul_div(all_shares, u256::pow10(12), side.current_ratio);
    u256 reward, rest;
    u256::divmod(*chain::eth::checked_mul(implied, u256{opt.ratio_every}), u256{3650}, reward, rest);
    ratio_readings r;
    auto kc = *kusama_cursor(sc);
    auto ec = *eth_cursor(sc);
    r.kusama_block = kc.number;
    r.kusama_hash = kc.hash;
    r.eth_block = ec.number;
    r.eth_hash = ec.hash;
    r.eth_timestamp = eth_time;
    r.held_on_chain = implied;
    for (auto* v : {&side.owed_payouts, &side.refundable, &side.fee_balance, &reward})
      r.held_on_chain = *chain::eth::checked_add(r.held_on_chain, *v);
    r.held_detail = json{{stash, r.held_on_chain.to_dec()}};
    r.eth_total_shares = eth_total_shares;
    r.eth_ratio = side.current_ratio;
    r.bounds = {3600, 2000, 100};
    r.last_update = last_ratio_update;
    ratio_policy p;
    p.operator_address = operator_eth;
    p.token_address = token;
    p.operator_next_nonce = eth_nonce;
    auto c = decide_ratio(sc, r, p, now);
    counts["ratio calculations"]++;
    if (!c.outbox_id)
      return;
    outbox_attempt a;
    a.tx_hash = hash_of('q', *c.outbox_id);
    a.signed_hex = "0x02" + std::string(200, '8');
    a.fee = json{{"max_fee_per_gas", "30000000000"}, {"max_priority_fee_per_gas", "1000000000"},
                 {"gas_limit", "200000"}}
              .dump();
    record_attempt(sc, *c.outbox_id, a, now);
    ++eth_nonce;
    if (!settle_by_receipt(sc, "ethereum", a.tx_hash, eth_block, hash_of('b', eth_block), 3, true,
                           "", now))
      die("updateRatio receipt not matched");
    ratio_updated_event e{side.current_ratio, *u256::from_dec(c.published_ratio),
                          eth_total_shares,   eth_time - last_ratio_update,
                          a.tx_hash,          7,
                          eth_block};
    apply_ratio_updated(sc, e, now);
    last_ratio_update = eth_time;
    counts["ratios published"]++;
  }

  void run() {
    unclaimed.assign(opt.stakers, u256{});
    on_eth.assign(opt.stakers, u256{});
    uint64_t next_deposit = 0;
    auto share = [&](uint64_t total, uint64_t day) {
      return total * (day + 1) / opt.days - total * day / opt.days;
    };
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t day = 0; day < opt.days; ++day) {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      with_statements(db, [&](statement_cache& sc) {
        deposits_of_day(sc, share(opt.deposits, day), next_deposit);
        claims_of_day(sc, share(opt.claims, day), next_deposit);
        bool last_day = day + 1 == opt.days;
        // The last day's claims stay ACTIVE (not minted yet); the last week's
        // burns stay in the queue (waiting for unbonding).
        // Unstaking starts after the first month (the fee ledger, which pays
        // payout fees, fills from the first ratio updates).
        uint64_t burns = day < 30 ? 0 : opt.burns * (day - 29) / (opt.days - 30)
                                           - opt.burns * (day - 30) / (opt.days - 30);
        eth_window(sc, burns, !last_day);
        if (day + 7 < opt.days)
          payouts(sc);
        staking_events(sc);
        if (day % opt.ratio_every == opt.ratio_every - 1)
          ratio(sc);
      });
      tx.commit();
      now += 86'400'000;
      if (day % 100 == 99)
        std::cerr << "day " << day + 1 << "/" << opt.days << ", "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                  << " s\n";
    }
  }
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc)
      die("missing value after " + a);
    std::string v = argv[++i];
    if (a == "--data-dir") o.data_dir = v;
    else if (a == "--stakers") o.stakers = std::stoull(v);
    else if (a == "--days") o.days = std::stoull(v);
    else if (a == "--deposits") o.deposits = std::stoull(v);
    else if (a == "--claims") o.claims = std::stoull(v);
    else if (a == "--burns") o.burns = std::stoull(v);
    else if (a == "--ratio-every") o.ratio_every = std::stoull(v);
    else if (a == "--seed") o.seed = std::stoull(v);
    else die("unknown option " + a + " (see the comment at the top of scale_dataset.cpp)");
  }
  if (o.data_dir.empty() || o.stakers == 0 || o.days < 40 || o.deposits < o.stakers
      || o.ratio_every == 0)
    die("--data-dir is required; days >= 40, deposits >= stakers > 0");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  std::filesystem::create_directories(opt.data_dir);
  auto path = opt.data_dir + "/lstaked.sqlite";
  if (std::filesystem::exists(path))
    die(path + " exists: this tool only makes a new data set");
  auto t0 = std::chrono::steady_clock::now();
  auto db = must(sql::open_database(path, sql::open_mode::read_write), "open " + path);
  if (!sql::migrate(*db))
    die("migrations failed");
  sql::set_durability(*db, sql::durability::normal);
  generator g{opt, *db, std::mt19937_64{opt.seed}};
  try {
    g.run();
  } catch (const std::exception& e) {
    die(std::string{"stopped (the day's transaction rolled back): "} + e.what());
  }
  db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::ofstream accounts(opt.data_dir + "/sample-accounts.txt");
  for (uint64_t i = 0, n = 0; n < 5000 && i < opt.stakers; i += 1 + opt.stakers / 5000, ++n)
    accounts << must(chain::sig::ss58_encode(account_bytes(i), 2), "ss58") << "\n";
  std::ofstream claims(opt.data_dir + "/sample-claims.txt");
  for (auto& c : g.sample_claims)
    claims << c << "\n";

  std::printf("generated in %.1f s (%llu days)\n", seconds,
              static_cast<unsigned long long>(opt.days));
  for (auto& [what, n] : g.counts)
    std::printf("  %-24s %llu\n", what.c_str(), static_cast<unsigned long long>(n));
  {
  SQLite::Statement tables(*db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  std::printf("rows per table:\n");
  while (tables.executeStep()) {
    auto name = tables.getColumn(0).getString();
    SQLite::Statement q(*db, "SELECT count(*) FROM \"" + name + "\"");
    q.executeStep();
    std::printf("  %-24s %lld\n", name.c_str(), static_cast<long long>(q.getColumn(0).getInt64()));
  }
  SQLite::Statement kinds(*db, "SELECT kind, status, count(*) FROM history GROUP BY 1, 2 ORDER BY 1, 2");
  std::printf("history by kind and status:\n");
  while (kinds.executeStep())
    std::printf("  %-8s %-10s %lld\n", kinds.getColumn(0).getText(), kinds.getColumn(1).getText(),
                static_cast<long long>(kinds.getColumn(2).getInt64()));
  } // statements finalized before the connection closes
  db.reset();
  std::printf("database size: %.1f MB (%s)\n",
              static_cast<double>(std::filesystem::file_size(path)) / 1e6, path.c_str());
  return 0;
}
