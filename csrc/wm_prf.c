/* SipHash-2-4 (Aumasson & Bernstein, 2012): the keyed PRF behind carrier
 * identities, carrier selection and every recipient's bits. Keys are the
 * 128-bit sub-keys derived in watermark/core/keys.py; the tests hold this code
 * to the paper's test vectors and to the Python reference. */
#include <string.h>

#include "wm_internal.h"

#define SIPROUND                                   \
    do {                                           \
        v0 += v1; v1 = wm_rotl(v1, 13); v1 ^= v0;  \
        v0 = wm_rotl(v0, 32);                      \
        v2 += v3; v3 = wm_rotl(v3, 16); v3 ^= v2;  \
        v0 += v3; v3 = wm_rotl(v3, 21); v3 ^= v0;  \
        v2 += v1; v1 = wm_rotl(v1, 17); v1 ^= v2;  \
        v2 = wm_rotl(v2, 32);                      \
    } while (0)

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian hosts; wm_internal.h checks */
    return v;
}

WM_EXPORT uint64_t wm_siphash(const uint8_t *key, const void *data, size_t len) {
    const uint8_t *in = (const uint8_t *)data;
    uint64_t k0 = load64(key), k1 = load64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++) b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

WM_EXPORT void wm_siphash_words(const uint8_t *key, const uint64_t *words, size_t stride,
                                size_t n, uint64_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = wm_siphash(key, words + i * stride, stride * 8);
}
