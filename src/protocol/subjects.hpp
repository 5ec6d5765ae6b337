// Every NATS subject and stream name remaphore uses, in one place:
//   live signals      <root>.all, or <root>.<S> with -S S
//   replies           <root>.<hex(request hash)>
//   discovery         <root>.discover (Go listeners never subscribe there)
//   retained signals  <root>.retained.<all|S>.<hex uuid>.<sender key>, in stream REMAPHORE[_<ROOT>]
//   lock slots        <root>.lock.<name>.slot.<i>                      in stream REMAPHORE-LOCK[-<ROOT>]
//   lock waiters      <root>.lock.<name>.wait.<slots>.<hex time>.<hex id>   (the same stream)
//   lock released     <root>.lock.<name>.free   (plain NATS, outside the stream: a hint to waiters)
// and the check that a name is fit to go into a protocol line.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/keys.hpp"

namespace remaphore::protocol::subjects {

// <root>.all, or <root>.<s>.
std::string live(std::string_view root, const std::optional<std::string>& s);
std::string reply(std::string_view root, const digest& request_hash);
// Where a discovery request goes: a subject of its own, so that a listener that does
// not know discovery (the Go tool's, on <root>.all or <root>.<S>) never sees one.
std::string discover(std::string_view root);

// One message is kept per retained subject, so the server keeps the latest signal of
// each sender for each uuid; a receiver's filter picks its uuid (or "*") and "*" senders.
std::string retained(std::string_view root, const std::optional<std::string>& s, std::string_view uuid_hex,
                     std::string_view sender);
std::string retained_filter(std::string_view root, const std::optional<std::string>& s,
                            const std::optional<std::string>& uuid_hex);
std::string retained_all(std::string_view root);  // <root>.retained.>, the stream's subjects
std::string stream_name(std::string_view root);   // REMAPHORE for the default root

// A lock's subjects. Only the slot and wait subjects are stored; "free" is outside
// the stream's subjects, so a notification is never kept.
std::string lock_slot(std::string_view root, std::string_view lock, unsigned slot);
std::string lock_ticket(std::string_view root, std::string_view lock, unsigned slots, std::string_view time_hex,
                        std::string_view id_hex);
std::string lock_free(std::string_view root, std::string_view lock);
std::string lock_filter(std::string_view root, std::string_view lock);  // <root>.lock.<name>.>
std::vector<std::string> lock_stream_subjects(std::string_view root);
// REMAPHORE-LOCK for the default root, else REMAPHORE-LOCK-<ROOT>: the '-' keeps it apart
// from every retained stream's name, which never has one.
std::string lock_stream_name(std::string_view root);
// Why `name` cannot name a lock, or nullopt: 1 to 64 of a-z, 0-9, '-' and '_' (one
// subject token, the same under the lower-casing of permission lists).
std::optional<std::string> why_not_lock_name(std::string_view name);

// Why `name` cannot be used as (part of) a subject we publish or subscribe to, or
// nullopt when it can: tokens separated by '.', none empty, printable ASCII without
// white space, and no wildcard ('*', '>'), which would widen a subscription.
std::optional<std::string> why_not_subject(std::string_view name);

}  // namespace remaphore::protocol::subjects
