// The replay record's ring of entries and the open-addressing index over it (the
// layout is described at the top of replay_record.hpp).
//
// Flow, under the lock, on a header that inspect() found sound:
//   interrupted()           a writer died mid-update: rebuild_index() from the ring.
//   widen_window(w)         keep the longest window any process asked for.
//   expire_oldest(now)      drop expired entries from the oldest end.
//   first_accepted(h, now)  look h up; when absent or expired, append {h, now}.
//   finish()                write the header back, clearing `updating` with it.
//   failed()                a read or write went wrong: the file changed under the lock
//                           (someone who ignores it shrank it); the answer is not to be used.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/replay/record_format.hpp"
#include "core/replay/replay_record.hpp"

namespace remaphore::core::detail {

// The ring and index of a file whose header has been checked, under the lock, read
// and written in place. The header is a copy, written back by finish(); the first store
// to the ring or index sets `updating` in the file, finish() clears it. A failed read
// gives zeros (an empty slot, an entry of no hash), so every loop still ends.
class record_table {
 public:
  record_table(const record_file& file, record_header& header)
      : file_(file), h_(header), layout_(layout_for(header.capacity)), mask_(layout_.index_slots - 1) {}

  bool interrupted() const { return h_.updating != 0; }
  void widen_window(std::int64_t window_ns);
  void expire_oldest(std::int64_t now_ns);
  std::int64_t first_accepted(const replay_record::hash& h, std::int64_t now_ns);
  void rebuild_index();
  void finish();
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }

 private:
  enum class found { yes, no, broken };
  struct lookup {
    found what;
    std::size_t slot = 0;
    std::size_t pos = 0;
  };

  lookup find(const replay_record::hash& h) const;
  bool link(const replay_record::hash& h, std::size_t pos);
  bool unlink(std::size_t pos);
  void erase_slot(std::size_t hole);
  void drop_oldest();
  bool is_live(std::size_t pos) const;

  record_entry entry(std::size_t pos) const;
  void set_entry(std::size_t pos, const record_entry& e);
  std::uint64_t slot(std::size_t i) const;
  void set_slot(std::size_t i, std::uint64_t v);
  void begin_update();
  void read(std::uint64_t offset, void* data, std::size_t n) const;
  void write(std::uint64_t offset, const void* data, std::size_t n);

  const record_file& file_;
  record_header& h_;
  record_layout layout_;
  std::size_t mask_;
  bool changed_ = false;
  bool updating_ = false;
  mutable std::string failure_;
};

}  // namespace remaphore::core::detail
