// A scripted Substrate JSON-RPC node for the Kusama follower's unit tests:
// blocks 0..best with deterministic hashes, the real Kusama V14 metadata
// (tools/vectors/substrate/kusama-v14.bin), and System.Events the test puts in
// a block (a Balances.Transfer encoded with the metadata's own indices). The
// test can make it serve what a right node never does: another history from a
// block on (`fork_from`), a header whose parent is not the block before it
// (`parent_override`), another chain's identity.
//
// Contract: the fields are read on the server's thread while it answers; set
// them only while no watcher call is running (between the test's steps on the
// deterministic scheduler, where reader calls run inline).
#pragma once

#include "actors/kusama_watcher.hpp"
#include "chain/common/hash.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "tests/chain_identity/scripted_peer.hpp"
#include "tests/support/actor_fixture.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lstaked::test {

class scripted_kusama_node {
public:
  using json = nlohmann::json;

  uint64_t best = 10;
  uint64_t finalized = 8;
  /// Blocks from here on are another history ("foreign"): other hashes.
  uint64_t fork_from = std::numeric_limits<uint64_t>::max();
  /// Headers whose parentHash is not the hash of the block before them.
  std::map<uint64_t, std::string> parent_override;
  /// Identity: another chain (its genesis) when `foreign_genesis`.
  bool foreign_genesis = false;
  std::string chain_name = "Kusama";
  uint64_t ss58_prefix = 2;
  uint64_t token_decimals = 12;
  /// Methods that fail with a JSON-RPC error (a node that lacks them, or a flaky one).
  std::vector<std::string> failing;
  /// chain_getBlock requests seen (block numbers), in order.
  std::vector<uint64_t> bodies_read;

  scripted_kusama_node() {
    auto path = std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/substrate/kusama-v14.bin";
    std::ifstream in(path, std::ios::binary);
    chain::bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto md = chain::substrate::metadata::parse(chain::byte_view(raw.data(), raw.size()));
    if (!md)
      throw std::runtime_error("cannot read " + path);
    metadata_ = *md;
    metadata_hex_ = kusama::hex_of(raw);
  }

  std::string url() const { return peer_.url(); }

  /// The hash the node serves for block `n` (its current history).
  std::string hash_of(uint64_t n) const {
    bool foreign = n >= fork_from || foreign_genesis;
    return hash_text((foreign ? "foreign block " : "block ") + std::to_string(n));
  }
  std::string genesis_hash() const { return hash_of(0); }

  /// Puts a transfer of `planck` from `from` to `to` (0x + 64 hex each) in
  /// block `n` of whichever history is served then, as extrinsic 1's event.
  void add_transfer(uint64_t n, const std::string& from, const std::string& to, uint64_t planck) {
    auto ref = metadata_->find_event("Balances", "Transfer");
    if (!ref)
      throw std::runtime_error("no Balances.Transfer in the metadata");
    chain::bytes e;
    e.push_back(0x04);                      // Vec<EventRecord>: compact length 1
    e.push_back(0x00);                      // Phase::ApplyExtrinsic
    for (int i = 0; i < 4; ++i)             // extrinsic index 1, u32 LE
      e.push_back(i == 0 ? 1 : 0);
    e.push_back(ref->pallet->index);        // RuntimeEvent::Balances
    e.push_back(ref->variant->index);       // Balances::Transfer
    for (auto* account : {&from, &to}) {
      auto id = *chain::from_hex(*account);
      e.insert(e.end(), id.begin(), id.end());
    }
    for (int i = 0; i < 16; ++i)            // amount: u128 LE
      e.push_back(i < 8 ? static_cast<uint8_t>(planck >> (8 * i)) : 0);
    e.push_back(0x00);                      // topics: empty
    events_[hash_of(n)] = kusama::hex_of(e);
  }

private:
  static std::string hash_text(const std::string& text) {
    auto h = chain::blake2b_256(
      chain::byte_view(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    return chain::to_hex(chain::byte_view(h.data(), h.size()));
  }

  std::optional<uint64_t> number_of(const json& hash) const {
    if (!hash.is_string())
      return best;
    for (uint64_t n = 0; n <= best; ++n)
      if (hash_of(n) == hash.get<std::string>())
        return n;
    return std::nullopt;
  }

  json header(uint64_t n) const {
    auto parent = parent_override.count(n) ? parent_override.at(n)
                  : n == 0                 ? "0x" + std::string(64, '0')
                                           : hash_of(n - 1);
    return {{"number", "0x" + to_hex_number(n)},
            {"parentHash", parent},
            {"stateRoot", hash_text("state " + std::to_string(n))},
            {"extrinsicsRoot", hash_text("extrinsics " + std::to_string(n))},
            {"digest", {{"logs", json::array()}}}};
  }

  static std::string to_hex_number(uint64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
    return buf;
  }

  json answer(const std::string& method, const json& params) {
    for (auto& m : failing)
      if (m == method)
        throw scripted_peer::error{-32000, "scripted failure of " + method};
    auto at = [&](size_t i) { return params.size() > i ? params[i] : json(); };
    if (method == "chain_getFinalizedHead")
      return hash_of(finalized);
    if (method == "chain_getBlockHash") {
      auto n = at(0).is_null() ? best : at(0).get<uint64_t>();
      return n <= best ? json(hash_of(n)) : json();
    }
    if (method == "chain_getHeader") {
      auto n = number_of(at(0));
      return n ? header(*n) : json();
    }
    if (method == "chain_getBlock") {
      auto n = number_of(at(0));
      if (!n)
        return json();
      bodies_read.push_back(*n);
      // extrinsic 0: the timestamp inherent; 1: the user's (any bytes: only hashed).
      json extrinsics = {"0x0400" + hash_text("inherent " + std::to_string(*n)).substr(2),
                         "0x0400" + hash_text("tx " + std::to_string(*n)).substr(2)};
      return {{"block", {{"header", header(*n)}, {"extrinsics", extrinsics}}},
              {"justifications", nullptr}};
    }
    if (method == "state_getRuntimeVersion")
      return {{"specName", "kusama"}, {"specVersion", 1009002}, {"transactionVersion", 26}};
    if (method == "state_getMetadata")
      return metadata_hex_;
    if (method == "state_getStorage") {
      auto it = events_.find(at(1).is_string() ? at(1).get<std::string>() : "");
      return it == events_.end() ? json("0x00") : json(it->second); // no events: an empty Vec
    }
    if (method == "system_chain")
      return chain_name;
    if (method == "system_properties")
      return {{"ss58Format", ss58_prefix}, {"tokenDecimals", token_decimals}, {"tokenSymbol", "KSM"}};
    throw scripted_peer::error{-32601, "Method not found"};
  }

  chain::substrate::metadata_ptr metadata_;
  std::string metadata_hex_;
  std::map<std::string, std::string> events_; // block hash -> System.Events
  scripted_peer peer_{[this](const std::string& m, const json& p) { return answer(m, p); }};
};

inline const std::string ferdie_id = "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c";
inline const std::string alice_id = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

/// The Kusama watcher on a scripted node: //Ferdie is the deposit account
/// (minimum 1 KSM), steps of 3 blocks from block 1, and a hook recording
/// every applied block (`applied`, in the order applied).
class scripted_kusama_fixture
  : public watcher_fixture<kusama_watcher_actor, kusama_watcher_state, kusama_watcher_status,
                           kusama_watcher_config> {
protected:
  scripted_kusama_fixture() : watcher_fixture(kusama_watcher) {}

  scripted_kusama_node node;
  std::shared_ptr<std::vector<uint64_t>> applied = std::make_shared<std::vector<uint64_t>>();

  void SetUp() override {
    watcher_fixture::SetUp();
    cfg.rpc.url = node.url();
    cfg.rpc.max_attempts = 1;
    cfg.detached_rpc_worker = false; // deterministic: the worker runs on the test scheduler
    cfg.deposit_account = ferdie_id;
    cfg.minimum_planck = *ledger::u256::from_dec("1000000000000");
    cfg.start_block = 1;
    cfg.max_blocks_per_step = 3;
    cfg.poll_interval = std::chrono::milliseconds(3000);
    cfg.hooks.push_back([seen = applied](ledger::statement_cache&, const follower::applied_block& b) {
      seen->push_back(b.ref.number);
    });
  }

  /// The node moves on: finalized `finalized` (best two above), with a
  /// transfer of `planck` from //Alice to the deposit account in `block`.
  void finalize_with_deposit(uint64_t finalized, uint64_t block, uint64_t planck) {
    node.best = finalized + 2;
    node.finalized = finalized;
    node.add_transfer(block, alice_id, ferdie_id, planck);
  }

  /// Invariants of a halted follower that started at block 1: it stays at
  /// `cursor`, every block up to it applied once in order and none after,
  /// `deposits` deposits in the ledger.
  void expect_halted_at(const kusama_watcher_actor& w, uint64_t cursor, int64_t deposits) {
    auto s = status(w);
    EXPECT_TRUE(s.halted);
    EXPECT_EQ(s.cursor, cursor);
    EXPECT_EQ(*applied, blocks(1, cursor)) << "a block applied after the halt";
    EXPECT_EQ(count("SELECT count(*) FROM deposits"), deposits);
  }

  /// A halted follower stays halted however long it polls (one alert in
  /// all), and a restart against the same node halts again before applying
  /// anything; returns the restarted watcher.
  kusama_watcher_actor expect_stays_halted(kusama_watcher_actor w, uint64_t cursor, int64_t deposits) {
    for (int i = 0; i < 5; ++i)
      poll();
    expect_halted_at(w, cursor, deposits);
    EXPECT_EQ(count("SELECT count(*) FROM alerts"), 1) << "one alarm per halt";
    stop(w);
    w = start_watcher();
    expect_halted_at(w, cursor, deposits);
    return w;
  }

  /// from, from+1, ..., to.
  static std::vector<uint64_t> blocks(uint64_t from, uint64_t to) {
    std::vector<uint64_t> out;
    for (uint64_t n = from; n <= to; ++n)
      out.push_back(n);
    return out;
  }
};

} // namespace lstaked::test
