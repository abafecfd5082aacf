/*
 * eop/http.h — HTTP routes answered by a plugin.
 *
 * A plugin declares routes in its manifest ("routes": method, path pattern with
 * {params}, handler symbol, auth). The host's gateway matches a request, checks
 * authentication and permission, limits and checks the body, and calls the
 * handler with a plain request struct; the handler fills a host-owned response.
 * JSON APIs live under /api/<plugin id>/…; the storefront's pages under /.
 */
#ifndef EOP_HTTP_H
#define EOP_HTTP_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A name and a value (a header, a path parameter, a query parameter).
 * Header names are lower case. borrowed until return. */
typedef struct eop_http_pair {
    eop_str_t name;
    eop_str_t value;
} eop_http_pair_t;

/* Who is calling, as authenticated by the host. Plugins never see passwords,
 * session cookies or tokens. borrowed until return. */
typedef int32_t eop_principal_kind_t;
#define EOP_PRINCIPAL_ANONYMOUS 0
#define EOP_PRINCIPAL_STAFF     1
#define EOP_PRINCIPAL_CUSTOMER  2
#define EOP_PRINCIPAL_GUEST     3

typedef struct eop_principal {
    uint32_t struct_size;
    eop_principal_kind_t kind;
    eop_str_t id;                        /* staff or customer id; guest session id */
    const eop_str_t *permissions;        /* staff permissions, e.g. "catalog.product.write" */
    size_t permission_count;
} eop_principal_t;

/* A request. Every pointer is borrowed until the handler returns. */
typedef struct eop_http_request {
    uint32_t struct_size;
    eop_str_t method;                    /* "GET", "POST", … */
    eop_str_t path;                      /* the path without the query */
    const eop_http_pair_t *path_params;  /* from {name} segments of the route */
    size_t path_param_count;
    const eop_http_pair_t *query;        /* decoded query parameters, in order */
    size_t query_count;
    const eop_http_pair_t *headers;
    size_t header_count;
    const uint8_t *body;                 /* at most the route's body limit */
    size_t body_len;
    const eop_principal_t *principal;    /* kind EOP_PRINCIPAL_ANONYMOUS when nobody signed in */
    eop_str_t request_id;                /* also in the host's log line for this request */
} eop_http_request_t;

/* The response, host-owned; the handler fills it. Status defaults to 200 and
 * Content-Type to application/json. Each call copies its arguments.
 * [any-thread]: call only from the handler that received it. */
typedef struct eop_http_response {
    uint32_t struct_size;
    void *host_data;                     /* opaque */
    void (EOP_ABI *set_status)(struct eop_http_response *response, uint16_t status);
    eop_status_t (EOP_ABI *add_header)(struct eop_http_response *response, eop_str_t name, eop_str_t value);
    eop_status_t (EOP_ABI *write)(struct eop_http_response *response, const uint8_t *data, size_t len);
} eop_http_response_t;

/* A route handler, named in the manifest under "routes" and resolved with dlsym.
 * Return EOP_OK with the response filled. Any other status makes the host answer
 * 500 with a problem+json body carrying the request id (the message in `err` is
 * logged, not sent). [any-thread] [may-block]: the host calls route handlers on
 * worker threads, concurrently, unless the route says "inline": true — then the
 * handler must not block.
 *
 * Since 1.1 a route may also name an "inline_handler" (same signature): the host
 * calls it first, on the server's request thread, where it must not block. It answers
 * from memory (a kept page, a fixed body) with EOP_OK, or returns EOP_WOULD_BLOCK
 * (anything it wrote is discarded) and the host calls "handler" on a worker thread.
 * A hit so costs no thread hand-off; a miss costs one extra call. */
typedef eop_status_t (EOP_ABI *eop_route_handler_fn)(void *plugin_ctx,
                                                     const eop_http_request_t *request,
                                                     eop_http_response_t *response,
                                                     eop_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* EOP_HTTP_H */
