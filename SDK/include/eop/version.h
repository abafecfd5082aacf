/*
 * eop/version.h — the ABI version of this header and the check every host runs.
 *
 * Rules (see SDK/docs/abi-rules.md):
 *  - A plugin compiled against ABI major M runs only on a host of major M.
 *  - A host of minor N serves plugins of every minor <= N (structs carry their
 *    size, so the host reads only the fields the plugin knows).
 *  - A plugin built against a newer minor than the host is refused: it may
 *    call slots the host does not have.
 */
#ifndef EOP_VERSION_H
#define EOP_VERSION_H

#include <stdint.h>

#define EOP_ABI_VERSION_MAJOR 1u
#define EOP_ABI_VERSION_MINOR 1u
#define EOP_ABI_VERSION_PATCH 0u

#ifdef __cplusplus
extern "C" {
#endif

/* Calling convention of every function that crosses the boundary. */
#if defined(_WIN32)
#  define EOP_ABI __cdecl
#else
#  define EOP_ABI
#endif

/* Mark the one symbol a plugin exports. */
#if defined(_WIN32)
#  define EOP_EXPORT __declspec(dllexport)
#else
#  define EOP_EXPORT __attribute__((visibility("default")))
#endif

typedef struct eop_version {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
} eop_version_t;

#define EOP_ABI_VERSION_INIT { EOP_ABI_VERSION_MAJOR, EOP_ABI_VERSION_MINOR, EOP_ABI_VERSION_PATCH }

/* 1 when a host of version `host` can load a plugin built against `plugin`. */
static inline int eop_version_is_compatible(eop_version_t host, eop_version_t plugin) {
    return host.major == plugin.major && plugin.minor <= host.minor;
}

#ifdef __cplusplus
}
#endif

#endif /* EOP_VERSION_H */
