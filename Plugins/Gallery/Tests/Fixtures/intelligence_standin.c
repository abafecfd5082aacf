/*
 * A stand-in for the Intelligence module, for Gallery's tests only: it answers
 * intelligence.image.generate with the image the test compiled into it (STANDIN_IMAGE,
 * base64), so the test can prove Gallery stores what Intelligence replies.
 * It generates nothing; the real module does not exist yet.
 */
#include <eop/plugin.h>
#include <string.h>

#ifndef STANDIN_IMAGE
#error "compile with -DSTANDIN_IMAGE='\"<base64>\"'"
#endif

static eop_status_t EOP_ABI standin_init(const eop_host_t *host, void **plugin_ctx, eop_error_t *err) {
    (void)err;
    *plugin_ctx = (void *)host;
    return EOP_OK;
}
static eop_status_t EOP_ABI standin_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI standin_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI standin_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    .struct_size = sizeof(eop_plugin_descriptor_t),
    .abi_version = EOP_ABI_VERSION_INIT,
    .id = EOP_STR("intelligence"),
    .version = EOP_STR("0.0.1"),
    .init = standin_init,
    .activate = standin_activate,
    .deactivate = standin_deactivate,
    .destroy = standin_destroy,
};

EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

EOP_EXPORT eop_status_t standin_generate(void *ctx, const eop_event_t *query, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)query; (void)err;
    static const char body[] = "{\"image_base64\":\"" STANDIN_IMAGE "\"}";
    return reply->write(reply, (const uint8_t *)body, sizeof body - 1);
}
