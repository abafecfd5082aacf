/*
 * A C plugin for the inline-first route tests. Each answer names the thread that
 * wrote it, so a test sees whether the event loop or a worker thread answered.
 *   inline_kept   — the inline_handler of GET /pages/{name}: answers "kept" from memory;
 *                   for "scribble" writes a body and then passes (the host must discard it);
 *                   passes every other name with EOP_WOULD_BLOCK.
 *   inline_render — the handler of GET /pages/{name}, on a worker thread.
 *   inline_wrong  — an "inline": true handler that returns EOP_WOULD_BLOCK (a failure).
 */
#define _GNU_SOURCE
#include <eop/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static eop_status_t EOP_ABI on_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    (void)err;
    *ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI on_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI on_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI on_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t),
    { EOP_ABI_VERSION_MAJOR, EOP_ABI_VERSION_MINOR, 0 },
    EOP_STR("inline-first"),
    EOP_STR("1.0.0"),
    on_init, on_activate, on_deactivate, on_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

/* The {name} path parameter as a C string (at most 63 bytes). */
static void page_name(const eop_http_request_t *request, char *name) {
    name[0] = 0;
    if (request->path_param_count == 0) return;
    size_t len = request->path_params[0].value.len < 63 ? request->path_params[0].value.len : 63;
    memcpy(name, request->path_params[0].value.ptr, len);
    name[len] = 0;
}

static eop_status_t answer(eop_http_response_t *response, const char *from, const char *name) {
    char thread[32] = "?";
    pthread_getname_np(pthread_self(), thread, sizeof thread);
    char json[160];
    int len = snprintf(json, sizeof json, "{\"from\":\"%s\",\"name\":\"%s\",\"thread\":\"%s\"}", from, name, thread);
    return response->write(response, (const uint8_t *)json, (size_t)len);
}

EOP_EXPORT eop_status_t inline_kept(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)err;
    char name[64];
    page_name(request, name);
    if (strcmp(name, "kept") == 0) return answer(response, "inline", name);
    if (strcmp(name, "scribble") == 0) {
        response->set_status(response, 418);
        answer(response, "inline", name);
    }
    return EOP_WOULD_BLOCK;
}

EOP_EXPORT eop_status_t inline_render(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)err;
    char name[64];
    page_name(request, name);
    return answer(response, "worker", name);
}

EOP_EXPORT eop_status_t inline_wrong(void *ctx, const eop_http_request_t *request, eop_http_response_t *response, eop_error_t *err) {
    (void)ctx; (void)request; (void)response;
    eop_error_set(err, "passed from a handler that has nothing to pass to");
    return EOP_WOULD_BLOCK;
}
