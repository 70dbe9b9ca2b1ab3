/* Unit hashes from the event stream, in O(events + identifier occurrences
 * x unit nesting).
 *
 * An *item* is a TOKEN event or an ENTER..EXIT range. One pass gives every
 * item three Merkle hashes (levels exact, skeleton, blank):
 *   token  exact    round(kind, text)
 *          skeleton kind
 *          blank    kind for identifiers, round(kind, text) otherwise
 *   node   seqhash(kind, child item hashes...) with the level's seed
 * A unit covers a run of items (in practice one: its node). Its hashes are
 *   exact    seqhash(item exact hashes)            seed WM_SEED_EXACT
 *   skeleton seqhash(item skeleton hashes)         seed WM_SEED_SKELETON
 *   renamed  seqhash(item blank hashes, then the first-occurrence ordinal
 *            of each identifier occurrence in the unit, in order)
 *                                                  seed WM_SEED_RENAMED
 * so `renamed` is unchanged by a consistent renaming and still tells
 * `a = a + b` from `a = b + b`.
 * Reference: watermark/backend/reference/walk.py:hash_units. */
#include <stdlib.h>
#include <string.h>

#include "wm_internal.h"

static const uint64_t level_seed[3] = {WM_SEED_EXACT, WM_SEED_SKELETON,
                                       WM_SEED_RENAMED};

WM_EXPORT uint64_t wm_seqhash(const uint64_t *words, size_t n, uint64_t seed) {
    wm_seq s;
    wm_seq_init(&s, seed);
    for (size_t i = 0; i < n; i++) wm_seq_add(&s, words[i]);
    return wm_seq_final(&s);
}

typedef struct items {
    uint64_t *h;             /* 3 hashes per item, at the item's first event */
    uint32_t *last;          /* last event of the item starting here */
    uint32_t *idents_before; /* identifier tokens before event i (n+1) */
    uint32_t *ident_at;      /* event index of the k-th identifier token */
} items;

static void items_free(items *it) {
    free(it->h);
    free(it->last);
    free(it->idents_before);
    free(it->ident_at);
}

/* One pass: Merkle hashes of all items, folded into the open nodes'
 * sequence hashes as each item completes. */
static int hash_items(const wm_event *ev, size_t n, items *it, uint32_t n_idents) {
    int status = WM_EINVAL;
    typedef struct open_node {
        wm_seq seq[3];
        uint32_t first;
    } open_node;
    open_node *open = NULL;
    size_t depth = 0, cap = 0;
    uint32_t n_id = 0;
    it->h = (uint64_t *)malloc((n + 1) * 3 * sizeof(uint64_t));
    it->last = (uint32_t *)malloc((n + 1) * sizeof(uint32_t));
    it->idents_before = (uint32_t *)malloc((n + 1) * sizeof(uint32_t));
    it->ident_at = (uint32_t *)malloc((n + 1) * sizeof(uint32_t));
    if (!it->h || !it->last || !it->idents_before || !it->ident_at) {
        status = WM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const wm_event *e = &ev[i];
        it->idents_before[i] = n_id;
        if (e->op == WM_EV_ENTER) {
            if (depth == cap) {
                size_t c = cap ? cap * 2 : 64;
                open_node *p = (open_node *)realloc(open, c * sizeof *p);
                if (!p) {
                    status = WM_ENOMEM;
                    goto out;
                }
                open = p;
                cap = c;
            }
            open_node *o = &open[depth++];
            o->first = (uint32_t)i;
            for (int l = 0; l < 3; l++) {
                wm_seq_init(&o->seq[l], level_seed[l]);
                wm_seq_add(&o->seq[l], e->kind);
            }
            continue;
        }
        uint64_t h[3];
        uint32_t first;
        if (e->op == WM_EV_TOKEN) {
            uint64_t full = wm_round(e->kind, e->text);
            h[0] = full;
            h[1] = e->kind;
            h[2] = e->ident >= 0 ? e->kind : full;
            if (e->ident >= 0) {
                if ((uint32_t)e->ident >= n_idents) goto out;
                it->ident_at[n_id++] = (uint32_t)i;
            }
            first = (uint32_t)i;
        } else if (e->op == WM_EV_EXIT) {
            if (depth == 0) goto out;
            open_node *o = &open[--depth];
            first = o->first;
            for (int l = 0; l < 3; l++) h[l] = wm_seq_final(&o->seq[l]);
        } else {
            goto out;
        }
        memcpy(&it->h[3 * (size_t)first], h, sizeof h);
        it->last[first] = (uint32_t)i;
        if (depth)
            for (int l = 0; l < 3; l++) wm_seq_add(&open[depth - 1].seq[l], h[l]);
    }
    it->idents_before[n] = n_id;
    status = depth == 0 ? WM_OK : WM_EINVAL;
out:
    free(open);
    return status;
}

WM_EXPORT int wm_hash_units(const wm_event *events, size_t n_events,
                            wm_unit *units, size_t n_units,
                            uint32_t n_idents) {
    for (size_t i = 0; i < n_units; i++)
        if (units[i].ev_begin > units[i].ev_end || units[i].ev_end > n_events)
            return WM_EINVAL;
    items it = {NULL, NULL, NULL, NULL};
    uint32_t *stamp = NULL, *ordinal = NULL;
    int status = hash_items(events, n_events, &it, n_idents);
    if (status != WM_OK) goto out;
    stamp = (uint32_t *)calloc((size_t)n_idents + 1, sizeof(uint32_t));
    ordinal = (uint32_t *)malloc(((size_t)n_idents + 1) * sizeof(uint32_t));
    if (!stamp || !ordinal) {
        status = WM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_units; i++) {
        wm_unit *u = &units[i];
        wm_seq s[3];
        for (int l = 0; l < 3; l++) wm_seq_init(&s[l], level_seed[l]);
        for (uint32_t e = u->ev_begin; e < u->ev_end; e = it.last[e] + 1) {
            /* the range must be a run of whole items */
            if (events[e].op == WM_EV_EXIT || it.last[e] >= u->ev_end) {
                status = WM_EINVAL;
                goto out;
            }
            for (int l = 0; l < 3; l++) wm_seq_add(&s[l], it.h[3 * (size_t)e + (size_t)l]);
        }
        uint32_t mark = (uint32_t)i + 1, next = 0;
        for (uint32_t j = it.idents_before[u->ev_begin]; j < it.idents_before[u->ev_end]; j++) {
            int32_t id = events[it.ident_at[j]].ident;
            if (stamp[id] != mark) {
                stamp[id] = mark;
                ordinal[id] = next++;
            }
            wm_seq_add(&s[2], ordinal[id]);
        }
        u->exact = wm_seq_final(&s[0]);
        u->skeleton = wm_seq_final(&s[1]);
        u->renamed = wm_seq_final(&s[2]);
    }
out:
    items_free(&it);
    free(stamp);
    free(ordinal);
    return status;
}
