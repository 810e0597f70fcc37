#include "api/route_helpers.hpp"

#include "chain/common/bytes.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/sig/ss58.hpp"
#include "storage/database.hpp"

#include <charconv>
#include <map>
#include <memory>
#include <stdexcept>

namespace lstaked::api {

SQLite::Database& read_connection(const std::string& database_path) {
  thread_local std::map<std::string, std::unique_ptr<SQLite::Database>> connections;
  auto& slot = connections[database_path];
  if (!slot) {
    auto db = sql::open_database(database_path, sql::open_mode::read_only_one_thread);
    if (!db)
      throw std::runtime_error(describe(db.error()));
    slot = std::move(*db);
  }
  return *slot;
}

namespace {
ledger::statement_cache& read_statements(const std::string& database_path) {
  // Declared after read_connection's map on first use, so destroyed before
  // it: the statements are finalized before their connection closes.
  auto& db = read_connection(database_path);
  thread_local std::map<std::string, std::unique_ptr<ledger::statement_cache>> caches;
  auto& slot = caches[database_path];
  if (!slot || &slot->db() != &db)
    slot = std::make_unique<ledger::statement_cache>(db);
  return *slot;
}
} // namespace

read_scope::read_scope(const std::string& database_path)
  : statements_(read_statements(database_path)) {
  statements_.end_transaction(); // whatever the last request left, from a fresh snapshot
}

read_scope::~read_scope() {
  statements_.end_transaction();
}

nlohmann::json amount_json(const chain::eth::u256& planck) {
  return {{"amount", chain::eth::format_amount(planck, chain::eth::ksm_decimals)},
          {"nativeAmount", planck.to_dec()}};
}

std::string ss58_of(const std::string& account_hex, uint16_t prefix) {
  auto raw = chain::from_hex(account_hex);
  if (!raw || raw->size() != 32)
    return account_hex;
  auto text = chain::sig::ss58_encode(*raw, prefix);
  return text ? *text : account_hex;
}

bool page_query(const httplib::Request& req, httplib::Response& res, int64_t& limit,
                int64_t& before) {
  limit = 50;
  before = INT64_MAX;
  // Digits only, the whole value: std::stoll would take " 5", "+5", "5abc"
  // and "1e3" as 5, 5, 5 and 1 and answer a page the caller did not ask for.
  auto integer = [&](const char* name, int64_t& out) {
    if (!req.has_param(name))
      return true;
    auto text = req.get_param_value(name);
    auto end = text.data() + text.size();
    auto [ptr, err] = std::from_chars(text.data(), end, out);
    return !text.empty() && text[0] != '-' && err == std::errc{} && ptr == end;
  };
  if (!integer("limit", limit) || !integer("before", before)) {
    json_error(res, 400, "invalid_query", "limit and before must be decimal integers");
    return false;
  }
  if (limit < 1 || limit > 500 || before < 1) {
    json_error(res, 400, "invalid_query", "limit must be 1-500, before >= 1");
    return false;
  }
  return true;
}

} // namespace lstaked::api
