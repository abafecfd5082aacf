/*
 * c-hello — an EOP plugin in plain C.
 *
 *  - echoes every `hello.greeting.sent` as `c-hello.greeting.echoed`, prefixed
 *    with its "prefix" setting (a generic handler);
 *  - counts placed orders through a *typed* handler: the manifest binds the
 *    payload fields order_id and total to plain C parameters (libffi);
 *  - answers the query `c-hello.stats.get` with its counters.
 *
 * Build:  cc -std=c11 -shared -fPIC -I../../include hello.c -o libc_hello.so
 */
#include <eop/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct hello_state {
    const eop_host_t *host;
    char prefix[64];
    pthread_mutex_t lock;        /* handlers run on the mailbox, queries on query workers */
    long greetings;
    long orders;
    long long last_total;
    char last_order[64];
} hello_state_t;

/* Typed handlers receive no context pointer, so the one instance is kept here. */
static hello_state_t *the_state;

static void log_line(const eop_host_t *host, eop_log_level_t level, const char *text) {
    host->log(host, level, eop_str_from_cstr(text));
}

static eop_status_t EOP_ABI hello_init(const eop_host_t *host, void **plugin_ctx, eop_error_t *err) {
    if (!EOP_HOST_HAS(host, now_unix_us)) {
        eop_error_set(err, "this host's table is too old for c-hello");
        return EOP_FAIL;
    }
    hello_state_t *s = calloc(1, sizeof *s);
    if (!s) { eop_error_set(err, "out of memory"); return EOP_FAIL; }
    s->host = host;
    pthread_mutex_init(&s->lock, NULL);

    /* The setting arrives as JSON text, e.g. "echo" with its quotes. */
    eop_buffer_t value = { sizeof value, NULL, 0 };
    eop_status_t st = host->setting_get(host, eop_str_from_cstr("prefix"), &value, err);
    if (st != EOP_OK) { free(s); return st; }
    size_t n = value.len >= 2 ? value.len - 2 : 0;          /* strip the quotes */
    if (n >= sizeof s->prefix) n = sizeof s->prefix - 1;
    memcpy(s->prefix, value.data + 1, n);
    s->prefix[n] = '\0';
    host->buffer_release(host, &value);

    *plugin_ctx = s;
    the_state = s;
    return EOP_OK;
}

static eop_status_t EOP_ABI hello_activate(void *ctx, eop_error_t *err) {
    (void)err;
    hello_state_t *s = ctx;
    log_line(s->host, EOP_LOG_INFO, "c-hello is active");
    return EOP_OK;
}

static void EOP_ABI hello_deactivate(void *ctx) {
    hello_state_t *s = ctx;
    log_line(s->host, EOP_LOG_INFO, "c-hello is stopping");
}

static void EOP_ABI hello_destroy(void *ctx) {
    hello_state_t *s = ctx;
    if (the_state == s) the_state = NULL;
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t),
    EOP_ABI_VERSION_INIT,
    EOP_STR("c-hello"),
    EOP_STR("1.0.0"),
    hello_init,
    hello_activate,
    hello_deactivate,
    hello_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

/* Generic handler for hello.greeting.sent. [mailbox] */
EOP_EXPORT eop_status_t c_hello_on_greeting(void *ctx, const eop_event_t *event, eop_error_t *err) {
    hello_state_t *s = ctx;
    char payload[512];
    int len = snprintf(payload, sizeof payload, "{\"prefix\":\"%s\",\"bytes\":%zu}", s->prefix, event->payload_len);
    if (len < 0 || (size_t)len >= sizeof payload) { eop_error_set(err, "echo payload too long"); return EOP_FAIL; }

    eop_event_t echo = { 0 };
    echo.struct_size = sizeof echo;
    echo.topic = eop_str_from_cstr("c-hello.greeting.echoed");
    echo.payload = (const uint8_t *)payload;
    echo.payload_len = (size_t)len;
    /* correlation and causation ids are filled in by the host from `event`. */
    eop_status_t st = s->host->publish(s->host, &echo, NULL, err);
    if (st != EOP_OK) return EOP_RETRY;

    pthread_mutex_lock(&s->lock);
    s->greetings++;
    pthread_mutex_unlock(&s->lock);
    return EOP_OK;
}

/* Typed handler for order.order.placed: (order_id, total) bound by the manifest. [mailbox] */
EOP_EXPORT eop_status_t c_hello_count_order(const char *order_id, int64_t total) {
    hello_state_t *s = the_state;
    if (!s) return EOP_RETRY;
    pthread_mutex_lock(&s->lock);
    s->orders++;
    s->last_total = (long long)total;
    snprintf(s->last_order, sizeof s->last_order, "%s", order_id);
    pthread_mutex_unlock(&s->lock);
    return EOP_OK;
}

/* GET /api/c-hello/ping: a fixed body (the gateway benchmark's plugin side).
 * Declared "inline": it never blocks. [any-thread] */
EOP_EXPORT eop_status_t c_hello_http_ping(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)request; (void)err;
    static const char body[] = "{\"pong\":true}";
    return response->write(response, (const uint8_t *)body, sizeof body - 1);
}

/* POST /api/c-hello/echo (staff, permission c-hello.echo.write): echoes the JSON body,
 * whose schema the manifest declares, and the caller's id. [any-thread] */
EOP_EXPORT eop_status_t c_hello_http_echo(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)err;
    char head[128];
    int len = snprintf(head, sizeof head, "{\"by\":\"%.*s\",\"body\":", (int)request->principal->id.len, request->principal->id.ptr);
    response->set_status(response, 201);
    response->write(response, (const uint8_t *)head, (size_t)len);
    response->write(response, request->body, request->body_len);
    return response->write(response, (const uint8_t *)"}", 1);
}

/* Query handler for c-hello.stats.get. [any-thread] */
EOP_EXPORT eop_status_t c_hello_stats(void *ctx, const eop_event_t *query, eop_reply_t *reply, eop_error_t *err) {
    (void)query; (void)err;
    hello_state_t *s = ctx;
    char json[256];
    pthread_mutex_lock(&s->lock);
    int len = snprintf(json, sizeof json, "{\"greetings\":%ld,\"orders\":%ld,\"last_order\":\"%s\",\"last_total\":%lld}",
                       s->greetings, s->orders, s->last_order, s->last_total);
    pthread_mutex_unlock(&s->lock);
    return reply->write(reply, (const uint8_t *)json, (size_t)len);
}
