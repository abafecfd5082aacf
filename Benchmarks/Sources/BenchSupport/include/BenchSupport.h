// No-op handlers in their own C translation unit, so the compiler cannot inline
// them into the benchmark loop: the "direct C function call" baseline.
#include <stdint.h>
#include <stddef.h>

/// Same shape as eop_event_handler_fn; returns EOP_OK (0).
int32_t bench_noop_handler(void *plugin_ctx, const void *event, void *err);
/// A typed handler: (const char *sku, int64_t qty) -> EOP_OK.
int32_t bench_noop_typed(const char *sku, int64_t qty);
/// Calls a handler through a function pointer n times (the C-side loop baseline).
int64_t bench_call_n(int32_t (*fn)(void *, const void *, void *), const void *event, void *err, int64_t n);
