/*
 * eop/host.h — the table of host functions a plugin receives at init.
 *
 * APPEND-ONLY. Never reorder, retype or remove a slot: a changed function
 * becomes a new slot (`publish_v2`) or a new extension id. Each slot says the
 * ABI minor that added it; read a slot only when
 *     host->struct_size >= offsetof(eop_host_t, slot) + sizeof(host->slot)
 * (EOP_HOST_HAS(host, slot) does that for you).
 *
 * Every function takes the `host` pointer the plugin was given: it tells the
 * host which plugin is calling, so permissions and logs name it.
 */
#ifndef EOP_HOST_H
#define EOP_HOST_H

#include "events.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t eop_log_level_t;
#define EOP_LOG_TRACE    0
#define EOP_LOG_DEBUG    1
#define EOP_LOG_INFO     2
#define EOP_LOG_NOTICE   3
#define EOP_LOG_WARNING  4
#define EOP_LOG_ERROR    5

/* A timer callback. [mailbox] runs on the plugin's mailbox, never
 * concurrently with its event handlers. */
typedef void (EOP_ABI *eop_timer_fn)(void *plugin_ctx, uint64_t timer_id);

typedef struct eop_host eop_host_t;

struct eop_host {
    uint32_t struct_size;
    eop_version_t abi_version;   /* the host's ABI version */
    void *host_data;             /* opaque; host-owned until destroy */

    /* --- since ABI 1.0 --- */

    /* Look up an optional capability by id, e.g. "eop.sql.v1".
     * Returns a pointer to that extension's table, or NULL when the host lacks
     * it. id: NUL-terminated, borrowed until return. The table is host-owned
     * until the plugin's destroy(). [any-thread] */
    const void *(EOP_ABI *get_extension)(const eop_host_t *host, const char *id);

    /* Write a line to the host's log, tagged with the plugin's id.
     * message: borrowed until return. [any-thread] */
    void (EOP_ABI *log)(const eop_host_t *host, eop_log_level_t level, eop_str_t message);

    /* Publish a fact. The topic must be listed under "publishes" in the
     * manifest (else EOP_ERR_DENIED) and the payload must match the topic's
     * schema (else EOP_ERR_INVALID naming the field). The host copies the
     * event; delivery happens later on each subscriber's mailbox.
     * event: borrowed until return; the host fills id/time/source itself.
     * out_id: optional, receives the assigned event id.
     * [any-thread] [may-block] briefly, while the event is recorded. */
    eop_status_t (EOP_ABI *publish)(const eop_host_t *host, const eop_event_t *event,
                                    eop_uuid_t *out_id, eop_error_t *err);

    /* Send a command or query to the one plugin that answers its topic and
     * wait for the reply, at most timeout_ms.
     * query: borrowed until return. reply: filled by the host; caller releases
     * with buffer_release(). Returns the owner's status, EOP_ERR_NOT_FOUND when
     * no active plugin answers, EOP_ERR_TIMEOUT past the deadline.
     * [any-thread] [may-block] up to timeout_ms. Do not call it for a query
     * your own plugin answers from inside a handler that holds your locks. */
    eop_status_t (EOP_ABI *request)(const eop_host_t *host, const eop_event_t *query,
                                    uint32_t timeout_ms, eop_buffer_t *reply, eop_error_t *err);

    /* Read one of this plugin's settings as JSON (the manifest's "settings"
     * schema gives its type; the default applies when unset).
     * key: borrowed until return. out: caller releases with buffer_release().
     * EOP_ERR_NOT_FOUND when the manifest declares no such key. [any-thread] */
    eop_status_t (EOP_ABI *setting_get)(const eop_host_t *host, eop_str_t key,
                                        eop_buffer_t *out, eop_error_t *err);

    /* Format an amount of money given in minor units (cents, paisa) of an
     * ISO 4217 currency, e.g. (12345600, "BDT") -> "৳1,23,456.00".
     * currency: 3 letters, borrowed until return. out: UTF-8, caller releases
     * with buffer_release(). EOP_ERR_NOT_FOUND for an unknown currency. [any-thread] */
    eop_status_t (EOP_ABI *format_money)(const eop_host_t *host, int64_t minor_units,
                                         eop_str_t currency, eop_buffer_t *out, eop_error_t *err);

    /* Start a timer that calls `fn` after `delay_ms`, then every `interval_ms`
     * when interval_ms > 0. out_timer_id receives its id. [any-thread] */
    eop_status_t (EOP_ABI *timer_start)(const eop_host_t *host, uint32_t delay_ms,
                                        uint32_t interval_ms, eop_timer_fn fn,
                                        uint64_t *out_timer_id, eop_error_t *err);

    /* Cancel a timer; a callback already running finishes. [any-thread] */
    eop_status_t (EOP_ABI *timer_cancel)(const eop_host_t *host, uint64_t timer_id);

    /* Release a buffer the host handed out. NULL-safe. [any-thread] */
    void (EOP_ABI *buffer_release)(const eop_host_t *host, eop_buffer_t *buffer);

    /* A new UUIDv7 (time-ordered). [any-thread] */
    eop_uuid_t (EOP_ABI *new_id)(const eop_host_t *host);

    /* The host's clock: UTC microseconds since 1970-01-01. [any-thread] */
    int64_t (EOP_ABI *now_unix_us)(const eop_host_t *host);
};

/* 1 when the host's table is large enough to contain `slot`. */
#define EOP_HOST_HAS(host, slot) \
    ((host)->struct_size >= offsetof(eop_host_t, slot) + sizeof((host)->slot) && (host)->slot != NULL)

#ifdef __cplusplus
}
#endif

#endif /* EOP_HOST_H */
