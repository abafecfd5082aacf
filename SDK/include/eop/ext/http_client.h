/*
 * eop/ext/http_client.h — outbound HTTP, "eop.http_client.v1".
 *
 *     const eop_http_client_v1_t *http = host->get_extension(host, EOP_EXT_HTTP_CLIENT_V1);
 *
 * Plugins that call a provider's API (payments, SMS, shipping rates) send
 * their requests through the host's HTTP client instead of linking their own:
 * the host keeps one connection pool, TLS configuration and proxy settings for
 * every plugin, applies the timeout, and logs each call as method, host, path
 * and status (never headers or bodies, which carry credentials).
 * Only http:// and https:// URLs are accepted.
 */
#ifndef EOP_EXT_HTTP_CLIENT_H
#define EOP_EXT_HTTP_CLIENT_H

#include "../host.h"
#include "../http.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EOP_EXT_HTTP_CLIENT_V1 "eop.http_client.v1"

/* A request. Everything is borrowed until fetch() returns. */
typedef struct eop_http_client_request {
    uint32_t struct_size;            /* sizeof(eop_http_client_request_t) */
    eop_str_t method;                /* "GET", "POST", ... */
    eop_str_t url;                   /* absolute http:// or https:// URL */
    const eop_http_pair_t *headers;  /* may be NULL when header_count is 0 */
    size_t header_count;
    const uint8_t *body;             /* may be NULL when body_len is 0 */
    size_t body_len;
    uint32_t timeout_ms;             /* 0 = the host's default (30 s) */
} eop_http_client_request_t;

/* The answer, filled by the host. Release both buffers with buffer_release(). */
typedef struct eop_http_client_response {
    uint32_t struct_size;            /* set by the caller: sizeof(eop_http_client_response_t) */
    uint16_t status;                 /* the HTTP status code */
    eop_buffer_t headers;            /* "name: value\n" lines, names in lower case */
    eop_buffer_t body;               /* at most 16 MiB */
} eop_http_client_response_t;

typedef struct eop_http_client_v1 {
    uint32_t struct_size;

    /* --- since ABI 1.1 --- */

    /* Send one request and wait for the whole answer. Any HTTP status is
     * EOP_OK (read response->status); EOP_ERR_INVALID for a bad method or URL,
     * EOP_ERR_TIMEOUT past the timeout, EOP_ERR_UNAVAILABLE when the server
     * cannot be reached or the body is too large, each with `err` naming the
     * host (never a credential). [any-thread] [may-block] up to timeout_ms. */
    eop_status_t (EOP_ABI *fetch)(const eop_host_t *host, const eop_http_client_request_t *request,
                                  eop_http_client_response_t *response, eop_error_t *err);
} eop_http_client_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* EOP_EXT_HTTP_CLIENT_H */
