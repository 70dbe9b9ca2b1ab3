/*
 * watermark.h -- the whole contract between the C core and Python.
 *
 * Everything between CDEF-BEGIN and CDEF-END is fed verbatim to cffi's
 * ffi.cdef(), so it must stay free of preprocessor conditionals and
 * includes. All symbols carry the wm_ prefix.
 *
 * Data flow (one file):
 *   source bytes --wm_fingerprint--> parse (tree-sitter) --walk--> events
 *   events + units --wm_hash_units--> exact / renamed / skeleton hashes
 *
 * An *event* is one step of a normalized preorder walk: entering a node,
 * leaving it, or a token (a leaf, or a whole "atomic" node such as a JS
 * string). Comments and formatting tokens produce no event, so every hash
 * computed from events is blind to whitespace, comments, `;`/`,` and the
 * other formatter-controlled details listed in the language registry.
 */
#ifndef WM_WATERMARK_H
#define WM_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

/* CDEF-BEGIN */

/* Bumped whenever this contract or a hash definition changes; Python
 * refuses to run against an extension built with another value. */
#define WM_ABI_VERSION 19

/* Seeds and markers of the hash definitions (format: changing one changes
 * every fingerprint, carrier identity and recipient bit; see CHANGELOG.md). */
#define WM_SEED_TEXT 0x74657874      /* token text */
#define WM_SEED_EXACT 0x65786163     /* unit hashes, per level */
#define WM_SEED_RENAMED 0x72656e61
#define WM_SEED_SKELETON 0x736b656c
#define WM_SEED_SYNTAX 0x73796e74    /* the syntax digest */
#define WM_SEED_KIND 0x6b696e64      /* node kind hashes, which the caller
                                        computes into the language tables */
#define WM_EXIT_WORD 0x2f2f2f2f2f2f2f2f /* closes a node in the syntax digest */
#define WM_SEED_WINNOW 0x77696e6e       /* provenance k-gram hashes */
#define WM_WINNOW_BASE 0x100000001b3    /* their rolling hash's base (FNV's prime) */

/* Status codes returned by every fallible function. */
#define WM_OK 0
#define WM_ENOMEM -1
#define WM_EPARSE -2
#define WM_ETOOBIG -3
#define WM_EABI -4
#define WM_EINVAL -5
#define WM_EBUSY -6  /* called from inside a call on the same thread (a respeller) */

/* A language is tables, one entry per tree-sitter symbol, which its module
 * under watermark/languages/ builds from node kind names: flags (WM_F_*),
 * a token normalizer (WM_N_*), a kind hash and a field id. No language is
 * named in the C core. */

/* Per-symbol flags (uint32_t). */
#define WM_F_UNIT 1         /* node is a fingerprint unit */
#define WM_F_SKIP 2         /* comment or formatting token: no event */
#define WM_F_TRANSPARENT 4  /* no enter/exit, anonymous children skipped */
#define WM_F_IDENT 8        /* identifier: renamed level uses its ordinal */
#define WM_F_ATOMIC 16      /* hashed as one token, its children included
                               (a quoted string); in a WM_F_KEYED unit's key
                               position, hashed as the key it equals */
#define WM_F_KEY_NUMBER 32  /* the kind a numeric quoted key hashes as
                               ('1' as the key 1) */
#define WM_F_NAME_FROM_CHILD 128 /* unit named after its first child unit */
#define WM_F_LIST 256       /* container: every named child is a unit */
#define WM_F_ASSOC 512      /* binary operator node whose field (below) is
                               its operator: a child with the same
                               WM_F_ASSOC_OP operator is flattened into it */
#define WM_F_ASSOC_OP 1024  /* associative operator token (&&, ||, ??) */
#define WM_F_KEYED 2048     /* unit whose name field may be a quoted key:
                               'k' hashes as the key k, '1' as the key 1 */
#define WM_F_KEY_NAME 4096  /* the kind an identifier-like quoted key
                               hashes as */
#define WM_F_BARE 8192      /* entered, but its anonymous children skipped
                               (a Python tuple's parentheses) */
#define WM_F_UNWRAP 16384   /* WM_F_TRANSPARENT when it holds one named child
                               and at most two tokens (a TypeScript union
                               written `| A`, Python's `(a)` target, not
                               the tuple `(a,)`) */
#define WM_F_MEMBER 32768   /* its child at the field named in the table is
                               a member name (Python's `x.attr`, `f(k=v)`):
                               numbered apart from the variables, as the
                               other grammars' property kinds are */
#define WM_F_ELEMENTS 65536 /* a list whose named children are element units
                               (an array literal): hashed as units are, kept
                               apart from them (wm_doc_elements), for the
                               element boundaries */

/* Per-symbol token normalizers (uint8_t): the spelling a formatter may
 * change, made canonical before hashing (wm_normalize.c). Every one also
 * turns CR LF into LF. */
#define WM_N_NONE 0
#define WM_N_QUOTED 1       /* quotes dropped, escaped quotes unescaped,
                               needless escapes (`\d` for `d`) dropped */
#define WM_N_NUMBER 2       /* lower case, no `+` or leading zeros in the
                               exponent, no `e0`, a `0` before a leading
                               `.`, no trailing fraction zeros or dot */
#define WM_N_NUMBER_CASE 3  /* lower case, and an imaginary literal's
                               leading zeros dropped (`0123i` -> `123i`) */
#define WM_N_CHARS 4        /* the characters in byte order (a set of flags) */
#define WM_N_PY_STRING 5    /* Python: the prefix lower case without `u`,
                               the quotes dropped (a triple-quoted body
                               marked), escaped quotes unescaped, a
                               triple-quoted body without blanks or line
                               breaks (formatters re-indent docstrings) */

/* Event operations. */
#define WM_EV_ENTER 0
#define WM_EV_EXIT 1
#define WM_EV_TOKEN 2

typedef struct wm_event {
    uint64_t kind;   /* hash of the node kind (enter/token), 0 on exit */
    uint64_t text;   /* hash of the normalized token text, 0 if none */
    int32_t ident;   /* per-file identifier id, or -1 */
    uint32_t op;     /* WM_EV_* */
} wm_event;

typedef struct wm_unit {
    uint64_t exact;      /* kinds + token texts */
    uint64_t renamed;    /* identifiers by first-occurrence ordinal */
    uint64_t skeleton;   /* kinds only */
    uint32_t ev_begin;   /* events [ev_begin, ev_end) */
    uint32_t ev_end;
    uint32_t start_byte;
    uint32_t end_byte;
    uint32_t start_row;  /* 0-based */
    uint32_t end_row;    /* 0-based row of end_byte (exclusive end) */
    uint32_t name_start; /* name byte range; equal bounds = no name */
    uint32_t name_end;
    int32_t parent;      /* index of the enclosing unit, or -1 */
    uint32_t node;       /* preorder index of this node */
    uint32_t parent_node;/* preorder index of its syntactic parent */
    uint16_t symbol;     /* tree-sitter symbol (kind id) */
    uint8_t has_error;   /* subtree contains ERROR or MISSING */
    uint8_t reserved;
} wm_unit;

/* A byte range looked up in a tree (wm_fingerprint_alt): the smallest node
 * over [start, end) (ts_node_descendant_for_byte_range) and, when its
 * symbol is one of the call's context symbols, around it (else the other
 * fields are as for no such node: reading them costs time linear in the
 * node's siblings and children). Symbols are ts_node_symbol's (an alias's
 * own; 65535 an ERROR), WM_PROBE_NONE where there is no such node. */
typedef struct wm_probe {
    uint32_t start;          /* in */
    uint32_t end;            /* in */
    uint32_t name_start;     /* start byte of the node's `name` field, or UINT32_MAX */
    uint16_t symbol;         /* the node */
    uint16_t parent_symbol;  /* its parent */
    uint16_t first_symbol;   /* its first child (extras included) */
    uint16_t next_symbol;    /* its first child starting at or after `end` */
    uint8_t has_error;       /* the node's subtree holds an ERROR or MISSING */
    uint8_t parent_has_error;
    uint8_t in_error;        /* the node or one of its ancestors is an ERROR */
    uint8_t reserved;
} wm_probe;

typedef struct wm_lang wm_lang;
typedef struct wm_doc wm_doc;

uint32_t wm_abi_version(void);
/* Digest of the C sources this extension was compiled from. */
const char *wm_build_digest(void);

/* XXH64 of data[0:len] (the public xxHash algorithm). */
uint64_t wm_xxh64(const void *data, size_t len, uint64_t seed);

/* The sequence hash of words[0:n] (see wm_internal.h). */
uint64_t wm_seqhash(const uint64_t *words, size_t n, uint64_t seed);

/* Hash of one token's text after the normalizer `norm` (WM_N_*). */
uint64_t wm_token_hash(const char *text, size_t len, uint8_t norm);

/* Fill exact/renamed/skeleton of units[0:n_units] from their event
 * ranges. n_idents bounds the ident ids used in events. */
int wm_hash_units(const wm_event *events, size_t n_events,
                  wm_unit *units, size_t n_units, uint32_t n_idents);

/* SipHash-2-4 of data[0:len] under the 16-byte key: the keyed PRF. */
uint64_t wm_siphash(const uint8_t *key, const void *data, size_t len);
/* out[i] = wm_siphash(key, words + i*stride, 8*stride) for i < n: the
 * PRF of each run of `stride` 64-bit words (as little-endian bytes). */
void wm_siphash_words(const uint8_t *key, const uint64_t *words, size_t stride,
                      size_t n, uint64_t *out);

/* A language: the grammar (a TSLanguage*) plus per-symbol tables of
 * length n_symbols: flags (WM_F_*), normalizers (WM_N_*), kind hashes, and
 * a field id (0 = none): the field naming a unit, or the operator of a
 * WM_F_ASSOC node. Copies the tables. Returns NULL and sets *status. */
wm_lang *wm_lang_new(const void *ts_language, const uint32_t *flags, const uint8_t *norms,
                     const uint64_t *kind_hashes, const uint16_t *name_fields,
                     uint32_t n_symbols, uint64_t error_kind_hash, int *status);
void wm_lang_free(wm_lang *lang);

/* Parse, walk and hash one file. On WM_OK *out owns the results. */
int wm_fingerprint(const wm_lang *lang, const char *source, size_t len,
                   wm_doc **out);
/* wm_fingerprint with flags: WM_FP_SPANS also records each event's byte
 * span (watermark diff's edit scripts point into the source with them):
 * ENTER and TOKEN get the node's [start, end), EXIT gets (0, 0). Spans
 * never enter a hash. Unknown flags: WM_EINVAL. */
#define WM_FP_SPANS 1
int wm_fingerprint_ex(const wm_lang *lang, const char *source, size_t len,
                      int flags, wm_doc **out);
/* wm_fingerprint_ex of `source`, with syntax its grammar cannot read
 * respelled (Language.parse). When the grammar reads `source` without
 * error, `respell` is never called (WM_READ_AS_IS). Otherwise it is asked,
 * with `found` NULL, for a respelling: it answers WM_RESPELL_TRY after
 * setting *alt (len bytes) and *probes / *n_probes (ranges to look up),
 * all valid and unchanged until this call returns. The parse of `source` stops at its
 * first error; alt is parsed afresh, or from source's tree if that parse
 * finished, and each later alternative from the one before it (the runs of
 * bytes that differ are the edits). The probes are looked up in alt's tree
 * (the context symbols' surroundings too), and it is asked again with them
 * in `found`. WM_RESPELL_KEEP: the last alternative tried stands,
 * and the document is its if the grammar reads it without error
 * (WM_READ_RESPELLED), else source's (WM_READ_UNREAD), as for
 * WM_RESPELL_NONE. wm_doc_reading says which. The callback must not
 * fingerprint on this thread (WM_EBUSY). */
#define WM_READ_AS_IS 0
#define WM_READ_RESPELLED 1
#define WM_READ_UNREAD 2
#define WM_RESPELL_NONE 0
#define WM_RESPELL_KEEP 1
#define WM_RESPELL_TRY 2
#define WM_PROBE_NONE 65534
typedef int (*wm_respell_fn)(void *ctx, const wm_probe *found, size_t n_found, const char **alt,
                             wm_probe **probes, size_t *n_probes);
int wm_fingerprint_respelled(const wm_lang *lang, const char *source, size_t len, int flags,
                             wm_respell_fn respell, void *ctx, const uint16_t *context,
                             size_t n_context, wm_doc **out);
int wm_doc_reading(const wm_doc *doc);
/* How many parses of a file to respell stopped early, at a certain error,
 * in this process (a diagnostic: the tests check the stop happens). */
uint64_t wm_parses_stopped(void);
void wm_doc_free(wm_doc *doc);
size_t wm_doc_n_units(const wm_doc *doc);
const wm_unit *wm_doc_units(const wm_doc *doc);
/* The elements of WM_F_ELEMENTS lists, in preorder: wm_unit records whose
 * parent is the enclosing unit and parent_node the list. No unit is an
 * element's child, so the units are the same with or without them. */
size_t wm_doc_n_elements(const wm_doc *doc);
const wm_unit *wm_doc_elements(const wm_doc *doc);
size_t wm_doc_n_events(const wm_doc *doc);
const wm_event *wm_doc_events(const wm_doc *doc);
/* 2 * wm_doc_n_events uint32 (start, end) when made with WM_FP_SPANS, else NULL. */
const uint32_t *wm_doc_spans(const wm_doc *doc);
uint32_t wm_doc_n_idents(const wm_doc *doc);
uint32_t wm_doc_n_nodes(const wm_doc *doc);
/* exact, renamed, skeleton of the whole file, then the syntax digest:
 * every node kind and every raw token text including comments, which
 * differs iff the concrete syntax tree differs (whitespace excluded). */
void wm_doc_file_hashes(const wm_doc *doc, uint64_t out[4]);
int wm_doc_has_error(const wm_doc *doc);

/* ---- provenance (wm_winnow.c) ---- */

/* Winnowed k-gram fingerprints of the token stream events[0:n] (see
 * wm_winnow.c): hashes[i] and the first event of its k-gram pos[i] (pos
 * may be NULL), at most cap of them (n is always enough; WM_EINVAL with
 * *n_out == cap when cap was too small). k >= 1, 1 <= w <= 4096. */
int wm_winnow(const wm_event *events, size_t n, uint32_t k, uint32_t w,
              uint64_t *hashes, uint32_t *pos, size_t cap, size_t *n_out);
/* The same over a fingerprinted document's own events. */
int wm_doc_winnow(const wm_doc *doc, uint32_t k, uint32_t w, uint64_t *hashes,
                  uint32_t *pos, size_t cap, size_t *n_out);

/* ---- carriers (wm_carriers.c; the rules are stated in watermark/core/carriers.py) ---- */

/* Per-symbol carrier rule classes (one uint32_t per symbol), which a
 * language's module gives the kinds its formatters treat alike. */
#define WM_C_SIBLINGS 15     /* sibling groups: A and B must share one bit */
#define WM_C_GUARD 16        /* B: a guard statement; not eligible when it
                                matches the language's guard pattern right
                                after a WM_C_GUARDED A (gofumpt removes the
                                blank line before `if err != nil {` after an
                                assignment) */
#define WM_C_GUARDED 32      /* A: what a guard follows */
#define WM_C_DIRECTIVE 64    /* a statement that is a directive when it is
                                a lone string (`"use strict"`): no blank
                                line next to one */
#define WM_C_FIRST_LINE 128  /* B: a member of a list that a formatter keeps
                                expanded only when its first member starts
                                a line (an object literal) */
/* Members of a list a formatter aligns in columns (WM_C_ALIGNED), with no
 * comment line before B, are eligible only when A's last line holds no
 * alignment cell (a blank line after it cannot split a section): */
#define WM_C_CELL_BARE 256   /* A holds a cell unless bare: no name, no
                                string, one line (an embedded field) */
#define WM_C_CELL_NAMES 512  /* A holds a cell unless it is names only */
#define WM_C_CELL_ELEMENT 1024 /* A holds no cell only in a list without
                                WM_C_KEYED_CELL members, in an enclosing
                                unit without comments */
#define WM_C_KEYED_CELL 2048 /* a key: value cell */
#define WM_C_COMMENTED_ONLY 4096 /* always holds a cell, or loses its blank
                                lines to a formatter: eligible only with
                                comment lines before B */
#define WM_C_ALIGNED 8192    /* a member of a list aligned in columns: the
                                four rules above apply */
#define WM_C_LONE_STRING 16384 /* a statement that may be a lone string
                                literal (a docstring; Python's quoting:
                                prefixes, triple quotes): no blank line
                                next to one */
#define WM_C_IMPORT 32768    /* an import: not eligible between an A that
                                is one and a B that is not, or comment
                                lines (formatters put one blank line after
                                imports, a comment line counting as code) */
#define WM_C_DEFINITION 65536 /* a definition whose blank lines the
                                formatter sets (a def, a class): not
                                eligible after an A that ends in one */

/* The options of a language's rules (wm_boundaries' `options`). */
#define WM_O_NO_TOP_LEVEL 1      /* top-level units carry nothing (their blank
                                    lines belong to the formatter) */
#define WM_O_TRAILING_COMMENTS 2 /* a unit may end in a trailing comment:
                                    never eligible after one */
#define WM_O_HASH_COMMENTS 4     /* comments are `#` to the end of the line
                                    (else `//` and block comments) */

/* The eligible boundaries of one fingerprinted file, in source order.
 * words gets WM_IDENTITY_WORDS uint64 per boundary, the input of its
 * identity: renamed A, renamed B, renamed the sibling before A and the
 * sibling after B (0 where there is none), and the occurrence index of
 * those four in the file; gaps gets 3 (end of A, end of A's line break,
 * start of B's line); both must hold n_units + n_elements entries. With
 * elements (wm_doc_elements), the boundaries between consecutive elements
 * of a list are among them too (wm_carriers.c:element_boundaries says
 * which), their occurrence word or'ed with WM_ELEMENT_BOUNDARY; with
 * n_elements 0 there are none. classes, options and
 * the guard pattern (`keyword IDENT != literal {`, either string NULL for
 * none) are the language's rules. flags: WM_B_LENIENT to read a suspect
 * copy: A's line may end in comments, and the gap may hold comment and
 * blank lines in any order; its bit is whether any line of it is blank (or
 * holds only an empty `//`), and gaps[3k+1], gaps[3k+2] delimit the first
 * such line (equal when there is none). Identity words never depend on
 * flags. */
#define WM_IDENTITY_WORDS 5
#define WM_B_LENIENT 2
#define WM_ELEMENT_BOUNDARY 0x8000000000000000
int wm_boundaries(const wm_unit *units, size_t n_units, const wm_unit *elements,
                  size_t n_elements, uint32_t n_nodes, const char *src, size_t len,
                  const uint32_t *classes,
                  uint32_t n_symbols, uint32_t options, const char *guard_keyword,
                  const char *guard_literal, int flags, uint64_t *words, uint64_t *gaps,
                  size_t *n_out);
/* bits[k] = 1 iff carrier gap k holds a blank line. */
int wm_read_bits(const char *src, size_t len, const uint64_t *gaps, size_t n,
                 uint8_t *bits);
/* Rewrite src with each gap holding no blank line (bit 0) or exactly one
 * in the line ending of A's line (bit 1). out_cap >= len + 2 * n. */
int wm_set_bits(const char *src, size_t len, const uint64_t *gaps, const uint8_t *bits,
                size_t n, char *out, size_t out_cap, size_t *out_len,
                uint64_t *added, uint64_t *removed);

/* Unbiased code. A vector is `words` (1 or 2, at most WM_LINEAR_WORDS)
 * 64-bit words, least significant first: 64-bit vectors in scheme 1,
 * 128-bit in scheme 2; h holds n such vectors, one after the other.
 * One recipient: bits[i] = parity(h[i] & vector) over all its words. */
#define WM_LINEAR_WORDS 2
int wm_linear_bits(const uint64_t *h, size_t words, size_t n, const uint64_t *vector, uint8_t *bits);
/* m recipients (vectors: m vectors): matches[r] = #{i : parity(h[i] &
 * vectors[r]) == observed[i] & 1}. */
int wm_score_linear(const uint64_t *h, size_t words, const uint8_t *observed, size_t n,
                    const uint64_t *vectors, size_t m, uint32_t *matches);
/* Sets of `size` (2..WM_XOR_MAX_SIZE) distinct indexes into the m vectors
 * whose XOR is target (meet in the middle: a table of the m(m-1)/2 pairs,
 * one lookup per (size - 2)-subset; m <= WM_XOR_MAX_VECTORS). Each set is
 * written ascending, size indexes, to out, at most cap sets, in no
 * particular order; *found = how many there are (may exceed cap). */
#define WM_XOR_MAX_SIZE 5
#define WM_XOR_MAX_VECTORS 4096
int wm_xor_sets(const uint64_t *vectors, size_t words, size_t m, const uint64_t *target,
                size_t size, uint32_t *out, size_t cap, size_t *found);
/* Tardos code, m recipients (16-byte PRF keys each): x = siphash(key_r,
 * identity) < thresholds[i]; the symmetric score with weights up/down. */
void wm_score_tardos(const uint64_t *identities, const uint8_t *observed,
                     const uint64_t *thresholds, const double *up, const double *down,
                     size_t n, const uint8_t *recipient_keys, size_t m,
                     double *scores, uint32_t *matches);

/* CDEF-END */

#endif
