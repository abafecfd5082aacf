/*
 * The benchmark's publisher plugin: the query "bench-pub.burst.run" with payload
 * {"n":N,"per_tx":K} publishes N facts "bench.tick.happened", K per transaction,
 * through eop.sql.v1 (begin/commit) and host->publish: the path a real module takes.
 */
#include <eop/plugin.h>
#include <eop/ext/sql.h>
#include <stdio.h>
#include <stdlib.h>

static const eop_host_t *H;
static const eop_sql_v1_t *SQL;

static eop_status_t EOP_ABI p_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    H = host;
    SQL = host->get_extension(host, EOP_EXT_SQL_V1);
    if (!SQL) { eop_error_set(err, "no eop.sql.v1"); return EOP_FAIL; }
    *ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI p_activate(void *c, eop_error_t *e) { (void)c; (void)e; return EOP_OK; }
static void EOP_ABI p_deactivate(void *c) { (void)c; }
static void EOP_ABI p_destroy(void *c) { (void)c; }
static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t), EOP_ABI_VERSION_INIT, EOP_STR("bench-pub"), EOP_STR("1.0.0"),
    p_init, p_activate, p_deactivate, p_destroy,
};
EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

EOP_EXPORT eop_status_t bench_burst(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx;
    char body[128];
    size_t len = q->payload_len < sizeof body - 1 ? q->payload_len : sizeof body - 1;
    memcpy(body, q->payload, len); body[len] = 0;
    const char *n_at = strstr(body, "\"n\":"), *k_at = strstr(body, "\"per_tx\":");
    int n = n_at ? atoi(n_at + 4) : 0, per_tx = k_at ? atoi(k_at + 9) : 100;
    if (per_tx < 1) per_tx = 1;
    for (int done = 0; done < n;) {
        if (SQL->begin(H, err) != EOP_OK) return EOP_FAIL;
        for (int i = 0; i < per_tx && done < n; i++, done++) {
            char payload[48];
            int plen = snprintf(payload, sizeof payload, "{\"seq\":%d}", done);
            eop_event_t e = { 0 };
            e.struct_size = sizeof e;
            e.topic = eop_str_from_cstr("bench.tick.happened");
            e.payload = (const uint8_t *)payload;
            e.payload_len = (size_t)plen;
            if (H->publish(H, &e, NULL, err) != EOP_OK) { SQL->rollback(H, NULL); return EOP_FAIL; }
        }
        if (SQL->commit(H, err) != EOP_OK) return EOP_FAIL;
    }
    return reply->write(reply, (const uint8_t *)"{}", 2);
}
