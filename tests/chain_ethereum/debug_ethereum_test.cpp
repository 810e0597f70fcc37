// Drives `debug keccak` / `debug eip712-digest` through CLI11 as main() will,
// checking the JSON answers and exit codes of the debug_commands.hpp contract.
#include "api/debug_commands.hpp"

#include "chain/ethereum/signature.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace lstaked;

namespace {

struct outcome {
  int code = -1;
  std::string out;
};

outcome run(std::vector<std::string> args) {
  CLI::App app{"lstaked"};
  auto* debug = app.add_subcommand("debug");
  debug->require_subcommand(1);
  api::add_debug_ethereum_commands(*debug);
  std::vector<const char*> argv{"lstaked", "debug"};
  for (auto& a : args)
    argv.push_back(a.c_str());
  std::stringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  std::stringstream err_captured;
  auto* old_err = std::cerr.rdbuf(err_captured.rdbuf());
  outcome result;
  try {
    app.parse(int(argv.size()), argv.data());
    result.code = 0;
  } catch (const api::debug_exit& e) {
    result.code = e.code;
  } catch (const CLI::ParseError&) {
    result.code = 2;
  }
  std::cout.rdbuf(old);
  std::cerr.rdbuf(old_err);
  result.out = captured.str();
  return result;
}

} // namespace

TEST(debug_ethereum, keccak_hex_and_text) {
  auto r = run({"keccak", "0x68656c6c6f"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["hash"],
            "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
  r = run({"keccak", "hello"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["hash"],
            "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
  EXPECT_EQ(run({"keccak", "0xzz"}).code, 2);
  EXPECT_EQ(run({"keccak", "0x123"}).code, 2);
  EXPECT_EQ(run({"keccak"}).code, 2);
}

TEST(debug_ethereum, eip712_digest_of_cast_vectors) {
  auto vectors = test::load_eth_vectors("eip712.json");
  std::string path = ::testing::TempDir() + "lstaked_eip712_debug.json";
  for (size_t i = 0; i < vectors.size(); i += 20) {
    auto& v = vectors[i];
    {
      std::ofstream f(path);
      f << v["typed_data"].dump();
    }
    auto r = run({"eip712-digest", path});
    ASSERT_EQ(r.code, 0);
    auto doc = nlohmann::json::parse(r.out);
    auto digest = chain::from_hex_fixed<32>(doc["digest"].get<std::string>());
    ASSERT_TRUE(digest);
    EXPECT_TRUE(doc.contains("domainSeparator"));
    EXPECT_TRUE(doc.contains("structHash"));
    // cast's signature over the typed data recovers to its key from our digest
    auto key_raw = chain::from_hex_fixed<32>(v["key"].get<std::string>());
    auto signer = chain::eth::recover_address(*digest,
                                              *chain::from_hex(v["signature"].get<std::string>()));
    ASSERT_TRUE(signer);
    EXPECT_EQ(*signer, *chain::eth::address_of(chain::secret_key32{key_raw->data()}));
  }
  {
    std::ofstream f(path);
    f << "{not json";
  }
  EXPECT_EQ(run({"eip712-digest", path}).code, 2);
  {
    std::ofstream f(path);
    f << R"({"types":{},"primaryType":"X","domain":{},"message":{}})";
  }
  EXPECT_EQ(run({"eip712-digest", path}).code, 2);
  EXPECT_EQ(run({"eip712-digest", path + ".missing"}).code, 2);
  std::remove(path.c_str());
}
