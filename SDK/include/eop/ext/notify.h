/*
 * eop/ext/notify.h — the notification extension, "eop.notify.v1".
 *
 *     const eop_notify_v1_t *notify = host->get_extension(host, EOP_EXT_NOTIFY_V1);
 *
 * NULL when the host runs without a database. A plugin asks the host's
 * notification module to send a message of a notification type (for example
 * "order.shipped") to one recipient. The module renders the type's templates
 * (per channel and locale) with `data`, honours the recipient's opt-outs for
 * non-transactional types, and records one delivery per channel. Sending
 * happens later on the host's own thread: send() never waits for a mail
 * server or an SMS provider, and its success means "queued", not "delivered".
 * The admin API lists every delivery with the provider's answer.
 *
 * The message does not take part in the caller's SQL transaction: it is queued
 * even when the plugin's transaction later rolls back. Call it after commit
 * (or from a handler of the fact that records the change).
 */
#ifndef EOP_EXT_NOTIFY_H
#define EOP_EXT_NOTIFY_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EOP_EXT_NOTIFY_V1 "eop.notify.v1"

/* One request. Every string is UTF-8 and borrowed until send() returns. */
typedef struct eop_notify_request {
    uint32_t struct_size;  /* sizeof(eop_notify_request_t) */
    /* The notification type, e.g. "order.shipped" (GET /api/admin/notification/types). */
    eop_str_t type;
    /* JSON object: {"user": "...", "email": "...", "phone": "+1...",
     * "push_token": "...", "locale": "en-GB"}; each field optional. A channel
     * whose address is missing is recorded as skipped. */
    eop_str_t recipient;
    /* Comma-separated channels: "email,sms,push,inapp"; empty = every channel
     * the type has a template for. */
    eop_str_t channels;
    /* JSON object: the template variables, checked against the payload schema
     * of the type's event (Manifests/events/<topic>.json). */
    eop_str_t data;
} eop_notify_request_t;

typedef struct eop_notify_v1 {
    uint32_t struct_size;

    /* --- since ABI 1.0 --- */

    /* Queue a notification. out_request_id: optional, receives the request id
     * that the deliveries carry. Returns EOP_OK once queued; EOP_ERR_INVALID
     * with `err` naming the field (type, recipient, channels, data.<field>)
     * and the reason; EOP_ERR_UNAVAILABLE when the host cannot record it.
     * request: borrowed until return. [any-thread] [may-block] briefly, while
     * the deliveries are written. */
    eop_status_t (EOP_ABI *send)(const eop_host_t *host, const eop_notify_request_t *request,
                                 eop_uuid_t *out_request_id, eop_error_t *err);
} eop_notify_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* EOP_EXT_NOTIFY_H */
