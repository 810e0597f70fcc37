#include "chain/substrate/extrinsic.hpp"

namespace lstaked::chain::substrate {

namespace {
caf::error fail(const std::string& what) {
  return make_error(ec::decode_error, "extrinsic: " + what);
}
caf::error enc_fail(const std::string& what) {
  return make_error(ec::encode_error, "extrinsic: " + what);
}

// The two era bytes as sp_runtime::generic::Era decodes them.
caf::expected<std::optional<mortal_era>> era_from_bytes(uint8_t first, uint8_t second) {
  if (first == 0)
    return std::optional<mortal_era>{};
  uint64_t encoded = uint64_t{first} + (uint64_t{second} << 8);
  uint64_t period = uint64_t{2} << (encoded % 16);
  uint64_t quantize = std::max<uint64_t>(period >> 12, 1);
  uint64_t phase = (encoded >> 4) * quantize;
  if (period < 4 || phase >= period)
    return fail("invalid era period/phase");
  return std::optional<mortal_era>{mortal_era{period, phase}};
}

// The era carried by a decoded CheckMortality value (the Era enum: Immortal, MortalN(u8)).
caf::expected<std::optional<mortal_era>> era_of(const value& v) {
  const value& e = v.unwrap();
  if (e.kind != value_kind::variant)
    return fail("CheckMortality is not an Era enum");
  uint8_t first = static_cast<uint8_t>(e.num);
  uint8_t second = 0;
  if (first != 0) {
    if (e.items.size() != 1 || e.items[0].kind != value_kind::uint)
      return fail("unexpected Era layout");
    second = static_cast<uint8_t>(e.items[0].num);
  }
  return era_from_bytes(first, second);
}

int trailing_zeros(uint64_t v) {
  int n = 0;
  while (v && !(v & 1)) {
    v >>= 1;
    ++n;
  }
  return n;
}
} // namespace

bytes encode_era(const std::optional<mortal_era>& era) {
  if (!era)
    return bytes{0};
  uint64_t quantize = std::max<uint64_t>(era->period >> 12, 1);
  uint64_t low = static_cast<uint64_t>(std::clamp(trailing_zeros(era->period) - 1, 1, 15));
  uint16_t encoded = static_cast<uint16_t>(low | ((era->phase / quantize) << 4));
  return bytes{static_cast<uint8_t>(encoded & 0xff), static_cast<uint8_t>(encoded >> 8)};
}

mortal_era make_mortal_era(uint64_t period, uint64_t block_number) {
  uint64_t p = 1;
  while (p < period && p < (uint64_t{1} << 16))
    p <<= 1;
  p = std::clamp<uint64_t>(p, 4, uint64_t{1} << 16);
  uint64_t quantize = std::max<uint64_t>(p >> 12, 1);
  uint64_t phase = (block_number % p) / quantize * quantize;
  return mortal_era{p, phase};
}

caf::expected<decoded_extrinsic> decode_extrinsic(const metadata& md, scale_reader& outer) {
  const uint8_t* start = outer.position();
  auto body = outer.length_prefixed();
  if (!body)
    return body.error();
  decoded_extrinsic x;
  x.hash = blake2b_256(byte_view{start, static_cast<size_t>(outer.position() - start)});
  scale_reader r{*body};
  auto vbyte = r.u8();
  if (!vbyte)
    return vbyte.error();
  x.version = *vbyte & 0x7f;
  x.is_signed = (*vbyte & 0x80) != 0;
  if (x.version != 4)
    return fail("unsupported extrinsic version " + std::to_string(x.version)
                + (x.is_signed ? " (signed)" : "") + "; only v4 is supported");
  if (x.is_signed) {
    x.address.emplace();
    if (auto e = decode_value(md, md.extrinsic.address_type, r, *x.address))
      return e;
    x.signature.emplace();
    if (auto e = decode_value(md, md.extrinsic.signature_type, r, *x.signature))
      return e;
    // The signer's AccountId: MultiAddress::Id(AccountId32), or a bare AccountId32.
    const value& addr = x.address->unwrap();
    const value* id = &addr;
    if (addr.kind == value_kind::variant)
      id = addr.var->name == "Id" && addr.items.size() == 1 ? &addr.items[0].unwrap() : nullptr;
    if (id && id->kind == value_kind::bytes && id->data.size() == 32)
      x.signer_id = id->data;
    const value& sig = x.signature->unwrap();
    if (sig.kind == value_kind::variant) {
      if (sig.var->name == "Ed25519")
        x.scheme = signature_scheme::ed25519;
      else if (sig.var->name == "Sr25519")
        x.scheme = signature_scheme::sr25519;
      else if (sig.var->name == "Ecdsa")
        x.scheme = signature_scheme::ecdsa;
    }
    x.extensions.reserve(md.extrinsic.extensions.size());
    for (auto& ext : md.extrinsic.extensions) {
      value v;
      if (auto e = decode_value(md, ext.type, r, v))
        return e;
      if (ext.identifier == "CheckMortality" || ext.identifier == "CheckEra") {
        auto era = era_of(v);
        if (!era)
          return era.error();
        x.era = *era;
      } else if (ext.identifier == "CheckNonce") {
        auto& n = v.unwrap();
        if (n.kind != value_kind::uint)
          return fail("CheckNonce is not an integer");
        x.nonce = n.num;
      } else if (ext.identifier == "ChargeTransactionPayment") {
        auto& t = v.unwrap();
        if (t.kind != value_kind::uint)
          return fail("ChargeTransactionPayment is not an integer");
        x.tip = t.num;
      } else if (ext.identifier == "ChargeAssetTxPayment") {
        auto t = v.find("tip");
        if (!t || t->unwrap().kind != value_kind::uint)
          return fail("ChargeAssetTxPayment has no tip");
        x.tip = t->unwrap().num;
      }
      x.extensions.emplace_back(&ext, std::move(v));
    }
  }
  if (auto e = decode_value(md, md.extrinsic.call_type, r, x.call.full))
    return e;
  auto& full = x.call.full;
  if (full.kind != value_kind::variant || full.items.size() != 1
      || full.items[0].kind != value_kind::variant)
    return fail("the call is not a pallet call enum");
  x.call.pallet = md.pallet_at(static_cast<uint8_t>(full.num));
  if (!x.call.pallet)
    return fail("no pallet with index " + to_decimal(full.num));
  x.call.call = full.items[0].var;
  if (auto e = r.expect_end())
    return e;
  return x;
}

caf::expected<decoded_extrinsic> decode_extrinsic(const metadata& md, byte_view in) {
  scale_reader r{in};
  auto x = decode_extrinsic(md, r);
  if (!x)
    return x;
  if (auto e = r.expect_end())
    return e;
  return x;
}

nlohmann::json decoded_extrinsic::to_json() const {
  nlohmann::json j;
  j["version"] = version;
  j["signed"] = is_signed;
  j["address"] = address ? substrate::to_json(*address) : nlohmann::json(nullptr);
  j["signature"] = signature ? substrate::to_json(*signature) : nlohmann::json(nullptr);
  static constexpr const char* scheme_names[] = {"ed25519", "sr25519", "ecdsa"};
  j["scheme"] = scheme ? nlohmann::json(scheme_names[static_cast<int>(*scheme)]) : nlohmann::json(nullptr);
  j["signer"] = signer_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(to_hex(signer_id));
  auto ext = nlohmann::json::object();
  for (auto& [def, v] : extensions)
    ext[def->identifier] = substrate::to_json(v);
  j["extensions"] = ext;
  if (!is_signed)
    j["era"] = nullptr;
  else if (era)
    j["era"] = {{"period", std::to_string(era->period)}, {"phase", std::to_string(era->phase)}};
  else
    j["era"] = "Immortal";
  j["nonce"] = to_decimal(nonce);
  j["tip"] = to_decimal(tip);
  j["call"] = substrate::to_json(call.full);
  j["pallet"] = call.pallet->name;
  j["method"] = call.call->name;
  j["hash"] = to_hex(hash);
  return j;
}

caf::expected<bytes> encode_call(const metadata& md, std::string_view pallet,
                                 std::string_view call, const nlohmann::json& args) {
  auto ref = md.find_call(pallet, call);
  if (!ref)
    return ref.error();
  // The RuntimeCall enum names its variants after the pallets: encode through it so the
  // pallet index comes from the same place the runtime reads it.
  nlohmann::json doc = {{std::string(pallet), {{std::string(call), args}}}};
  bytes out;
  if (auto e = encode_value(md, md.extrinsic.call_type, doc, out))
    return make_error(ec::encode_error, std::string(pallet) + "." + std::string(call) + ": "
                                          + describe(e));
  return out;
}

caf::expected<signing_parts> encode_extensions(const metadata& md, const tx_params& p) {
  signing_parts parts;
  for (auto& ext : md.extrinsic.extensions) {
    const auto& id = ext.identifier;
    nlohmann::json extra = nullptr, additional = nullptr;
    bool raw_era = false;
    if (id == "CheckSpecVersion") {
      additional = p.spec_version;
    } else if (id == "CheckTxVersion") {
      additional = p.tx_version;
    } else if (id == "CheckGenesis") {
      additional = to_hex(p.genesis_hash);
    } else if (id == "CheckMortality" || id == "CheckEra") {
      raw_era = true;
      additional = to_hex(p.era ? p.block_hash : p.genesis_hash);
    } else if (id == "CheckNonce") {
      extra = std::to_string(p.nonce);
    } else if (id == "ChargeTransactionPayment") {
      extra = to_decimal(p.tip);
    } else if (id == "ChargeAssetTxPayment") {
      extra = {{"tip", to_decimal(p.tip)}, {"asset_id", {{"None", nullptr}}}};
    } else if (id == "CheckMetadataHash") {
      // Mode 0 (disabled): no metadata hash is committed to, additional = None.
      extra = {{"mode", "Disabled"}};
      additional = {{"None", nullptr}};
    }
    if (raw_era) {
      auto& era_t = md.type(ext.type);
      bool looks_like_era = false;
      for (const type_def* t = &era_t;;) {
        if (t->kind == type_kind::variant) {
          looks_like_era = t->find_variant("Immortal") != nullptr;
          break;
        }
        if (t->kind == type_kind::composite && t->fields.size() == 1) {
          t = &md.type(t->fields[0].type);
          continue;
        }
        break;
      }
      if (!looks_like_era)
        return enc_fail("CheckMortality's type is not an Era");
      append(parts.extra, encode_era(p.era));
    } else if (auto e = encode_value(md, ext.type, extra, parts.extra)) {
      return enc_fail("signed extension " + id + " (extra): " + describe(e)
                      + " -- unsupported signed extension?");
    }
    if (auto e = encode_value(md, ext.additional_type, additional, parts.additional))
      return enc_fail("signed extension " + id + " (additional): " + describe(e)
                      + " -- unsupported signed extension?");
  }
  return parts;
}

caf::expected<bytes> signing_payload(const metadata& md, byte_view call, const tx_params& p) {
  auto parts = encode_extensions(md, p);
  if (!parts)
    return parts.error();
  bytes payload(call.begin(), call.end());
  append(payload, parts->extra);
  append(payload, parts->additional);
  return payload;
}

caf::expected<bytes> build_signed_extrinsic(const metadata& md, byte_view call,
                                            const tx_params& p, const signer& s) {
  if (md.extrinsic.version != 4)
    return enc_fail("metadata extrinsic version " + std::to_string(md.extrinsic.version)
                    + "; only v4 is supported");
  if (s.account_id.size() != 32)
    return enc_fail("account id must be 32 bytes");
  if (!s.sign)
    return enc_fail("no signing function");
  auto parts = encode_extensions(md, p);
  if (!parts)
    return parts.error();
  bytes payload(call.begin(), call.end());
  append(payload, parts->extra);
  append(payload, parts->additional);
  // The runtime verifies the signature over blake2-256(payload) when the payload is longer
  // than 256 bytes (sp_runtime::generic::SignedPayload::using_encoded).
  bytes to_sign = payload;
  if (payload.size() > 256) {
    auto h = blake2b_256(payload);
    to_sign.assign(h.begin(), h.end());
  }
  auto sig = s.sign(to_sign);
  if (!sig)
    return sig.error();
  const char* variant = "Ed25519";
  size_t sig_len = 64;
  if (s.scheme == signature_scheme::sr25519) {
    variant = "Sr25519";
  } else if (s.scheme == signature_scheme::ecdsa) {
    variant = "Ecdsa";
    sig_len = 65;
  }
  if (sig->size() != sig_len)
    return enc_fail("signer returned " + std::to_string(sig->size()) + " bytes, expected "
                    + std::to_string(sig_len));
  bytes body;
  body.push_back(static_cast<uint8_t>(0x80 | 4));
  auto& addr_t = md.type(md.extrinsic.address_type);
  nlohmann::json addr = to_hex(s.account_id);
  if (addr_t.kind == type_kind::variant)
    addr = {{"Id", addr}};
  if (auto e = encode_value(md, md.extrinsic.address_type, addr, body))
    return enc_fail("address: " + describe(e));
  nlohmann::json sig_json = {{variant, to_hex(*sig)}};
  if (auto e = encode_value(md, md.extrinsic.signature_type, sig_json, body))
    return enc_fail("signature: " + describe(e));
  append(body, parts->extra);
  append(body, call);
  bytes out;
  put_compact(out, body.size());
  append(out, body);
  return out;
}

} // namespace lstaked::chain::substrate
