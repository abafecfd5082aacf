/*
 * eop/ext/hook.h — hooks, "eop.hook.v1".
 *
 *     const eop_hook_v1_t *hooks = host->get_extension(host, EOP_EXT_HOOK_V1);
 *
 * A hook is a topic that many plugins take part in, called synchronously: the
 * caller waits while the host calls every handler in turn and collects their
 * replies (e.g. Cart's "cart.adjustments.collect", to which coupons, loyalty,
 * wallet and gift cards each contribute). Any handler may veto. Use hooks
 * sparingly: the caller waits for all of them.
 *
 * Taking part: list the topic under "hooks" in the manifest, with the
 * exported handler and an "order" (lower runs first, default 100; ties run
 * in plugin-id order):
 *
 *     "hooks": [{"topic": "cart.adjustments.collect", "handler": "gift_adjust", "order": 400}]
 *
 * The handler has the query handler's shape (eop_query_handler_fn, plugin.h):
 * it writes a JSON reply and returns EOP_OK; EOP_ERR_DENIED vetoes (the
 * message is the reason); any other status also stops the chain.
 *
 * Invoking: list the topic under "requests" and call invoke().
 */
#ifndef EOP_EXT_HOOK_H
#define EOP_EXT_HOOK_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EOP_EXT_HOOK_V1 "eop.hook.v1"

typedef struct eop_hook_v1 {
    uint32_t struct_size;

    /* --- since ABI 1.1 --- */

    /* Call every handler of the hook topic `event->topic`, in order, with the
     * event's payload (checked against the topic's schema first), waiting at
     * most timeout_ms for all of them together.
     * replies: filled by the host with the JSON text
     *     {"replies": [{"plugin": "<id>", "reply": <the handler's JSON>}, ...]}
     * in call order (an empty list when no plugin takes part); the caller
     * releases it with buffer_release().
     * Returns EOP_OK when every handler answered OK; else the status of the
     * first that did not (EOP_ERR_DENIED for a veto) with `err` naming that
     * plugin and its reason, EOP_ERR_DENIED when the topic is not under the
     * caller's "requests", EOP_ERR_INVALID for a payload the schema refuses,
     * EOP_ERR_TIMEOUT past the deadline.
     * event: borrowed until return. [any-thread] [may-block] up to timeout_ms.
     * Do not invoke a hook your own plugin takes part in while holding locks
     * its handler needs. */
    eop_status_t (EOP_ABI *invoke)(const eop_host_t *host, const eop_event_t *event, uint32_t timeout_ms,
                                   eop_buffer_t *replies, eop_error_t *err);
} eop_hook_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* EOP_EXT_HOOK_H */
