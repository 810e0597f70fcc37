// EIP-712 typed structured data: encodeType, hashStruct, the domain separator
// and the digest keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).
//
// Contract: pure functions, thread-safe. Two ways in:
//  * `typed_data` parsed from the standard JSON ({types, primaryType, domain,
//    message}, as eth_signTypedData_v4 and `cast wallet sign --data` take it):
//    nested structs, arrays (T[] and T[N]), all atomic types. If `types` has
//    no EIP712Domain entry, the domain type is derived from the domain's fields
//    in the standard order (name, version, chainId, verifyingContract, salt).
//  * `eip712_domain` + a flat list of typed fields, for code that signs one
//    fixed struct (the claim) without building JSON.
// Values in JSON: integers as JSON numbers, decimal strings or 0x-hex strings;
// address, bytes and bytesN as 0x-hex; bool as true/false; string as text.
// Unknown types, missing or extra message fields and cyclic types are errors.
#pragma once

#include "chain/common/hash.hpp"
#include "chain/ethereum/abi.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/u256.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace lstaked::chain::eth {

struct eip712_member {
  std::string name;
  std::string type;
};

using eip712_types = std::map<std::string, std::vector<eip712_member>>;

struct typed_data {
  eip712_types types; // always includes EIP712Domain after parsing
  std::string primary_type;
  nlohmann::json domain;
  nlohmann::json message;
};

struct eip712_hashes {
  hash256 domain_separator;
  hash256 struct_hash;
  hash256 digest;
};

caf::expected<typed_data> parse_typed_data(const nlohmann::json& doc);

/// "Mail(Person from,Person to,string contents)Person(string name,address wallet)".
caf::expected<std::string> eip712_encode_type(const eip712_types& types, const std::string& name);
caf::expected<hash256> eip712_hash_struct(const eip712_types& types, const std::string& name,
                                          const nlohmann::json& value);
caf::expected<eip712_hashes> eip712_hash(const typed_data& data);

/// keccak256(0x19 0x01 || domain_separator || struct_hash).
hash256 eip712_digest(const hash256& domain_separator, const hash256& struct_hash);

/// The usual domain: all four fields present.
struct eip712_domain {
  std::string name;
  std::string version;
  u256 chain_id;
  address verifying_contract;
};
hash256 eip712_domain_separator(const eip712_domain& domain);

/// One member of a flat struct: an atomic type, string or bytes, and its value.
struct eip712_field {
  std::string name;
  std::string type;
  abi_value value;
};
/// hashStruct of `struct_name(type1 name1,...)` with atomic/string/bytes members.
caf::expected<hash256> eip712_hash_flat_struct(const std::string& struct_name,
                                               const std::vector<eip712_field>& fields);

} // namespace lstaked::chain::eth
