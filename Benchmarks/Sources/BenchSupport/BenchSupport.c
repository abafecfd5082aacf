#include "BenchSupport.h"

int32_t bench_noop_handler(void *plugin_ctx, const void *event, void *err) {
    (void)plugin_ctx; (void)err;
    return event ? 0 : 1;
}

int32_t bench_noop_typed(const char *sku, int64_t qty) {
    return (sku && qty >= 0) ? 0 : 1;
}

int64_t bench_call_n(int32_t (*fn)(void *, const void *, void *), const void *event, void *err, int64_t n) {
    int64_t ok = 0;
    for (int64_t i = 0; i < n; i++) ok += fn(0, event, err) == 0;
    return ok;
}
