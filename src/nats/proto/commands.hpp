// Every protocol command the client sends, formatted here and nowhere else, so the
// wire format is one unit-tested place. Each function appends to the caller's
// output buffer: the client coalesces commands into one write.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

inline constexpr std::string_view ping_command = "PING\r\n";
inline constexpr std::string_view pong_command = "PONG\r\n";

// PUB subject [reply] size, or HPUB subject [reply] header_size total_size when
// `headers` (a whole "NATS/1.0..." block) is not empty; then the bytes and CRLF.
void append_publish(std::string& out, std::string_view subject, std::string_view reply, std::string_view headers,
                    std::string_view payload);

// The bytes append_publish adds, without formatting them: for the bound on what
// may be buffered while disconnected.
std::size_t publish_size(std::string_view subject, std::string_view reply, std::string_view headers,
                         std::string_view payload);

// SUB subject sid
void append_subscribe(std::string& out, std::string_view subject, std::uint64_t sid);

// UNSUB sid, or UNSUB sid max: the server drops the interest by itself after max
// more messages.
void append_unsubscribe(std::string& out, std::uint64_t sid, std::uint64_t max = 0);

// CONNECT {json} followed by PING: the server's PONG (or -ERR) then tells the
// handshake outcome, since a server with verbose off says nothing on success.
// `with` (commands the server is to process once it has accepted us) goes between.
std::string connect_command(const connect_params& p, const auth& a, const server_info& info,
                            std::string_view with = {});

}  // namespace remaphore::nats
