// Small pieces every /v1 route file needs: the per-thread read connection and
// the JSON shapes of amounts and addresses.
//
// Contract: read_connection opens one read-only SQLite connection per HTTP
// worker thread and database path (WAL readers never block the writer) and
// throws if the database cannot be opened (the server answers 500).
#pragma once

#include "api/http_server.hpp"
#include "chain/ethereum/u256.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace lstaked::api {

SQLite::Database& read_connection(const std::string& database_path);

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
