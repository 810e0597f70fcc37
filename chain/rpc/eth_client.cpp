#include "chain/rpc/eth_client.hpp"

#include <cmath>

namespace lstaked::rpc {

namespace {

caf::error bad(const std::string& what) {
  return make_error(ec::decode_error, what);
}

caf::expected<std::string> get_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string())
    return bad(std::string("missing or non-string field '") + key + "'");
  return it->get<std::string>();
}

caf::expected<address> parse_address_field(const json& j) {
  if (!j.is_string())
    return bad("address is not a string");
  auto raw = chain::from_hex_fixed<20>(j.get<std::string>());
  if (!raw || j.get<std::string>().rfind("0x", 0) != 0)
    return bad("address is not 0x + 40 hex digits");
  return *raw;
}

std::string address_hex(const address& a) {
  return chain::to_hex(a);
}

} // namespace

std::string to_param(const block_id& id) {
  if (auto n = std::get_if<uint64_t>(&id))
    return u256{*n}.to_hex();
  return std::get<std::string>(id);
}

caf::expected<u256> parse_quantity(const json& j) {
  if (!j.is_string())
    return bad("quantity is not a string");
  auto text = j.get<std::string>();
  auto v = u256::from_hex(text);
  if (!v)
    return bad("bad quantity '" + text.substr(0, 80) + "': " + describe(v.error()));
  return v;
}

caf::expected<uint64_t> parse_quantity_u64(const json& j) {
  auto v = parse_quantity(j);
  if (!v)
    return v.error();
  if (!v->fits_u64())
    return bad("quantity does not fit in 64 bits");
  return v->low_u64();
}

caf::expected<hash256> parse_hash(const json& j) {
  if (!j.is_string() || j.get<std::string>().rfind("0x", 0) != 0)
    return bad("hash is not a 0x string");
  auto h = chain::from_hex_fixed<32>(j.get<std::string>());
  if (!h)
    return bad("hash is not 32 bytes of hex");
  return *h;
}

caf::expected<std::optional<eth_block_header>> parse_block_header(const json& j) {
  if (j.is_null())
    return std::optional<eth_block_header>{};
  if (!j.is_object())
    return bad("block is neither an object nor null");
  eth_block_header h;
  auto need = [&](const char* key) -> caf::expected<json> {
    auto it = j.find(key);
    if (it == j.end())
      return bad(std::string("block without '") + key + "'");
    return *it;
  };
  auto number = need("number");
  if (!number)
    return number.error();
  if (number->is_null())
    return bad("block without a number (pending block)");
  auto n = parse_quantity_u64(*number);
  if (!n)
    return n.error();
  h.number = *n;
  auto hash = need("hash");
  if (!hash)
    return hash.error();
  auto hh = parse_hash(*hash);
  if (!hh)
    return hh.error();
  h.hash = *hh;
  auto parent = need("parentHash");
  if (!parent)
    return parent.error();
  auto ph = parse_hash(*parent);
  if (!ph)
    return ph.error();
  h.parent_hash = *ph;
  auto ts = need("timestamp");
  if (!ts)
    return ts.error();
  auto t = parse_quantity_u64(*ts);
  if (!t)
    return t.error();
  h.timestamp = *t;
  return std::optional<eth_block_header>{h};
}

caf::expected<eth_log> parse_log(const json& j) {
  if (!j.is_object())
    return bad("log is not an object");
  eth_log log;
  auto it = j.find("address");
  if (it == j.end())
    return bad("log without address");
  auto a = parse_address_field(*it);
  if (!a)
    return a.error();
  log.emitter = *a;
  it = j.find("topics");
  if (it == j.end() || !it->is_array() || it->size() > 4)
    return bad("log topics missing or more than 4");
  for (auto& t : *it) {
    auto h = parse_hash(t);
    if (!h)
      return h.error();
    log.topics.push_back(*h);
  }
  auto data = get_string(j, "data");
  if (!data)
    return data.error();
  if (data->rfind("0x", 0) != 0)
    return bad("log data is not 0x hex");
  auto raw = chain::from_hex(*data);
  if (!raw)
    return bad("log data is not hex");
  log.data = std::move(*raw);
  // Pending logs have null positions; the watcher never asks for those.
  for (auto [key, out] : {std::pair<const char*, uint64_t*>{"blockNumber", &log.block_number},
                          {"transactionIndex", &log.tx_index},
                          {"logIndex", &log.log_index}}) {
    auto f = j.find(key);
    if (f == j.end())
      return bad(std::string("log without ") + key);
    auto v = parse_quantity_u64(*f);
    if (!v)
      return v.error();
    *out = *v;
  }
  for (auto [key, out] : {std::pair<const char*, hash256*>{"blockHash", &log.block_hash},
                          {"transactionHash", &log.tx_hash}}) {
    auto f = j.find(key);
    if (f == j.end())
      return bad(std::string("log without ") + key);
    auto v = parse_hash(*f);
    if (!v)
      return v.error();
    *out = *v;
  }
  it = j.find("removed");
  if (it != j.end()) {
    if (!it->is_boolean())
      return bad("log 'removed' is not a boolean");
    log.removed = it->get<bool>();
  }
  return log;
}

json to_json(const log_filter& filter) {
  json f = json::object();
  f["fromBlock"] = u256{filter.from_block}.to_hex();
  f["toBlock"] = u256{filter.to_block}.to_hex();
  if (filter.addresses.size() == 1) {
    f["address"] = address_hex(filter.addresses[0]);
  } else if (!filter.addresses.empty()) {
    json as = json::array();
    for (auto& a : filter.addresses)
      as.push_back(address_hex(a));
    f["address"] = as;
  }
  if (!filter.topics.empty()) {
    json ts = json::array();
    for (auto& position : filter.topics) {
      if (position.empty()) {
        ts.push_back(nullptr);
      } else if (position.size() == 1) {
        ts.push_back(chain::to_hex(position[0]));
      } else {
        json any = json::array();
        for (auto& t : position)
          any.push_back(chain::to_hex(t));
        ts.push_back(any);
      }
    }
    f["topics"] = ts;
  }
  return f;
}

eth_client::eth_client(std::unique_ptr<json_rpc_client> rpc) : rpc_(std::move(rpc)) {}

caf::expected<std::unique_ptr<eth_client>> eth_client::make(json_rpc_config cfg) {
  auto rpc = json_rpc_client::make(std::move(cfg));
  if (!rpc)
    return rpc.error();
  return std::make_unique<eth_client>(std::move(*rpc));
}

caf::expected<uint64_t> eth_client::chain_id() {
  auto r = rpc_->call("eth_chainId");
  if (!r)
    return r.error();
  return parse_quantity_u64(*r);
}

caf::expected<uint64_t> eth_client::block_number() {
  auto r = rpc_->call("eth_blockNumber");
  if (!r)
    return r.error();
  return parse_quantity_u64(*r);
}

caf::expected<std::optional<eth_block_header>> eth_client::block(const block_id& id) {
  auto r = rpc_->call("eth_getBlockByNumber", json::array({to_param(id), false}));
  if (!r)
    return r.error();
  return parse_block_header(*r);
}

caf::expected<std::vector<std::optional<eth_block_header>>>
eth_client::blocks(const std::vector<block_id>& ids) {
  std::vector<rpc_call> calls;
  for (auto& id : ids)
    calls.push_back({"eth_getBlockByNumber", json::array({to_param(id), false})});
  auto answers = rpc_->batch(calls);
  if (!answers)
    return answers.error();
  std::vector<std::optional<eth_block_header>> out;
  for (auto& a : *answers) {
    if (!a)
      return a.error();
    auto h = parse_block_header(*a);
    if (!h)
      return h.error();
    out.push_back(*h);
  }
  return out;
}

caf::expected<std::vector<eth_log>> eth_client::logs(const log_filter& filter) {
  auto r = rpc_->call("eth_getLogs", json::array({to_json(filter)}));
  if (!r)
    return r.error();
  if (!r->is_array())
    return bad("eth_getLogs answer is not an array");
  std::vector<eth_log> out;
  out.reserve(r->size());
  for (auto& j : *r) {
    auto log = parse_log(j);
    if (!log)
      return log.error();
    out.push_back(std::move(*log));
  }
  return out;
}

caf::expected<bytes> eth_client::call(const eth_call_request& req, const block_id& at) {
  json tx = {{"to", address_hex(req.to)}, {"data", chain::to_hex(req.data)}};
  if (req.from)
    tx["from"] = address_hex(*req.from);
  if (req.value)
    tx["value"] = req.value->to_hex();
  if (req.gas)
    tx["gas"] = u256{*req.gas}.to_hex();
  auto r = rpc_->call("eth_call", json::array({tx, to_param(at)}));
  if (!r)
    return r.error();
  if (!r->is_string() || r->get<std::string>().rfind("0x", 0) != 0)
    return bad("eth_call answer is not 0x hex");
  auto raw = chain::from_hex(r->get<std::string>());
  if (!raw)
    return bad("eth_call answer is not hex");
  return std::move(*raw);
}

caf::expected<std::optional<eth_receipt>> eth_client::transaction_receipt(const hash256& tx_hash) {
  auto r = rpc_->call("eth_getTransactionReceipt", json::array({chain::to_hex(tx_hash)}));
  if (!r)
    return r.error();
  if (r->is_null())
    return std::optional<eth_receipt>{};
  if (!r->is_object())
    return bad("receipt is neither an object nor null");
  eth_receipt out;
  auto& j = *r;
  auto th = parse_hash(j.value("transactionHash", json()));
  auto bh = parse_hash(j.value("blockHash", json()));
  auto bn = parse_quantity_u64(j.value("blockNumber", json()));
  auto gu = parse_quantity_u64(j.value("gasUsed", json()));
  auto st = parse_quantity_u64(j.value("status", json()));
  auto ti = parse_quantity_u64(j.value("transactionIndex", json()));
  if (!th)
    return th.error();
  if (!bh)
    return bh.error();
  if (!bn)
    return bn.error();
  if (!gu)
    return gu.error();
  if (!st)
    return st.error();
  if (!ti)
    return ti.error();
  out.tx_hash = *th;
  out.tx_index = *ti;
  out.block_hash = *bh;
  out.block_number = *bn;
  out.gas_used = *gu;
  if (*st > 1)
    return bad("receipt status is neither 0 nor 1");
  out.success = *st == 1;
  auto ca = j.find("contractAddress");
  if (ca != j.end() && !ca->is_null()) {
    auto a = parse_address_field(*ca);
    if (!a)
      return a.error();
    out.contract_address = *a;
  }
  auto logs = j.find("logs");
  if (logs == j.end() || !logs->is_array())
    return bad("receipt without logs");
  for (auto& l : *logs) {
    auto log = parse_log(l);
    if (!log)
      return log.error();
    out.logs.push_back(std::move(*log));
  }
  return std::optional<eth_receipt>{std::move(out)};
}

caf::expected<hash256> eth_client::send_raw_transaction(byte_view signed_tx) {
  auto r = rpc_->call("eth_sendRawTransaction", json::array({chain::to_hex(signed_tx)}));
  if (!r)
    return r.error();
  return parse_hash(*r);
}

caf::expected<uint64_t> eth_client::transaction_count(const address& who, const block_id& at) {
  auto r = rpc_->call("eth_getTransactionCount", json::array({address_hex(who), to_param(at)}));
  if (!r)
    return r.error();
  return parse_quantity_u64(*r);
}

caf::expected<u256> eth_client::gas_price() {
  auto r = rpc_->call("eth_gasPrice");
  if (!r)
    return r.error();
  return parse_quantity(*r);
}

caf::expected<u256> eth_client::max_priority_fee_per_gas() {
  auto r = rpc_->call("eth_maxPriorityFeePerGas");
  if (!r)
    return r.error();
  return parse_quantity(*r);
}

caf::expected<eth_fee_history> eth_client::fee_history(uint64_t block_count, const block_id& newest,
                                                       const std::vector<double>& percentiles) {
  json ps = json::array();
  for (double p : percentiles) {
    if (!(p >= 0 && p <= 100))
      return make_error(ec::invalid_input, "reward percentile outside [0, 100]");
    ps.push_back(p);
  }
  auto r = rpc_->call("eth_feeHistory",
                      json::array({u256{block_count}.to_hex(), to_param(newest), ps}));
  if (!r)
    return r.error();
  if (!r->is_object())
    return bad("eth_feeHistory answer is not an object");
  eth_fee_history out;
  auto oldest = parse_quantity_u64(r->value("oldestBlock", json()));
  if (!oldest)
    return oldest.error();
  out.oldest_block = *oldest;
  auto base = r->find("baseFeePerGas");
  if (base == r->end() || !base->is_array())
    return bad("eth_feeHistory without baseFeePerGas");
  for (auto& b : *base) {
    auto v = parse_quantity(b);
    if (!v)
      return v.error();
    out.base_fee_per_gas.push_back(*v);
  }
  auto reward = r->find("reward");
  if (reward != r->end() && reward->is_array()) {
    for (auto& row : *reward) {
      if (!row.is_array())
        return bad("eth_feeHistory reward row is not an array");
      std::vector<u256> values;
      for (auto& x : row) {
        auto v = parse_quantity(x);
        if (!v)
          return v.error();
        values.push_back(*v);
      }
      out.reward.push_back(std::move(values));
    }
  }
  return out;
}

} // namespace lstaked::rpc
