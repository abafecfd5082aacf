/*
 * Hot-swap fixture: one C file, two roles (chosen with -DROLE_SOURCE or -DROLE_COUNTER),
 * any id and version (-DPLUGIN_ID, -DPLUGIN_VERSION), and failure switches for the
 * rollback tests (-DFAIL_INIT, -DFAIL_IMPORT, -DSLOW_MS=<n>). Its Swift twins are
 * Tests/Fixtures/LoadSourceSwift and LoadCounterSwift; all share state format 1.
 *
 * source:  answers "<id>.emit" {"n": N}: publishes N facts load-source.tick.emitted
 *          {"stream": k, "seq": q}, k = total % 4, q = the stream's next number.
 *          State: next seq of each stream (4 x u64), then total (u64).
 * counter: subscribes to load-source.tick.emitted; checks each stream's seq is exactly the next one.
 *          State: next expected seq of each stream (4 x u64), received, lost, doubled.
 *          Answers "<id>.stats" with {"received":..,"lost":..,"doubled":..,"generation":..}.
 */
#include <eop/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PLUGIN_ID
#error "define PLUGIN_ID"
#endif
#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "1.0.0"
#endif
#define STREAMS 4
#define WORDS (STREAMS + 3)

typedef struct {
    const eop_host_t *host;
    uint64_t words[WORDS];  /* source: next[4], total; counter: next[4], received, lost, doubled */
    uint64_t imported;      /* 1 when state came from an older instance */
} state_t;

static void write_u64s(uint8_t *out, const uint64_t *v, int n) {
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) out[i * 8 + b] = (uint8_t)(v[i] >> (8 * b));
}

static void read_u64s(const uint8_t *in, uint64_t *v, int n) {
    for (int i = 0; i < n; i++) {
        v[i] = 0;
        for (int b = 0; b < 8; b++) v[i] |= (uint64_t)in[i * 8 + b] << (8 * b);
    }
}

static eop_status_t EOP_ABI p_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
#ifdef FAIL_INIT
    (void)host; (void)ctx;
    eop_error_set(err, "init refused on purpose (FAIL_INIT)");
    return EOP_FAIL;
#else
    (void)err;
    state_t *s = calloc(1, sizeof *s);
    s->host = host;
    *ctx = s;
    return EOP_OK;
#endif
}

static eop_status_t EOP_ABI p_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI p_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI p_destroy(void *ctx) { free(ctx); }

#ifdef ROLE_SOURCE
#define STATE_WORDS (STREAMS + 1)
#else
#define STATE_WORDS WORDS
#endif

static eop_status_t EOP_ABI p_export(void *ctx, uint32_t *format, eop_reply_t *out, eop_error_t *err) {
    (void)err;
    state_t *s = ctx;
    uint8_t bytes[STATE_WORDS * 8];
    write_u64s(bytes, s->words, STATE_WORDS);
    *format = 1;
    return out->write(out, bytes, sizeof bytes);
}

static eop_status_t EOP_ABI p_import(void *ctx, eop_str_t from, uint32_t format, const uint8_t *data, size_t len, eop_error_t *err) {
    (void)from;
#ifdef FAIL_IMPORT
    (void)ctx; (void)format; (void)data; (void)len;
    eop_error_set(err, "state format 1 is not understood by this build (FAIL_IMPORT)");
    return EOP_FAIL;
#else
    state_t *s = ctx;
    if (format != 1 || len != STATE_WORDS * 8) {
        eop_error_set(err, "unknown state layout");
        return EOP_FAIL;
    }
    read_u64s(data, s->words, STATE_WORDS);
    s->imported = 1;
    return EOP_OK;
#endif
}

#ifdef ROLE_SOURCE
/* "<id>.emit" {"n": N} */
EOP_EXPORT eop_status_t EOP_ABI load_emit(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    state_t *s = ctx;
    char text[64] = {0};
    size_t n = q->payload_len < sizeof text - 1 ? q->payload_len : sizeof text - 1;
    memcpy(text, q->payload, n);
    const char *at = strstr(text, "\"n\":");
    long count = at ? strtol(at + 4, NULL, 10) : 0;
    for (long i = 0; i < count; i++) {
        uint64_t stream = s->words[STREAMS] % STREAMS;
        char payload[96];
        int len = snprintf(payload, sizeof payload, "{\"stream\":%llu,\"seq\":%llu}",
                           (unsigned long long)stream, (unsigned long long)s->words[stream]);
        eop_event_t e = {0};
        e.struct_size = sizeof e;
        e.topic = (eop_str_t)EOP_STR("load-source.tick.emitted");
        e.content_type = (eop_str_t)EOP_STR("application/json");
        e.payload = (const uint8_t *)payload;
        e.payload_len = (size_t)len;
        eop_status_t st = s->host->publish(s->host, &e, NULL, err);
        if (st != EOP_OK) return st;
        s->words[stream]++;
        s->words[STREAMS]++;
    }
    char out[64];
    int len = snprintf(out, sizeof out, "{\"published\":%llu,\"imported\":%llu}", (unsigned long long)s->words[STREAMS],
                       (unsigned long long)s->imported);
    return reply->write(reply, (const uint8_t *)out, (size_t)len);
}
#else
EOP_EXPORT eop_status_t EOP_ABI load_on_tick(void *ctx, const eop_event_t *e, eop_error_t *err) {
    (void)err;
    state_t *s = ctx;
#ifdef SLOW_MS
    struct timespec pause = {SLOW_MS / 1000, (SLOW_MS % 1000) * 1000000L};
    nanosleep(&pause, NULL);
#endif
    char text[96] = {0};
    size_t n = e->payload_len < sizeof text - 1 ? e->payload_len : sizeof text - 1;
    memcpy(text, e->payload, n);
    const char *a = strstr(text, "\"stream\":"), *b = strstr(text, "\"seq\":");
    if (!a || !b) return EOP_FAIL;
    uint64_t stream = strtoull(a + 9, NULL, 10) % STREAMS, seq = strtoull(b + 6, NULL, 10);
    s->words[STREAMS]++;
    if (seq > s->words[stream]) s->words[STREAMS + 1] += seq - s->words[stream];  /* lost */
    if (seq < s->words[stream]) s->words[STREAMS + 2]++;                          /* doubled or reordered */
    else s->words[stream] = seq + 1;
    return EOP_OK;
}

EOP_EXPORT eop_status_t EOP_ABI load_stats(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)q; (void)err;
    state_t *s = ctx;
    char out[160];
    int len = snprintf(out, sizeof out, "{\"received\":%llu,\"lost\":%llu,\"doubled\":%llu,\"imported\":%llu,\"version\":\"%s\"}",
                       (unsigned long long)s->words[STREAMS], (unsigned long long)s->words[STREAMS + 1],
                       (unsigned long long)s->words[STREAMS + 2], (unsigned long long)s->imported, PLUGIN_VERSION);
    return reply->write(reply, (const uint8_t *)out, (size_t)len);
}
#endif

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t), EOP_ABI_VERSION_INIT, EOP_STR(PLUGIN_ID), EOP_STR(PLUGIN_VERSION),
    p_init, p_activate, p_deactivate, p_destroy, p_export, p_import,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }
