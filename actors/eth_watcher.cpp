#include "actors/eth_watcher.hpp"

#include "actors/metrics.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace lstaked {

namespace {

using chain::hash256;
using chain::to_hex;
using chain::eth::u256;

using follower::metric_slot;

/// The follower's metrics under lstaked_eth_* (the common ones are the follower's).
const follower::follower_metrics& eth_follower_metrics() {
  static const auto m = follower::register_metrics(
    "eth", "Ethereum",
    {{metric_slot::cursor, "cursor_block", "Last Ethereum block applied to the ledger"},
     {metric_slot::final_head, "final_head_block",
      "Last finalized (or confirmed) Ethereum block seen"},
     {metric_slot::window, "window_blocks", "Current eth_getLogs window of the watcher"},
     {metric_slot::windows, "windows_total", "Block windows applied to the ledger"},
     {metric_slot::chain_breaks, "reorgs_below_finality_total",
      "Stored finalized block hashes the chain no longer has"},
     {metric_slot::window_latency, "window_seconds",
      "One window: RPC fetch, decode and the ledger commit"}});
  return m;
}

/// Counts a committed part's pool events under lstaked_eth_logs_ingested_total{event}.
void count_pool_events(size_t claims, size_t burns) {
  static const char* help = "Pool events applied to the ledger";
  static auto& claimed = metrics_registry::global().counter(
    "lstaked_eth_logs_ingested_total", help, {{"event", "BondsClaimed"}});
  static auto& burned = metrics_registry::global().counter(
    "lstaked_eth_logs_ingested_total", help, {{"event", "TokensBurned"}});
  claimed.inc(claims);
  burned.inc(burns);
}

std::optional<chain::eth::address> token_of(const eth_watcher_config& cfg) {
  auto a = chain::eth::parse_address(cfg.token_address);
  if (cfg.token_address.empty() || !a)
    return std::nullopt; // validate() refuses a malformed one
  return *a;
}

std::string address_text(const u256& word) {
  auto be = word.to_be32();
  return to_hex(chain::byte_view(be.data() + 12, 20));
}

std::string word_text(const u256& word) {
  return to_hex(word.to_be32());
}

chain::eth::event_abi parsed(const char* text) {
  // Called with constants only; a parse failure is a programmer error.
  auto e = chain::eth::parse_event(text);
  if (!e) {
    spdlog::critical("eth_watcher: bad built-in event signature {}: {}", text, describe(e.error()));
    std::abort();
  }
  return std::move(*e);
}

} // namespace

const chain::eth::event_abi& bonds_claimed_event() {
  static const auto e = parsed("BondsClaimed(uint256 indexed claimId, address indexed account, "
                                "address indexed bond, uint256 amount, uint256 shares)");
  return e;
}

const chain::eth::event_abi& tokens_burned_event() {
  static const auto e = parsed("TokensBurned(address indexed account, address indexed bond, "
                                "uint256 amount, uint256 shares, bytes32 recipient, "
                                "uint256 indexed requestId)");
  return e;
}

const chain::eth::event_abi& ratio_updated_event() {
  static const auto e =
    parsed("RatioUpdated(uint256 oldRatio, uint256 newRatio, uint256 elapsed, uint256 totalShares)");
  return e;
}

namespace {

const hash256& ratio_updated_topic() {
  static const hash256 t = ratio_updated_event().topic0();
  return t;
}

// keccak-256 of the signatures, computed once (decode runs per log).
const hash256& bonds_claimed_topic() {
  static const hash256 t = bonds_claimed_event().topic0();
  return t;
}

const hash256& tokens_burned_topic() {
  static const hash256 t = tokens_burned_event().topic0();
  return t;
}

} // namespace

caf::expected<ledger::chain_identity>
ethereum_identity(uint64_t chain_id,
                  const caf::expected<std::optional<rpc::eth_block_header>>& genesis) {
  if (!genesis)
    return genesis.error();
  if (!*genesis)
    return make_error(ec::rpc_error, "the node has no genesis block");
  ledger::chain_identity identity;
  identity.chain = "ethereum";
  identity.genesis_hash = to_hex((*genesis)->hash);
  identity.chain_id = chain_id;
  return identity;
}

caf::expected<ledger::ratio_updated_event> decode_ratio_updated(const rpc::eth_log& log) {
  if (log.topics.size() != 1 || log.topics[0] != ratio_updated_topic() || log.data.size() != 128)
    return make_error(ec::decode_error, "not an aKSMb RatioUpdated log (tx " + to_hex(log.tx_hash)
                                          + ", log " + std::to_string(log.log_index) + ")");
  auto v = chain::eth::decode_log(ratio_updated_event(), log.topics, log.data);
  if (!v)
    return v.error();
  ledger::ratio_updated_event e;
  e.old_ratio = (*v)[0].word;
  e.new_ratio = (*v)[1].word;
  if (!(*v)[2].word.fits_u64())
    return make_error(ec::decode_error, "RatioUpdated: elapsed out of range");
  e.elapsed = (*v)[2].word.low_u64();
  e.total_shares = (*v)[3].word;
  e.tx_hash = to_hex(log.tx_hash);
  e.log_index = log.log_index;
  e.block_number = log.block_number;
  return e;
}

caf::error decode_pool_log(const rpc::eth_log& log, ledger::eth_batch& batch) {
  if (log.topics.empty())
    return make_error(ec::decode_error, "pool log without topics");
  auto tx = to_hex(log.tx_hash);
  // Only for errors: built on demand (decoding runs once per log).
  auto where = [&] { return " (tx " + tx + " log " + std::to_string(log.log_index) + ")"; };
  if (log.topics[0] == bonds_claimed_topic()) {
    auto v = chain::eth::decode_log(bonds_claimed_event(), log.topics, log.data);
    if (!v)
      return make_error(ec::decode_error, "BondsClaimed" + where() + ": " + describe(v.error()));
    ledger::eth_claim_event e;
    e.claim_id = word_text((*v)[0].word);
    e.account = address_text((*v)[1].word);
    e.amount_wei = (*v)[3].word;
    e.shares = (*v)[4].word;
    e.tx_hash = tx;
    e.log_index = log.log_index;
    e.block_number = log.block_number;
    batch.claims.push_back(std::move(e));
    return caf::none;
  }
  if (log.topics[0] == tokens_burned_topic()) {
    // The bulk of the pool's logs: decoded here word by word, with the same
    // checks as chain::eth::decode_log (which rebuilds the event's signature
    // and hashes it for every log): 3 indexed topics, exactly three data
    // words, addresses with 12 zero high bytes. The test pins the two equal.
    if (log.topics.size() != 4)
      return make_error(ec::decode_error, "TokensBurned" + where() + ": log has "
                                            + std::to_string(log.topics.size())
                                            + " topics, TokensBurned has 4");
    if (log.data.size() != 96)
      return make_error(ec::decode_error, "TokensBurned" + where() + ": data is "
                                            + std::to_string(log.data.size())
                                            + " bytes, not three words");
    auto is_address = [](const hash256& word) {
      return std::all_of(word.begin(), word.begin() + 12, [](uint8_t b) { return b == 0; });
    };
    if (!is_address(log.topics[1]) || !is_address(log.topics[2]))
      return make_error(ec::decode_error, "TokensBurned" + where() + ": address wider than 20 bytes");
    auto word = [&](size_t i) {
      return *u256::from_be(chain::byte_view(log.data.data() + 32 * i, 32));
    };
    ledger::eth_burn_event e;
    e.account = to_hex(chain::byte_view(log.topics[1].data() + 12, 20));
    e.amount_wei = word(0);
    e.shares = word(1);
    e.recipient = to_hex(chain::byte_view(log.data.data() + 64, 32));
    e.request_id = *u256::from_be(log.topics[3]);
    e.tx_hash = std::move(tx);
    e.log_index = log.log_index;
    e.block_number = log.block_number;
    batch.burns.push_back(std::move(e));
    return caf::none;
  }
  return make_error(ec::decode_error, "not a pool event" + where());
}

caf::error validate(const eth_watcher_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (!chain::eth::parse_address(cfg.pool_address))
    return make_error(ec::invalid_config, "ethereum pool address is not an address: "
                                            + cfg.pool_address);
  if (!cfg.token_address.empty() && !chain::eth::parse_address(cfg.token_address))
    return make_error(ec::invalid_config, "ethereum token address is not an address: "
                                            + cfg.token_address);
  if (cfg.finality != "finalized" && cfg.finality != "safe" && cfg.finality != "confirmations")
    return make_error(ec::invalid_config,
                      "ethereum finality must be finalized, safe or confirmations, not "
                        + cfg.finality);
  if (cfg.finality == "confirmations" && cfg.confirmations == 0)
    return make_error(ec::invalid_config, "ethereum confirmations must be >= 1");
  if (cfg.target_events_per_window == 0)
    return make_error(ec::invalid_config, "ethereum target_events_per_window must be >= 1");
  if (cfg.initial_window == 0 || cfg.max_window < cfg.initial_window)
    return make_error(ec::invalid_config, "ethereum windows must satisfy 1 <= initial <= max");
  if (cfg.poll_interval.count() <= 0 || cfg.error_backoff.count() <= 0
      || cfg.max_error_backoff < cfg.error_backoff || cfg.storage_timeout.count() <= 0)
    return make_error(ec::invalid_config, "ethereum watcher intervals must be > 0");
  return caf::none;
}


namespace {

using follower::block_ref;

// ---- reader: on the RPC worker ---------------------------------------------

/// A window as read: the raw eth_getLogs answer (parsed and decoded by the
/// applier, on the watcher, while the worker reads the next window).
struct eth_window {
  rpc::json logs;
  bool full = false; // as many blocks as the window size asked for
};

class eth_reader final : public follower::chain_reader {
public:
  eth_reader(std::shared_ptr<rpc::eth_client> eth, const eth_watcher_config& cfg,
             chain::eth::address pool)
    : eth_(std::move(eth)), cfg_(cfg), pool_(pool), token_(token_of(cfg)) {}

  // The node's identity (chain id, genesis block), the final head and the
  // chain's block at the tip, in one request. A chain id other than the
  // configured one is refused before anything else is looked at.
  caf::expected<follower::head_answer> head(const std::optional<block_ref>& tip) override {
    follower::head_answer out;
    std::vector<rpc::rpc_call> calls{
      {"eth_chainId", rpc::json::array()},
      {"eth_getBlockByNumber", rpc::json::array({rpc::to_param(uint64_t{0}), false})},
      {"eth_getBlockByNumber",
       rpc::json::array({cfg_.finality == "confirmations" ? std::string("latest") : cfg_.finality,
                         false})}};
    if (tip)
      calls.push_back({"eth_getBlockByNumber", rpc::json::array({rpc::to_param(tip->number), false})});
    auto answers = eth_->rpc().batch(calls);
    if (!answers)
      return answers.error();
    for (auto& a : *answers)
      if (!a)
        return a.error();
    auto id = rpc::parse_quantity_u64(*(*answers)[0]);
    if (!id)
      return make_error(ec::decode_error, "eth_chainId: not a quantity");
    if (cfg_.chain_id != 0 && *id != cfg_.chain_id) {
      out.refuse = "wrong chain: chain id " + std::to_string(*id) + ", configured "
                   + std::to_string(cfg_.chain_id);
      return out;
    }
    auto identity = ethereum_identity(*id, rpc::parse_block_header(*(*answers)[1]));
    if (!identity)
      return identity.error();
    out.identity = std::move(*identity);
    auto final_block = rpc::parse_block_header(*(*answers)[2]);
    if (!final_block)
      return final_block.error();
    if (!*final_block)
      return out; // no finalized block yet (a young chain): nothing is final
    uint64_t head = (*final_block)->number;
    if (cfg_.finality == "confirmations")
      head = head >= cfg_.confirmations ? head - cfg_.confirmations : 0;
    out.final_head = head;
    if (tip) {
      auto at_tip = rpc::parse_block_header(*(*answers)[3]);
      if (!at_tip)
        return at_tip.error();
      out.tip_checked = true;
      if (*at_tip)
        out.tip_hash = to_hex((*at_tip)->hash);
    }
    return out;
  }

  // The window's logs, its first block (continuity) and its last (the new
  // cursor), in one request.
  caf::expected<follower::window_read> read(uint64_t from, uint64_t to) override {
    rpc::log_filter filter;
    filter.addresses = {pool_};
    filter.topics = {{bonds_claimed_topic(), tokens_burned_topic()}};
    if (token_) {
      filter.addresses.push_back(*token_);
      filter.topics[0].push_back(ratio_updated_topic());
    }
    filter.from_block = from;
    filter.to_block = to;
    auto answers = eth_->rpc().batch({
      {"eth_getLogs", rpc::json::array({rpc::to_json(filter)})},
      {"eth_getBlockByNumber", rpc::json::array({rpc::to_param(from), false})},
      {"eth_getBlockByNumber", rpc::json::array({rpc::to_param(to), false})},
    });
    if (!answers)
      return answers.error();
    for (auto& a : *answers)
      if (!a)
        return a.error();
    auto first = rpc::parse_block_header(*(*answers)[1]);
    auto last = rpc::parse_block_header(*(*answers)[2]);
    if (!first)
      return first.error();
    if (!last)
      return last.error();
    if (!*first || !*last)
      return make_error(ec::rpc_error, "node does not have the blocks of window "
                                         + std::to_string(from) + ".." + std::to_string(to));
    if (!(*answers)[0]->is_array())
      return make_error(ec::decode_error, "eth_getLogs answer is not an array");
    follower::window_read w;
    w.from = from;
    w.to = to;
    w.parent_hash = to_hex((*first)->parent_hash);
    w.last = {to, to_hex((*last)->hash)};
    w.data = std::make_shared<eth_window>(eth_window{std::move(*(*answers)[0]), false});
    return w;
  }

private:
  std::shared_ptr<rpc::eth_client> eth_;
  eth_watcher_config cfg_;
  chain::eth::address pool_;
  std::optional<chain::eth::address> token_;
};

// ---- applier: on the watcher -----------------------------------------------

/// One part of a window: the batch and the logs it came from (for hooks).
struct eth_part {
  ledger::eth_batch batch;
  std::vector<ledger::ratio_updated_event> ratio_updates; // aKSMb's, applied after the batch
  uint64_t from = 0; // first block the part covers
  std::shared_ptr<const std::vector<rpc::eth_log>> logs;
  size_t log_begin = 0, log_end = 0;
};

std::optional<block_ref> as_ref(const std::optional<ledger::eth_block_ref>& r) {
  if (!r)
    return std::nullopt;
  return block_ref{r->number, r->hash};
}

// Every block of the part, in order, with its pool logs; the hash where the
// ledger keeps it (blocks with events and the part's last block).
void each_eth_block(const eth_part& p, const follower::each_block_fn& each) {
  size_t log = p.log_begin;
  auto kept = p.batch.blocks.begin();
  for (uint64_t n = p.from; n <= p.batch.to.number; ++n) {
    follower::applied_block b;
    b.ref.number = n;
    while (kept != p.batch.blocks.end() && kept->number < n)
      ++kept;
    if (kept != p.batch.blocks.end() && kept->number == n)
      b.ref.hash = kept->hash;
    size_t first = log;
    while (log < p.log_end && (*p.logs)[log].block_number == n)
      ++log;
    b.logs = p.logs->data() + first;
    b.log_count = log - first;
    each(b);
  }
}

class eth_applier final : public follower::chain_applier {
public:
  eth_applier(const eth_watcher_config& cfg, chain::eth::address pool)
    : cfg_(cfg), pool_(pool), token_(token_of(cfg)), window_(cfg.initial_window) {}

  std::optional<block_ref> cursor(SQLite::Database& db) override {
    return as_ref(ledger::eth_cursor(db));
  }
  uint64_t window_blocks() const override { return window_; }

  bool shrink_after(const caf::error& err) override {
    if (!rpc::is_too_much_data(err) || window_ <= 1)
      return false;
    window_ = std::max<uint64_t>(1, window_ / 2);
    spdlog::info("eth_watcher: window shrunk to {} blocks ({})", window_, describe(err));
    return true;
  }

  // Decodes, checking every log belongs to this window of this chain, and
  // hands it to storage in parts of about target_events_per_window events,
  // cut at block boundaries: the first parts commit while the rest is
  // decoded. Each part is one transaction that moves the cursor to its last
  // block (the hash of a block with events comes from its logs, checked
  // against each other; the window's last block from its header).
  caf::error split(follower::window_read& w,
                   const std::function<void(follower::window_part)>& emit) override {
    auto& data = *std::any_cast<std::shared_ptr<eth_window>&>(w.data);
    data.full = w.to - w.from + 1 == window_;
    auto logs = std::make_shared<std::vector<rpc::eth_log>>();
    logs->reserve(data.logs.size());
    for (auto& j : data.logs) {
      auto log = rpc::parse_log(j);
      if (!log)
        return log.error();
      logs->push_back(std::move(*log));
    }
    data.logs = rpc::json(); // parsed: free the text early
    auto order = [](const rpc::eth_log& a, const rpc::eth_log& b) {
      return std::tie(a.block_number, a.log_index) < std::tie(b.block_number, b.log_index);
    };
    if (!std::is_sorted(logs->begin(), logs->end(), order))
      std::sort(logs->begin(), logs->end(), order);
    ledger::eth_block_ref end{w.to, w.last.hash};
    auto part = std::make_shared<eth_part>();
    part->from = w.from;
    part->logs = logs;
    auto send = [&](ledger::eth_block_ref to, size_t log_end) {
      part->batch.to = std::move(to);
      part->log_end = log_end;
      emit(make_part(std::move(part)));
      part = std::make_shared<eth_part>();
      part->logs = logs;
      part->log_begin = log_end;
    };
    const chain::hash256* block_hash = nullptr; // of the block of the previous log
    uint64_t block_number = 0;
    std::string block_hash_text;
    for (size_t i = 0; i < logs->size(); ++i) {
      auto& log = (*logs)[i];
      bool from_token = token_ && log.emitter == *token_;
      if (log.removed || (log.emitter != pool_ && !from_token) || log.block_number < w.from
          || log.block_number > w.to)
        return make_error(ec::rpc_error, "node answered a log outside the filter");
      if (!block_hash || log.block_number != block_number) {
        block_number = log.block_number;
        block_hash = &log.block_hash;
        block_hash_text = to_hex(log.block_hash);
        if (block_number == w.to && block_hash_text != end.hash)
          return make_error(ec::rpc_error, "log block hash differs from the header of "
                                             + std::to_string(w.to));
        part->batch.blocks.push_back({block_number, block_hash_text});
      } else if (log.block_hash != *block_hash) {
        return make_error(ec::rpc_error, "two hashes for block " + std::to_string(log.block_number));
      }
      if (from_token) {
        // A new ratio takes effect only from here: final on Ethereum (issue #13).
        auto e = decode_ratio_updated(log);
        if (!e)
          return e.error();
        part->ratio_updates.push_back(std::move(*e));
      } else if (auto err = decode_pool_log(log, part->batch)) {
        // Our own pool's event that does not decode: never skip it (that would
        // lose a request); keep retrying and say so.
        return err;
      }
      bool block_ends = i + 1 == logs->size() || (*logs)[i + 1].block_number != block_number;
      if (block_ends && block_number < w.to
          && part->batch.claims.size() + part->batch.burns.size() >= cfg_.target_events_per_window) {
        send({block_number, block_hash_text}, i + 1);
        part->from = block_number + 1;
      }
    }
    if (part->batch.blocks.empty() || part->batch.blocks.back().number != w.to)
      part->batch.blocks.push_back(end);
    send(end, logs->size());
    return caf::none;
  }

  void window_applied(const follower::window_read& w, uint64_t events) override {
    auto& data = *std::any_cast<const std::shared_ptr<eth_window>&>(w.data);
    if (events > cfg_.target_events_per_window)
      window_ = std::max<uint64_t>(1, window_ / 2);
    else if (data.full && events <= cfg_.target_events_per_window / 2)
      window_ = std::min(cfg_.max_window, window_ * 2);
  }

  std::string health_detail() const override { return ", window " + std::to_string(window_); }

private:
  static follower::window_part make_part(std::shared_ptr<eth_part> p) {
    follower::window_part out;
    out.end = {p->batch.to.number, p->batch.to.hash};
    out.blocks = p->batch.to.number - p->from + 1;
    out.events = p->batch.claims.size() + p->batch.burns.size() + p->ratio_updates.size();
    out.write = [p](ledger::statement_cache& sc, const std::optional<block_ref>& expected,
                    const follower::each_block_fn& each) {
      if (!follower::same(as_ref(ledger::eth_cursor(sc)), expected))
        throw std::runtime_error("ethereum cursor moved under the watcher");
      if (auto err = ledger::apply_eth_batch(sc, p->batch, follower::now_ms()))
        throw std::runtime_error(describe(err));
      for (auto& e : p->ratio_updates)
        ledger::apply_ratio_updated(sc, e, follower::now_ms());
      if (each)
        each_eth_block(*p, each);
    };
    out.committed = [p] {
      count_pool_events(p->batch.claims.size(), p->batch.burns.size());
    };
    return out;
  }

  eth_watcher_config cfg_;
  chain::eth::address pool_;
  std::optional<chain::eth::address> token_;
  uint64_t window_;
};

} // namespace

eth_watcher_actor::behavior_type eth_watcher(eth_watcher_actor::stateful_pointer<eth_watcher_state> self,
                                             eth_watcher_config cfg, storage_actor storage) {
  auto stop = [self](caf::error err) {
    return follower::stopped_behavior<eth_watcher_actor, eth_watcher_status>(
      self, eth_watcher_state::name, std::move(err));
  };
  if (auto err = validate(cfg))
    return stop(std::move(err));
  auto pool = *chain::eth::parse_address(cfg.pool_address);
  auto client = rpc::eth_client::make(cfg.rpc);
  if (!client)
    return stop(client.error());
  // Build the event descriptions now, on one thread, not lazily in handlers.
  (void)bonds_claimed_topic();
  (void)tokens_burned_topic();
  (void)ratio_updated_topic();
  auto& st = self->state;
  st.applier = std::make_shared<eth_applier>(cfg, pool);
  follower::follower_config fc;
  fc.name = eth_watcher_state::name;
  fc.chain = "ethereum";
  fc.metrics = eth_follower_metrics();
  fc.task_prefix = "eth";
  fc.window_task = "eth_window";
  fc.start_block = cfg.start_block;
  fc.head_every_window = true;
  auto reader = std::make_shared<eth_reader>(
    std::shared_ptr<rpc::eth_client>(std::move(*client)), cfg, pool);
  st.follower = follower::make_follower(self, std::move(fc), cfg, std::move(storage),
                                        std::move(reader), st.applier);
  return follower::follower_behavior<eth_watcher_actor, eth_watcher_state, eth_watcher_status>(
    self, [](const eth_watcher_state& st, const follower::follower_view& v, eth_watcher_status& s) {
      s.final_head = v.final_head;
      s.window = st.applier->window_blocks();
      s.windows_applied = v.windows_applied;
      s.logs_applied = v.events_applied;
    });
}

caf::expected<std::optional<eth_watcher_config>> make_eth_watcher_config(const config& cfg) {
  if (cfg.ethereum.pool_address.empty())
    return std::optional<eth_watcher_config>{};
  eth_watcher_config w;
  w.rpc.url = cfg.ethereum.rpc_url;
  w.pool_address = cfg.ethereum.pool_address;
  w.token_address = cfg.ethereum.token_address;
  w.chain_id = cfg.ethereum.chain_id;
  w.start_block = cfg.ethereum.start_block;
  w.finality = cfg.ethereum.finality;
  w.confirmations = cfg.ethereum.confirmations;
  w.poll_interval = std::chrono::milliseconds(cfg.ethereum.poll_interval_ms);
  return std::optional<eth_watcher_config>{std::move(w)};
}

child_spec eth_watcher_child(eth_watcher_config cfg) {
  return child_with_storage("eth_watcher", storage_use::restart, spawn_mode::detached, eth_watcher,
                            std::move(cfg));
}

} // namespace lstaked
