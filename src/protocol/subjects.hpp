// Every NATS subject and stream name remaphore uses, in one place:
//   live signals      <root>.all, or <root>.<S> with -S S
//   replies           <root>.<hex(request hash)>
//   discovery         <root>.discover (Go listeners never subscribe there)
//   retained signals  <root>.retained.<all|S>.<hex uuid>.<sender key>, in stream REMAPHORE[_<ROOT>]
// and the check that a name is fit to go into a protocol line.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// Why `name` cannot be used as (part of) a subject we publish or subscribe to, or
// nullopt when it can: tokens separated by '.', none empty, printable ASCII without
// white space, and no wildcard ('*', '>'), which would widen a subscription.
std::optional<std::string> why_not_subject(std::string_view name);

}  // namespace remaphore::protocol::subjects
