// Test helpers: load the polkadot-js vectors from tools/vectors/sig/.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace lstaked::chain::sig::test {

inline nlohmann::json load_vectors(const std::string& name) {
  std::ifstream in(std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/sig/" + name);
  if (!in)
    throw std::runtime_error("missing vector file " + name);
  return nlohmann::json::parse(in);
}

inline bytes hex(const nlohmann::json& j) {
  auto r = from_hex(j.get<std::string>());
  if (!r)
    throw std::runtime_error("bad hex in vectors");
  return *r;
}

template <size_t N>
std::array<uint8_t, N> hex_fixed(const nlohmann::json& j) {
  auto r = from_hex_fixed<N>(j.get<std::string>());
  if (!r)
    throw std::runtime_error("bad fixed hex in vectors");
  return *r;
}

template <size_t N>
secret_bytes<N> secret_hex(const nlohmann::json& j) {
  auto raw = hex_fixed<N>(j);
  return secret_bytes<N>(raw.data());
}

} // namespace lstaked::chain::sig::test
