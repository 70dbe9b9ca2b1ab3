/* Winnowed k-gram fingerprints of a file's normalized token stream, the
 * provenance index: Schleimer, Wilkerson and Aiken, "Winnowing: local
 * algorithms for document fingerprinting", SIGMOD 2003 (MOSS; Dolos uses
 * the same algorithm).
 *
 * Token i of the stream is event i (comments and layout are already gone),
 * identifiers masked so that renaming changes nothing:
 *   ENTER   its kind
 *   EXIT    WM_EXIT_WORD
 *   TOKEN   its kind for an identifier (ident >= 0), else round(kind, text)
 * k-gram j is tokens j .. j+k-1, hashed with a polynomial rolling hash mod
 * 2^64 (base WM_WINNOW_BASE) and XXH64's avalanche. Of every window of w
 * consecutive k-gram hashes the minimum is selected (the rightmost on ties);
 * each selected k-gram is output once, with its first token's index. Two
 * streams that share a run of w + k - 1 tokens share a fingerprint; about
 * 2 / (w + 1) of the k-grams are selected.
 * Reference: watermark/backend/reference/winnow.py. */
#include <stdlib.h>

#include "wm_internal.h"

static inline uint64_t token_word(const wm_event *e) {
    if (e->op == WM_EV_EXIT) return WM_EXIT_WORD;
    if (e->op == WM_EV_ENTER || e->ident >= 0) return e->kind;
    return wm_round(e->kind, e->text);
}

WM_EXPORT int wm_winnow(const wm_event *ev, size_t n, uint32_t k, uint32_t w,
                        uint64_t *hashes, uint32_t *pos, size_t cap, size_t *n_out) {
    *n_out = 0;
    if (k == 0 || w == 0 || w > 4096 || n >= UINT32_MAX) return WM_EINVAL;
    if (n < k) return WM_OK;
    uint64_t top = 1; /* WM_WINNOW_BASE^(k-1) */
    for (uint32_t i = 1; i < k; i++) top *= WM_WINNOW_BASE;
    uint64_t *win = (uint64_t *)malloc(w * sizeof(uint64_t));
    uint32_t *at = (uint32_t *)malloc(w * sizeof(uint32_t));
    if (!win || !at) {
        free(win);
        free(at);
        return WM_ENOMEM;
    }
    for (uint32_t i = 0; i < w; i++) {
        win[i] = UINT64_MAX;
        at[i] = UINT32_MAX;
    }
    uint64_t roll = 0;
    for (uint32_t i = 0; i < k - 1; i++) roll = roll * WM_WINNOW_BASE + token_word(&ev[i]);
    size_t out = 0;
    uint32_t r = 0, min = 0;
    int status = WM_OK;
    for (size_t j = 0; j + k <= n; j++) {
        roll = roll * WM_WINNOW_BASE + token_word(&ev[j + k - 1]);
        uint64_t h = wm_avalanche(roll ^ WM_SEED_WINNOW);
        roll -= top * token_word(&ev[j]); /* drop the first token for the next k-gram */
        r = (r + 1) % w;
        win[r] = h;
        at[r] = (uint32_t)j;
        int chosen = 0;
        if (min == r) { /* the minimum left the window: the rightmost minimum of what is in it */
            for (uint32_t i = (r + w - 1) % w; i != r; i = (i + w - 1) % w)
                if (win[i] < win[min]) min = i;
            chosen = 1;
        } else if (win[r] <= win[min]) {
            min = r;
            chosen = 1;
        }
        if (chosen) {
            if (out == cap) {
                status = WM_EINVAL;
                break;
            }
            hashes[out] = win[min];
            if (pos) pos[out] = at[min];
            out++;
        }
    }
    free(win);
    free(at);
    *n_out = out;
    return status;
}
