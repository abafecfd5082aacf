// The libpq client API (Debian libpq-dev), as the system module CLibPQ.
// Only EOPStorage imports it; nothing of libpq crosses the plugin ABI.
#ifndef EOP_CLIBPQ_SHIM_H
#define EOP_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
