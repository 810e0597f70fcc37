// System.Events decoding: the SCALE bytes of the `System.Events` storage value
// (Vec<EventRecord>) -> records with phase, pallet and event names and fields.
//
// Contract: strict (trailing bytes are an error). Names come from the metadata,
// which must outlive the records. An `event_selector` chooses which events get a
// value tree; the others are validated and skipped with metadata-derived sizes,
// which is what makes block scanning cheap. Thread-compatible.
#pragma once

#include "chain/common/hash.hpp"
#include "chain/substrate/value.hpp"

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

namespace lstaked::chain::substrate {

enum class event_phase : uint8_t { apply_extrinsic, finalization, initialization };

struct event_record {
  uint32_t index = 0; // position in the block's event list
  event_phase phase = event_phase::initialization;
  uint32_t extrinsic_index = 0; // meaningful for apply_extrinsic
  const pallet_def* pallet = nullptr;
  const variant_def* event = nullptr;
  /// The pallet event (a variant value) when selected, else empty.
  std::optional<value> fields;
  std::vector<hash256> topics;

  std::string_view pallet_name() const { return pallet->name; }
  std::string_view event_name() const { return event->name; }
  /// {"phase", "pallet", "event", "fields" (null if skipped), "topics"}.
  nlohmann::json to_json() const;
};

/// Which (pallet index, event index) pairs to build trees for.
class event_selector {
public:
  static event_selector all();
  static event_selector none() { return {}; }
  /// Selects Pallet.Event by name; error if the metadata has no such event.
  caf::error add(const metadata& md, std::string_view pallet, std::string_view event);
  bool selected(uint8_t pallet_index, uint8_t event_index) const {
    return bits_[size_t{pallet_index} * 256 + event_index];
  }

private:
  std::bitset<65536> bits_;
};

caf::expected<std::vector<event_record>>
decode_events(const metadata& md, byte_view storage_value,
              const event_selector& selector = event_selector::all());

} // namespace lstaked::chain::substrate
