// libvips's C API (Debian libvips-dev), as the system module CVips. Gallery makes
// thumbnails and resized variants with it; its tests read the results back.
//
// Rationale for the wrappers: libvips's operations take their optional arguments as a
// NULL-terminated variadic list, which Swift cannot call; each wrapper fixes one call.
#ifndef EOP_CVIPS_SHIM_H
#define EOP_CVIPS_SHIM_H
#include <vips/vips.h>

/// Starts libvips once per process (vips_init is idempotent); 0 on success.
static inline int eop_vips_start(void) {
    if (vips_init("eop-gallery") != 0) return -1;
    // Every upload is decoded once: libvips's operation cache would only hold memory.
    vips_cache_set_max(0);
    return 0;
}

/// Decodes an image from memory (any format libvips reads); NULL with vips_error_buffer() set.
/// "access=sequential" is not used: the header alone is read until pixels are needed.
static inline VipsImage *eop_vips_load(const void *bytes, size_t len) {
    return vips_image_new_from_buffer(bytes, len, "", NULL);
}

/// Decodes every pixel of an image (a truncated or corrupt file fails here, not later).
static inline int eop_vips_check_pixels(VipsImage *image, double *average) {
    return vips_avg(image, average, NULL);
}

/// Shrinks an encoded image to fit inside width x height (never enlarges), honouring EXIF
/// orientation; 0 on success with *out owned by the caller (g_object_unref).
static inline int eop_vips_thumbnail(const void *bytes, size_t len, int width, int height, VipsImage **out) {
    return vips_thumbnail_buffer((void *)bytes, len, out, width, "height", height, "size", VIPS_SIZE_DOWN, NULL);
}

/// Encodes an image; the format and options come from the suffix (".jpg[Q=82,strip]",
/// ".png"). 0 on success with *bytes owned by the caller (g_free).
static inline int eop_vips_save(VipsImage *image, const char *suffix, void **bytes, size_t *len) {
    return vips_image_write_to_buffer(image, suffix, bytes, len, NULL);
}

/// A black image of the given size and bands (tests draw their fixtures from it).
static inline int eop_vips_black(int width, int height, int bands, VipsImage **out) {
    return vips_black(out, width, height, "bands", bands, NULL);
}

/// Adds a constant to every pixel (so fixtures are not all black) and casts back to uchar.
static inline int eop_vips_brighten(VipsImage *in, double amount, VipsImage **out) {
    VipsImage *sum = NULL;
    if (vips_linear1(in, &sum, 1.0, amount, NULL) != 0) return -1;
    int status = vips_cast_uchar(sum, out, NULL);
    g_object_unref(sum);
    return status;
}

/// Releases an image.
static inline void eop_vips_release(VipsImage *image) { g_object_unref(image); }

/// The last error text, then cleared (libvips keeps one buffer per process).
static inline const char *eop_vips_error(void) { return vips_error_buffer(); }
static inline void eop_vips_error_clear(void) { vips_error_clear(); }
#endif
