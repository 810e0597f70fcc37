#include "api/deposit_routes.hpp"

#include "actors/kusama_lookup.hpp"
#include "actors/metrics.hpp"
#include "api/route_helpers.hpp"
#include "api/strict_json.hpp"
#include "chain/common/bytes.hpp"
#include "chain/sig/ss58.hpp"
#include "chain/substrate/extrinsic_id.hpp"
#include "storage/kusama_ledger.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>

namespace lstaked::api {

namespace {

using nlohmann::json;
using chain::eth::u256;
namespace sub = chain::substrate;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// The answer for deposits the ledger holds: one extrinsic may carry several
// (a batch); it is CREDITED if any of them is.
json recorded_answer(const std::vector<ledger::deposit_record>& rows, uint16_t prefix) {
  auto& first = rows.front().deposit;
  std::string status = rows.front().status;
  json list = json::array();
  for (auto& r : rows) {
    if (r.status == "CREDITED")
      status = "CREDITED";
    json d = amount_json(r.deposit.amount_planck);
    d["address"] = ss58_of(r.deposit.account, prefix);
    d["eventIndex"] = r.deposit.event_index;
    d["status"] = r.status;
    list.push_back(d);
  }
  return {{"extrinsic", std::to_string(first.block_number) + "-"
                          + std::to_string(first.extrinsic_index)},
          {"extrinsicHash", first.extrinsic_hash.empty() ? json() : json(first.extrinsic_hash)},
          {"status", status},
          {"blockNumber", first.block_number},
          {"blockHash", first.block_hash},
          {"deposits", list}};
}

std::vector<ledger::deposit_record> recorded(SQLite::Database& db, const sub::extrinsic_id& id) {
  return id.by_hash ? ledger::deposits_of_extrinsic_hash(db, id.hash)
                    : ledger::deposits_of_extrinsic(db, id.block_number, id.extrinsic_index);
}

json lookup_answer(const extrinsic_lookup& found, const std::string& status, uint16_t prefix,
                   const std::string& detail) {
  json list = json::array();
  if (status == "PENDING")
    for (auto& t : found.transfers) {
      auto planck = u256::from_dec(t.amount_planck);
      json d = amount_json(planck ? *planck : u256{});
      d["address"] = ss58_of(t.from, prefix);
      d["eventIndex"] = t.event_index;
      d["status"] = "PENDING";
      list.push_back(d);
    }
  json body = {{"extrinsic", std::to_string(found.block_number) + "-"
                               + std::to_string(found.extrinsic_index)},
               {"extrinsicHash",
                found.extrinsic_hash.empty() ? json() : json(found.extrinsic_hash)},
               {"status", status},
               {"blockNumber", found.block_number},
               {"blockHash", found.block_hash},
               {"deposits", list}};
  if (!detail.empty())
    body["detail"] = detail;
  return body;
}

// The body: exactly {"extrinsic": "<block>-<index>" | "0x<hash>"}.
std::optional<std::string> parse_body(const std::string& body, httplib::Response& res) {
  auto parsed = parse_json_body(body);
  if (!parsed.duplicate_key.empty()) {
    json_error(res, 400, "duplicate_field",
               "field \"" + parsed.duplicate_key + "\" appears more than once");
    return std::nullopt;
  }
  auto& j = parsed.value;
  if (!parsed.ok || !j.is_object()) {
    json_error(res, 400, "invalid_json", "the body must be a JSON object");
    return std::nullopt;
  }
  for (auto& [key, _] : j.items())
    if (key != "extrinsic") {
      json_error(res, 400, "unknown_field", "unknown field \"" + key + "\"");
      return std::nullopt;
    }
  if (!j.contains("extrinsic") || !j["extrinsic"].is_string()) {
    json_error(res, 400, "missing_field", "\"extrinsic\" (a string) is required");
    return std::nullopt;
  }
  return j["extrinsic"].get<std::string>();
}

// Remembers a pending deposit through the storage actor (the one writer).
void remember(const deposit_routes_context& ctx, caf::scoped_actor& self,
              const extrinsic_lookup& found) {
  ledger::deposit_submission s;
  s.extrinsic_hash = found.extrinsic_hash;
  s.block_hash = found.block_hash;
  s.block_number = found.block_number;
  s.extrinsic_index = found.extrinsic_index;
  s.account = found.transfers.front().from;
  for (auto& t : found.transfers)
    if (auto v = u256::from_dec(t.amount_planck); v && t.from == s.account)
      if (auto sum = checked_add(s.amount_planck, *v))
        s.amount_planck = *sum;
  std::optional<storage_actor> storage;
  self->request(ctx.supervisor, ctx.timeout, storage_atom_v)
    .receive([&](storage_actor& a) { storage = std::move(a); }, [](caf::error&) {});
  if (!storage)
    return; // a hint only: the watcher credits the deposit regardless
  write_task task{"deposit_submission", sql::durability::normal, [s](SQLite::Database& db) {
                    if (auto err = ledger::record_submission(db, s, now_ms()))
                      throw write_refused(err);
                  }};
  self->request(*storage, ctx.timeout, write_atom_v, std::move(task))
    .receive([](uint64_t) {}, [](caf::error&) {});
}

// Node lookups in flight, bounded: the lookup actor answers one at a time (a
// hash is searched over up to 256 blocks) and each waiting request holds an
// HTTP thread, so unbounded requests for unknown ids behind a slow node would
// take every HTTP thread and time out everyone's lookups.
gauge_metric& lookups_in_flight_gauge() {
  return metrics_registry::global().gauge("lstaked_deposit_lookups_in_flight",
                                          "POST /v1/deposits node lookups waiting on the node");
}

counter_metric& lookups_busy_counter() {
  return metrics_registry::global().counter(
    "lstaked_deposit_lookups_busy_total",
    "POST /v1/deposits answered deposits_busy (node lookups at their bound)");
}

class lookup_slot {
public:
  lookup_slot(std::atomic<int>& in_flight, int bound) : in_flight_(in_flight) {
    taken_ = in_flight_.fetch_add(1) < bound;
    if (!taken_) {
      in_flight_.fetch_sub(1);
      lookups_busy_counter().inc();
    } else {
      lookups_in_flight_gauge().add(1);
    }
  }
  ~lookup_slot() {
    if (taken_) {
      in_flight_.fetch_sub(1);
      lookups_in_flight_gauge().add(-1);
    }
  }
  lookup_slot(const lookup_slot&) = delete;
  lookup_slot& operator=(const lookup_slot&) = delete;
  bool taken() const { return taken_; }

private:
  std::atomic<int>& in_flight_;
  bool taken_ = false;
};

void post_deposit(const deposit_routes_context& ctx, std::atomic<int>& lookups_in_flight,
                  const httplib::Request& req, httplib::Response& res) {
  if (ctx.deposit_address.empty())
    return json_error(res, 503, "deposits_disabled", "no deposit address is configured");
  auto text = parse_body(req.body, res);
  if (!text)
    return;
  auto id = sub::parse_extrinsic_id(*text);
  if (!id)
    return json_error(res, 400, "invalid_extrinsic_id", describe(id.error()));
  auto& db = read_connection(ctx.database_path);
  if (auto rows = recorded(db, *id); !rows.empty())
    return json_reply(res, recorded_answer(rows, ctx.ss58_prefix));

  lookup_slot slot{lookups_in_flight, ctx.max_node_lookups};
  if (!slot.taken()) {
    res.set_header("Retry-After", "1");
    return json_error(res, 503, "deposits_busy",
                      "too many deposit lookups in progress; retry in a second");
  }
  caf::scoped_actor self{*ctx.system};
  std::optional<kusama_lookup_actor> lookup;
  self->request(ctx.supervisor, ctx.timeout, kusama_lookup_atom_v)
    .receive([&](kusama_lookup_actor& a) { lookup = std::move(a); },
             [&](caf::error& err) {
               json_error(res, 503, "deposits_unavailable", describe(err));
             });
  if (!lookup)
    return;
  std::optional<extrinsic_lookup> found;
  self->request(*lookup, ctx.timeout, lookup_atom_v, sub::to_string(*id))
    .receive([&](extrinsic_lookup& r) { found = std::move(r); },
             [&](caf::error& err) {
               if (code_of(err) == ec::invalid_input)
                 json_error(res, 400, "invalid_extrinsic_id", describe(err));
               else
                 json_error(res, 503, "deposits_unavailable",
                            "the Kusama node could not be asked: " + describe(err));
             });
  if (!found)
    return;
  if (found->outcome == "FUTURE_BLOCK")
    return json_error(res, 400, "future_block",
                      "block " + std::to_string(id->block_number) + " is above the best block "
                        + std::to_string(found->best_number));
  if (found->outcome != "FOUND") {
    json body = {{"extrinsic", sub::to_string(*id)}, {"extrinsicHash", json()},
                 {"status", "UNKNOWN"}, {"blockNumber", json()}, {"blockHash", json()},
                 {"deposits", json::array()}};
    if (!id->by_hash) {
      body["blockNumber"] = id->block_number;
      body["detail"] = "block " + std::to_string(id->block_number) + " has no extrinsic "
                       + std::to_string(id->extrinsic_index);
    } else {
      body["extrinsicHash"] = id->hash;
      body["detail"] = "no extrinsic with this hash in the recent blocks or the ledger";
    }
    return json_reply(res, body);
  }
  // The watcher may have credited it meanwhile: the ledger stays authoritative.
  if (auto rows = ledger::deposits_of_extrinsic(db, found->block_number, found->extrinsic_index);
      !rows.empty())
    return json_reply(res, recorded_answer(rows, ctx.ss58_prefix));
  if (found->transfers.empty() || !found->success)
    return json_reply(res, lookup_answer(*found, "NOT_A_DEPOSIT", ctx.ss58_prefix,
                                         found->success ? "no transfer to the deposit address"
                                                        : "the extrinsic failed"));
  auto cursor = ledger::kusama_cursor(db);
  if (cursor && found->block_number <= cursor->number)
    // A block the watcher passed without a deposit: it precedes kusama.start_block.
    return json_reply(res, lookup_answer(*found, "NOT_A_DEPOSIT", ctx.ss58_prefix,
                                         "the block precedes the watcher's start block; ask "
                                         "the operator"));
  remember(ctx, self, *found);
  json_reply(res, lookup_answer(*found, "PENDING", ctx.ss58_prefix, ""));
}

} // namespace

std::string network_name(uint16_t prefix) {
  switch (prefix) {
    case 0: return "polkadot";
    case 2: return "kusama";
    case 42: return "substrate";
    default: return "ss58-" + std::to_string(prefix);
  }
}

int node_lookup_bound(uint32_t http_threads) {
  return static_cast<int>(std::clamp<uint32_t>(http_threads / 2, 1, 8));
}

void add_deposit_routes(http_server& server, deposit_routes_context ctx) {
  server.get("/v1/deposit-address", [ctx](const httplib::Request&, httplib::Response& res) {
    if (ctx.deposit_address.empty())
      return json_error(res, 503, "deposits_disabled", "no deposit address is configured");
    json_reply(res, {{"address", ctx.deposit_address},
                     {"network", network_name(ctx.ss58_prefix)},
                     {"ss58Prefix", ctx.ss58_prefix},
                     {"minimumDeposit", amount_json(ctx.minimum_planck)}});
  });

  auto lookups_in_flight = std::make_shared<std::atomic<int>>(0);
  server.post("/v1/deposits",
              [ctx, lookups_in_flight](const httplib::Request& req, httplib::Response& res) {
                post_deposit(ctx, *lookups_in_flight, req, res);
              });

  server.get("/v1/accounts/:address/deposits",
             [ctx](const httplib::Request& req, httplib::Response& res) {
               auto id = chain::sig::ss58_decode_account(req.matches[1].str(), ctx.ss58_prefix);
               if (!id)
                 return json_error(res, 400, "invalid_address", describe(id.error()));
               auto account = chain::to_hex(*id);
               auto& db = read_connection(ctx.database_path);
               json deposits = json::array();
               for (auto& r : ledger::deposits_of_account(db, account, 100)) {
                 json d = amount_json(r.deposit.amount_planck);
                 d["extrinsic"] = std::to_string(r.deposit.block_number) + "-"
                                  + std::to_string(r.deposit.extrinsic_index);
                 d["extrinsicHash"] =
                   r.deposit.extrinsic_hash.empty() ? json() : json(r.deposit.extrinsic_hash);
                 d["blockNumber"] = r.deposit.block_number;
                 d["blockHash"] = r.deposit.block_hash;
                 d["eventIndex"] = r.deposit.event_index;
                 d["status"] = r.status;
                 d["createdTimestamp"] = r.created_at;
                 deposits.push_back(d);
               }
               json pending = json::array();
               for (auto& s : ledger::pending_submissions_of(db, account)) {
                 json d = amount_json(s.amount_planck);
                 d["extrinsic"] = std::to_string(s.block_number) + "-"
                                  + std::to_string(s.extrinsic_index);
                 d["extrinsicHash"] = s.extrinsic_hash.empty() ? json() : json(s.extrinsic_hash);
                 d["blockNumber"] = s.block_number;
                 d["status"] = "PENDING";
                 pending.push_back(d);
               }
               json_reply(res, {{"deposits", deposits}, {"pending", pending}});
             });
}

} // namespace lstaked::api
