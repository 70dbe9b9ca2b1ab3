/* Colluders against the linear code: which sets of registered recipients'
 * vectors XOR to a decoded phantom vector (meet in the middle).
 *
 * A table of every pair's XOR, then one lookup per (size - 2)-subset: N^2/2
 * entries and C(N, size - 2) lookups. The reference is
 * watermark/backend/reference/scoring.py:xor_sets; the tests hold the two to
 * the same sets. */
#include <stdlib.h>
#include <string.h>

#include "wm_internal.h"

typedef struct {
    const uint64_t *v;
    size_t words;
    const uint32_t *slot;  /* pair index + 1, 0 = empty */
    const uint32_t *pd, *pe;
    size_t mask;
} pairs_t;

static inline size_t slot_of(uint64_t lo, size_t mask) {
    return (size_t)((lo * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
}

static int same_xor(const pairs_t *t, uint32_t d, uint32_t e, const uint64_t *want) {
    for (size_t w = 0; w < t->words; w++)
        if ((t->v[d * t->words + w] ^ t->v[e * t->words + w]) != want[w]) return 0;
    return 1;
}

/* Every pair d < e above `floor` (any pair when floor < 0) whose XOR is goal. */
static void probe(const pairs_t *t, const uint64_t *goal, long floor, const uint32_t *prefix, size_t q,
                  uint32_t *out, size_t cap, size_t *found) {
    for (size_t s = slot_of(goal[0], t->mask); t->slot[s]; s = (s + 1) & t->mask) {
        uint32_t p = t->slot[s] - 1, d = t->pd[p], e = t->pe[p];
        if ((long)d <= floor || !same_xor(t, d, e, goal)) continue;
        if (*found < cap) {
            uint32_t *o = out + *found * (q + 2);
            memcpy(o, prefix, q * sizeof *prefix);
            o[q] = d, o[q + 1] = e;
        }
        (*found)++;
    }
}

static inline size_t filter_bit(uint64_t lo, unsigned shift) {
    return (size_t)((lo * 0xC2B2AE3D27D4EB4FULL) >> shift);
}

WM_EXPORT int wm_xor_sets(const uint64_t *vectors, size_t words, size_t m, const uint64_t *target,
                          size_t size, uint32_t *out, size_t cap, size_t *found) {
    *found = 0;
    if (words < 1 || words > WM_LINEAR_WORDS || size < 2 || size > WM_XOR_MAX_SIZE || m > WM_XOR_MAX_VECTORS)
        return WM_EINVAL;
    if (m < size) return WM_OK;
    size_t n_pairs = m * (m - 1) / 2, n_slots = 1;
    while (n_slots < 2 * n_pairs) n_slots <<= 1;
    /* a filter of 16 bits per pair (in L2 for a few thousand vectors): most
     * lookups find nothing and stop there */
    unsigned log_bits = 6;
    while (((size_t)1 << log_bits) < 16 * n_pairs) log_bits++;
    uint32_t *slot = calloc(n_slots, sizeof *slot);
    uint32_t *pd = malloc(n_pairs * sizeof *pd), *pe = malloc(n_pairs * sizeof *pe);
    uint64_t *filter = calloc(((size_t)1 << log_bits) / 64, sizeof *filter);
    if (!slot || !pd || !pe || !filter) {
        free(slot); free(pd); free(pe); free(filter);
        return WM_ENOMEM;
    }
    unsigned shift = 64 - log_bits;
    pairs_t t = {vectors, words, slot, pd, pe, n_slots - 1};
    size_t k = 0;
    for (uint32_t d = 0; d < m; d++)
        for (uint32_t e = d + 1; e < m; e++, k++) {
            pd[k] = d, pe[k] = e;
            uint64_t lo = vectors[d * words] ^ vectors[e * words];
            size_t b = filter_bit(lo, shift);
            filter[b >> 6] |= 1ULL << (b & 63);
            size_t s = slot_of(lo, t.mask);
            while (slot[s]) s = (s + 1) & t.mask;
            slot[s] = (uint32_t)(k + 1);
        }
    size_t q = size - 2;  /* indexes before the pair */
    uint32_t a[WM_XOR_MAX_SIZE] = {0};
    if (q == 0) {
        probe(&t, target, -1, a, 0, out, cap, found);
    } else {
        /* a[0] < ... < a[q-2] enumerated, a[q-1] in the inner loop, then the pairs above it */
        uint64_t want[WM_LINEAR_WORDS], goal[WM_LINEAR_WORDS];
        for (size_t j = 0; j + 1 < q; j++) a[j] = (uint32_t)j;
        for (;;) {
            memcpy(want, target, words * sizeof *target);
            for (size_t j = 0; j + 1 < q; j++)
                for (size_t w = 0; w < words; w++) want[w] ^= vectors[a[j] * words + w];
            uint32_t start = q > 1 ? a[q - 2] + 1 : 0;
            for (uint32_t c = start; c + 2 < m; c++) {
                uint64_t lo = want[0] ^ vectors[c * words];
                size_t b = filter_bit(lo, shift);
                if (!(filter[b >> 6] >> (b & 63) & 1)) continue;
                for (size_t w = 0; w < words; w++) goal[w] = want[w] ^ vectors[c * words + w];
                a[q - 1] = c;
                probe(&t, goal, (long)c, a, q, out, cap, found);
            }
            /* the next prefix a[0..q-2] in lexicographic order (position i at most m - 2 - q + i) */
            size_t j = q - 1;
            while (j > 0 && a[j - 1] >= m - 3 - (q - j)) j--;
            if (j == 0) break;
            a[j - 1]++;
            for (size_t i = j; i + 1 < q; i++) a[i] = a[i - 1] + 1;
        }
    }
    free(slot); free(pd); free(pe); free(filter);
    return WM_OK;
}
