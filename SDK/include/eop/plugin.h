/*
 * eop/plugin.h — what a plugin exports. Include this one header.
 *
 * A plugin is a shared library that exports exactly one symbol the host looks
 * for, `eop_plugin_entry`, returning a pointer to a constant descriptor. Event
 * and query handlers are further exported C functions named in the plugin's
 * manifest; the host finds them with dlsym when it loads the library.
 *
 *     EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void);
 *
 * Lifecycle, driven by the host, each call on the host's control thread:
 *     dlopen -> eop_plugin_entry() -> ABI check -> license check
 *     -> init() -> activate() ... deactivate() -> destroy()
 * A hot swap (ABI 1.1) runs, on the new instance: init() -> state_import() ->
 * activate(); on the old one: state_export() before, deactivate() -> destroy() after.
 * A plugin that fails init() or activate() is marked failed with the message
 * it wrote into `err`; the host keeps running.
 */
#ifndef EOP_PLUGIN_H
#define EOP_PLUGIN_H

#include "host.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eop_plugin_descriptor {
    uint32_t struct_size;        /* sizeof(eop_plugin_descriptor_t) as compiled */
    eop_version_t abi_version;   /* EOP_ABI_VERSION_INIT */
    eop_str_t id;                /* must equal the manifest's id, e.g. "catalog" */
    eop_str_t version;           /* semantic version, must equal the manifest's */

    /* --- since ABI 1.0 --- */

    /* Create the plugin's state. Keep `host`: it is host-owned until destroy().
     * Store your state in *plugin_ctx; every later call receives it.
     * No events are delivered before activate() returns EOP_OK.
     * [control] [may-block] */
    eop_status_t (EOP_ABI *init)(const eop_host_t *host, void **plugin_ctx, eop_error_t *err);

    /* Start serving: the dispatch table routes events to this plugin once this
     * returns EOP_OK. May publish and request. [control] [may-block] */
    eop_status_t (EOP_ABI *activate)(void *plugin_ctx, eop_error_t *err);

    /* Stop serving. The host has already stopped delivering and waited for the
     * handler in flight. [control] [may-block] */
    void (EOP_ABI *deactivate)(void *plugin_ctx);

    /* Free everything init() created. `host` is invalid after this returns.
     * [control] */
    void (EOP_ABI *destroy)(void *plugin_ctx);

    /* --- since ABI 1.1: hot swap (both optional: NULL = no state to carry) --- */

    /* Old instance, during a swap: write your state as bytes into `out` (one or
     * more out->write() calls) and set *format to the number of the layout you
     * wrote (your own numbering; start at 1). The host has paused your deliveries
     * and waited for the handler in flight: nothing else runs in the plugin now.
     * Keep it quick: deliveries wait meanwhile. Return EOP_FAIL with a message to
     * refuse; the swap then rolls back and this instance serves on.
     * [control] [may-block] */
    eop_status_t (EOP_ABI *state_export)(void *plugin_ctx, uint32_t *format, eop_reply_t *out, eop_error_t *err);

    /* New instance, during a swap: after init(), before activate(). `data` holds
     * what the old instance's state_export wrote in layout `format`; `from_version`
     * is the old plugin's version. Accept every layout you know (migrate older ones);
     * refuse an unknown one with EOP_FAIL and a message: the swap rolls back, the
     * old instance serves on, and this one is destroyed. Called only when the old
     * instance exported state. data: borrowed until return. [control] [may-block] */
    eop_status_t (EOP_ABI *state_import)(void *plugin_ctx, eop_str_t from_version, uint32_t format,
                                         const uint8_t *data, size_t len, eop_error_t *err);
} eop_plugin_descriptor_t;

/* The one entry symbol. Cheap: no allocation, no host calls. [control] */
typedef const eop_plugin_descriptor_t *(EOP_ABI *eop_plugin_entry_fn)(void);

#define EOP_PLUGIN_ENTRY_SYMBOL "eop_plugin_entry"

/* 1 when the descriptor is large enough to contain `field`. */
#define EOP_DESCRIPTOR_HAS(desc, field) \
    ((desc)->struct_size >= offsetof(eop_plugin_descriptor_t, field) + sizeof((desc)->field))

#ifdef __cplusplus
}
#endif

#endif /* EOP_PLUGIN_H */
