// Shared by the Substrate fuzz targets: the real Kusama metadata, loaded once.
// Path: $LSTAKED_METADATA (tools/fuzz-smoke sets it), else
// tools/vectors/substrate/kusama-v15.bin found from this file's path.
#pragma once

#include "chain/substrate/metadata.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace lstaked::chain::substrate::fuzz {

inline const metadata& kusama_metadata() {
  static metadata_ptr m = [] {
    std::string path;
    if (const char* env = std::getenv("LSTAKED_METADATA"))
      path = env;
    else
      path = std::string(__FILE__).substr(0, std::string(__FILE__).rfind("tests/fuzz/"))
             + "tools/vectors/substrate/kusama-v15.bin";
    std::ifstream in(path, std::ios::binary);
    bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = metadata::parse(raw);
    if (!parsed)
      std::abort(); // the fuzzer needs real metadata
    return *parsed;
  }();
  return *m;
}

} // namespace lstaked::chain::substrate::fuzz
