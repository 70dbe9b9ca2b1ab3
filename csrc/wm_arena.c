/* Allocator for the vendored tree-sitter runtime during one wm_fingerprint
 * call. A parse makes millions of small allocations and frees them all when
 * the tree is deleted; size-class free lists over 64 KiB chunks serve them
 * without glibc's per-call overhead, and the chunks go back to the system
 * when the call ends (a few are kept per thread for the next call).
 * Outside a call (no arena active on this thread) it falls through to
 * malloc. Every block carries a 16-byte header with its size class. */
#include <stdlib.h>
#include <string.h>

#include "tree_sitter/api.h"
#include "wm_arena.h"

#define HDR 16
#define STEP 16
#define CLASSES 32 /* small blocks up to 512 bytes */
#define LARGE 0xFFFFu
#define CHUNK (64 * 1024)
#define KEEP_CHUNKS 256 /* kept per thread between calls: 16 MiB */

typedef struct chunk {
    struct chunk *next;
} chunk;

typedef struct arena {
    void *free_list[CLASSES];
    chunk *chunks;  /* carved during this call */
    chunk *spare;   /* kept from earlier calls */
    size_t n_spare;
    char *cur, *end;
    int active;
} arena;

static _Thread_local arena tl_arena;

static inline size_t class_of(size_t n) { return (n + STEP - 1) / STEP - 1; }

static void *large_alloc(size_t n) {
    char *p = (char *)malloc(n + HDR);
    if (!p) return NULL;
    *(size_t *)p = LARGE;
    *(size_t *)(p + sizeof(size_t)) = n;
    return p + HDR;
}

static void *arena_malloc(size_t n) {
    arena *a = &tl_arena;
    if (!a->active || n == 0 || n > CLASSES * STEP) return large_alloc(n ? n : 1);
    size_t c = class_of(n);
    void *p = a->free_list[c];
    if (p) {
        a->free_list[c] = *(void **)p;
        return p;
    }
    size_t need = HDR + (c + 1) * STEP;
    if ((size_t)(a->end - a->cur) < need) {
        chunk *k = a->spare;
        if (k) {
            a->spare = k->next;
            a->n_spare--;
        } else if (!(k = (chunk *)malloc(CHUNK))) {
            return NULL;
        }
        k->next = a->chunks;
        a->chunks = k;
        a->cur = (char *)k + HDR;
        a->end = (char *)k + CHUNK;
    }
    char *b = a->cur;
    a->cur += need;
    *(size_t *)b = c;
    return b + HDR;
}

static size_t block_size(const void *p) {
    const char *b = (const char *)p - HDR;
    size_t c = *(const size_t *)b;
    return c == LARGE ? *(const size_t *)(b + sizeof(size_t)) : (c + 1) * STEP;
}

static void arena_free(void *p) {
    if (!p) return;
    char *b = (char *)p - HDR;
    size_t c = *(size_t *)b;
    if (c == LARGE) {
        free(b);
        return;
    }
    /* Small blocks exist only while an arena is active on this thread:
     * every tree-sitter object of a call is created and freed inside it,
     * so there is nothing to do for one freed outside a call. */
    arena *a = &tl_arena;
    if (!a->active) return;
    *(void **)p = a->free_list[c];
    a->free_list[c] = p;
}

static void *arena_calloc(size_t n, size_t size) {
    if (size && n > (size_t)-1 / size) return NULL;
    void *p = arena_malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

static void *arena_realloc(void *p, size_t n) {
    if (!p) return arena_malloc(n);
    size_t old = block_size(p);
    if (n <= old) return p;
    void *q = arena_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    arena_free(p);
    return q;
}

void wm_arena_install(void) {
    ts_set_allocator(arena_malloc, arena_calloc, arena_realloc, arena_free);
}

int wm_arena_active(void) {
    return tl_arena.active;
}

void wm_arena_begin(void) {
    tl_arena.active = 1;
}

void wm_arena_end(void) {
    arena *a = &tl_arena;
    memset(a->free_list, 0, sizeof a->free_list);
    chunk *k = a->chunks;
    while (k) {
        chunk *next = k->next;
        if (a->n_spare < KEEP_CHUNKS) {
            k->next = a->spare;
            a->spare = k;
            a->n_spare++;
        } else {
            free(k);
        }
        k = next;
    }
    a->chunks = NULL;
    a->cur = a->end = NULL;
    a->active = 0;
}
