/*
 * A C plugin for the hook and outbound-HTTP tests, built once per id with
 * -DPLUGIN_ID="<id>".
 *   hooks_take_part  — a hook handler: replies {"plugin":"<id>","calls":N,"payload":<payload>};
 *                      vetoes (EOP_ERR_DENIED) when the payload holds "veto":"<id>".
 *   hooks_invoke     — a query: invokes the hook named by the payload's "topic" through
 *                      eop.hook.v1 with the payload's "args" text, replies
 *                      {"status":N,"message":"…","replies":<the host's replies text>}.
 *   hooks_fetch      — a query: GETs the URL that is the whole payload through
 *                      eop.http_client.v1 and replies {"status":N,"http":S,"message":"…"}
 *                      followed by the body on the next line (split by the test).
 */
#define _DEFAULT_SOURCE
#include <eop/plugin.h>
#include <eop/ext/hook.h>
#include <eop/ext/http_client.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PLUGIN_ID
#define PLUGIN_ID "hooks"
#endif

static const eop_host_t *host_table;
static atomic_long calls;

static eop_status_t EOP_ABI on_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    (void)err;
    host_table = host;
    *ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI on_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI on_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI on_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t),
    { EOP_ABI_VERSION_MAJOR, EOP_ABI_VERSION_MINOR, 0 },
    EOP_STR(PLUGIN_ID),
    EOP_STR("1.0.0"),
    on_init, on_activate, on_deactivate, on_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

/* Quotes and backslashes become ' so a message can sit in a JSON string. */
static void flatten(char *text) {
    for (char *c = text; *c; c++) if (*c == '"' || *c == '\\' || *c == '\n') *c = '\'';
}

EOP_EXPORT eop_status_t hooks_take_part(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx;
    long n = atomic_fetch_add(&calls, 1) + 1;
    char payload[1024] = {0};
    size_t len = q->payload_len < sizeof payload - 1 ? q->payload_len : sizeof payload - 1;
    memcpy(payload, q->payload, len);
    if (strstr(payload, "\"veto\":\"" PLUGIN_ID "\"")) {
        eop_error_set(err, "the basket holds a forbidden item");
        return EOP_ERR_DENIED;
    }
    char json[1200];
    int out = snprintf(json, sizeof json, "{\"plugin\":\"%s\",\"calls\":%ld,\"payload\":%s}", PLUGIN_ID, n, payload);
    return reply->write(reply, (const uint8_t *)json, (size_t)out);
}

/* Finds "key":"value" in flat JSON; copies value (no escapes) into out. */
static int field(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (!start) return 0;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= cap) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = 0;
    return 1;
}

EOP_EXPORT eop_status_t hooks_invoke(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    char payload[1024] = {0}, topic[128] = {0};
    memcpy(payload, q->payload, q->payload_len < sizeof payload - 1 ? q->payload_len : sizeof payload - 1);
    if (!field(payload, "topic", topic, sizeof topic)) { eop_error_set(err, "payload needs \"topic\""); return EOP_ERR_INVALID; }
    /* "args" is the rest of the payload after "args": (an object, to the closing brace before the end). */
    const char *args = strstr(payload, "\"args\":");
    if (!args) { eop_error_set(err, "payload needs \"args\""); return EOP_ERR_INVALID; }
    args += 7;
    size_t args_len = strlen(args) - 1; /* drop the outer object's closing brace */

    const eop_hook_v1_t *hooks = host_table->get_extension(host_table, EOP_EXT_HOOK_V1);
    if (!hooks) { eop_error_set(err, "no eop.hook.v1"); return EOP_ERR_UNAVAILABLE; }
    eop_event_t e = { 0 };
    e.struct_size = sizeof e;
    e.topic.ptr = topic;
    e.topic.len = strlen(topic);
    e.payload = (const uint8_t *)args;
    e.payload_len = args_len;
    char message[600] = {0};
    eop_error_t herr = { sizeof herr, 0, message, sizeof message - 1, 0 };
    eop_buffer_t replies = { sizeof replies, NULL, 0 };
    eop_status_t st = hooks->invoke(host_table, &e, 2000, &replies, &herr);
    message[herr.len] = 0;
    flatten(message);
    char head[800];
    int n = snprintf(head, sizeof head, "{\"status\":%d,\"message\":\"%s\",\"replies\":", st, message);
    eop_status_t w = reply->write(reply, (const uint8_t *)head, (size_t)n);
    if (w == EOP_OK) w = replies.len ? reply->write(reply, replies.data, replies.len) : reply->write(reply, (const uint8_t *)"null", 4);
    if (w == EOP_OK) w = reply->write(reply, (const uint8_t *)"}", 1);
    host_table->buffer_release(host_table, &replies);
    return w;
}

EOP_EXPORT eop_status_t hooks_fetch(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    const eop_http_client_v1_t *http = host_table->get_extension(host_table, EOP_EXT_HTTP_CLIENT_V1);
    if (!http) { eop_error_set(err, "no eop.http_client.v1"); return EOP_ERR_UNAVAILABLE; }
    eop_http_pair_t header = { EOP_STR("x-probe"), EOP_STR(PLUGIN_ID) };
    eop_http_client_request_t r = { 0 };
    r.struct_size = sizeof r;
    r.method = (eop_str_t)EOP_STR("POST");
    r.url.ptr = (const char *)q->payload;
    r.url.len = q->payload_len;
    r.headers = &header;
    r.header_count = 1;
    r.body = (const uint8_t *)"ping";
    r.body_len = 4;
    r.timeout_ms = 2000;
    eop_http_client_response_t resp = { 0 };
    resp.struct_size = sizeof resp;
    char message[600] = {0};
    eop_error_t ferr = { sizeof ferr, 0, message, sizeof message - 1, 0 };
    eop_status_t st = http->fetch(host_table, &r, &resp, &ferr);
    message[ferr.len] = 0;
    flatten(message);
    char head[800];
    int n = snprintf(head, sizeof head, "{\"status\":%d,\"http\":%d,\"message\":\"%s\"}\n", st, st == EOP_OK ? resp.status : 0, message);
    eop_status_t w = reply->write(reply, (const uint8_t *)head, (size_t)n);
    if (w == EOP_OK && st == EOP_OK && resp.body.len) w = reply->write(reply, resp.body.data, resp.body.len);
    if (st == EOP_OK) {
        host_table->buffer_release(host_table, &resp.body);
        host_table->buffer_release(host_table, &resp.headers);
    }
    return w;
}
