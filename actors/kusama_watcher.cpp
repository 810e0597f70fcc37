#include "actors/kusama_watcher.hpp"

#include "actors/payout_queue.hpp"

#include "actors/kusama_submitter.hpp"
#include "actors/metrics.hpp"
#include "chain/ethereum/amount.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked {

using json = nlohmann::json;
using follower::block_ref;

caf::error validate(const kusama_watcher_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (auto id = kusama::account_id(cfg.deposit_account, "deposit_account"); !id)
    return id.error();
  for (auto& a : cfg.pool_accounts)
    if (auto id = kusama::account_id(a, "each pool account"); !id)
      return id.error();
  if (cfg.max_blocks_per_step == 0)
    return make_error(ec::invalid_config, "max_blocks_per_step must be positive");
  return {};
}

namespace {

using follower::metric_slot;

/// The follower's metrics under lstaked_kusama_* (the common ones are the follower's).
const follower::follower_metrics& kusama_follower_metrics() {
  static const auto m = follower::register_metrics(
    "kusama", "Kusama",
    {{metric_slot::cursor, "cursor_block", "Last finalized Kusama block applied to the ledger"},
     {metric_slot::final_head, "finalized_block", "Last finalized Kusama block seen"},
     {metric_slot::blocks_per_second, "blocks_per_second",
      "Blocks applied per second over the last ~5 s"},
     {metric_slot::eta, "eta_seconds", "Estimated seconds until the watcher catches up"},
     {metric_slot::blocks, "blocks_applied_total", "Kusama blocks applied to the ledger"},
     {metric_slot::chain_breaks, "chain_breaks_total",
      "Steps whose first block does not follow the applied cursor"}});
  return m;
}

/// The deposits of a committed step by outcome (lstaked_kusama_deposits_total{status}),
/// and its staking events.
void count_applied(uint64_t credited, uint64_t below_minimum, uint64_t duplicate,
                   uint64_t staking_events) {
  auto& r = metrics_registry::global();
  const std::string help = "Kusama deposits applied to the ledger, by outcome";
  auto by_status = [&](const char* status) -> counter_metric& {
    return r.counter("lstaked_kusama_deposits_total", help, {{"status", status}});
  };
  static auto& credited_total = by_status("credited");
  static auto& below_minimum_total = by_status("below_minimum");
  static auto& duplicate_total = by_status("duplicate");
  static auto& staking_total = r.counter("lstaked_kusama_staking_events_total",
                                         "Staking events of the pool's accounts stored");
  credited_total.inc(credited);
  below_minimum_total.inc(below_minimum);
  duplicate_total.inc(duplicate);
  staking_total.inc(staking_events);
}

} // namespace

namespace {

/// One finalized block as read from the node, ready for the ledger.
struct kusama_block {
  ledger::kusama_block_ref ref;
  std::vector<ledger::kusama_deposit> deposits;
  std::vector<ledger::staking_event> staking_events;
  std::optional<std::vector<std::string>> extrinsic_hashes; // read for hooks
  std::map<uint32_t, bool> extrinsic_success;               // for hooks
  std::map<uint32_t, std::string> extrinsic_errors;
  std::map<uint32_t, std::vector<std::string>> batch_items; // Utility item outcomes
  std::map<uint32_t, ledger::u256> fees_paid;               // TransactionFeePaid
};

/// A step as read and decoded on the RPC worker.
struct kusama_step {
  std::vector<kusama_block> blocks;
  uint32_t spec_version = 0; // of its last block
};

// ---- reader: on the RPC worker ---------------------------------------------

class kusama_reader final : public follower::chain_reader {
public:
  kusama_reader(std::unique_ptr<rpc::json_rpc_client> client, chain::bytes deposit_account,
                std::vector<chain::bytes> stashes, bool want_hashes)
    : client_(std::move(client)), deposit_account_(std::move(deposit_account)),
      stashes_(std::move(stashes)), want_hashes_(want_hashes) {}

  // The finalized head and the node's identity (genesis, name, properties) in
  // one batch, then the finalized header's number.
  caf::expected<follower::head_answer> head(const std::optional<block_ref>&) override {
    auto calls = kusama::identity_calls();
    calls.push_back({"chain_getFinalizedHead", json::array()});
    auto answers = client_->batch(calls);
    if (!answers)
      return answers.error();
    follower::head_answer out;
    auto identity = kusama::parse_identity(*answers, 0);
    if (!identity)
      return identity.error();
    out.identity = std::move(*identity);
    auto& head = (*answers)[3];
    if (!head)
      return head.error();
    auto finalized = kusama::header_number(*client_, *head);
    if (!finalized)
      return finalized.error();
    out.final_head = *finalized;
    return out;
  }

  // Reads blocks [from, to] (blocking), in two batches in the usual case: the
  // hashes of from-1..to, then the bodies and System.Events, with the runtime
  // versions at the parents of `from` and `to`. A block executes (and encodes
  // its events) with the runtime of its parent's state, as polkadot-js' api.at
  // decodes it; specVersions only grow, so equal versions at both ends mean one
  // runtime for the whole step, and only a step that crosses an upgrade asks for
  // every parent's version.
  caf::expected<follower::window_read> read(uint64_t from, uint64_t to) override {
    uint64_t first = from == 0 ? 0 : from - 1; // genesis is its own "parent"
    std::vector<rpc::rpc_call> calls;
    for (uint64_t n = first; n <= to; ++n)
      calls.push_back({"chain_getBlockHash", json::array({n})});
    auto hashes = client_->batch(calls);
    if (!hashes)
      return hashes.error();
    std::vector<std::string> hash_of; // index n - first
    for (uint64_t n = first; n <= to; ++n) {
      auto& h = (*hashes)[n - first];
      if (!h)
        return h.error();
      if (!h->is_string())
        return make_error(ec::rpc_error, "no hash for finalized block " + std::to_string(n));
      hash_of.push_back(h->get<std::string>());
    }
    auto parent_hash = [&](uint64_t n) -> const std::string& {
      return hash_of[(n == 0 ? 0 : n - 1) - first];
    };
    std::vector<kusama_block> out;
    calls.clear();
    calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(from)})});
    calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(to)})});
    for (uint64_t n = from; n <= to; ++n) {
      out.push_back({{n, hash_of[n - first]}, {}, {}, std::nullopt, {}, {}});
      calls.push_back({"chain_getBlock", json::array({out.back().ref.hash})});
      calls.push_back({"state_getStorage", json::array({kusama::events_key(), out.back().ref.hash})});
    }
    auto answers = client_->batch(calls);
    if (!answers)
      return answers.error();
    for (auto& a : *answers)
      if (!a)
        return a.error();
    // The runtime of each block: the first one's, unless the step crosses an upgrade.
    std::vector<kusama::runtime_ptr> runtime_of(out.size());
    auto first_rt = runtimes_.at(*client_, parent_hash(from), *(*answers)[0]);
    if (!first_rt)
      return first_rt.error();
    auto last_rt = runtimes_.at(*client_, parent_hash(to), *(*answers)[1]);
    if (!last_rt)
      return last_rt.error();
    if (*first_rt == *last_rt) {
      std::fill(runtime_of.begin(), runtime_of.end(), *first_rt);
    } else {
      calls.clear();
      for (uint64_t n = from; n <= to; ++n)
        calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(n)})});
      auto versions = client_->batch(calls);
      if (!versions)
        return versions.error();
      for (uint64_t n = from; n <= to; ++n) {
        auto& v = (*versions)[n - from];
        if (!v)
          return v.error();
        auto rt = runtimes_.at(*client_, parent_hash(n), *v);
        if (!rt)
          return rt.error();
        runtime_of[n - from] = *rt;
      }
    }
    // Continuity inside the step: every block's header names the block before
    // it as its parent (the node's hashes by number, read above). The first
    // block's parent is what the follower compares with the cursor.
    std::string first_parent;
    for (size_t i = 0; i < out.size(); ++i) {
      auto& body = *(*answers)[2 + 2 * i];
      auto n = out[i].ref.number;
      if (!body.is_object() || !body.contains("block") || !body["block"].contains("header")
          || !body["block"]["header"].contains("parentHash")
          || !body["block"]["header"]["parentHash"].is_string())
        return make_error(ec::decode_error, "chain_getBlock " + std::to_string(n) + ": no parentHash");
      auto parent = body["block"]["header"]["parentHash"].get<std::string>();
      if (i == 0) {
        first_parent = parent;
      } else if (n > 0 && parent != parent_hash(n)) {
        return make_error(ec::rpc_error, "the node's block " + std::to_string(n) + " names parent "
                                           + parent + ", not its block " + std::to_string(n - 1)
                                           + " " + parent_hash(n) + ": nothing of the step applied");
      }
    }
    for (size_t i = 0; i < out.size(); ++i) {
      auto& b = out[i];
      auto& body = *(*answers)[2 + 2 * i];
      auto& events = *(*answers)[3 + 2 * i];
      auto where = [&](const caf::error& err) {
        return make_error(ec::decode_error,
                          "block " + std::to_string(b.ref.number) + ": " + describe(err));
      };
      auto& rt = *runtime_of[i];
      if (spec_version_ != 0 && rt.spec_version != spec_version_)
        spdlog::info("kusama_watcher: runtime upgrade {} -> {} at block {}", spec_version_,
                     rt.spec_version, b.ref.number);
      spec_version_ = rt.spec_version;
      auto raw = kusama::hex_or_null(events, "state_getStorage");
      if (!raw)
        return where(raw.error());
      auto scan = kusama::scan_events(rt, chain::byte_view(raw->data(), raw->size()),
                                      deposit_account_, stashes_, b.ref);
      if (!scan)
        return where(scan.error());
      if (!scan->deposits.empty() || want_hashes_) {
        auto hashes = kusama::extrinsic_hashes(body);
        if (!hashes)
          return where(hashes.error());
        for (auto& d : scan->deposits) {
          if (d.extrinsic_index >= hashes->size())
            return where(make_error(ec::decode_error, "an event names extrinsic "
                                                        + std::to_string(d.extrinsic_index)
                                                        + " beyond the block's extrinsics"));
          d.extrinsic_hash = (*hashes)[d.extrinsic_index];
        }
        if (want_hashes_)
          b.extrinsic_hashes = std::move(*hashes);
      }
      b.deposits = std::move(scan->deposits);
      b.staking_events = std::move(scan->staking_events);
      if (want_hashes_) {
        b.extrinsic_success = std::move(scan->extrinsic_success);
        b.extrinsic_errors = std::move(scan->extrinsic_errors);
        b.batch_items = std::move(scan->batch_items);
        b.fees_paid = std::move(scan->fees_paid);
      }
    }
    follower::window_read w;
    w.from = from;
    w.to = to;
    w.parent_hash = from == 0 ? parent_hash(from) : first_parent;
    w.last = {to, out.back().ref.hash};
    w.data = std::make_shared<kusama_step>(kusama_step{std::move(out), spec_version_});
    return w;
  }

private:
  std::unique_ptr<rpc::json_rpc_client> client_;
  chain::bytes deposit_account_;      // 32 bytes
  std::vector<chain::bytes> stashes_; // deposit account + pool accounts, 32 bytes each
  bool want_hashes_;                  // every block's extrinsic hashes (hooks are registered)
  kusama::runtime_cache runtimes_;
  uint32_t spec_version_ = 0;         // of the last block read
};

// ---- applier: on the watcher -----------------------------------------------

struct applied_counts {
  uint64_t credited = 0, below_minimum = 0, duplicate = 0;
};

class kusama_applier final : public follower::chain_applier {
public:
  explicit kusama_applier(const kusama_watcher_config& cfg) : cfg_(cfg) {}

  std::optional<block_ref> cursor(SQLite::Database& db) override {
    auto c = ledger::kusama_cursor(db);
    if (!c)
      return std::nullopt;
    return block_ref{c->number, c->hash};
  }
  uint64_t window_blocks() const override { return cfg_.max_blocks_per_step; }
  std::string health_detail() const override { return {}; }
  uint32_t spec_version() const { return spec_version_; }
  uint64_t deposits_applied() const { return deposits_applied_; }
  uint64_t staking_events_applied() const { return staking_events_applied_; }

  // The whole step in ONE write_task: apply_kusama_block and
  // record_staking_events per block, in order.
  caf::error split(follower::window_read& w,
                   const std::function<void(follower::window_part)>& emit) override {
    auto step = std::any_cast<std::shared_ptr<kusama_step>&>(w.data);
    spec_version_ = step->spec_version;
    auto counts = std::make_shared<applied_counts>();
    auto minimum = cfg_.minimum_planck;
    follower::window_part part;
    part.end = w.last;
    part.blocks = step->blocks.size();
    for (auto& b : step->blocks)
      part.events += b.deposits.size() + b.staking_events.size();
    part.write = [step, counts, minimum](ledger::statement_cache& sc,
                                         const std::optional<block_ref>& expected,
                                         const follower::each_block_fn& each) {
      auto now_ms = follower::now_ms();
      *counts = {};
      auto stored = ledger::kusama_cursor(sc);
      std::optional<block_ref> at;
      if (stored)
        at = block_ref{stored->number, stored->hash};
      if (!follower::same(at, expected))
        throw write_refused{make_error(
          ec::invalid_state, "block " + std::to_string(step->blocks.front().ref.number)
                               + " does not follow the cursor "
                               + (stored ? std::to_string(stored->number) : std::string("none")))};
      for (auto& b : step->blocks) {
        auto r = ledger::apply_kusama_block(sc, b.ref, b.deposits, minimum, now_ms);
        if (!r)
          throw write_refused{r.error()};
        for (auto o : *r)
          ++(o == ledger::deposit_outcome::credited        ? counts->credited
             : o == ledger::deposit_outcome::below_minimum ? counts->below_minimum
                                                           : counts->duplicate);
        if (auto err = ledger::record_staking_events(sc, b.staking_events, now_ms))
          throw write_refused{err};
        if (each) {
          follower::applied_block a;
          a.ref = {b.ref.number, b.ref.hash};
          a.extrinsic_hashes = b.extrinsic_hashes ? &*b.extrinsic_hashes : nullptr;
          a.deposits = &b.deposits;
          a.staking_events = &b.staking_events;
          a.extrinsic_success = &b.extrinsic_success;
          a.extrinsic_errors = &b.extrinsic_errors;
          a.batch_items = &b.batch_items;
          a.fees_paid = &b.fees_paid;
          each(a);
        }
      }
    };
    part.committed = [this, step, counts] {
      size_t deposits = 0, staking = 0;
      for (auto& b : step->blocks) {
        deposits += b.deposits.size();
        staking += b.staking_events.size();
      }
      deposits_applied_ += deposits;
      staking_events_applied_ += staking;
      count_applied(counts->credited, counts->below_minimum, counts->duplicate, staking);
      if (deposits > 0 || staking > 0)
        spdlog::info("kusama_watcher: {} deposit(s), {} staking event(s) in blocks {}..{}",
                     deposits, staking, step->blocks.front().ref.number,
                     step->blocks.back().ref.number);
    };
    emit(std::move(part));
    return caf::none;
  }

private:
  kusama_watcher_config cfg_;
  uint32_t spec_version_ = 0;
  uint64_t deposits_applied_ = 0;
  uint64_t staking_events_applied_ = 0;
};

} // namespace

kusama_watcher_actor::behavior_type
kusama_watcher(kusama_watcher_actor::stateful_pointer<kusama_watcher_state> self,
               kusama_watcher_config cfg, storage_actor storage) {
  if (auto err = validate(cfg))
    return follower::stopped_behavior<kusama_watcher_actor, kusama_watcher_status>(
      self, kusama_watcher_state::name, std::move(err));
  auto client = rpc::json_rpc_client::make(cfg.rpc);
  if (!client)
    return follower::stopped_behavior<kusama_watcher_actor, kusama_watcher_status>(
      self, kusama_watcher_state::name, client.error());
  auto deposit_account = *kusama::account_id(cfg.deposit_account, "deposit_account");
  std::vector<chain::bytes> stashes{deposit_account};
  for (auto& a : cfg.pool_accounts)
    stashes.push_back(*kusama::account_id(a, "pool account"));
  auto& st = self->state;
  st.applier = std::make_shared<kusama_applier>(cfg);
  follower::follower_config fc;
  fc.name = kusama_watcher_state::name;
  fc.chain = "kusama";
  fc.task_prefix = "ksm";
  fc.window_task = "ksm_blocks";
  if (cfg.start_block != 0)
    fc.start_block = cfg.start_block;
  // The finalized head is re-read only when the last one seen would cut a
  // step short: during a long catch-up that saves two round trips per step.
  fc.head_every_window = false;
  fc.progress_interval = cfg.progress_interval;
  fc.metrics = kusama_follower_metrics();
  auto reader = std::make_shared<kusama_reader>(std::move(*client), std::move(deposit_account),
                                                std::move(stashes), !cfg.hooks.empty());
  st.follower = follower::make_follower(self, std::move(fc), cfg, std::move(storage),
                                        std::move(reader), st.applier);
  return follower::follower_behavior<kusama_watcher_actor, kusama_watcher_state,
                                    kusama_watcher_status>(
    self, [](const kusama_watcher_state& st, const follower::follower_view& v,
             kusama_watcher_status& s) {
      s.finalized = v.final_head;
      auto& applier = static_cast<const kusama_applier&>(*st.applier);
      s.spec_version = applier.spec_version();
      s.blocks_applied = v.blocks_applied;
      s.deposits_applied = applier.deposits_applied();
      s.staking_events_applied = applier.staking_events_applied();
      s.blocks_per_second = v.blocks_per_second;
      s.eta_seconds = v.eta_seconds;
    });
}

caf::expected<std::optional<kusama_watcher_config>>
make_kusama_watcher_config(const config& cfg) {
  if (cfg.kusama.deposit_address.empty())
    return std::optional<kusama_watcher_config>{};
  auto deposit = kusama_account_hex(cfg.kusama, cfg.kusama.deposit_address);
  if (!deposit)
    return deposit.error();
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  if (!minimum)
    return minimum.error();
  kusama_watcher_config w;
  w.rpc.url = cfg.kusama.rpc_url;
  w.deposit_account = *deposit;
  w.start_block = cfg.kusama.start_block;
  w.minimum_planck = *minimum;
  w.max_blocks_per_step = cfg.kusama.max_blocks_per_step;
  w.poll_interval = std::chrono::milliseconds(cfg.kusama.poll_interval_ms);
  for (auto* list : {&cfg.kusama.pool_accounts, &cfg.staking.stashes})
    for (auto& a : *list) {
      auto hex = kusama_account_hex(cfg.kusama, a);
      if (!hex)
        return hex.error();
      if (std::find(w.pool_accounts.begin(), w.pool_accounts.end(), *hex) == w.pool_accounts.end())
        w.pool_accounts.push_back(*hex);
    }
  // The daemon signs on Kusama: finalized blocks settle its outbox (in the same transaction).
  // Payouts settle per item in the same transaction, after the outbox row.
  if (!cfg.staking.deposit_key_file.empty()) {
    w.hooks.push_back(kusama_outbox_hook());
    w.hooks.push_back(payout_settle_hook());
  }
  return std::optional<kusama_watcher_config>{std::move(w)};
}

child_spec kusama_watcher_child(kusama_watcher_config cfg) {
  return child_with_storage("kusama_watcher", storage_use::restart, spawn_mode::detached,
                            kusama_watcher, std::move(cfg));
}

} // namespace lstaked
