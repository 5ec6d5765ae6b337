// What a lock looks like from the stream's subjects alone (STREAM.INFO with a subject
// filter lists the stored subjects, without their records): which slots are held and
// who waits, in order. Pure: parsed and ranked here, fetched by lock_store.
//
// A waiter's ticket is <root>.lock.<name>.wait.<slots>.<hex unix ns>.<hex id>: its
// time of joining orders the queue (first come, first served, on the waiters' own
// clocks: a skew between hosts only shifts fairness, never safety), and the slot count
// it asks for is in the subject, so a disagreement on SLOTS shows without reading any
// record.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remaphore::core::lock {

struct ticket {
  unsigned slots = 0;
  std::uint64_t joined_ns = 0;
  std::string id;  // hex
  std::string subject;
};

struct listing {
  std::vector<unsigned> held;   // slot indexes with a record, ascending
  std::vector<ticket> waiting;  // in queue order
};

listing parse_listing(std::string_view root, std::string_view lock, const std::vector<std::string>& subjects);

// Free slot indexes below `slots`, ascending.
std::vector<unsigned> free_slots(const listing& l, unsigned slots);

// Tickets that do not count: waiters that were told to go and did not (gone, or
// stuck), so that one dead waiter cannot hold up the queue until its ticket expires.
using skip_fn = std::function<bool(const std::string& id)>;

// How many counted tickets are ahead of `id`; nullopt when `id` has no ticket.
std::optional<std::size_t> rank_of(const listing& l, std::string_view id, const skip_fn& skip);

// The first `k` counted waiters' ids.
std::vector<std::string> first_waiters(const listing& l, std::size_t k, const skip_fn& skip);

// A slot count other than `slots` among the waiters, or a held slot at or past
// `slots` (whose record must then be read for its count): the first such one found.
struct mismatch {
  unsigned their_slots = 0;  // 0: unknown until the record of held_slot is read
  unsigned held_slot = 0;
};
std::optional<mismatch> find_mismatch(const listing& l, unsigned slots);

// The hint a release (or a waiter that found slots free) publishes beside the stream:
// which slots are free and which waiters should try them, pairwise. Plain NATS and
// unsigned: it only makes waiters try, and every try is a create-if-absent.
struct note {
  std::vector<unsigned> free;
  std::vector<std::string> next;
  std::size_t waiting = 0;
};
std::string encode_note(const note& n);
std::optional<note> decode_note(std::string_view text);

}  // namespace remaphore::core::lock
