/*
 * A test plugin that keeps its state in PostgreSQL through eop.sql.v1.
 *   COUNTER_ID  the plugin id (string literal)
 * Handlers:
 *   counter_on_tick       records the event id in its table `counted` (a PRIMARY KEY,
 *                         so a second delivery of one event would FAIL); when the file
 *                         named by the setting "crash_marker" exists, deletes it and
 *                         kills the whole host process with SIGKILL after writing.
 * Queries:
 *   counter_stats         {"rows":N,"distinct":N}
 *   counter_peek          runs the payload text as one SQL statement; replies {"status":S,"sqlstate":"…"}
 *   counter_burst         payload {"n":N,"rollback":true|false}: in one transaction per 100
 *                         publishes N facts `<topic setting>`, then commits (or rolls back)
 */
#define _DEFAULT_SOURCE
#include <eop/plugin.h>
#include <eop/ext/sql.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef COUNTER_ID
#define COUNTER_ID "counter"
#endif

static const eop_host_t *H;
static const eop_sql_v1_t *SQL;
static char crash_marker[512];
static char topic[128];

static void setting(const char *key, char *out, size_t cap) {
    eop_buffer_t b = { sizeof b, NULL, 0 };
    char m[256]; eop_error_t e = { sizeof e, 0, m, sizeof m, 0 };
    out[0] = 0;
    if (H->setting_get(H, eop_str_from_cstr(key), &b, &e) == EOP_OK && b.len >= 2) {
        size_t n = b.len - 2 < cap - 1 ? b.len - 2 : cap - 1;
        memcpy(out, b.data + 1, n);
        out[n] = 0;
    }
    H->buffer_release(H, &b);
}

static eop_status_t EOP_ABI c_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    H = host;
    SQL = host->get_extension(host, EOP_EXT_SQL_V1);
    if (!SQL) { eop_error_set(err, "this host has no eop.sql.v1"); return EOP_FAIL; }
    setting("crash_marker", crash_marker, sizeof crash_marker);
    setting("topic", topic, sizeof topic);
    *ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI c_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI c_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI c_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t), EOP_ABI_VERSION_INIT, EOP_STR(COUNTER_ID), EOP_STR("1.0.0"),
    c_init, c_activate, c_deactivate, c_destroy,
};
EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

static eop_sql_value_t text_value(const char *s, size_t n) {
    eop_sql_value_t v = { EOP_SQL_TEXT, 0, 0, { s, n } };
    return v;
}

EOP_EXPORT eop_status_t counter_on_tick(void *ctx, const eop_event_t *event, eop_error_t *err) {
    (void)ctx;
    char id[40];
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) id[k++] = '-';
        id[k++] = hex[event->id.bytes[i] >> 4];
        id[k++] = hex[event->id.bytes[i] & 15];
    }
    id[k] = 0;
    eop_sql_value_t p[1] = { text_value(id, (size_t)k) };
    if (SQL->execute(H, eop_str_from_cstr("INSERT INTO counted (event_id) VALUES ($1::uuid)"), p, 1, NULL, err) != EOP_OK)
        return EOP_FAIL;
    if (crash_marker[0] && access(crash_marker, F_OK) == 0) {
        unlink(crash_marker);
        kill(getpid(), SIGKILL);   /* the host dies with this delivery's transaction open */
    }
    return EOP_OK;
}

static eop_status_t reply_json(eop_reply_t *reply, const char *json) {
    return reply->write(reply, (const uint8_t *)json, strlen(json));
}

EOP_EXPORT eop_status_t counter_stats(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)q;
    eop_sql_rows_t *rows = NULL;
    if (SQL->execute(H, eop_str_from_cstr("SELECT count(*), count(DISTINCT event_id) FROM counted"), NULL, 0, &rows, err) != EOP_OK)
        return EOP_FAIL;
    int64_t all = -1, distinct = -1; int32_t null = 0;
    SQL->get_int64(rows, 0, 0, &all, &null);
    SQL->get_int64(rows, 0, 1, &distinct, &null);
    SQL->rows_release(rows);
    char json[128];
    snprintf(json, sizeof json, "{\"rows\":%lld,\"distinct\":%lld}", (long long)all, (long long)distinct);
    return reply_json(reply, json);
}

EOP_EXPORT eop_status_t counter_peek(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    char sql[600];
    snprintf(sql, sizeof sql, "%.*s", (int)q->payload_len, (const char *)q->payload);
    char m[512]; eop_error_t e = { sizeof e, 0, m, sizeof m - 1, 0 };
    eop_sql_rows_t *rows = NULL;
    eop_status_t st = SQL->execute(H, eop_str_from_cstr(sql), NULL, 0, &rows, &e);
    SQL->rows_release(rows);
    char state[6];
    SQL->last_sqlstate(H, state);
    char json[128];
    snprintf(json, sizeof json, "{\"status\":%d,\"sqlstate\":\"%s\"}", st, state);
    return reply_json(reply, json);
}

EOP_EXPORT eop_status_t counter_burst(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx;
    char body[128];
    size_t n = q->payload_len < sizeof body - 1 ? q->payload_len : sizeof body - 1;
    memcpy(body, q->payload, n); body[n] = 0;
    int count = 0;
    const char *at = strstr(body, "\"n\":");
    if (at) count = atoi(at + 4);
    int rollback = strstr(body, "\"rollback\":true") != NULL;
    int published = 0;
    while (published < count) {
        if (SQL->begin(H, err) != EOP_OK) return EOP_FAIL;
        for (int i = 0; i < 100 && published < count; i++, published++) {
            char payload[64];
            int len = snprintf(payload, sizeof payload, "{\"seq\":%d}", published);
            eop_event_t e = { 0 };
            e.struct_size = sizeof e;
            e.topic = eop_str_from_cstr(topic);
            e.payload = (const uint8_t *)payload;
            e.payload_len = (size_t)len;
            if (H->publish(H, &e, NULL, err) != EOP_OK) { SQL->rollback(H, NULL); return EOP_FAIL; }
        }
        if ((rollback ? SQL->rollback(H, err) : SQL->commit(H, err)) != EOP_OK) return EOP_FAIL;
    }
    char json[64];
    snprintf(json, sizeof json, "{\"published\":%d}", rollback ? 0 : published);
    return reply_json(reply, json);
}

/* A careless handler: its INSERT fails (no such table) and it returns OK anyway. */
EOP_EXPORT eop_status_t counter_careless(void *ctx, const eop_event_t *event, eop_error_t *err) {
    (void)ctx; (void)event; (void)err;
    char m[256]; eop_error_t e = { sizeof e, 0, m, sizeof m, 0 };
    SQL->execute(H, eop_str_from_cstr("INSERT INTO no_such_table VALUES (1)"), NULL, 0, NULL, &e);
    return EOP_OK;
}

/* A forgetful route handler: begins a transaction, inserts a row, and returns without
 * commit or rollback. The host must roll it back on the thread that called. Answers 200,
 * or 500 when begin fails (a transaction left over on this thread). */
EOP_EXPORT eop_status_t counter_http_forget(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)request;
    if (SQL->begin(H, err) != EOP_OK) return EOP_FAIL;
    if (SQL->execute(H, eop_str_from_cstr("INSERT INTO counted (event_id) VALUES (gen_random_uuid())"), NULL, 0, NULL, err) != EOP_OK)
        return EOP_FAIL;
    static const char body[] = "{\"forgot\":true}";
    return response->write(response, (const uint8_t *)body, sizeof body - 1);
}
