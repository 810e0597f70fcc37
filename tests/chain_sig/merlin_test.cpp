#include "chain/sig/merlin.hpp"

#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

// Transcripts replayed step by step against @scure/sr25519's merlin (polkadot-js's sr25519),
// with challenges long enough to wrap STROBE's 166-byte rate and 1 KiB messages.
TEST(merlin, transcripts_match_reference) {
  auto v = load_vectors("merlin.json");
  size_t challenges = 0;
  for (const auto& t : v["transcripts"]) {
    merlin_transcript transcript{t["label"].get<std::string>()};
    for (const auto& step : t["steps"]) {
      auto label = step["label"].get<std::string>();
      if (step["op"] == "append") {
        transcript.append_message(label, hex(step["data"]));
      } else {
        bytes out(step["length"].get<size_t>());
        transcript.challenge_bytes(label, out.data(), out.size());
        EXPECT_EQ(to_hex(out), step["expect"].get<std::string>()) << label;
        ++challenges;
      }
    }
  }
  EXPECT_GE(challenges, 30u);
}

TEST(merlin, rng_is_bound_to_transcript_witness_and_entropy) {
  auto draw = [](std::string_view com, std::string_view wit, uint8_t entropy) {
    merlin_transcript t{"rng test"};
    t.append_message("com", {reinterpret_cast<const uint8_t*>(com.data()), com.size()});
    std::array<uint8_t, 32> e{};
    e.fill(entropy);
    auto rng = t.build_rng();
    rng.rekey_with_witness_bytes("witness",
                                 {reinterpret_cast<const uint8_t*>(wit.data()), wit.size()});
    rng.finalize_with(e);
    bytes out(32);
    rng.fill_bytes(out.data(), out.size());
    return out;
  };
  EXPECT_EQ(draw("a", "w", 0), draw("a", "w", 0));
  EXPECT_NE(draw("a", "w", 0), draw("b", "w", 0));
  EXPECT_NE(draw("a", "w", 0), draw("a", "v", 0));
  EXPECT_NE(draw("a", "w", 0), draw("a", "w", 1));
}

} // namespace
} // namespace lstaked::chain::sig
