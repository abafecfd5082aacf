/*
 * A configurable test plugin. Compile-time knobs:
 *   PROBE_ID         the plugin id (string literal)
 *   PROBE_ABI_MAJOR  ABI major written into the descriptor (default: the header's)
 *   PROBE_ABI_MINOR  ABI minor written into the descriptor (default: the header's)
 * Handlers: probe_ok, probe_fail, probe_retry_twice, probe_typed (libffi),
 * queries probe_state, probe_publish, probe_slow.
 */
#define _DEFAULT_SOURCE
#include <eop/plugin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef PROBE_ID
#define PROBE_ID "probe"
#endif
#ifndef PROBE_ABI_MAJOR
#define PROBE_ABI_MAJOR EOP_ABI_VERSION_MAJOR
#endif
#ifndef PROBE_ABI_MINOR
#define PROBE_ABI_MINOR EOP_ABI_VERSION_MINOR
#endif

static const eop_host_t *host_table;
static atomic_long ok_calls, fail_calls, retry_calls;
static pthread_mutex_t typed_lock = PTHREAD_MUTEX_INITIALIZER;
static char typed_sku[128];
static long long typed_qty;
static double typed_price;
static int typed_gift = -1;
static char last_topic[128];

static eop_status_t EOP_ABI probe_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    (void)err;
    host_table = host;
    *ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI probe_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI probe_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI probe_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t),
    { PROBE_ABI_MAJOR, PROBE_ABI_MINOR, 0 },
    EOP_STR(PROBE_ID),
    EOP_STR("1.0.0"),
    probe_init, probe_activate, probe_deactivate, probe_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

EOP_EXPORT eop_status_t probe_ok(void *ctx, const eop_event_t *event, eop_error_t *err) {
    (void)ctx; (void)err;
    pthread_mutex_lock(&typed_lock);
    size_t n = event->topic.len < sizeof last_topic - 1 ? event->topic.len : sizeof last_topic - 1;
    memcpy(last_topic, event->topic.ptr, n);
    last_topic[n] = 0;
    pthread_mutex_unlock(&typed_lock);
    atomic_fetch_add(&ok_calls, 1);
    return EOP_OK;
}

EOP_EXPORT eop_status_t probe_fail(void *ctx, const eop_event_t *event, eop_error_t *err) {
    (void)ctx; (void)event;
    atomic_fetch_add(&fail_calls, 1);
    eop_error_set(err, "probe refuses this event");
    return EOP_FAIL;
}

/* RETRY on the first two calls, OK on the third. */
EOP_EXPORT eop_status_t probe_retry_twice(void *ctx, const eop_event_t *event, eop_error_t *err) {
    (void)ctx; (void)event;
    long call = atomic_fetch_add(&retry_calls, 1) + 1;
    if (call <= 2) { eop_error_set(err, "not yet"); return EOP_RETRY; }
    atomic_fetch_add(&ok_calls, 1);
    return EOP_OK;
}

/* Typed: (sku string, qty int64, price double, gift bool). */
EOP_EXPORT eop_status_t probe_typed(const char *sku, int64_t qty, double price, uint8_t gift) {
    pthread_mutex_lock(&typed_lock);
    snprintf(typed_sku, sizeof typed_sku, "%s", sku);
    typed_qty = (long long)qty;
    typed_price = price;
    typed_gift = gift;
    pthread_mutex_unlock(&typed_lock);
    atomic_fetch_add(&ok_calls, 1);
    return EOP_OK;
}

EOP_EXPORT eop_status_t probe_state(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)q; (void)err;
    char json[512];
    pthread_mutex_lock(&typed_lock);
    int len = snprintf(json, sizeof json,
        "{\"ok\":%ld,\"fail\":%ld,\"retry_calls\":%ld,\"typed_sku\":\"%s\",\"typed_qty\":%lld,\"typed_price\":%.3f,\"typed_gift\":%d,\"last_topic\":\"%s\"}",
        atomic_load(&ok_calls), atomic_load(&fail_calls), atomic_load(&retry_calls), typed_sku, typed_qty, typed_price, typed_gift, last_topic);
    pthread_mutex_unlock(&typed_lock);
    return reply->write(reply, (const uint8_t *)json, (size_t)len);
}

/* Publishes `{}` on the topic given as the query's whole payload; replies {"status":N,"message":"..."}. */
EOP_EXPORT eop_status_t probe_publish(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    char message[600] = {0};
    eop_error_t perr = { sizeof perr, 0, message, sizeof message - 1, 0 };
    eop_event_t e = { 0 };
    e.struct_size = sizeof e;
    e.topic.ptr = (const char *)q->payload;
    e.topic.len = q->payload_len;
    e.payload = (const uint8_t *)"{}";
    e.payload_len = 2;
    eop_status_t st = host_table->publish(host_table, &e, NULL, &perr);
    message[perr.len] = 0;
    for (char *c = message; *c; c++) if (*c == '"' || *c == '\\') *c = '\'';
    char json[800];
    int len = snprintf(json, sizeof json, "{\"status\":%d,\"message\":\"%s\"}", st, message);
    return reply->write(reply, (const uint8_t *)json, (size_t)len);
}

EOP_EXPORT eop_status_t probe_slow(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)q; (void)err;
    usleep(400 * 1000);
    return reply->write(reply, (const uint8_t *)"{}", 2);
}

/* A route handler answering {"probe":"<id>"}. [any-thread] */
EOP_EXPORT eop_status_t probe_route(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)request; (void)err;
    static const char body[] = "{\"probe\":\"" PROBE_ID "\"}";
    return response->write(response, (const uint8_t *)body, sizeof body - 1);
}
