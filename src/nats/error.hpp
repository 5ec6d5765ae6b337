// The error codes of the NATS client, for its users. They are defined beside the
// sans-I/O protocol code (nats/proto/error.hpp), which reports them too.
#pragma once
#include "nats/proto/error.hpp"
