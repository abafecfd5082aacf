/*
 * eop/types.h — the plain C values that cross the boundary.
 *
 * Ownership words used on every pointer in these headers:
 *   borrowed until return   valid only during the call that handed it over
 *   host-owned until X      the host frees it; the plugin must not
 *   caller releases         whoever received it calls the named release function
 * Strings are UTF-8 with an explicit length (eop_str_t); they are NOT
 * NUL-terminated unless a comment says so.
 */
#ifndef EOP_TYPES_H
#define EOP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Result of every call that can fail. Handlers return OK, RETRY or FAIL; the
 * host's own functions may also return one of the EOP_ERR_* codes. */
typedef int32_t eop_status_t;
#define EOP_OK                 0   /* done */
#define EOP_RETRY              1   /* transient failure: deliver again later, with backoff */
#define EOP_FAIL               2   /* permanent failure: dead-letter the event */
#define EOP_WOULD_BLOCK        3   /* since 1.1: a route's inline_handler cannot answer without blocking; the host calls the route's handler on a worker thread */
#define EOP_ERR_INVALID       -1   /* a bad argument (the message names it) */
#define EOP_ERR_DENIED        -2   /* the manifest does not permit this (e.g. undeclared topic) */
#define EOP_ERR_NOT_FOUND     -3   /* no such topic owner, setting, timer or currency */
#define EOP_ERR_TIMEOUT       -4   /* a deadline passed */
#define EOP_ERR_UNAVAILABLE   -5   /* the host is stopping or the target is not active */
#define EOP_ERR_INTERNAL      -6   /* a host fault; the message says which */
#define EOP_ERR_CONFLICT      -7   /* since 1.1: the state changed under the caller (e.g. prices changed since shown); the message says what changed */

/* A UTF-8 string with its length in bytes. */
typedef struct eop_str {
    const char *ptr;
    size_t len;
} eop_str_t;

/* A string literal as an eop_str_t, usable in static initialisers. */
#define EOP_STR(literal) { (literal), sizeof(literal) - 1 }

static inline eop_str_t eop_str_from_cstr(const char *s) {
    eop_str_t out = { s, s ? strlen(s) : 0 };
    return out;
}

/* A 128-bit id in RFC 9562 byte order (UUIDv7 for events). All zero = absent. */
typedef struct eop_uuid {
    uint8_t bytes[16];
} eop_uuid_t;

/* Bytes the host allocated and hands to the plugin.
 * caller releases: with eop_host_t.buffer_release(). */
typedef struct eop_buffer {
    uint32_t struct_size;
    uint8_t *data;
    size_t len;
} eop_buffer_t;

/* A message the plugin writes for the operator. The host owns `message`
 * (capacity bytes); the plugin copies into it, e.g. with eop_error_set().
 * borrowed until return. */
typedef struct eop_error {
    uint32_t struct_size;
    int32_t code;          /* optional plugin-specific code, 0 if none; shown after the message */
    char *message;         /* host-owned buffer */
    size_t capacity;       /* bytes available in message */
    size_t len;            /* bytes written, <= capacity */
} eop_error_t;

/* Copy a NUL-terminated message into an error, truncating to its capacity. */
static inline void eop_error_set(eop_error_t *err, const char *message) {
    if (!err || !err->message || !message) return;
    size_t n = strlen(message);
    if (n > err->capacity) n = err->capacity;
    memcpy(err->message, message, n);
    err->len = n;
}

/* A sink the host owns, into which the plugin writes a reply.
 * write() copies the bytes; it may be called several times to append.
 * borrowed until return of the handler that received it. */
typedef struct eop_reply {
    uint32_t struct_size;
    void *host_data;                                          /* opaque */
    /* Copy `len` bytes to the end of the reply. [any-thread]: call it from the query handler that received it. */
    eop_status_t (EOP_ABI *write)(struct eop_reply *reply, const uint8_t *data, size_t len);
} eop_reply_t;

#ifdef __cplusplus
}
#endif

#endif /* EOP_TYPES_H */
