/*
 * notifier — a C plugin that queues notifications through eop.notify.v1.
 * Answers `notifier.notify.send`: the query's payload is the template data; the
 * type, recipient and channels are fixed here. Replies {"status": N, "error": "…"}.
 */
#include <eop/plugin.h>
#include <eop/ext/notify.h>
#include <stdio.h>
#include <string.h>

static const eop_host_t *the_host;
static const eop_notify_v1_t *notify;

static eop_status_t EOP_ABI notifier_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    the_host = host;
    notify = host->get_extension(host, EOP_EXT_NOTIFY_V1);
    if (!notify) { eop_error_set(err, "the host offers no eop.notify.v1"); return EOP_FAIL; }
    *ctx = NULL;
    return EOP_OK;
}

static eop_status_t EOP_ABI notifier_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI notifier_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI notifier_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t), EOP_ABI_VERSION_INIT, EOP_STR("notifier"), EOP_STR("1.0.0"),
    notifier_init, notifier_activate, notifier_deactivate, notifier_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

/* [any-thread] */
EOP_EXPORT eop_status_t notifier_send(void *ctx, const eop_event_t *query, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx;
    eop_notify_request_t r = { sizeof r };
    r.type = eop_str_from_cstr("order.shipped");
    r.recipient = eop_str_from_cstr("{\"user\": \"plugin-customer\"}");
    r.channels = eop_str_from_cstr("inapp");
    r.data.ptr = (const char *)query->payload;
    r.data.len = query->payload_len;
    char message[256] = "";
    eop_error_t mine = { sizeof mine, 0, message, sizeof message - 1, 0 };
    eop_status_t st = notify->send(the_host, &r, NULL, &mine);
    char json[512];
    int n = snprintf(json, sizeof json, "{\"status\":%d,\"error\":\"", (int)st);
    for (size_t i = 0; i < mine.len && n < (int)sizeof json - 4; i++) {
        if (message[i] == '"' || message[i] == '\\') json[n++] = '\\';
        json[n++] = message[i];
    }
    n += snprintf(json + n, sizeof json - (size_t)n, "\"}");
    (void)err;
    return reply->write(reply, (const uint8_t *)json, (size_t)n);
}
