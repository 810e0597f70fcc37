// Small pieces every /v1 route file needs: the per-thread read connection and
// the JSON shapes of amounts and addresses.
//
// Contract: read_connection opens one read-only SQLite connection per HTTP
// worker thread and database path (WAL readers never block the writer) and
// throws if the database cannot be opened (the server answers 500).
#pragma once

#include "api/http_server.hpp"
#include "chain/ethereum/u256.hpp"
#include "storage/ledger.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace lstaked::api {

SQLite::Database& read_connection(const std::string& database_path);

/// This thread's read connection with its prepared statements, for the hot
/// read routes (account summary, history, claim lookup): preparing the
/// statements cost more than running them (issue #16, P4). Every statement
/// is reset when the scope ends, so no read snapshot outlives the request
/// (a statement left stepping would pin the WAL and serve stale reads on
/// this thread). One scope at a time per thread; not shared between threads.
class read_scope {
public:
  explicit read_scope(const std::string& database_path);
  ~read_scope();
  read_scope(const read_scope&) = delete;
  read_scope& operator=(const read_scope&) = delete;
  ledger::statement_cache& statements() { return statements_; }

private:
  ledger::statement_cache& statements_;
};

/// {"amount": "<KSM decimal>", "nativeAmount": "<planck>"}
nlohmann::json amount_json(const chain::eth::u256& planck);

/// `?limit=&before=` of a paginated list (limit 1-500, default 50; before >= 1,
/// default: from the newest), each all decimal digits. False after answering
/// 400 invalid_query.
bool page_query(const httplib::Request& req, httplib::Response& res, int64_t& limit,
                int64_t& before);

/// The SS58 form of a 0x AccountId (the hex itself if it is not 32 bytes).
std::string ss58_of(const std::string& account_hex, uint16_t prefix);

} // namespace lstaked::api
