// Loads a known-answer vector file from tools/vectors/ethereum/ (see the
// generator scripts there: the data comes from Foundry's cast, not from us).
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

namespace lstaked::test {

inline nlohmann::json load_eth_vectors(const std::string& name) {
  std::string path = std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/ethereum/" + name;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open " + path);
  auto doc = nlohmann::json::parse(in);
  return doc.at("vectors");
}

} // namespace lstaked::test
