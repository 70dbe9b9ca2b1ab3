/* Internal declarations shared by the wm_*.c files (not part of the
 * Python contract, which is watermark.h alone). */
#ifndef WM_INTERNAL_H
#define WM_INTERNAL_H

#include "watermark.h"

#define WM_EXPORT __attribute__((visibility("default")))

/* Words are read from bytes with memcpy: the hashes are defined on
 * little-endian byte order, and this core assumes a little-endian host. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "watermark's C core needs a little-endian host"
#endif

/* The sequence hash: XXH64's 8-byte step folded over 64-bit words as they
 * come, the word count added at the end, then XXH64's avalanche. Used for
 * everything built from hashes (Merkle items, units, the syntax digest),
 * so nothing has to be buffered. Reference:
 * watermark/backend/reference/hashes.py:SeqHash. */
#define WM_P1 0x9E3779B185EBCA87ULL
#define WM_P2 0xC2B2AE3D27D4EB4FULL
#define WM_P3 0x165667B19E3779F9ULL
#define WM_P4 0x85EBCA77C2B2AE63ULL
#define WM_P5 0x27D4EB2F165667C5ULL

typedef struct wm_seq {
    uint64_t acc;
    uint64_t n;
} wm_seq;

static inline uint64_t wm_rotl(uint64_t x, unsigned r) {
    return (x << r) | (x >> (64u - r));
}

/* XXH64's round: a bijection in `lane` for a fixed `acc`. */
static inline uint64_t wm_round(uint64_t acc, uint64_t lane) {
    return wm_rotl(acc + lane * WM_P2, 31) * WM_P1;
}

static inline void wm_seq_init(wm_seq *s, uint64_t seed) {
    s->acc = seed + WM_P5;
    s->n = 0;
}

static inline void wm_seq_add(wm_seq *s, uint64_t word) {
    s->acc ^= wm_round(0, word);
    s->acc = wm_rotl(s->acc, 27) * WM_P1 + WM_P4;
    s->n++;
}

/* XXH64's final mix. */
static inline uint64_t wm_avalanche(uint64_t h) {
    h ^= h >> 33;
    h *= WM_P2;
    h ^= h >> 29;
    h *= WM_P3;
    h ^= h >> 32;
    return h;
}

static inline uint64_t wm_seq_final(const wm_seq *s) {
    return wm_avalanche(s->acc + s->n * 8);
}

/* A growable byte buffer. */
typedef struct wm_buf {
    char *data;
    size_t len;
    size_t cap;
} wm_buf;

int wm_buf_reserve(wm_buf *b, size_t cap);
void wm_buf_free(wm_buf *b);

/* Writes the text of a token after the normalizer `norm` (WM_N_*) into
 * *scratch (or points *out at the input when no change is needed). */
int wm_normalize_token(const char *text, size_t len, uint8_t norm,
                       wm_buf *scratch, const char **out, size_t *out_len);

#endif
