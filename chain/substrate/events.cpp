#include "chain/substrate/events.hpp"

#include <algorithm>

namespace lstaked::chain::substrate {

event_selector event_selector::all() {
  event_selector s;
  s.bits_.set();
  return s;
}

caf::error event_selector::add(const metadata& md, std::string_view pallet,
                               std::string_view event) {
  auto ref = md.find_event(pallet, event);
  if (!ref)
    return ref.error();
  bits_.set(size_t{ref->pallet->index} * 256 + ref->variant->index);
  return {};
}

nlohmann::json event_record::to_json() const {
  nlohmann::json phase_json;
  switch (phase) {
    case event_phase::apply_extrinsic:
      phase_json = {{"ApplyExtrinsic", std::to_string(extrinsic_index)}};
      break;
    case event_phase::finalization:
      phase_json = {{"Finalization", nullptr}};
      break;
    case event_phase::initialization:
      phase_json = {{"Initialization", nullptr}};
      break;
  }
  auto topics_json = nlohmann::json::array();
  for (auto& t : topics)
    topics_json.push_back(to_hex(t));
  nlohmann::json fields_json = nullptr;
  if (fields)
    fields_json = fields->items.empty() ? nlohmann::json(nullptr)
                                        : fields_to_json(fields->items, &event->fields);
  return {{"phase", phase_json},
          {"pallet", pallet->name},
          {"event", event->name},
          {"fields", fields_json},
          {"topics", topics_json}};
}

namespace {
caf::error fail(const std::string& what) {
  return make_error(ec::decode_error, "events: " + what);
}
} // namespace

caf::expected<std::vector<event_record>>
decode_events(const metadata& md, byte_view storage_value, const event_selector& selector) {
  if (!md.has_events)
    return make_error(ec::not_found, "metadata has no System.Events");
  auto& record = md.type(md.event_record_type);
  // EventRecord { phase, event, topics }: find the parts by name, not by position.
  const field *phase_f = nullptr, *event_f = nullptr, *topics_f = nullptr;
  for (auto& f : record.fields) {
    if (f.name == "phase")
      phase_f = &f;
    else if (f.name == "event")
      event_f = &f;
    else if (f.name == "topics")
      topics_f = &f;
  }
  if (!phase_f || !event_f || !topics_f || record.fields.size() != 3)
    return fail("unexpected EventRecord layout");
  auto& outer = md.type(event_f->type);
  auto& phase_t = md.type(phase_f->type);
  if (phase_t.kind != type_kind::variant)
    return fail("Phase is not an enum");
  auto& topics_t = md.type(topics_f->type);
  if (topics_t.kind != type_kind::sequence || md.type(topics_t.elem).fixed_size != 32)
    return fail("topics are not a Vec of 32-byte hashes");

  scale_reader r{storage_value};
  auto n = r.compact_u32();
  if (!n)
    return n.error();
  if (*n > r.remaining())
    return fail("event count exceeds the input");
  std::vector<event_record> out;
  out.reserve(std::min<size_t>(*n, r.remaining() / 4)); // a record takes at least 4 bytes
  for (uint32_t i = 0; i < *n; ++i) {
    auto& rec = out.emplace_back();
    rec.index = i;
    // Phase
    auto pidx = r.u8();
    if (!pidx)
      return pidx.error();
    auto pvar = phase_t.find_variant(*pidx);
    if (!pvar)
      return fail("unknown phase index " + std::to_string(*pidx));
    if (pvar->name == "ApplyExtrinsic") {
      if (pvar->fields.size() != 1)
        return fail("unexpected ApplyExtrinsic layout");
      auto xi = r.u32();
      if (!xi)
        return xi.error();
      rec.phase = event_phase::apply_extrinsic;
      rec.extrinsic_index = *xi;
    } else if (pvar->name == "Finalization" && pvar->fields.empty()) {
      rec.phase = event_phase::finalization;
    } else if (pvar->name == "Initialization" && pvar->fields.empty()) {
      rec.phase = event_phase::initialization;
    } else {
      return fail("unknown phase " + pvar->name);
    }
    // RuntimeEvent: pallet index, then the pallet's own event enum.
    auto pal = r.u8();
    if (!pal)
      return pal.error();
    auto pal_var = outer.find_variant(*pal);
    if (!pal_var || pal_var->fields.size() != 1)
      return fail("unknown event pallet index " + std::to_string(*pal));
    rec.pallet = md.pallet_at(*pal);
    if (!rec.pallet)
      return fail("no pallet with index " + std::to_string(*pal));
    uint32_t ev_type = pal_var->fields[0].type;
    auto& ev_t = md.type(ev_type);
    if (ev_t.kind != type_kind::variant)
      return fail("pallet event type is not an enum");
    if (r.at_end())
      return fail("truncated event");
    uint8_t ev_idx = *r.position();
    rec.event = ev_t.find_variant(ev_idx);
    if (!rec.event)
      return fail("unknown event index " + std::to_string(ev_idx) + " in " + rec.pallet->name);
    if (selector.selected(*pal, ev_idx)) {
      rec.fields.emplace();
      if (auto e = decode_value(md, ev_type, r, *rec.fields))
        return e;
    } else {
      if (auto e = skip_value(md, ev_type, r))
        return e;
    }
    // Topics: Vec<Hash>
    auto nt = r.compact_u32();
    if (!nt)
      return nt.error();
    if (*nt > r.remaining() / 32)
      return fail("topic count exceeds the input");
    rec.topics.resize(*nt);
    for (auto& t : rec.topics) {
      auto raw = r.take(32);
      std::copy(raw->begin(), raw->end(), t.begin());
    }
  }
  if (auto e = r.expect_end())
    return e;
  return out;
}

} // namespace lstaked::chain::substrate
