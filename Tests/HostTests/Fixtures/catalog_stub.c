/*
 * catalog_stub — a stand-in for the Catalog module in Storefront tests: answers the query
 * topics Storefront sends (catalog.product.search/get, catalog.category.list,
 * catalog.price.quote) with three fixed products in EUR. Only the filters the tests use
 * are honoured: q (substring of the name), category (slug), limit and after (an index).
 */
#define _GNU_SOURCE /* memmem */
#include <eop/plugin.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unique id per test (-DSTUB_ID=...): module roles are cluster-wide, so tests running
 * side by side must not share one. */
#ifndef STUB_ID
#define STUB_ID "catalog-stub"
#endif

typedef struct { const char *id, *slug, *name, *brand, *category; long price; } product_t;

static const product_t products[] = {
    { "p-blue", "blue-shirt", "Blue Shirt", "Acme", "shirts", 1250 },
    { "p-green", "green-shirt", "Green Shirt", "Acme", "shirts", 1500 },
    { "p-mug", "red-mug", "Red Mug", "Potter", "mugs", 899 },
};
enum { PRODUCT_COUNT = 3 };

static eop_status_t EOP_ABI stub_init(const eop_host_t *host, void **ctx, eop_error_t *err) {
    (void)host; (void)err;
    *ctx = NULL;
    return EOP_OK;
}
static eop_status_t EOP_ABI stub_activate(void *ctx, eop_error_t *err) { (void)ctx; (void)err; return EOP_OK; }
static void EOP_ABI stub_deactivate(void *ctx) { (void)ctx; }
static void EOP_ABI stub_destroy(void *ctx) { (void)ctx; }

static const eop_plugin_descriptor_t descriptor = {
    sizeof(eop_plugin_descriptor_t), EOP_ABI_VERSION_INIT, EOP_STR(STUB_ID), EOP_STR("1.0.0"),
    stub_init, stub_activate, stub_deactivate, stub_destroy,
};
EOP_EXPORT const eop_plugin_descriptor_t *eop_plugin_entry(void) { return &descriptor; }

/* The string value of "name" in a flat JSON object of strings (no escapes), or "". */
static void field(const eop_event_t *q, const char *name, char *out, size_t cap) {
    char payload[2048], key[64];
    size_t n = q->payload_len < sizeof payload - 1 ? q->payload_len : sizeof payload - 1;
    memcpy(payload, q->payload, n);
    payload[n] = '\0';
    out[0] = '\0';
    snprintf(key, sizeof key, "\"%s\":\"", name);
    const char *start = strstr(payload, key);
    if (!start) return;
    start += strlen(key);
    const char *end = strchr(start, '"');
    size_t len = end ? (size_t)(end - start) : 0;
    if (len >= cap) len = cap - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static int contains_ci(const char *hay, const char *needle) {
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (!needle[i]) return 1;
    }
    return !*needle;
}

EOP_EXPORT eop_status_t stub_search(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    char text[128], category[64], limit_text[16], after_text[16], json[4096];
    field(q, "q", text, sizeof text);
    field(q, "category", category, sizeof category);
    field(q, "limit", limit_text, sizeof limit_text);
    field(q, "after", after_text, sizeof after_text);
    int limit = limit_text[0] ? atoi(limit_text) : 20, after = after_text[0] ? atoi(after_text) : 0, shown = 0, index = 0;
    size_t len = (size_t)snprintf(json, sizeof json, "{\"items\":[");
    const char *next = NULL;
    char next_text[16];
    for (int i = 0; i < PRODUCT_COUNT; i++) {
        const product_t *p = &products[i];
        if (!contains_ci(p->name, text) || (category[0] && strcmp(category, p->category) != 0)) continue;
        if (index++ < after) continue;
        if (shown == limit) { snprintf(next_text, sizeof next_text, "%d", index - 1); next = next_text; break; }
        len += (size_t)snprintf(json + len, sizeof json - len,
            "%s{\"id\":\"%s\",\"slug\":\"%s\",\"name\":\"%s\",\"status\":\"active\",\"brand\":\"%s\",\"price_from\":%ld,\"currency\":\"EUR\"}",
            shown ? "," : "", p->id, p->slug, p->name, p->brand, p->price);
        shown++;
    }
    if (next) len += (size_t)snprintf(json + len, sizeof json - len, "],\"next\":\"%s\"}", next);
    else len += (size_t)snprintf(json + len, sizeof json - len, "],\"next\":null}");
    return reply->write(reply, (const uint8_t *)json, len);
}

EOP_EXPORT eop_status_t stub_get(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx;
    char slug[128], json[4096];
    field(q, "slug", slug, sizeof slug);
    for (int i = 0; i < PRODUCT_COUNT; i++) {
        const product_t *p = &products[i];
        if (strcmp(p->slug, slug) != 0) continue;
        int len = snprintf(json, sizeof json,
            "{\"id\":\"%s\",\"slug\":\"%s\",\"name\":\"%s\",\"status\":\"active\",\"description\":\"A fine %s. <b>Cotton</b>.\","
            "\"brand\":{\"id\":\"b1\",\"name\":\"%s\",\"slug\":\"b1\"},\"categories\":[{\"id\":\"c\",\"name\":\"%s\",\"slug\":\"%s\"}],"
            "\"attributes\":{\"material\":\"%s\"},\"option_axes\":[\"size\"],"
            "\"images\":[{\"url\":\"/media/%s-front.jpg\",\"alt\":\"%s front\"},{\"url\":\"/media/%s-back.jpg\",\"alt\":\"%s back\"}],"
            "\"variants\":[{\"id\":\"%s-m\",\"sku\":\"%s-M\",\"options\":{\"size\":\"M\"},\"price\":%ld,\"currency\":\"EUR\"},"
            "{\"id\":\"%s-l\",\"sku\":\"%s-L\",\"options\":{\"size\":\"L\"},\"price\":%ld,\"currency\":\"EUR\"}]}",
            p->id, p->slug, p->name, p->name, p->brand, p->category, p->category, i == 2 ? "ceramic" : "cotton",
            p->slug, p->name, p->slug, p->name, p->id, p->slug, p->price, p->id, p->slug, p->price + 100);
        return reply->write(reply, (const uint8_t *)json, (size_t)len);
    }
    eop_error_set(err, "product not found");
    return EOP_ERR_INVALID;
}

EOP_EXPORT eop_status_t stub_categories(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)q; (void)err;
    static const char json[] = "{\"categories\":[{\"id\":\"c1\",\"name\":\"Shirts\",\"slug\":\"shirts\",\"parent_id\":null,\"children\":[]},"
                               "{\"id\":\"c2\",\"name\":\"Mugs\",\"slug\":\"mugs\",\"parent_id\":null,\"children\":[]}]}";
    return reply->write(reply, (const uint8_t *)json, sizeof json - 1);
}

/* The blue shirt's M variant is on a flash sale at 9.99; every other variant at its base price. */
EOP_EXPORT eop_status_t stub_quote(void *ctx, const eop_event_t *q, eop_reply_t *reply, eop_error_t *err) {
    (void)ctx; (void)err;
    char json[512];
    int on_sale = q->payload_len > 0 && memmem(q->payload, q->payload_len, "p-blue-m", 8) != NULL;
    int len = snprintf(json, sizeof json, "{\"items\":[%s]}",
                       on_sale ? "{\"variant_id\":\"p-blue-m\",\"quantity\":1,\"unit_price\":999,\"currency\":\"EUR\",\"source\":\"flash_sale\"}" : "");
    return reply->write(reply, (const uint8_t *)json, (size_t)len);
}
