// SCALE primitives: known answers from polkadot-js and strict-decoding rejections.
#include "chain/substrate/scale.hpp"
#include "chain/substrate/metadata.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;
using namespace lstaked::chain::substrate::test;
using lstaked::describe;

TEST(scale, compact_matches_polkadot_js) {
  auto doc = read_json("vectors-scale.json");
  ASSERT_GE(doc["compact"].size(), 10u);
  for (auto& v : doc["compact"]) {
    auto n = parse_u128(v[0].get<std::string>());
    ASSERT_TRUE(n);
    bytes enc;
    put_compact(enc, *n);
    EXPECT_EQ(to_hex(enc), v[1].get<std::string>()) << v[0];
    auto raw = hex(v[1]);
    scale_reader r{raw};
    auto back = r.compact();
    ASSERT_TRUE(back) << v[0];
    EXPECT_EQ(to_decimal(*back), v[0].get<std::string>());
    EXPECT_TRUE(r.at_end());
  }
}

TEST(scale, rejects_non_canonical_compacts) {
  for (auto h : {"0x0100",               // 0 in the 2-byte form
                 "0xfd00",               // 63 in the 2-byte form
                 "0x02000000",           // 0 in the 4-byte form
                 "0xfeff0000",           // 16383 in the 4-byte form
                 "0x03ffffff3f",         // 2^30-1 in the big form
                 "0x0700000000000000",   // big form with a zero top byte
                 "0x07ffffffff00"}) {    // 2^32-1 in 5 bytes (top byte zero)
    auto raw = hex(h);
    scale_reader r{raw};
    EXPECT_FALSE(r.compact()) << h;
  }
  // 17 bytes of payload: wider than 128 bits.
  bytes wide{static_cast<uint8_t>(((17 - 4) << 2) | 3)};
  wide.resize(18, 0xff);
  scale_reader r{wide};
  EXPECT_FALSE(r.compact());
}

TEST(scale, never_reads_past_the_input) {
  for (auto h : {"0x", "0x01", "0x02aa", "0x03aabbcc", "0x13ffff"}) {
    auto raw = hex(h);
    scale_reader r{raw};
    EXPECT_FALSE(r.compact()) << h;
  }
  bytes three{1, 2, 3};
  scale_reader r{three};
  EXPECT_FALSE(r.u32());
  EXPECT_EQ(r.remaining(), 3u);
  bytes lp{0x10, 1, 2}; // length 4, only 2 bytes
  scale_reader r2{lp};
  EXPECT_FALSE(r2.length_prefixed());
}

TEST(scale, bool_and_strings_are_strict) {
  bytes b{2};
  scale_reader r{b};
  EXPECT_FALSE(r.boolean());
  bytes s{0x08, 0xc3, 0x28}; // invalid UTF-8
  scale_reader r2{s};
  EXPECT_FALSE(r2.string());
  bytes ok{0x0c, 'a', 'b', 'c', 0x00};
  scale_reader r3{ok};
  auto str = r3.string();
  ASSERT_TRUE(str);
  EXPECT_EQ(*str, "abc");
  EXPECT_FALSE(r3.at_end());
  EXPECT_TRUE(r3.expect_end()); // one trailing byte is an error
}

TEST(scale, fixed_width_little_endian) {
  bytes out;
  put_u16(out, 0x0102);
  put_u32(out, 0x03040506);
  put_u64(out, 0x0708090a0b0c0d0eull);
  put_u128(out, (static_cast<u128>(1) << 127) | 5);
  scale_reader r{out};
  EXPECT_EQ(*r.u16(), 0x0102);
  EXPECT_EQ(*r.u32(), 0x03040506u);
  EXPECT_EQ(*r.u64(), 0x0708090a0b0c0d0eull);
  EXPECT_EQ(to_decimal(*r.u128_le()), "170141183460469231731687303715884105733");
  EXPECT_TRUE(r.at_end());
}

TEST(scale, decimal_parsing) {
  EXPECT_TRUE(parse_u128("340282366920938463463374607431768211455"));
  EXPECT_FALSE(parse_u128("340282366920938463463374607431768211456"));
  EXPECT_FALSE(parse_u128("-1"));
  EXPECT_FALSE(parse_u128(""));
  EXPECT_FALSE(parse_u128("1.5"));
  EXPECT_EQ(to_decimal_signed(-42), "-42");
}

TEST(metadata, rejects_garbage_and_unknown_versions) {
  bytes junk{1, 2, 3};
  EXPECT_FALSE(metadata::parse(junk));
  bytes v13{0x6d, 0x65, 0x74, 0x61, 13, 0};
  EXPECT_FALSE(metadata::parse(v13));
  auto raw = read_file(vectors_dir() + "kusama-v15.bin");
  raw.resize(raw.size() / 2);
  EXPECT_FALSE(metadata::parse(raw));
}

TEST(metadata, accepts_the_runtime_api_wrappings) {
  // Metadata_metadata_at_version answers Option<OpaqueMetadata>; OpaqueMetadata is a Vec<u8>.
  auto raw = read_file(vectors_dir() + "kusama-v15.bin");
  auto plain = metadata::parse(raw);
  ASSERT_TRUE(plain);
  bytes vec;
  put_bytes_prefixed(vec, raw);
  bytes opt{1};
  append(opt, vec);
  for (auto* wrapped : {&vec, &opt}) {
    auto md = metadata::parse(*wrapped);
    ASSERT_TRUE(md) << describe(md.error());
    EXPECT_EQ((*md)->types.size(), (*plain)->types.size());
    EXPECT_EQ((*md)->pallets.size(), (*plain)->pallets.size());
  }
  bytes none{0};
  EXPECT_FALSE(metadata::parse(none));
  // A trailing byte after the metadata is refused.
  auto longer = raw;
  longer.push_back(0);
  EXPECT_FALSE(metadata::parse(longer));
}
