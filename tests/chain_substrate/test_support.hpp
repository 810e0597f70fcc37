// Helpers for the substrate tests: reading the committed vectors and metadata.
#pragma once

#include "chain/substrate/metadata.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace lstaked::chain::substrate::test {

inline std::string vectors_dir() {
  return std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/substrate/";
}

inline bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + path);
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline nlohmann::json read_json(const std::string& name) {
  auto raw = read_file(vectors_dir() + name);
  return nlohmann::json::parse(raw.begin(), raw.end());
}

inline metadata_ptr load_metadata(const std::string& name) {
  auto raw = read_file(vectors_dir() + name);
  auto md = metadata::parse(raw);
  if (!md)
    throw std::runtime_error(describe(md.error()));
  return *md;
}

inline bytes hex(const std::string& h) {
  auto b = from_hex(h);
  if (!b)
    throw std::runtime_error("bad hex in vectors");
  return *b;
}

} // namespace lstaked::chain::substrate::test
