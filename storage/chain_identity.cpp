#include "storage/chain_identity.hpp"

#include <SQLiteCpp/Statement.h>

namespace lstaked::ledger {

namespace {

std::optional<uint64_t> optional_u64(const SQLite::Column& c) {
  if (c.isNull())
    return std::nullopt;
  return static_cast<uint64_t>(c.getInt64());
}

void bind_optional(SQLite::Statement& q, int index, const std::optional<uint64_t>& v) {
  if (v)
    q.bind(index, static_cast<int64_t>(*v));
  else
    q.bind(index);
}

std::string text_of(const std::optional<uint64_t>& v) {
  return v ? std::to_string(*v) : std::string("none");
}

} // namespace

std::optional<chain_identity> pinned_identity(SQLite::Database& db, const std::string& chain) {
  SQLite::Statement q(db, "SELECT genesis_hash, name, ss58_prefix, decimals, chain_id, pinned_at "
                          "FROM chain_identity WHERE chain = ?");
  q.bind(1, chain);
  if (!q.executeStep())
    return std::nullopt;
  chain_identity id;
  id.chain = chain;
  id.genesis_hash = q.getColumn(0).getString();
  id.name = q.getColumn(1).getString();
  id.ss58_prefix = optional_u64(q.getColumn(2));
  id.decimals = optional_u64(q.getColumn(3));
  id.chain_id = optional_u64(q.getColumn(4));
  id.pinned_at = q.getColumn(5).getInt64();
  return id;
}

chain_identity pin_identity(SQLite::Database& db, const chain_identity& id, int64_t now_ms) {
  SQLite::Statement q(db, "INSERT INTO chain_identity (chain, genesis_hash, name, ss58_prefix, "
                          "decimals, chain_id, pinned_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (chain) DO NOTHING");
  q.bind(1, id.chain);
  q.bind(2, id.genesis_hash);
  q.bind(3, id.name);
  bind_optional(q, 4, id.ss58_prefix);
  bind_optional(q, 5, id.decimals);
  bind_optional(q, 6, id.chain_id);
  q.bind(7, now_ms);
  q.exec();
  return *pinned_identity(db, id.chain);
}

std::string identity_mismatch(const chain_identity& node, const chain_identity& pinned) {
  auto differs = [](const std::string& what, const std::string& got, const std::string& want) {
    return "wrong chain: " + what + " " + got + ", pinned " + want;
  };
  if (node.genesis_hash != pinned.genesis_hash)
    return differs("genesis", node.genesis_hash, pinned.genesis_hash);
  if (node.name != pinned.name)
    return differs("name", "'" + node.name + "'", "'" + pinned.name + "'");
  if (node.ss58_prefix != pinned.ss58_prefix)
    return differs("ss58 prefix", text_of(node.ss58_prefix), text_of(pinned.ss58_prefix));
  if (node.decimals != pinned.decimals)
    return differs("decimals", text_of(node.decimals), text_of(pinned.decimals));
  if (node.chain_id != pinned.chain_id)
    return differs("chain id", text_of(node.chain_id), text_of(pinned.chain_id));
  return {};
}

} // namespace lstaked::ledger
