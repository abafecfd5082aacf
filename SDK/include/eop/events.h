/*
 * eop/events.h — an event as it crosses the boundary, and the handler shapes.
 *
 * Topics are `<module>.<noun>.<past-tense verb>` for facts
 * (`order.order.placed`) and `<module>.<noun>.<verb>` for commands and
 * queries (`catalog.price.quote`). A plugin may publish only topics its
 * manifest lists under "publishes", receives only its "subscribes", and
 * answers only its "answers". See SDK/docs/events.md.
 */
#ifndef EOP_EVENTS_H
#define EOP_EVENTS_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An event. Every field is borrowed until return of the call that hands it
 * over; copy what you keep.
 *
 * When a plugin publishes, it fills topic, schema_version, content_type and
 * payload; the host assigns id, time_unix_us and source, and fills
 * correlation_id / causation_id from the event being handled on this thread
 * when the plugin leaves them zero. */
typedef struct eop_event {
    uint32_t struct_size;
    eop_str_t topic;             /* e.g. "order.order.placed" */
    uint32_t schema_version;     /* version of the topic's payload schema; 0 when publishing = the declared one */
    eop_str_t content_type;      /* "application/json" when empty */
    const uint8_t *payload;      /* payload bytes (UTF-8 JSON by default) */
    size_t payload_len;
    eop_uuid_t id;               /* UUIDv7, unique per event */
    int64_t time_unix_us;        /* UTC, microseconds since 1970-01-01 */
    eop_str_t source;            /* id of the publishing plugin, or "host" */
    eop_uuid_t correlation_id;   /* the first event of this chain */
    eop_uuid_t causation_id;     /* the event that directly caused this one; zero for a root */
} eop_event_t;

/* A fact handler, named in the manifest under "subscribes" and resolved with
 * dlsym at load.
 *   plugin_ctx  what the plugin's init() stored; plugin-owned.
 *   event       borrowed until return.
 *   err         borrowed until return; fill it when returning RETRY or FAIL.
 * Returns EOP_OK, EOP_RETRY (delivered again with backoff) or EOP_FAIL
 * (dead-lettered; the operator can replay it).
 * [mailbox] one call at a time per plugin, in order per source, unless the
 * manifest marks the subscription "parallel": true; then [any-thread] but still
 * in order per source. [may-block] blocks only this plugin's mailbox. */
typedef eop_status_t (EOP_ABI *eop_event_handler_fn)(void *plugin_ctx,
                                                     const eop_event_t *event,
                                                     eop_error_t *err);

/* A command or query handler, named under "answers". Exactly one active
 * plugin answers a topic. Write the reply (JSON) with reply->write().
 *   query  borrowed until return.  reply, err  borrowed until return.
 * [any-thread] the host runs queries on its query workers, concurrently with
 * the plugin's mailbox; protect shared state. [may-block] but the caller's
 * deadline keeps running: a late reply is discarded. */
typedef eop_status_t (EOP_ABI *eop_query_handler_fn)(void *plugin_ctx,
                                                     const eop_event_t *query,
                                                     eop_reply_t *reply,
                                                     eop_error_t *err);

/* A typed handler is a plain C function whose parameters the manifest binds
 * to payload fields, e.g.
 *     int32_t on_stock(const char *sku, int64_t qty);
 * with "signature": {"returns": "status", "params": [
 *     {"field": "sku", "type": "string"}, {"field": "qty", "type": "int64"}]}.
 * The host prepares the call once at load with libffi and checks each field
 * against the topic's schema. Parameter types: "string" (const char *,
 * NUL-terminated, borrowed until return), "int32", "int64", "uint32", "uint64",
 * "double", "bool" (uint8_t 0/1). Return: "status" (eop_status_t) or "void"
 * (treated as EOP_OK). Same thread rule as eop_event_handler_fn. */

#ifdef __cplusplus
}
#endif

#endif /* EOP_EVENTS_H */
