#include "api/audit_command.hpp"

#include "actors/eth_watcher.hpp"
#include "actors/kusama_reader.hpp"
#include "chain/ethereum/abi.hpp"
#include "chain/rpc/eth_client.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "storage/audit.hpp"
#include "storage/database.hpp"
#include "storage/ledger.hpp"

#include <SQLiteCpp/Statement.h>

#include <iomanip>
#include <stdexcept>

namespace lstaked::api {

namespace {

using json = nlohmann::json;
using chain::eth::u256;
using chain::to_hex;

/// The audit cannot say anything (exit 2): why, for one line on stderr.
struct could_not_run : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T need(caf::expected<T> v, const std::string& what) {
  if (!v)
    throw could_not_run(what + ": " + describe(v.error()));
  return std::move(*v);
}

rpc::json_rpc_config rpc_config(const std::string& url) {
  rpc::json_rpc_config c;
  c.url = url;
  c.max_attempts = 3;
  return c;
}

// ---- Ethereum ------------------------------------------------------------------

u256 total_shares_at(rpc::eth_client& eth, const chain::eth::address& token, uint64_t block,
                     bool may_not_exist) {
  rpc::eth_call_request req;
  req.to = token;
  auto sel = chain::eth::abi_selector("totalShares()");
  req.data.assign(sel.begin(), sel.end());
  auto answer = need(eth.call(req, block), "Ethereum: aKSMb.totalShares() at block "
                                             + std::to_string(block));
  if (answer.empty() && may_not_exist)
    return u256{}; // no code there yet: before the token was deployed
  if (answer.size() != 32)
    throw could_not_run("Ethereum: aKSMb.totalShares() at block " + std::to_string(block)
                        + " answered " + std::to_string(answer.size()) + " bytes: is "
                        + "ethereum.token_address aKSMb?");
  return *u256::from_be(chain::byte_view(answer.data(), 32));
}

void audit_ethereum(const config& cfg, const audit_options& opts, SQLite::Database& db,
                    audit::report& r) {
  if (cfg.ethereum.pool_address.empty()) {
    r.skip("ethereum", "ethereum.pool_address is not set: claims are disabled");
    return;
  }
  auto cursor = ledger::eth_cursor(db);
  if (!cursor) {
    r.skip("ethereum", "the daemon has applied no Ethereum block yet");
    return;
  }
  auto pool = need(chain::eth::parse_address(cfg.ethereum.pool_address), "ethereum.pool_address");
  std::optional<chain::eth::address> token;
  if (!cfg.ethereum.token_address.empty())
    token = need(chain::eth::parse_address(cfg.ethereum.token_address), "ethereum.token_address");
  auto client = need(rpc::eth_client::make(rpc_config(cfg.ethereum.rpc_url)),
                     "Ethereum node " + cfg.ethereum.rpc_url);
  auto& eth = *client;
  const auto where = "Ethereum node " + cfg.ethereum.rpc_url;

  r.begin("ethereum.cursor");
  auto header = need(eth.block(cursor->number), where);
  if (!header)
    throw could_not_run(where + " has no block " + std::to_string(cursor->number)
                        + ", the daemon's Ethereum cursor: is it behind, or another chain?");
  auto chain_hash = to_hex(header->hash);
  if (chain_hash != cursor->hash)
    r.add("eth_cursor_mismatch", "the daemon applied block " + std::to_string(cursor->number) + " "
                                   + cursor->hash + ", the node has " + chain_hash
                                   + ": a reorg below finality or another chain");
  r.finish("block " + std::to_string(cursor->number) + " " + cursor->hash);

  // The pool's two events and aKSMb's RatioUpdated, start_block..cursor.
  audit::eth_events events;
  rpc::log_filter filter;
  filter.addresses = {pool};
  if (token)
    filter.addresses.push_back(*token);
  filter.topics = {{bonds_claimed_event().topic0(), tokens_burned_event().topic0(),
                    ratio_updated_event().topic0()}};
  auto ratio_topic = ratio_updated_event().topic0();
  uint64_t start = cfg.ethereum.start_block;
  uint64_t window = std::max<uint64_t>(1, opts.eth_window);
  for (uint64_t from = start; from <= cursor->number;) {
    uint64_t to = std::min(cursor->number, from + window - 1);
    filter.from_block = from;
    filter.to_block = to;
    auto answer = eth.logs(filter);
    if (!answer && window > 1) {
      // Providers cap a query's range or results: halve the window and retry.
      window /= 2;
      continue;
    }
    auto logs = need(std::move(answer), where + ": eth_getLogs " + std::to_string(from) + ".."
                                           + std::to_string(to));
    for (auto& log : logs) {
      if (log.removed || log.topics.empty())
        continue;
      if (token && log.emitter == *token && log.topics[0] == ratio_topic) {
        events.ratio_updates.push_back(need(decode_ratio_updated(log), "RatioUpdated"));
      } else if (log.emitter == pool && log.topics[0] != ratio_topic) {
        ledger::eth_batch batch;
        if (auto e = decode_pool_log(log, batch))
          throw could_not_run("a pool log does not decode: " + describe(e));
        for (auto& c : batch.claims)
          events.claims.push_back(std::move(c));
        for (auto& b : batch.burns)
          events.burns.push_back(std::move(b));
      }
    }
    from = to + 1;
  }
  audit::check_eth_events(db, events, r);

  if (!token) {
    r.skip("ethereum.total_shares", "ethereum.token_address is not set");
    return;
  }
  auto at_cursor = total_shares_at(eth, *token, cursor->number, false);
  auto before = start == 0 ? u256{} : total_shares_at(eth, *token, start - 1, true);
  audit::check_total_shares(db, events, at_cursor, before, r);
}

// ---- Kusama --------------------------------------------------------------------

struct kusama_scan {
  std::vector<ledger::kusama_deposit> transfers;
  std::vector<audit::pool_transfer> outgoing; // out of the deposit (payout) account
  std::string cursor_hash; // the node's hash of the last block scanned
};

kusama_scan scan_kusama(rpc::json_rpc_client& client, const chain::bytes& deposit_account,
                        const std::vector<chain::bytes>& pool_accounts, uint64_t from, uint64_t to, const audit_options& opts, const std::string& where,
                        std::ostream& err) {
  kusama_scan out;
  kusama::runtime_cache runtimes;
  const uint64_t total = to - from + 1;
  const bool progress = total >= opts.progress_min_blocks;
  uint64_t next_report = 5; // percent
  auto answer = [&](const caf::expected<json>& a, const std::string& what) -> const json& {
    if (!a)
      throw could_not_run(where + ": " + what + ": " + describe(a.error()));
    return *a;
  };
  for (uint64_t a = from; a <= to;) {
    uint64_t b = std::min(to, a + opts.kusama_batch - 1);
    // As the watcher reads (actors/kusama_watcher.cpp): the hashes of a-1..b,
    // then the events, with the runtime versions at the parents of a and b.
    uint64_t first = a == 0 ? 0 : a - 1;
    std::vector<rpc::rpc_call> calls;
    for (uint64_t n = first; n <= b; ++n)
      calls.push_back({"chain_getBlockHash", json::array({n})});
    auto hashes = need(client.batch(calls), where + ": chain_getBlockHash");
    std::vector<std::string> hash_of;
    for (uint64_t n = first; n <= b; ++n) {
      auto& h = answer(hashes[n - first], "chain_getBlockHash " + std::to_string(n));
      if (!h.is_string())
        throw could_not_run(where + " has no block " + std::to_string(n)
                            + ", which the daemon applied: is it behind, or another chain?");
      hash_of.push_back(h.get<std::string>());
    }
    auto parent_hash = [&](uint64_t n) -> const std::string& {
      return hash_of[(n == 0 ? 0 : n - 1) - first];
    };
    auto hash = [&](uint64_t n) -> const std::string& { return hash_of[n - first]; };
    calls.clear();
    calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(a)})});
    calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(b)})});
    for (uint64_t n = a; n <= b; ++n)
      calls.push_back({"state_getStorage", json::array({kusama::events_key(), hash(n)})});
    auto answers = need(client.batch(calls), where + ": System.Events");
    std::vector<kusama::runtime_ptr> runtime_of(b - a + 1);
    auto first_rt = need(runtimes.at(client, parent_hash(a), answer(answers[0], "runtime version")),
                         where + ": metadata");
    auto last_rt = need(runtimes.at(client, parent_hash(b), answer(answers[1], "runtime version")),
                        where + ": metadata");
    if (first_rt == last_rt) {
      std::fill(runtime_of.begin(), runtime_of.end(), first_rt);
    } else { // the batch crosses a runtime upgrade: every parent's version
      calls.clear();
      for (uint64_t n = a; n <= b; ++n)
        calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(n)})});
      auto versions = need(client.batch(calls), where + ": state_getRuntimeVersion");
      for (uint64_t n = a; n <= b; ++n)
        runtime_of[n - a] = need(runtimes.at(client, parent_hash(n),
                                             answer(versions[n - a], "runtime version")),
                                 where + ": metadata");
    }
    std::vector<size_t> with_deposits; // indexes into out.transfers per block: [begin, end)
    std::vector<uint64_t> blocks_with_deposits;
    for (uint64_t n = a; n <= b; ++n) {
      auto raw = need(kusama::hex_or_null(answer(answers[2 + (n - a)], "System.Events"),
                                          "state_getStorage"),
                      where + ": block " + std::to_string(n));
      auto scan = need(kusama::scan_events(*runtime_of[n - a], chain::byte_view(raw.data(), raw.size()),
                                           deposit_account, pool_accounts, {n, hash(n)}),
                       "Kusama block " + std::to_string(n) + ": System.Events");
      for (auto& t : scan.outgoing)
        out.outgoing.push_back({t.block_number, t.block_hash, t.extrinsic_index, t.event_index,
                                t.account, t.amount_planck});
      if (scan.deposits.empty())
        continue;
      blocks_with_deposits.push_back(n);
      with_deposits.push_back(out.transfers.size());
      for (auto& d : scan.deposits)
        out.transfers.push_back(std::move(d));
    }
    // Extrinsic hashes, for the blocks that carry deposits only.
    if (!blocks_with_deposits.empty()) {
      calls.clear();
      for (auto n : blocks_with_deposits)
        calls.push_back({"chain_getBlock", json::array({hash(n)})});
      auto bodies = need(client.batch(calls), where + ": chain_getBlock");
      for (size_t i = 0; i < blocks_with_deposits.size(); ++i) {
        auto n = blocks_with_deposits[i];
        auto xs = need(kusama::extrinsic_hashes(answer(bodies[i], "chain_getBlock")),
                       "Kusama block " + std::to_string(n));
        auto end = i + 1 < with_deposits.size() ? with_deposits[i + 1] : out.transfers.size();
        for (auto k = with_deposits[i]; k < end; ++k) {
          auto& d = out.transfers[k];
          if (d.extrinsic_index < xs.size())
            d.extrinsic_hash = xs[d.extrinsic_index];
        }
      }
    }
    if (b == to)
      out.cursor_hash = hash(b);
    if (progress) {
      auto pct = (b - from + 1) * 100 / total;
      if (pct >= next_report || b == to) {
        err << "audit: Kusama blocks " << from << ".." << to << ": " << pct << "% (block " << b
            << ", " << out.transfers.size() << " transfers)\n";
        while (next_report <= pct)
          next_report += 5;
      }
    }
    a = b + 1;
  }
  return out;
}

void audit_kusama(const config& cfg, const audit_options& opts, SQLite::Database& db,
                  audit::report& r, std::ostream& err) {
  if (cfg.kusama.deposit_address.empty()) {
    r.skip("kusama", "kusama.deposit_address is not set: deposits are disabled");
    return;
  }
  auto cursor = ledger::kusama_cursor(db);
  if (!cursor) {
    r.skip("kusama", "the daemon has applied no Kusama block yet");
    return;
  }
  auto deposit_hex = need(kusama_account_hex(cfg.kusama, cfg.kusama.deposit_address),
                          "kusama.deposit_address");
  auto deposit_account = need(kusama::account_id(deposit_hex, "kusama.deposit_address"),
                              "kusama.deposit_address");
  uint64_t from = cfg.kusama.start_block;
  std::string range_note;
  if (from == 0) {
    // The daemon began at the finalized head of its first start and did not
    // record it: the first deposit is the earliest block known to be its.
    auto first = audit::first_deposit_block(db);
    if (!first) {
      r.skip("kusama.deposits", "kusama.start_block = 0 and no deposit yet: the daemon's first "
                                "block is not recorded, so there is no range to scan");
      r.skip("kusama.payouts", "no range to scan (as kusama.deposits)");
      return;
    }
    from = *first;
    range_note = " (kusama.start_block = 0: scanned from the first deposit's block; transfers "
                 "before it cannot be checked)";
  }
  auto where = "Kusama node " + cfg.kusama.rpc_url;
  auto client = need(rpc::json_rpc_client::make(rpc_config(cfg.kusama.rpc_url)), where);
  // The pool's other accounts: KSM moved to them is the bond manager's, not a
  // payout, and KSM they sweep back is not a deposit (as the watcher decides).
  std::vector<std::string> own;
  std::vector<chain::bytes> own_ids;
  for (auto* list : {&cfg.staking.stashes, &cfg.kusama.pool_accounts})
    for (auto& a : *list) {
      own.push_back(need(kusama_account_hex(cfg.kusama, a), "a pool account " + a));
      own_ids.push_back(need(kusama::account_id(own.back(), "pool account"), "a pool account " + a));
    }
  std::vector<ledger::kusama_deposit> transfers;
  std::vector<audit::pool_transfer> outgoing;
  std::string node_hash;
  if (from <= cursor->number) {
    auto scan = scan_kusama(*client, deposit_account, own_ids, from, cursor->number, opts, where, err);
    transfers = std::move(scan.transfers);
    outgoing = std::move(scan.outgoing);
    node_hash = std::move(scan.cursor_hash);
  } else {
    auto h = need(client->call("chain_getBlockHash", json::array({cursor->number})), where);
    if (!h.is_string())
      throw could_not_run(where + " has no block " + std::to_string(cursor->number));
    node_hash = h.get<std::string>();
  }
  r.begin("kusama.cursor");
  if (node_hash != cursor->hash)
    r.add("kusama_cursor_mismatch", "the daemon applied block " + std::to_string(cursor->number)
                                      + " " + cursor->hash + ", the node has " + node_hash
                                      + ": a reorg below finality or another chain");
  r.finish("block " + std::to_string(cursor->number) + " " + cursor->hash);
  audit::check_kusama_deposits(db, transfers, from, cursor->number, r);
  r.note(range_note);
  audit::check_kusama_payouts(db, outgoing, own, from, cursor->number, r);
  r.note(range_note);
}

void print_text(const audit::report& r, const std::string& db_path, std::ostream& out) {
  out << "lstaked audit of " << db_path << "\n";
  size_t width = 4;
  for (auto& c : r.checks())
    width = std::max(width, c.name.size());
  for (auto& c : r.checks())
    out << "  " << std::left << std::setw(6) << (c.skipped ? "skip" : c.ok ? "ok" : "FAIL")
        << std::setw(static_cast<int>(width) + 2) << c.name << c.detail << "\n";
  for (auto& d : r.discrepancies())
    out << "DISCREPANCY " << d.code << ": " << d.message << "\n";
  if (r.ok())
    out << "clean: no discrepancy\n";
  else
    out << r.discrepancies().size() << " discrepancies\n";
}

} // namespace

int run_audit_command(const config& cfg, const audit_options& opts, std::ostream& out,
                      std::ostream& err) {
  auto path = cfg.database_path();
  auto handle = sql::open_database(path, sql::open_mode::read_only);
  if (!handle) {
    err << "error: cannot audit: " << describe(handle.error()) << "\n";
    return 2;
  }
  auto& db = **handle;
  try {
    db.setBusyTimeout(5000);
    auto version = sql::schema_version(db);
    if (!version || *version != sql::latest_schema_version()) {
      err << "error: cannot audit: " << path << " has schema "
          << (version ? std::to_string(*version) : std::string("?")) << ", this binary "
          << sql::latest_schema_version() << " (run `lstaked db migrate`, or a matching lstaked)\n";
      return 2;
    }
    // One read transaction: the first SELECT fixes the snapshot every check sees.
    db.exec("BEGIN");
    SQLite::Statement pin(db, "SELECT count(*) FROM chain_cursors");
    pin.executeStep();
    pin.reset();

    audit::report r;
    audit::check_ledger(db, r);
    audit_ethereum(cfg, opts, db, r);
    audit_kusama(cfg, opts, db, r, err);
    db.exec("ROLLBACK");

    if (opts.as_json)
      out << r.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
      print_text(r, path, out);
    return r.ok() ? 0 : 1;
  } catch (const could_not_run& e) {
    err << "error: cannot audit: " << e.what() << "\n";
  } catch (const std::exception& e) {
    err << "error: cannot audit: " << path << ": " << e.what() << "\n";
  }
  return 2;
}

} // namespace lstaked::api
