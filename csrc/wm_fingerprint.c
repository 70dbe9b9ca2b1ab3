/* Parse one file with tree-sitter and walk its tree once, producing the
 * normalized event stream, the units, and the syntax digest; then hash the
 * units. See watermark.h for the data model.
 *
 * The walk iterates the runtime's subtrees directly (the runtime is
 * vendored and pinned, csrc/vendor) instead of through TSTreeCursor, which
 * costs about as much as the hashing itself. It applies the cursor's rules
 * exactly: hidden nodes are flattened, aliases rename and reveal children,
 * symbols are mapped to their public ids. tests/test_backends.py holds it to
 * the cursor-based reference walk in watermark/backend/reference/walk.py. */
#include <stdlib.h>
#include <string.h>

#include "tree_sitter/api.h"
#include "language.h"
#include "lexer.h"
#include "stack.h"
#include "subtree.h"
#include "tree.h"
#include "wm_arena.h"
#include "wm_internal.h"

struct wm_lang {
    const TSLanguage *ts;
    uint32_t n_symbols;
    uint32_t *flags;       /* by public symbol */
    uint8_t *norms;        /* by public symbol: token normalizer */
    uint64_t *kind_hash;   /* by public symbol */
    uint16_t *field;       /* by public symbol: unit name or operator */
    TSSymbol *public_of;   /* raw symbol -> public symbol */
    uint8_t *named_of;     /* raw symbol -> named (for aliases) */
    uint64_t error_kind_hash;
    uint64_t key_name_kind;   /* what 'k' hashes as in a key position */
    uint32_t key_name_flags;
    uint64_t key_number_kind; /* what '1' hashes as in a key position */
};

struct wm_doc {
    wm_event *ev;
    size_t n_ev, cap_ev;
    uint32_t *spans;  /* WM_FP_SPANS: 2 per event (start, end byte), else NULL */
    int want_spans;
    wm_unit *units;   /* the units, the whole file past n_units, then the elements */
    size_t n_units, cap_units;
    wm_unit *elements; /* the elements while the walk runs */
    size_t n_elements, cap_elements;
    uint32_t n_idents;
    uint32_t n_nodes;
    uint64_t file[4];
    int has_error;
    int reading;      /* WM_READ_* */
};

#define WM_MEMBER_SPACE 0x6d656d6265722e2eULL /* "member.." */

/* One frame per node on the cursor's path. */
typedef struct frame {
    uint32_t node;
    int32_t unit;       /* unit opened by this node, or -1 */
    int32_t element;    /* element unit opened by this node, or -1 */
    uint32_t flags;
    uint8_t entered;    /* an ENTER event was emitted */
    uint16_t assoc_op;  /* WM_F_ASSOC node: its operator's symbol, or 0 */
    uint32_t key_start; /* WM_F_KEYED unit: start of its key; WM_F_MEMBER node:
                           of its member name; else UINT32_MAX */
} frame;

/* Identifier interning: open addressing over text hashes. */
typedef struct intern {
    uint64_t *keys;
    int32_t *ids;
    size_t cap;
    uint32_t n;
} intern;

typedef struct walker {
    const wm_lang *lang;
    const TSTree *tree;
    const char *src;
    wm_doc *doc;
    frame *stack;
    size_t depth, cap_stack;
    wm_seq syntax;   /* the syntax digest */
    wm_buf scratch;  /* token normalization */
    intern names;
    int status;
} walker;

WM_EXPORT uint32_t wm_abi_version(void) { return WM_ABI_VERSION; }

WM_EXPORT void wm_lang_free(wm_lang *lang) {
    if (!lang) return;
    free(lang->flags);
    free(lang->norms);
    free(lang->kind_hash);
    free(lang->field);
    free(lang->public_of);
    free(lang->named_of);
    free(lang);
}

WM_EXPORT wm_lang *wm_lang_new(const void *ts_language, const uint32_t *flags,
                               const uint8_t *norms, const uint64_t *kind_hashes,
                               const uint16_t *fields, uint32_t n_symbols,
                               uint64_t error_kind_hash, int *status) {
    const TSLanguage *ts = (const TSLanguage *)ts_language;
    uint32_t abi = ts ? ts_language_abi_version(ts) : 0;
    if (abi < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION ||
        abi > TREE_SITTER_LANGUAGE_VERSION) {
        *status = WM_EABI;
        return NULL;
    }
    if (n_symbols != ts_language_symbol_count(ts)) {
        *status = WM_EINVAL;
        return NULL;
    }
    wm_lang *l = (wm_lang *)calloc(1, sizeof *l);
    if (!l) goto nomem;
    l->ts = ts;
    l->n_symbols = n_symbols;
    l->error_kind_hash = error_kind_hash;
    l->flags = (uint32_t *)malloc(n_symbols * sizeof(uint32_t));
    l->norms = (uint8_t *)malloc(n_symbols);
    l->kind_hash = (uint64_t *)malloc(n_symbols * sizeof(uint64_t));
    l->field = (uint16_t *)malloc(n_symbols * sizeof(uint16_t));
    l->public_of = (TSSymbol *)malloc(n_symbols * sizeof(TSSymbol));
    l->named_of = (uint8_t *)malloc(n_symbols);
    if (!l->flags || !l->norms || !l->kind_hash || !l->field || !l->public_of ||
        !l->named_of)
        goto nomem;
    for (uint32_t i = 0; i < n_symbols; i++) {
        l->public_of[i] = ts_language_public_symbol(ts, (TSSymbol)i);
        l->named_of[i] = ts_language_symbol_metadata(ts, (TSSymbol)i).named;
    }
    memcpy(l->flags, flags, n_symbols * sizeof(uint32_t));
    memcpy(l->norms, norms, n_symbols);
    memcpy(l->kind_hash, kind_hashes, n_symbols * sizeof(uint64_t));
    memcpy(l->field, fields, n_symbols * sizeof(uint16_t));
    for (uint32_t i = 0; i < n_symbols; i++) {
        if ((flags[i] & WM_F_KEY_NAME) && !l->key_name_kind) {
            l->key_name_kind = kind_hashes[i];
            l->key_name_flags = flags[i];
        }
        if ((flags[i] & WM_F_KEY_NUMBER) && !l->key_number_kind)
            l->key_number_kind = kind_hashes[i];
    }
    wm_arena_install();
    *status = WM_OK;
    return l;
nomem:
    wm_lang_free(l);
    *status = WM_ENOMEM;
    return NULL;
}

/* Keys are text hashes with the low bit set, so 0 marks a free slot. */
static int32_t intern_id(walker *w, uint64_t key) {
    intern *t = &w->names;
    if ((size_t)(t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        uint64_t *keys = (uint64_t *)calloc(cap, sizeof(uint64_t));
        int32_t *ids = (int32_t *)malloc(cap * sizeof(int32_t));
        if (!keys || !ids) {
            free(keys);
            free(ids);
            w->status = WM_ENOMEM;
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i]) continue;
            size_t j = (size_t)t->keys[i] & (cap - 1);
            while (keys[j]) j = (j + 1) & (cap - 1);
            keys[j] = t->keys[i];
            ids[j] = t->ids[i];
        }
        free(t->keys);
        free(t->ids);
        t->keys = keys;
        t->ids = ids;
        t->cap = cap;
    }
    size_t j = (size_t)key & (t->cap - 1);
    while (t->keys[j]) {
        if (t->keys[j] == key) return t->ids[j];
        j = (j + 1) & (t->cap - 1);
    }
    t->keys[j] = key;
    t->ids[j] = (int32_t)t->n;
    return (int32_t)t->n++;
}

static void emit(walker *w, uint32_t op, uint64_t kind, uint64_t text,
                 int32_t ident, uint32_t start, uint32_t end) {
    wm_doc *d = w->doc;
    if (d->n_ev == d->cap_ev) {
        size_t cap = d->cap_ev ? d->cap_ev * 2 : 4096;
        wm_event *p = (wm_event *)realloc(d->ev, cap * sizeof *p);
        if (!p) {
            w->status = WM_ENOMEM;
            return;
        }
        d->ev = p;
        if (d->want_spans) {
            uint32_t *q = (uint32_t *)realloc(d->spans, 2 * cap * sizeof *q);
            if (!q) {
                w->status = WM_ENOMEM;
                return;
            }
            d->spans = q;
        }
        d->cap_ev = cap;
    }
    if (d->want_spans) {
        d->spans[2 * d->n_ev] = start;
        d->spans[2 * d->n_ev + 1] = end;
    }
    wm_event *e = &d->ev[d->n_ev++];
    e->kind = kind;
    e->text = text;
    e->ident = ident;
    e->op = op;
}

static inline void syntax_word(walker *w, uint64_t word) {
    wm_seq_add(&w->syntax, word);
}

static int push(walker *w, frame f) {
    if (w->depth == w->cap_stack) {
        size_t cap = w->cap_stack ? w->cap_stack * 2 : 256;
        frame *p = (frame *)realloc(w->stack, cap * sizeof *p);
        if (!p) {
            w->status = WM_ENOMEM;
            return 0;
        }
        w->stack = p;
        w->cap_stack = cap;
    }
    w->stack[w->depth++] = f;
    return 1;
}

/* A visible node as the walk meets it. */
typedef struct seen {
    const Subtree *sub;
    Length pos;        /* start (after padding) */
    TSSymbol alias;
    TSSymbol symbol;   /* public symbol */
    uint8_t named;
} seen;

static seen see(const wm_lang *l, const Subtree *sub, Length pos, TSSymbol alias) {
    seen n;
    n.sub = sub;
    n.pos = pos;
    n.alias = alias;
    TSSymbol raw = alias ? alias : ts_subtree_symbol(*sub);
    n.symbol = raw < l->n_symbols ? l->public_of[raw] : raw;
    n.named = alias ? (raw < l->n_symbols ? l->named_of[raw] : 1)
                    : (uint8_t)ts_subtree_named(*sub);
    return n;
}

/* Makes room for one unit past d->n_units and stores *u there (without
 * counting it). */
static int append_unit(wm_doc *d, const wm_unit *u) {
    if (d->n_units + 1 >= d->cap_units) {
        size_t cap = d->cap_units ? d->cap_units * 2 : 512;
        wm_unit *p = (wm_unit *)realloc(d->units, cap * sizeof *p);
        if (!p) return WM_ENOMEM;
        d->units = p;
        d->cap_units = cap;
    }
    d->units[d->n_units] = *u;
    return WM_OK;
}

/* Where node n's unit (or element) lies: its events from here on, bytes,
 * rows, the enclosing unit, its node and its syntactic parent's. */
static void place_unit(walker *w, const seen *n, uint32_t idx, wm_unit *u) {
    int32_t parent = -1;
    for (size_t i = w->depth; i-- > 0;)
        if (w->stack[i].unit >= 0) {
            parent = w->stack[i].unit;
            break;
        }
    Length size = ts_subtree_size(*n->sub);
    u->ev_begin = (uint32_t)w->doc->n_ev;
    u->start_byte = n->pos.bytes;
    u->end_byte = n->pos.bytes + size.bytes;
    u->start_row = n->pos.extent.row;
    u->end_row = n->pos.extent.row + size.extent.row;
    u->parent = parent;
    u->node = idx;
    u->parent_node = w->depth ? w->stack[w->depth - 1].node : idx;
    u->symbol = n->symbol;
    u->has_error = ts_subtree_error_cost(*n->sub) > 0 ? 1 : 0;
}

/* Opens a unit for node n; a WM_F_KEYED unit's key start goes to *key_start. */
static int32_t open_unit(walker *w, const seen *n, uint32_t idx, uint32_t *key_start) {
    wm_doc *d = w->doc;
    wm_unit blank = {0};
    if (append_unit(d, &blank) != WM_OK) {
        w->status = WM_ENOMEM;
        return -1;
    }
    wm_unit *u = &d->units[d->n_units];
    place_unit(w, n, idx, u);
    uint16_t field = n->symbol < w->lang->n_symbols ? w->lang->field[n->symbol] : 0;
    if (field) {
        TSNode node = ts_node_new(w->tree, n->sub, n->pos, n->alias);
        TSNode name = ts_node_child_by_field_id(node, field);
        if (!ts_node_is_null(name)) {
            TSSymbol ns = ts_node_symbol(name);
            if (w->lang->flags[n->symbol] & WM_F_KEYED) *key_start = ts_node_start_byte(name);
            if (ns < w->lang->n_symbols && (w->lang->flags[ns] & WM_F_IDENT)) {
                u->name_start = ts_node_start_byte(name);
                u->name_end = ts_node_end_byte(name);
            }
        }
    }
    return (int32_t)d->n_units++;
}

static void close_unit(walker *w, int32_t ui, uint32_t flags) {
    wm_doc *d = w->doc;
    wm_unit *u = &d->units[ui];
    u->ev_end = (uint32_t)d->n_ev;
    if ((flags & WM_F_NAME_FROM_CHILD) && u->name_start == u->name_end &&
        (size_t)ui + 1 < d->n_units && d->units[ui + 1].parent == ui) {
        u->name_start = d->units[ui + 1].name_start;
        u->name_end = d->units[ui + 1].name_end;
    }
}

/* Opens an element unit for node n, a named child of a WM_F_ELEMENTS
 * list: its parent is the enclosing unit, its parent_node the list. */
static int32_t open_element(walker *w, const seen *n, uint32_t idx) {
    wm_doc *d = w->doc;
    if (d->n_elements == d->cap_elements) {
        size_t cap = d->cap_elements ? d->cap_elements * 2 : 64;
        wm_unit *p = (wm_unit *)realloc(d->elements, cap * sizeof *p);
        if (!p) {
            w->status = WM_ENOMEM;
            return -1;
        }
        d->elements = p;
        d->cap_elements = cap;
    }
    wm_unit *u = &d->elements[d->n_elements];
    memset(u, 0, sizeof *u);
    place_unit(w, n, idx, u);
    return (int32_t)d->n_elements++;
}

/* The operator symbol of a WM_F_ASSOC node if it is an associative one,
 * else 0. */
static uint16_t assoc_operator(const walker *w, const seen *n) {
    const wm_lang *l = w->lang;
    TSNode node = ts_node_new(w->tree, n->sub, n->pos, n->alias);
    TSNode op = ts_node_child_by_field_id(node, l->field[n->symbol]);
    if (ts_node_is_null(op)) return 0;
    TSSymbol s = ts_node_symbol(op);
    return s < l->n_symbols && (l->flags[s] & WM_F_ASSOC_OP) ? s : 0;
}

/* Whether an associative node continues a chain of the same operator: its
 * nearest ancestor that is not transparent (parentheses) has that operator.
 * `a && (b && c)` and `(a && b) && c` then hash alike, as prettier's
 * removal of those parentheses requires. */
static int continues_chain(const walker *w, uint16_t op) {
    for (size_t i = w->depth; i-- > 0;) {
        if (w->stack[i].flags & WM_F_TRANSPARENT) continue;
        return w->stack[i].assoc_op == op;
    }
    return 0;
}

/* The kind a quoted property key hashes as (its content is in t[0:len]):
 * the identifier or integer key it equals unquoted, else 0 (stays a
 * string). prettier adds and removes such quotes. */
static uint64_t quoted_key_kind(const wm_lang *l, const char *t, size_t len,
                                uint32_t *flags) {
    if (len == 0) return 0;
    int ident = 1, digits = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        int digit = c >= '0' && c <= '9';
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
        if (!letter && !(digit && i > 0)) ident = 0;
        if (!digit) digits = 0;
    }
    if (ident && l->key_name_kind) {
        *flags = l->key_name_flags;
        return l->key_name_kind;
    }
    if (digits && len <= 15 && (t[0] != '0' || len == 1) && l->key_number_kind) {
        *flags = 0;
        return l->key_number_kind;
    }
    return 0;
}

/* Visit a visible node; returns 1 if its children are to be walked (a
 * frame was pushed), 0 if it was handled whole. */
static int visit(walker *w, const seen *n) {
    const wm_lang *l = w->lang;
    uint32_t flags = 0;
    uint8_t norm = WM_N_NONE;
    uint64_t kind = l->error_kind_hash;
    if (n->symbol < l->n_symbols) {
        flags = l->flags[n->symbol];
        norm = l->norms[n->symbol];
        kind = l->kind_hash[n->symbol];
    }
    uint32_t idx = w->doc->n_nodes++;
    Subtree sub = *n->sub;
    uint32_t start = n->pos.bytes, end = start + ts_subtree_size(sub).bytes;
    int named = n->named;
    const frame *parent = w->depth ? &w->stack[w->depth - 1] : NULL;
    int leaf = ts_subtree_child_count(sub) == 0 || sub.ptr->visible_child_count == 0 ||
               (flags & WM_F_ATOMIC);
    if ((flags & WM_F_UNWRAP) && !leaf && sub.ptr->named_child_count == 1 &&
        sub.ptr->visible_child_count <= 3)
        flags |= WM_F_TRANSPARENT; /* `| A`, `(a)`: the member (not `(a,)`) */

    syntax_word(w, kind);
    uint64_t raw_hash = 0;
    if (leaf && end > start) {
        raw_hash = wm_xxh64(w->src + start, end - start, WM_SEED_TEXT);
        syntax_word(w, raw_hash);
    }
    if ((flags & WM_F_SKIP) ||
        (parent && ((parent->flags & WM_F_SKIP) ||
                    ((parent->flags & (WM_F_TRANSPARENT | WM_F_BARE)) && !named)))) {
        if (leaf) {
            syntax_word(w, WM_EXIT_WORD);
            return 0;
        }
        flags |= WM_F_SKIP; /* walk its children for the digest only */
    }
    int skipping = (flags & WM_F_SKIP) != 0;
    int32_t ui = -1;
    uint32_t key_start = UINT32_MAX;
    if (!skipping && ((flags & WM_F_UNIT) ||
                      (named && parent && (parent->flags & WM_F_LIST))))
        ui = open_unit(w, n, idx, &key_start);
    int32_t ei = !skipping && named && parent && (parent->flags & WM_F_ELEMENTS) ? open_element(w, n, idx) : -1;
    if (!skipping && !leaf && (flags & WM_F_MEMBER) && l->field[n->symbol]) {
        TSNode node = ts_node_new(w->tree, n->sub, n->pos, n->alias);
        TSNode member = ts_node_child_by_field_id(node, l->field[n->symbol]);
        if (!ts_node_is_null(member)) key_start = ts_node_start_byte(member);
    }

    if (leaf) {
        if (!skipping) {
            uint64_t text = 0;
            int32_t ident = -1;
            if (named || (flags & WM_F_ATOMIC)) {
                const char *t;
                size_t len;
                if (wm_normalize_token(w->src + start, end - start, norm,
                                       &w->scratch, &t, &len) != WM_OK) {
                    w->status = WM_ENOMEM;
                    return 0;
                }
                /* unchanged text: its hash is the one just computed */
                text = t == w->src + start && len == end - start
                           ? (end > start ? raw_hash : wm_xxh64(t, 0, WM_SEED_TEXT))
                           : wm_xxh64(t, len, WM_SEED_TEXT);
                if ((flags & WM_F_ATOMIC) && parent && (parent->flags & WM_F_KEYED) &&
                    parent->key_start == start) {
                    uint32_t key_flags;
                    uint64_t key_kind = quoted_key_kind(l, t, len, &key_flags);
                    if (key_kind) {
                        kind = key_kind;
                        flags = key_flags;
                    }
                }
                /* one name space per identifier kind: renaming variables
                 * leaves field and property names apart */
                if (flags & WM_F_IDENT) {
                    uint64_t space = kind;
                    if (parent && (parent->flags & WM_F_MEMBER) && parent->key_start == start)
                        space ^= WM_MEMBER_SPACE; /* a member name: apart from the variables */
                    ident = intern_id(w, wm_round(space, text) | 1);
                }
            }
            emit(w, WM_EV_TOKEN, kind, text, ident, start, end);
        }
        if (ui >= 0) close_unit(w, ui, flags);
        if (ei >= 0) w->doc->elements[ei].ev_end = (uint32_t)w->doc->n_ev;
        syntax_word(w, WM_EXIT_WORD);
        return 0;
    }
    uint16_t assoc_op = !skipping && (flags & WM_F_ASSOC) ? assoc_operator(w, n) : 0;
    int entered = !skipping && !(flags & WM_F_TRANSPARENT) &&
                  !(assoc_op && continues_chain(w, assoc_op));
    if (entered) emit(w, WM_EV_ENTER, kind, 0, -1, start, end);
    frame f = {idx, ui, ei, flags, (uint8_t)entered, assoc_op, key_start};
    /* children of a skipped node are skipped too */
    if (skipping) f.flags = WM_F_SKIP | WM_F_TRANSPARENT;
    return push(w, f);
}

static void leave(walker *w) {
    frame f = w->stack[--w->depth];
    if (f.entered) emit(w, WM_EV_EXIT, 0, 0, -1, 0, 0);
    if (f.unit >= 0) close_unit(w, f.unit, f.flags);
    if (f.element >= 0) w->doc->elements[f.element].ev_end = (uint32_t)w->doc->n_ev;
    syntax_word(w, WM_EXIT_WORD);
}

/* Children of one subtree being iterated, as TSTreeCursor iterates them. */
typedef struct iter {
    const Subtree *children;
    const TSSymbol *alias_seq;
    Length pos;
    uint32_t count, i, structural;
    uint8_t visible_parent; /* leave() when done */
} iter;

static int push_iter(walker *w, iter **its, size_t *n, size_t *cap,
                     const Subtree *sub, Length pos, uint8_t visible) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        iter *p = (iter *)realloc(*its, c * sizeof *p);
        if (!p) {
            w->status = WM_ENOMEM;
            return 0;
        }
        *its = p;
        *cap = c;
    }
    iter *it = &(*its)[(*n)++];
    it->children = ts_subtree_children(*sub);
    it->alias_seq = ts_language_alias_sequence(w->lang->ts, sub->ptr->production_id);
    it->pos = pos;
    it->count = sub->ptr->child_count;
    it->i = it->structural = 0;
    it->visible_parent = visible;
    return 1;
}

static void walk(walker *w, const TSTree *tree) {
    iter *its = NULL;
    size_t n = 0, cap = 0;
    const Subtree *root = &tree->root;
    seen r = see(w->lang, root, ts_subtree_padding(*root), 0);
    if (visit(w, &r)) {
        if (!push_iter(w, &its, &n, &cap, root, r.pos, 1)) n = 0;
    }
    while (n && w->status == WM_OK) {
        iter *it = &its[n - 1];
        if (it->i == it->count) {
            uint8_t visible = it->visible_parent;
            n--;
            if (visible) leave(w);
            continue;
        }
        const Subtree *child = &it->children[it->i];
        if (it->i > 0) it->pos = length_add(it->pos, ts_subtree_padding(*child));
        Length pos = it->pos;
        TSSymbol alias = 0;
        if (!ts_subtree_extra(*child)) {
            if (it->alias_seq) alias = it->alias_seq[it->structural];
            it->structural++;
        }
        it->pos = length_add(it->pos, ts_subtree_size(*child));
        it->i++;
        if (ts_subtree_visible(*child) || alias) {
            seen c = see(w->lang, child, pos, alias);
            if (visit(w, &c)) push_iter(w, &its, &n, &cap, child, pos, 1);
        } else if (ts_subtree_child_count(*child) > 0) {
            push_iter(w, &its, &n, &cap, child, pos, 0);
        }
    }
    while (w->depth) leave(w);
    free(its);
}

WM_EXPORT void wm_doc_free(wm_doc *doc) {
    if (!doc) return;
    free(doc->ev);
    free(doc->spans);
    free(doc->units);
    free(doc->elements);
    free(doc);
}

typedef struct respeller {
    wm_respell_fn fn;         /* NULL: no respelling */
    void *ctx;
    const uint16_t *context;  /* symbols whose surroundings probes read */
    size_t n_context;
} respeller;

static int parse_and_walk(const wm_lang *lang, const char *source, size_t len, const respeller *rs,
                          wm_doc *doc);

WM_EXPORT int wm_fingerprint(const wm_lang *lang, const char *source,
                             size_t len, wm_doc **out) {
    return wm_fingerprint_ex(lang, source, len, 0, out);
}

WM_EXPORT int wm_fingerprint_ex(const wm_lang *lang, const char *source,
                                size_t len, int flags, wm_doc **out) {
    return wm_fingerprint_respelled(lang, source, len, flags, NULL, NULL, NULL, 0, out);
}

WM_EXPORT int wm_fingerprint_respelled(const wm_lang *lang, const char *source, size_t len, int flags,
                                       wm_respell_fn respell, void *ctx, const uint16_t *context,
                                       size_t n_context, wm_doc **out) {
    *out = NULL;
    if (len >= UINT32_MAX) return WM_ETOOBIG;
    if (flags & ~WM_FP_SPANS) return WM_EINVAL;
    if (n_context && !context) return WM_EINVAL;
    if (wm_arena_active()) return WM_EBUSY; /* (the arena of this thread's call is in use) */
    respeller rs = {respell, ctx, context, n_context};
    wm_doc *doc = (wm_doc *)calloc(1, sizeof *doc);
    if (!doc) return WM_ENOMEM;
    doc->want_spans = (flags & WM_FP_SPANS) != 0;
    wm_arena_begin();
    int status = parse_and_walk(lang, source, len, &rs, doc);
    wm_arena_end();
    if (status != WM_OK) {
        wm_doc_free(doc);
        return status;
    }
    *out = doc;
    return WM_OK;
}

/* The point (row, column) of `at`, from (row, line start) at `from`. */
static TSPoint point_at(const char *src, uint32_t from, uint32_t at, uint32_t *row, uint32_t *line) {
    for (uint32_t i = from; i < at; i++) {
        if (src[i] == '\n') {
            (*row)++;
            *line = i + 1;
        }
    }
    TSPoint p = {*row, at - *line};
    return p;
}

/* `alt` parsed from `tree` (source's): each run of bytes where they differ
 * is an edit, so the parser reuses what lies outside them. Edits go in
 * order, each in the coordinates of the text the ones before it made: alt's
 * before it, source's after it. */
static TSTree *parse_alt(TSParser *parser, const TSTree *tree, const char *source, const char *alt,
                         uint32_t len) {
    TSTree *old = ts_tree_copy(tree);
    if (!old) return NULL;
    uint32_t row = 0, line = 0, at = 0; /* alt's point of `at` */
    for (uint32_t i = 0; i < len;) {
        if (source[i] == alt[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < len && source[j] != alt[j]) j++;
        TSInputEdit e;
        e.start_byte = i;
        e.old_end_byte = e.new_end_byte = j;
        e.start_point = point_at(alt, at, i, &row, &line);
        uint32_t r_old = row, l_old = line;
        e.old_end_point = point_at(source, i, j, &r_old, &l_old);
        e.new_end_point = point_at(alt, i, j, &row, &line);
        ts_tree_edit(old, &e);
        at = i = j;
    }
    TSTree *out = ts_parser_parse_string(parser, old, alt, len);
    ts_tree_delete(old);
    return out;
}

static void probe(const TSTree *tree, uint32_t len, const respeller *rs, wm_probe *p) {
    p->symbol = p->parent_symbol = p->first_symbol = p->next_symbol = WM_PROBE_NONE;
    p->name_start = UINT32_MAX;
    p->has_error = p->parent_has_error = p->in_error = p->reserved = 0;
    if (p->start > p->end || p->end > len) return; /* (no node holds a range outside the source) */
    TSNode n = ts_node_descendant_for_byte_range(ts_tree_root_node(tree), p->start, p->end);
    if (ts_node_is_null(n)) return;
    p->symbol = ts_node_symbol(n);
    size_t k = 0;
    while (k < rs->n_context && rs->context[k] != p->symbol) k++;
    if (k == rs->n_context) return;
    p->has_error = ts_node_has_error(n) ? 1 : 0;
    uint32_t count = ts_node_child_count(n);
    if (count) p->first_symbol = ts_node_symbol(ts_node_child(n, 0));
    for (uint32_t i = 0; i < count; i++) {
        TSNode c = ts_node_child(n, i);
        if (ts_node_start_byte(c) >= p->end) {
            p->next_symbol = ts_node_symbol(c);
            break;
        }
    }
    TSNode name = ts_node_child_by_field_name(n, "name", 4);
    if (!ts_node_is_null(name)) p->name_start = ts_node_start_byte(name);
    TSNode up = ts_node_parent(n);
    if (!ts_node_is_null(up)) {
        p->parent_symbol = ts_node_symbol(up);
        p->parent_has_error = ts_node_has_error(up) ? 1 : 0;
    }
    if (ts_node_has_error(ts_tree_root_node(tree))) { /* (no ERROR anywhere: none around it) */
        for (TSNode a = n; !ts_node_is_null(a); a = ts_node_parent(a)) {
            if (ts_node_is_error(a)) {
                p->in_error = 1;
                break;
            }
        }
    }
}

/* Where the grammar found errors in `source`: the respelling callback's
 * alternatives, each parsed and probed, until it keeps one or gives up. The
 * first is parsed from source's tree (*tree; NULL when the parse of source
 * stopped at its first error: afresh), each later one from the one before
 * it. Whether *tree and *source are now the kept alternative's
 * (WM_READ_RESPELLED), or source's (WM_READ_UNREAD: its whole tree, parsed
 * now if it stopped). */
static int respell(TSParser *parser, TSTree **tree, const char **source, uint32_t len, const respeller *rs,
                   int *reading) {
    TSTree *other = NULL;
    const char *alt = NULL, *tried = NULL; /* what the callback set; the alternative `other` is of */
    wm_probe *probes = NULL;
    const wm_probe *found = NULL;
    size_t n_probes = 0, n_found = 0;
    int answer, status = WM_OK;
    *reading = WM_READ_UNREAD;
    while ((answer = rs->fn(rs->ctx, found, n_found, &alt, &probes, &n_probes)) == WM_RESPELL_TRY) {
        if (!alt || (n_probes && !probes)) {
            status = WM_EINVAL;
            break;
        }
        TSTree *next = other ? parse_alt(parser, other, tried, alt, len)
                     : *tree ? parse_alt(parser, *tree, *source, alt, len)
                     : ts_parser_parse_string(parser, NULL, alt, len);
        if (other) ts_tree_delete(other);
        other = next;
        if (!other) {
            status = WM_EPARSE;
            break;
        }
        tried = alt;
        for (size_t i = 0; i < n_probes; i++) probe(other, len, rs, &probes[i]);
        found = probes;
        n_found = n_probes;
    }
    if (status == WM_OK && answer == WM_RESPELL_KEEP && other && ts_subtree_error_cost(other->root) == 0) {
        if (*tree) ts_tree_delete(*tree);
        *tree = other;
        *source = tried;
        *reading = WM_READ_RESPELLED;
        return WM_OK;
    }
    if (other) ts_tree_delete(other);
    if (status == WM_OK && !*tree) {
        *tree = ts_parser_parse_string(parser, NULL, *source, len);
        if (!*tree) status = WM_EPARSE;
    }
    return status;
}

/* A parse of `source` that stops as soon as its tree is certain to hold an
 * error (NULL, and *stopped set): when every version of tree-sitter's stack
 * has met one (every_version_in_error; tree-sitter's own has_error says
 * less: every version recovering at once). A file to respell costs that
 * much of a parse, not a whole one with its error recovery; a file the
 * grammar reads is parsed whole, as before. */
typedef struct text_input {
    const char *s;
    uint32_t len;
} text_input;

static const char *read_text(void *payload, uint32_t byte, TSPoint point, uint32_t *n) {
    (void)point;
    const text_input *in = (const text_input *)payload;
    *n = byte < in->len ? in->len - byte : 0;
    return byte < in->len ? in->s + byte : "";
}

/* The first two fields of tree-sitter's struct TSParser (src/parser.c of the
 * vendored 0.26.1, which no header exports): its stack. A runtime that moved
 * them would fail test_a_file_to_respell_is_parsed_only_up_to_its_first_
 * certain_error, and the corpus tests that compare readings. */
typedef struct parser_head {
    Lexer lexer;
    Stack *stack;
} parser_head;

typedef struct stop_state {
    const TSParser *parser;
    int *stopped;
} stop_state;

/* Every version of the stack has met an error (an ERROR, a MISSING token,
 * or a recovery under way): its cost is the sum of those on every path to
 * its head (versions merge only at equal cost), and no later step lowers it,
 * so each tree the parse could finish holds an ERROR or MISSING node. */
static bool every_version_in_error(const TSParser *parser) {
    const Stack *stack = ((const parser_head *)(const void *)parser)->stack;
    unsigned n = ts_stack_version_count(stack);
    if (n == 0) return false;
    for (unsigned v = 0; v < n; v++)
        if (ts_stack_error_cost(stack, v) == 0) return false;
    return true;
}

static uint64_t parses_stopped; /* (a diagnostic: wm_parses_stopped) */

static bool stop_at_error(TSParseState *state) {
    stop_state *s = (stop_state *)state->payload;
    if (!state->has_error && !every_version_in_error(s->parser)) return false;
    *s->stopped = 1;
#ifdef __GNUC__
    __atomic_fetch_add(&parses_stopped, 1, __ATOMIC_RELAXED);
#else
    parses_stopped++;
#endif
    return true;
}

WM_EXPORT uint64_t wm_parses_stopped(void) {
#ifdef __GNUC__
    return __atomic_load_n(&parses_stopped, __ATOMIC_RELAXED);
#else
    return parses_stopped;
#endif
}

static TSTree *parse_until_error(TSParser *parser, const char *source, uint32_t len, int *stopped) {
    text_input in = {source, len};
    TSInput input = {&in, read_text, TSInputEncodingUTF8, NULL};
    stop_state s = {parser, stopped};
    TSParseOptions options = {&s, stop_at_error};
    *stopped = 0;
    TSTree *tree = ts_parser_parse_with_options(parser, NULL, input, options);
    if (!tree && *stopped) ts_parser_reset(parser); /* (a stopped parse would resume) */
    return tree;
}

static int parse_and_walk(const wm_lang *lang, const char *source, size_t len, const respeller *rs,
                          wm_doc *doc) {
    TSParser *parser = ts_parser_new();
    if (!parser) return WM_ENOMEM;
    if (!ts_parser_set_language(parser, lang->ts)) {
        ts_parser_delete(parser);
        return WM_EABI;
    }
    int stopped = 0;
    TSTree *tree = rs->fn ? parse_until_error(parser, source, (uint32_t)len, &stopped)
                          : ts_parser_parse_string(parser, NULL, source, (uint32_t)len);
    doc->reading = WM_READ_AS_IS;
    if (stopped || (tree && rs->fn && ts_subtree_error_cost(tree->root) > 0)) {
        int status = respell(parser, &tree, &source, (uint32_t)len, rs, &doc->reading);
        if (status != WM_OK) {
            if (tree) ts_tree_delete(tree);
            ts_parser_delete(parser);
            return status;
        }
    }
    ts_parser_delete(parser);
    if (!tree) return WM_EPARSE;
    walker w = {0};
    w.lang = lang;
    w.src = source;
    w.doc = doc;
    w.tree = tree;
    wm_seq_init(&w.syntax, WM_SEED_SYNTAX);
    doc->has_error = ts_subtree_error_cost(tree->root) > 0 ? 1 : 0;
    walk(&w, tree);
    ts_tree_delete(tree);
    doc->n_idents = w.names.n;
    int status = w.status;
    if (status == WM_OK) {
        /* the whole file rides along as one more unit, past n_units */
        wm_unit whole = {0};
        whole.ev_end = (uint32_t)doc->n_ev;
        status = append_unit(doc, &whole);
    }
    if (status == WM_OK && doc->n_elements) { /* and the elements past it, hashed in the same pass */
        size_t need = doc->n_units + 1 + doc->n_elements;
        if (need > doc->cap_units) {
            wm_unit *p = (wm_unit *)realloc(doc->units, need * sizeof *p);
            if (p) {
                doc->units = p;
                doc->cap_units = need;
            } else {
                status = WM_ENOMEM;
            }
        }
        if (status == WM_OK) memcpy(doc->units + doc->n_units + 1, doc->elements, doc->n_elements * sizeof *doc->elements);
        free(doc->elements);
        doc->elements = NULL;
    }
    if (status == WM_OK) {
        status = wm_hash_units(doc->ev, doc->n_ev, doc->units, doc->n_units + 1 + doc->n_elements,
                               doc->n_idents);
        const wm_unit *whole = &doc->units[doc->n_units];
        doc->file[0] = whole->exact;
        doc->file[1] = whole->renamed;
        doc->file[2] = whole->skeleton;
        doc->file[3] = wm_seq_final(&w.syntax);
    }
    free(w.stack);
    wm_buf_free(&w.scratch);
    free(w.names.keys);
    free(w.names.ids);
    return status;
}

WM_EXPORT size_t wm_doc_n_units(const wm_doc *d) { return d->n_units; }
WM_EXPORT const wm_unit *wm_doc_units(const wm_doc *d) { return d->units; }
WM_EXPORT size_t wm_doc_n_elements(const wm_doc *d) { return d->n_elements; }
WM_EXPORT const wm_unit *wm_doc_elements(const wm_doc *d) { return d->units + d->n_units + 1; }
WM_EXPORT size_t wm_doc_n_events(const wm_doc *d) { return d->n_ev; }
WM_EXPORT const wm_event *wm_doc_events(const wm_doc *d) { return d->ev; }
WM_EXPORT const uint32_t *wm_doc_spans(const wm_doc *d) { return d->spans; }
WM_EXPORT int wm_doc_winnow(const wm_doc *d, uint32_t k, uint32_t w, uint64_t *hashes,
                            uint32_t *pos, size_t cap, size_t *n_out) {
    return wm_winnow(d->ev, d->n_ev, k, w, hashes, pos, cap, n_out);
}
WM_EXPORT uint32_t wm_doc_n_idents(const wm_doc *d) { return d->n_idents; }
WM_EXPORT uint32_t wm_doc_n_nodes(const wm_doc *d) { return d->n_nodes; }
WM_EXPORT int wm_doc_has_error(const wm_doc *d) { return d->has_error; }
WM_EXPORT int wm_doc_reading(const wm_doc *d) { return d->reading; }
WM_EXPORT void wm_doc_file_hashes(const wm_doc *d, uint64_t out[4]) {
    memcpy(out, d->file, sizeof d->file);
}
