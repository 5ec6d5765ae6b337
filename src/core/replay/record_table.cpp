// The ring and its index: lookups, appends and expiry in the file (see the Flow in
// record_table.hpp).
#include "core/replay/record_table.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace remaphore::core::detail {

namespace {

// More than `window` after `first`, for any int64 values (a damaged entry may hold any).
bool expired(std::int64_t first_ns, std::int64_t now_ns, std::int64_t window_ns) {
  const auto age = static_cast<std::uint64_t>(now_ns) - static_cast<std::uint64_t>(first_ns);
  return now_ns > first_ns && age > static_cast<std::uint64_t>(window_ns);
}

std::uint32_t tag_of(const replay_record::hash& h) {
  std::uint32_t tag;
  std::memcpy(&tag, h.data(), sizeof tag);  // SHA-256 bytes are already uniform
  return tag;
}
std::uint64_t make_slot(std::uint32_t tag, std::size_t pos) { return (std::uint64_t{tag} << 32) | (pos + 1); }
std::uint32_t slot_tag(std::uint64_t slot) { return static_cast<std::uint32_t>(slot >> 32); }
std::size_t slot_pos(std::uint64_t slot) { return static_cast<std::size_t>(slot & 0xffffffffU) - 1; }

}  // namespace

void record_table::read(std::uint64_t offset, void* data, std::size_t n) const {
  if (file_.read_at(offset, data, n)) return;
  if (failure_.empty()) failure_ = "read: " + errno_text(errno);
  std::memset(data, 0, n);
}

void record_table::write(std::uint64_t offset, const void* data, std::size_t n) {
  if (!file_.write_at(offset, data, n) && failure_.empty()) failure_ = "write: " + errno_text(errno);
}

record_entry record_table::entry(std::size_t pos) const {
  record_entry e;
  read(layout_.ring_offset + pos * sizeof e, &e, sizeof e);
  return e;
}

void record_table::set_entry(std::size_t pos, const record_entry& e) {
  begin_update();
  write(layout_.ring_offset + pos * sizeof e, &e, sizeof e);
}

std::uint64_t record_table::slot(std::size_t i) const {
  std::uint64_t v;
  read(layout_.index_offset + i * sizeof v, &v, sizeof v);
  return v;
}

void record_table::set_slot(std::size_t i, std::uint64_t v) {
  begin_update();
  write(layout_.index_offset + i * sizeof v, &v, sizeof v);
}

// Marks the file before the first store of this update, so that a process killed
// halfway leaves a mark the next lock holder sees. Each pwrite is done by the kernel
// before the next begins, so the mark is in the file before any ring or index store.
void record_table::begin_update() {
  changed_ = true;
  if (updating_) return;
  updating_ = true;
  const std::uint32_t one = 1;
  write(offsetof(record_header, updating), &one, sizeof one);
}

// Writes the header copy back with the mark cleared, in one write: the new head and
// tail and the end of the update land together.
void record_table::finish() {
  if (!changed_) return;
  h_.checksum = header_checksum(h_);
  h_.updating = 0;
  write(0, &h_, offsetof(record_header, updating) + sizeof h_.updating);
}

// Entries between head and tail; anything else an index slot points to is damage.
bool record_table::is_live(std::size_t pos) const {
  const std::size_t n = layout_.capacity;
  return pos < n && (pos + n - h_.head % n) % n < h_.tail - h_.head;
}

record_table::lookup record_table::find(const replay_record::hash& h) const {
  const auto tag = tag_of(h);
  std::size_t i = tag & mask_;
  for (std::size_t probes = 0; probes < layout_.index_slots; ++probes, i = (i + 1) & mask_) {
    const auto v = slot(i);
    if (v == 0) return {found::no, i};
    const auto pos = slot_pos(v);
    if (!is_live(pos)) return {found::broken};
    if (slot_tag(v) == tag && entry(pos).hash == h) return {found::yes, i, pos};
  }
  return {found::broken};  // no empty slot: not a table we wrote
}

// false when there is no empty slot, which a sound index always has (load <= 1/2).
bool record_table::link(const replay_record::hash& h, std::size_t pos) {
  const auto tag = tag_of(h);
  std::size_t i = tag & mask_;
  for (std::size_t probes = 0; probes < layout_.index_slots; ++probes, i = (i + 1) & mask_) {
    if (slot(i) == 0) {
      set_slot(i, make_slot(tag, pos));
      return true;
    }
  }
  return false;
}

// Empties slot `hole` and moves back each following slot that may live there (its home
// is not between the hole and where it sits), so no probe ever steps over a hole.
void record_table::erase_slot(std::size_t hole) {
  std::size_t i = hole;
  for (std::size_t probes = 0; probes < layout_.index_slots; ++probes) {
    i = (i + 1) & mask_;
    const auto v = slot(i);
    if (v == 0) break;
    const std::size_t home = slot_tag(v) & mask_;
    const bool stays = ((i - home) & mask_) < ((i - hole) & mask_);
    if (!stays) {
      set_slot(hole, v);
      hole = i;
    }
  }
  set_slot(hole, 0);
}

// Removes the slot that points at ring position `pos`, if there is one (an entry
// whose hash was added again after it expired has none). false: the index is damaged.
bool record_table::unlink(std::size_t pos) {
  const auto tag = tag_of(entry(pos).hash);
  std::size_t i = tag & mask_;
  for (std::size_t probes = 0; probes < layout_.index_slots; ++probes, i = (i + 1) & mask_) {
    const auto v = slot(i);
    if (v == 0) return true;
    if (slot_pos(v) == pos) {
      erase_slot(i);
      return true;
    }
  }
  return false;
}

// The ring is what the record holds; the index only finds entries in it, so it can
// always be rebuilt from the ring: here in memory, read and written whole. A hash
// present twice (added again after it expired) ends up pointing at its later entry.
void record_table::rebuild_index() {
  begin_update();
  const std::size_t n = layout_.capacity;
  std::vector<record_entry> ring(n);
  read(layout_.ring_offset, ring.data(), n * sizeof(record_entry));
  std::vector<std::uint64_t> index(layout_.index_slots, 0);
  for (auto seq = h_.head; seq != h_.tail; ++seq) {
    const std::size_t pos = seq % n;
    const auto& hash = ring[pos].hash;
    const auto tag = tag_of(hash);
    std::size_t i = tag & mask_;
    // At most n entries in 2n slots: an empty slot or this hash's comes first.
    while (index[i] != 0 && !(slot_tag(index[i]) == tag && ring[slot_pos(index[i])].hash == hash)) i = (i + 1) & mask_;
    index[i] = make_slot(tag, pos);
  }
  write(layout_.index_offset, index.data(), index.size() * sizeof(std::uint64_t));
}

void record_table::widen_window(std::int64_t window_ns) {
  if (window_ns <= h_.window_ns) return;
  h_.window_ns = window_ns;
  changed_ = true;
}

void record_table::drop_oldest() {
  const std::size_t pos = h_.head % layout_.capacity;
  if (!unlink(pos)) {
    rebuild_index();
    unlink(pos);
  }
  ++h_.head;
  changed_ = true;
}

// Entries are in the order they were added, which is nearly the order of their times
// (a process may take `now` just before another one takes the lock): an entry a
// little out of order expires when its predecessors have.
void record_table::expire_oldest(std::int64_t now_ns) {
  while (h_.tail != h_.head && expired(entry(h_.head % layout_.capacity).first_ns, now_ns, h_.window_ns)) drop_oldest();
}

std::int64_t record_table::first_accepted(const replay_record::hash& h, std::int64_t now_ns) {
  auto l = find(h);
  if (l.what == found::broken) {
    rebuild_index();
    l = find(h);
  }
  if (l.what == found::yes) {
    const auto first = entry(l.pos).first_ns;
    if (!expired(first, now_ns, h_.window_ns)) return first;
    erase_slot(l.slot);  // its ring entry stays, unindexed, until head passes it
  }
  if (h_.tail - h_.head == layout_.capacity) drop_oldest();
  const std::size_t pos = h_.tail % layout_.capacity;
  set_entry(pos, {h, now_ns});
  ++h_.tail;
  if (!link(h, pos)) rebuild_index();
  return now_ns;
}

}  // namespace remaphore::core::detail
