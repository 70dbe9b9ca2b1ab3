/* XXH64, written from the public xxHash specification (doc/xxhash_spec.md).
 * Checked against the `xxhash` package in tests/test_backends.py. */
#include <string.h>

#include "wm_internal.h"

static inline uint64_t read64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t read32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t merge64(uint64_t acc, uint64_t val) {
    acc ^= wm_round(0, val);
    return acc * WM_P1 + WM_P4;
}

WM_EXPORT uint64_t wm_xxh64(const void *data, size_t len, uint64_t seed) {
    const uint8_t *p = (const uint8_t *)data;
    const uint8_t *end = p + len;
    uint64_t h;

    if (len >= 32) {
        const uint8_t *limit = end - 32;
        uint64_t v1 = seed + WM_P1 + WM_P2;
        uint64_t v2 = seed + WM_P2;
        uint64_t v3 = seed;
        uint64_t v4 = seed - WM_P1;
        do {
            v1 = wm_round(v1, read64(p));
            v2 = wm_round(v2, read64(p + 8));
            v3 = wm_round(v3, read64(p + 16));
            v4 = wm_round(v4, read64(p + 24));
            p += 32;
        } while (p <= limit);
        h = wm_rotl(v1, 1) + wm_rotl(v2, 7) + wm_rotl(v3, 12) + wm_rotl(v4, 18);
        h = merge64(h, v1);
        h = merge64(h, v2);
        h = merge64(h, v3);
        h = merge64(h, v4);
    } else {
        h = seed + WM_P5;
    }
    h += (uint64_t)len;

    while (p + 8 <= end) {
        h ^= wm_round(0, read64(p));
        h = wm_rotl(h, 27) * WM_P1 + WM_P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t)read32(p) * WM_P1;
        h = wm_rotl(h, 23) * WM_P2 + WM_P3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)(*p) * WM_P5;
        h = wm_rotl(h, 11) * WM_P1;
        p++;
    }
    return wm_avalanche(h);
}
