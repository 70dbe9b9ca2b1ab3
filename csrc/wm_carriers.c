/* Carriers in C: eligible boundaries between sibling units, reading and
 * writing their blank-line bits, and scoring many recipients at once.
 *
 * The rules are stated in watermark/core/carriers.py and implemented in
 * Python as the reference in watermark/backend/reference/carriers.py; the
 * tests hold the two to identical output on generated programs and real
 * files. A language's rules reach the scan as tables its module under
 * watermark/languages/ builds: a rule class per symbol (WM_C_*), option
 * bits (WM_O_*) and a guard pattern, so no language is named here. */
#include <stdlib.h>
#include <string.h>

#include "wm_internal.h"

#define NONE 0xffffffffu

/* ---- gap scanners (byte-level mirrors of the reference's regexes) ---- */

static inline int is_blank(char c) { return c == ' ' || c == '\t'; }

/* A line comment starts at i: `#` (WM_O_HASH_COMMENTS) or `//`. */
static inline int line_comment(const char *s, size_t i, size_t end, int hash) {
    if (hash) return i < end && s[i] == '#';
    return i + 1 < end && s[i] == '/' && s[i + 1] == '/';
}

/* Only blanks, line breaks and comments in [i, end). */
static int only_comments(const char *s, size_t i, size_t end, int hash) {
    while (i < end) {
        if (is_blank(s[i]) || s[i] == '\r' || s[i] == '\n') {
            i++;
        } else if (line_comment(s, i, end, hash)) {
            while (i < end && s[i] != '\n') i++;
        } else if (!hash && s[i] == '/' && i + 1 < end && s[i + 1] == '*') {
            size_t k = i + 2;
            while (k + 1 < end && !(s[k] == '*' && s[k + 1] == '/')) k++;
            if (k + 1 >= end) return 0;
            i = k + 2;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The gap between A's end and B's start (mirrors _carriers._gap): A's line
 * end ([ \t]* [;,]? [ \t]* \r?\n), blank lines, comment lines if any, then
 * B's indentation. Sets *line_end (after A's line break), *last_line (start
 * of the first line that is not blank: a carrier's blank lines lie between
 * the two) and *commented (whether comments stand before B). */
static int gap_scan(const char *s, size_t i, size_t end, size_t *line_end, size_t *last_line,
                    int *commented, int hash) {
    while (i < end && is_blank(s[i])) i++;
    if (i < end && (s[i] == ';' || s[i] == ',')) i++;
    while (i < end && is_blank(s[i])) i++;
    if (i < end && s[i] == '\r' && i + 1 < end && s[i + 1] == '\n') i += 2;
    else if (i < end && s[i] == '\n') i++;
    else return 0;
    *line_end = i;
    for (;;) { /* blank lines */
        size_t k = i;
        while (k < end && is_blank(s[k])) k++;
        if (k < end && s[k] == '\r' && k + 1 < end && s[k + 1] == '\n') i = k + 2;
        else if (k < end && s[k] == '\n') i = k + 1;
        else break;
    }
    *last_line = i;
    while (i < end && is_blank(s[i])) i++;
    *commented = i < end;
    return only_comments(s, i, end, hash); /* comment lines */
}

/* The lenient gap (reading a suspect copy; mirrors
 * reference/carriers._lenient_gap): A's line end may hold `;`/`,` and
 * comments; then lines of blanks and comments in any order, then B's
 * indentation (comments allowed before B). A line is blank when it holds
 * nothing but blanks or an empty `//`. Sets [*blank_start, *blank_end) to
 * the first blank line (both at A's line end when there is none) and
 * *commented when a comment with text stands after A's line. */
static int lenient_scan(const char *s, size_t i, size_t end, size_t *blank_start, size_t *blank_end,
                        int *commented, int hash) {
    while (i < end && is_blank(s[i])) i++;
    if (i < end && (s[i] == ';' || s[i] == ',')) i++;
    int first = 1, content = 0, found = 0;
    size_t line = i;
    *commented = 0;
    while (i < end) {
        char c = s[i];
        if (is_blank(c) || c == '\r') {
            i++;
        } else if (c == '\n') {
            i++;
            if (first) {
                first = 0;
                *blank_start = *blank_end = i;
            } else if (!content && !found) {
                found = 1;
                *blank_start = line;
                *blank_end = i;
            }
            line = i;
            content = 0;
        } else if (line_comment(s, i, end, hash)) {
            size_t k = i + (hash ? 1 : 2);
            while (k < end && s[k] != '\n') {
                if (!is_blank(s[k]) && s[k] != '\r') content = 1;
                k++;
            }
            if (!first && content) *commented = 1;
            i = k;
        } else if (!hash && c == '/' && i + 1 < end && s[i + 1] == '*') {
            size_t k = i + 2;
            while (k + 1 < end && !(s[k] == '*' && s[k + 1] == '/')) k++;
            if (k + 1 >= end) return 0;
            for (size_t m = i; m < k; m++)
                if (s[m] == '\n') { /* a block over several lines: none of them blank */
                    if (first) { first = 0; *blank_start = *blank_end = m + 1; }
                }
            content = 1;
            if (!first) *commented = 1;
            i = k + 2;
        } else {
            return 0;
        }
    }
    return !first;
}

static inline int ident_start(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static inline int ident_char(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

/* The guard pattern at i: `keyword IDENT != literal {` (or ==). */
static int guard_at(const char *s, size_t i, size_t len, const char *keyword, const char *literal) {
    size_t kl = strlen(keyword), ll = strlen(literal);
    if (i + kl > len || memcmp(s + i, keyword, kl) != 0) return 0;
    i += kl;
    size_t j = i;
    while (i < len && is_blank(s[i])) i++;
    if (i == j || i >= len || !ident_start((unsigned char)s[i])) return 0;
    while (i < len && ident_char((unsigned char)s[i])) i++;
    while (i < len && is_blank(s[i])) i++;
    if (i + 2 > len || (s[i] != '!' && s[i] != '=') || s[i + 1] != '=') return 0;
    i += 2;
    while (i < len && is_blank(s[i])) i++;
    if (i + ll > len || memcmp(s + i, literal, ll) != 0) return 0;
    i += ll;
    while (i < len && is_blank(s[i])) i++;
    return i < len && s[i] == '{';
}

/* A directive over exactly [i, end): a quoted string, blanks, maybe `;`. */
static int directive(const char *s, size_t i, size_t end) {
    if (i >= end || (s[i] != '\'' && s[i] != '"')) return 0;
    char q = s[i++];
    for (;;) {
        if (i >= end || s[i] == '\n') return 0;
        if (s[i] == q) break;
        if (s[i] == '\\') {
            if (i + 1 >= end || s[i + 1] == '\n') return 0;
            i += 2;
        } else {
            i++;
        }
    }
    i++;
    while (i < end && is_blank(s[i])) i++;
    if (i < end && s[i] == ';') i++;
    return i == end;
}

/* Any line comment mark on the unit's last line (`//`, or `#` with hash),
 * or a final `*` `/`. */
static int ends_in_comment(const char *s, size_t start, size_t end, int hash) {
    size_t line = start;
    for (size_t k = end; k > start; k--)
        if (s[k - 1] == '\n') { line = k; break; }
    for (size_t k = line; k < end; k++)
        if (line_comment(s, k, end, hash)) return 1;
    return !hash && end - start >= 2 && s[end - 2] == '*' && s[end - 1] == '/';
}

/* Only blanks between the previous line break and pos (and there is a
 * previous line break). */
static int starts_line(const char *s, size_t pos) {
    for (size_t k = pos; k > 0; k--) {
        if (s[k - 1] == '\n') return 1;
        if (!is_blank(s[k - 1])) return 0;
    }
    return 0;
}

/* Names only ("A", "A, B"; a Go const spec with no type and no value), so
 * no alignment cell on its line. */
static int names_only(const char *s, size_t i, size_t end) {
    int state = 0; /* 0: a name is due, 1: in a name, 2: blanks after a name */
    for (; i < end; i++) {
        unsigned char c = (unsigned char)s[i];
        if (ident_char(c)) {
            if (state == 2) return 0; /* `A T`: a type follows the name */
            state = 1;
        } else if (c == ',') {
            if (state == 0) return 0;
            state = 0;
        } else if (is_blank((char)c)) {
            if (state == 1) state = 2;
        } else {
            return 0;
        }
    }
    return state == 1;
}

/* A bare member: no name, no string, one line (a Go embedded field
 * without tag, "sync.Mutex", "*Node"): no cell. */
static int bare_member(const wm_unit *u, const char *s) {
    if (u->name_end > u->name_start) return 0;
    for (size_t i = u->start_byte; i < u->end_byte; i++)
        if (s[i] == '"' || s[i] == '`' || s[i] == '\n') return 0;
    return 1;
}

static int has_comment(const char *s, size_t i, size_t end, int hash) {
    for (; i < end; i++)
        if (hash ? s[i] == '#' : (i + 1 < end && s[i] == '/' && (s[i + 1] == '/' || s[i + 1] == '*'))) return 1;
    return 0;
}

/* The end of the Python string literal at i (prefix letters, then a
 * quoted or triple-quoted body), or 0 when none ends before `end`. */
static size_t string_end(const char *s, size_t i, size_t end) {
    size_t k = i;
    while (k < end && k - i < 3 && ((s[k] | 32) >= 'a' && (s[k] | 32) <= 'z')) k++;
    if (k >= end || (s[k] != '\'' && s[k] != '"')) return 0;
    char q = s[k];
    int triple = k + 2 < end && s[k + 1] == q && s[k + 2] == q;
    k += triple ? 3 : 1;
    while (k < end) {
        if (s[k] == '\\') {
            k += 2;
            continue;
        }
        if (s[k] == q) {
            if (!triple) return k + 1;
            if (k + 2 < end && s[k + 1] == q && s[k + 2] == q) return k + 3;
        } else if (!triple && s[k] == '\n') {
            return 0;
        }
        k++;
    }
    return 0;
}

/* [i, end) is string literals only (a docstring, implicitly concatenated
 * strings), with blanks, line breaks, continuations, parentheses and a
 * final `;` between them. */
static int lone_string(const char *s, size_t i, size_t end) {
    int strings = 0;
    while (i < end) {
        char c = s[i];
        if (is_blank(c) || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '\\' || c == ';') {
            i++;
            continue;
        }
        size_t k = string_end(s, i, end);
        if (!k) return 0;
        strings++;
        i = k;
    }
    return strings > 0;
}

/* ---- occurrence counts of identity windows: open addressing ---- */

typedef struct {
    uint64_t w[4]; /* renamed A, B, the sibling before A, the sibling after B */
    uint32_t count;
    uint32_t used;
} window_slot;

static uint32_t *window_count(window_slot *t, size_t mask, const uint64_t w[4]) {
    size_t h = (size_t)wm_avalanche(w[0] ^ wm_rotl(w[1], 16) ^ wm_rotl(w[2], 32) ^ wm_rotl(w[3], 48)) & mask;
    while (t[h].used) {
        if (memcmp(t[h].w, w, sizeof t[h].w) == 0) return &t[h].count;
        h = (h + 1) & mask;
    }
    t[h].used = 1;
    memcpy(t[h].w, w, sizeof t[h].w);
    t[h].count = 0;
    return &t[h].count;
}

/* ---- element boundaries (the elements of WM_F_ELEMENTS lists) ---- */

#define LENIENT_WIDTH 40

/* [i, end) reads as a number, maybe signed (`1`, `-0x1F`, `.5e-3`, `1_000n`);
 * generous (`1-2` passes), so more arrays count as all numbers, never fewer. */
static int number_like(const char *s, size_t i, size_t end) {
    if (i < end && (s[i] == '-' || s[i] == '+')) i++;
    while (i < end && is_blank(s[i])) i++;
    if (i < end && s[i] == '.') i++;
    if (i >= end || s[i] < '0' || s[i] > '9') return 0;
    for (; i < end; i++)
        if (!ident_char((unsigned char)s[i]) && s[i] != '.' && s[i] != '+' && s[i] != '-') return 0;
    return 1;
}

/* The width of [i, end) on one line, counted up to just past `cap`: its
 * characters (UTF-8 lead bytes) without line breaks and the indentation
 * after them (a formatter joining it adds at most a space each). The cap
 * keeps nested lists linear: a list's width matters only up to 81. */
static size_t flat_width(const char *s, size_t i, size_t end, size_t cap) {
    size_t w = 0;
    int line_start = 0;
    for (; i < end && w <= cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r') line_start = 1;
        else if (line_start && is_blank((char)c)) continue;
        else {
            line_start = 0;
            w += (c & 0xC0) != 0x80;
        }
    }
    return w;
}

/* Only blanks, line breaks and at most one `,` in [i, end), with a line
 * break after the `,` (or anywhere when there is none). */
static int element_gap(const char *s, size_t i, size_t end, int need_break) {
    int comma = 0, broken = 0;
    for (; i < end; i++) {
        char c = s[i];
        if (c == ',') {
            if (comma++ || broken) return 0;
        } else if (c == '\n') {
            broken = 1;
        } else if (!is_blank(c) && c != '\r') {
            return 0;
        }
    }
    return broken || !need_break;
}

/* The boundaries between consecutive elements of each list. Strict: only
 * in a list a formatter keeps broken one element a line with its blank lines
 * (prettier): every element starts its own line, nothing but `,` and
 * whitespace stands between the `[`, the elements and the `]` (no comment),
 * not every element is a number (prettier fills those), and the elements
 * are over 80 characters flat (prettier joins a list that fits). Lenient (a
 * suspect's layout is whatever a leaker made it): in a list not all numbers
 * and over LENIENT_WIDTH characters flat (renaming may shorten it), every pair
 * whose gap scans; lists no release can have marked add no noise. Identity windows are the elements' (the sibling
 * before A and after B being elements too), their occurrence word carrying
 * WM_ELEMENT_BOUNDARY. */
static int element_boundaries(const wm_unit *el, size_t n, uint32_t n_nodes, const char *src, size_t len,
                              int lenient, int hash, window_slot *table, size_t cap, uint64_t *words,
                              uint64_t *gaps, size_t *n_out) {
    size_t out = 0;
    int status = WM_OK;
    uint32_t *last = malloc((size_t)n_nodes * sizeof *last);
    uint32_t *before = malloc((n + 1) * sizeof *before), *after = malloc((n + 1) * sizeof *after);
    uint32_t *head = malloc((n + 1) * sizeof *head);          /* each element's list: its first element */
 uint8_t *fit = calloc(n + 1, 1);                     /* per head: 1 unfit (strict) */
    uint8_t *numbers = malloc(n + 1);                    /* per head: every element a number */
    size_t *width = calloc(n + 1, sizeof *width);            /* per head: flat width of the elements */
    if (!last || !before || !after || !head || !fit || !numbers || !width) {
        status = WM_ENOMEM;
        goto done;
    }
    memset(last, 0xff, (size_t)n_nodes * sizeof *last);
    memset(after, 0xff, n * sizeof *after);
    for (size_t k = 0; k < n; k++) {
        const wm_unit *u = &el[k];
        uint32_t c = u->parent_node;
        if (c >= n_nodes || u->start_byte > u->end_byte || u->end_byte > len) {
            status = WM_EINVAL;
            goto done;
        }
        before[k] = last[c];
        if (last[c] == NONE) {
            head[k] = (uint32_t)k;
            numbers[k] = 1;
            /* `[`, then only blanks and line breaks, and a line break */
            size_t i = u->start_byte;
            int broken = 0;
            while (i > 0 && (is_blank(src[i - 1]) || src[i - 1] == '\r' || src[i - 1] == '\n'))
                broken |= src[--i] == '\n';
            if (!broken || i == 0 || src[i - 1] != '[') fit[k] = 1;
        } else {
            uint32_t a = last[c];
            after[a] = (uint32_t)k;
            head[k] = head[a];
            if (el[a].end_byte > u->start_byte || !element_gap(src, el[a].end_byte, u->start_byte, 1))
                fit[head[k]] = 1;
        }
        last[c] = (uint32_t)k;
        uint32_t h = head[k];
        if (numbers[h] && !number_like(src, u->start_byte, u->end_byte)) numbers[h] = 0;
        if (width[h] <= 80) width[h] += flat_width(src, u->start_byte, u->end_byte, 80 - width[h]) + 2;
    }
    /* after the last element: `,` and whitespace, then `]` */
    for (size_t k = 0; k < n; k++) {
        if (after[k] != NONE) continue;
        size_t i = el[k].end_byte;
        while (i < len && (is_blank(src[i]) || src[i] == '\r' || src[i] == '\n' || src[i] == ','))
            i++;
        if (i >= len || src[i] != ']' || !element_gap(src, el[k].end_byte, i, 0)) fit[head[k]] = 1;
    }
    for (size_t j = 0; j < n; j++) {
        uint32_t i = before[j], h = head[j];
        if (i == NONE) continue;
        const wm_unit *a = &el[i], *b = &el[j];
        uint64_t window[4] = {a->renamed, b->renamed, before[i] == NONE ? 0 : el[before[i]].renamed,
                              after[j] == NONE ? 0 : el[after[j]].renamed};
        uint32_t *occ = window_count(table, cap - 1, window);
        uint32_t occurrence = (*occ)++;
        if (a->has_error || b->has_error) continue;
        if (numbers[h] || width[h] <= (lenient ? LENIENT_WIDTH : 80) || (!lenient && fit[h])) continue;
        size_t line_end = 0, last_line = 0;
        int comment_lines = 0;
        if (a->end_byte > b->start_byte) continue;
        if (lenient ? !lenient_scan(src, a->end_byte, b->start_byte, &line_end, &last_line, &comment_lines, hash)
                    : !gap_scan(src, a->end_byte, b->start_byte, &line_end, &last_line, &comment_lines, hash))
            continue;
        uint64_t *w = words + WM_IDENTITY_WORDS * out, *g = gaps + 3 * out;
        memcpy(w, window, sizeof window);
        w[4] = occurrence | WM_ELEMENT_BOUNDARY;
        g[0] = a->end_byte;
        g[1] = line_end;
        g[2] = last_line;
        out++;
    }
done:
    free(last);
    free(before);
    free(after);
    free(head);
    free(fit);
    free(numbers);
    free(width);
    *n_out = out;
    return status;
}

/* Merges the boundaries [0, n) and [n, n + m) (each in source order) into
 * one run in source order; an element boundary in a unit boundary's gap
 * (a list member that is also a unit) is dropped. *total gets the count. */
static int merge_runs(uint64_t *words, uint64_t *gaps, size_t n, size_t m, size_t *total) {
    uint64_t *w = malloc((n + m) * WM_IDENTITY_WORDS * sizeof *w), *g = malloc((n + m) * 3 * sizeof *g);
    if (!w || !g) {
        free(w);
        free(g);
        return WM_ENOMEM;
    }
    size_t i = 0, j = n, o = 0;
    while (i < n || j < n + m) {
        size_t k;
        if (j == n + m || (i < n && gaps[3 * i] <= gaps[3 * j])) {
            k = i++;
            if (j < n + m && gaps[3 * j] == gaps[3 * k]) j++;
        } else {
            k = j++;
        }
        memcpy(w + WM_IDENTITY_WORDS * o, words + WM_IDENTITY_WORDS * k, WM_IDENTITY_WORDS * sizeof *w);
        memcpy(g + 3 * o, gaps + 3 * k, 3 * sizeof *g);
        o++;
    }
    memcpy(words, w, o * WM_IDENTITY_WORDS * sizeof *w);
    memcpy(gaps, g, o * 3 * sizeof *g);
    free(w);
    free(g);
    *total = o;
    return WM_OK;
}

WM_EXPORT int wm_boundaries(const wm_unit *units, size_t n_units, const wm_unit *elements,
                            size_t n_elements, uint32_t n_nodes, const char *src, size_t len,
                            const uint32_t *classes, uint32_t n_symbols, uint32_t options,
                            const char *guard_keyword, const char *guard_literal, int flags,
                            uint64_t *words, uint64_t *gaps, size_t *n_out) {
    const int lenient = flags & WM_B_LENIENT;
    const int guards = guard_keyword && guard_literal;
    const int hash = (options & WM_O_HASH_COMMENTS) != 0;
    *n_out = 0;
    if (n_units < 2 && n_elements < 2) return WM_OK;
    uint32_t *last = malloc((size_t)n_nodes * sizeof *last);
    uint32_t *first = malloc((size_t)n_nodes * sizeof *first);
    uint32_t *before = malloc((n_units + 1) * sizeof *before); /* sibling before each unit */
    uint32_t *after = malloc((n_units + 1) * sizeof *after);   /* and after it */
    size_t cap = 16;
    while (cap < 2 * (n_units + n_elements)) cap <<= 1;
    window_slot *table = calloc(cap, sizeof *table);
    /* per container, whether a member is a key: value cell; per unit,
     * whether it contains a comment (-1: not computed yet) */
    uint8_t *list_cells = calloc(n_nodes, 1);
    int8_t *commented = malloc(n_units + 1);
    uint8_t *ends_in_definition = calloc(n_units + 1, 1); /* per unit: its last code is a WM_C_DEFINITION unit */
    size_t n = 0;
    int status = WM_OK;
    if (!last || !first || !before || !after || !table || !list_cells || !commented || !ends_in_definition) {
        status = WM_ENOMEM;
        goto done;
    }
    memset(last, 0xff, (size_t)n_nodes * sizeof *last);
    memset(after, 0xff, n_units * sizeof *after);
    memset(commented, -1, n_units);
    for (size_t k = 0; k < n_units; k++) {
        const wm_unit *u = &units[k];
        uint32_t c = u->parent_node;
        if (c >= n_nodes || u->parent >= (int32_t)n_units || u->start_byte > u->end_byte || u->end_byte > len) {
            status = WM_EINVAL;
            goto done;
        }
        before[k] = last[c];
        if (last[c] == NONE) first[c] = (uint32_t)k;
        else after[last[c]] = (uint32_t)k;
        last[c] = (uint32_t)k;
        if (u->symbol < n_symbols && (classes[u->symbol] & WM_C_KEYED_CELL)) list_cells[c] = 1;
    }
    /* the units whose code ends in a definition: it, and each enclosing unit
     * with nothing but comments after it */
    for (size_t k = 0; k < n_units; k++) {
        const wm_unit *d = &units[k];
        if (d->symbol >= n_symbols || !(classes[d->symbol] & WM_C_DEFINITION)) continue;
        ends_in_definition[k] = 1;
        for (int32_t p = d->parent, below = (int32_t)k; p >= 0 && p < below; below = p, p = units[p].parent) {
            if (units[p].end_byte < d->end_byte || !only_comments(src, d->end_byte, units[p].end_byte, hash)) break;
            ends_in_definition[p] = 1;
        }
    }
    for (size_t j = 0; j < n_units; j++) {
        const wm_unit *b = &units[j];
        uint32_t c = b->parent_node, i = before[j];
        if (i == NONE) continue;
        const wm_unit *a = &units[i];
        uint64_t window[4] = {a->renamed, b->renamed, before[i] == NONE ? 0 : units[before[i]].renamed,
                              after[j] == NONE ? 0 : units[after[j]].renamed};
        uint32_t *occ = window_count(table, cap - 1, window);
        uint32_t occurrence = (*occ)++;
        if (a->has_error || b->has_error) continue;
        /* symbols past the table (ERROR is 0xffff) are in no class */
        uint32_t ca = a->symbol < n_symbols ? classes[a->symbol] : 0;
        uint32_t cb = b->symbol < n_symbols ? classes[b->symbol] : 0;
        if (!(ca & cb & WM_C_SIBLINGS)) continue;
        /* A's end without trailing whitespace (some units take the line
         * breaks after them, like tree-sitter-go's case clauses); a comment
         * there would end up above the carrier */
        size_t a_end = a->end_byte, b_start = b->start_byte, line_end = 0, last_line = 0;
        while (a_end > a->start_byte && (is_blank(src[a_end - 1]) || src[a_end - 1] == '\r' ||
                                         src[a_end - 1] == '\n'))
            a_end--;
        if (!lenient && ((options & WM_O_TRAILING_COMMENTS) || a_end < a->end_byte) &&
            ends_in_comment(src, a->start_byte, a_end, hash))
            continue;
        int comment_lines = 0;
        if (a_end > b_start)
            continue;
        if (lenient ? !lenient_scan(src, a_end, b_start, &line_end, &last_line, &comment_lines, hash)
                    : !gap_scan(src, a_end, b_start, &line_end, &last_line, &comment_lines, hash))
            continue;
        if ((options & WM_O_NO_TOP_LEVEL) && b->parent < 0) continue;
        if (guards && (cb & WM_C_GUARD) && (ca & WM_C_GUARDED) &&
            guard_at(src, b_start, len, guard_keyword, guard_literal))
            continue;
        /* aligned list members with no comment line before B: only after an
         * A whose last line holds no alignment cell */
        if ((ca & cb & WM_C_ALIGNED) && !comment_lines) {
            if ((ca | cb) & WM_C_COMMENTED_ONLY) continue;
            if ((ca & WM_C_CELL_BARE) && !bare_member(a, src)) continue;
            if ((ca & WM_C_CELL_NAMES) && !names_only(src, a->start_byte, a_end)) continue;
            if (ca & WM_C_CELL_ELEMENT) {
                if (list_cells[c]) continue;
                int32_t p = b->parent;
                if (p < 0) continue;
                if (commented[p] < 0)
                    commented[p] = (int8_t)has_comment(src, units[p].start_byte, units[p].end_byte, hash);
                if (commented[p]) continue;
            }
        }
        if ((ca & WM_C_IMPORT) && (!(cb & WM_C_IMPORT) || comment_lines)) continue;
        if (ends_in_definition[i]) continue;
        if ((ca & WM_C_LONE_STRING) && lone_string(src, a->start_byte, a_end)) continue;
        if ((cb & WM_C_LONE_STRING) && lone_string(src, b_start, b->end_byte)) continue;
        if ((ca & WM_C_DIRECTIVE) && directive(src, a->start_byte, a_end)) continue;
        if ((cb & WM_C_DIRECTIVE) && directive(src, b_start, b->end_byte)) continue;
        if ((cb & WM_C_FIRST_LINE) && !starts_line(src, units[first[c]].start_byte)) continue;
        uint64_t *w = words + WM_IDENTITY_WORDS * n, *g = gaps + 3 * n;
        memcpy(w, window, sizeof window);
        w[4] = occurrence;
        g[0] = a_end;
        g[1] = line_end;
        g[2] = last_line;
        n++;
    }
    if (n_elements > 1) { /* then the elements', merged in by gap */
        size_t m = 0;
        status = element_boundaries(elements, n_elements, n_nodes, src, len, lenient, hash, table, cap,
                                    words + WM_IDENTITY_WORDS * n, gaps + 3 * n, &m);
        if (status == WM_OK && m) status = merge_runs(words, gaps, n, m, &n);
    }
done:
    free(last);
    free(first);
    free(before);
    free(after);
    free(table);
    free(list_cells);
    free(commented);
    free(ends_in_definition);
    *n_out = n;
    return status;
}

/* ---- bits in gaps ---- */

static size_t count_newlines(const char *s, size_t from, size_t to) {
    size_t k = 0;
    for (size_t i = from; i < to; i++) k += s[i] == '\n';
    return k;
}

WM_EXPORT int wm_read_bits(const char *src, size_t len, const uint64_t *gaps, size_t n,
                           uint8_t *bits) {
    for (size_t k = 0; k < n; k++) {
        uint64_t line_end = gaps[3 * k + 1], last_line = gaps[3 * k + 2];
        if (line_end > last_line || last_line > len) return WM_EINVAL;
        bits[k] = count_newlines(src, line_end, last_line) > 0;
    }
    return WM_OK;
}

WM_EXPORT int wm_set_bits(const char *src, size_t len, const uint64_t *gaps, const uint8_t *bits,
                          size_t n, char *out, size_t out_cap, size_t *out_len,
                          uint64_t *added, uint64_t *removed) {
    size_t pos = 0, o = 0;
    uint64_t add = 0, rem = 0;
    for (size_t k = 0; k < n; k++) {
        size_t line_end = gaps[3 * k + 1], last_line = gaps[3 * k + 2];
        if (line_end < pos || line_end > last_line || last_line > len || line_end < 1)
            return WM_EINVAL;
        int crlf = line_end >= 2 && src[line_end - 2] == '\r' && src[line_end - 1] == '\n';
        const char *middle = bits[k] ? (crlf ? "\r\n" : "\n") : "";
        size_t mlen = strlen(middle);
        if (last_line - line_end == mlen && memcmp(src + line_end, middle, mlen) == 0) continue;
        size_t blank = count_newlines(src, line_end, last_line);
        size_t keep = line_end - pos;
        if (o + keep + mlen > out_cap) return WM_ETOOBIG;
        memcpy(out + o, src + pos, keep);
        o += keep;
        memcpy(out + o, middle, mlen);
        o += mlen;
        pos = last_line;
        if (bits[k] > blank) add += bits[k] - blank;
        if (blank > bits[k]) rem += blank - bits[k];
    }
    if (o + (len - pos) > out_cap) return WM_ETOOBIG;
    memcpy(out + o, src + pos, len - pos);
    *out_len = o + (len - pos);
    *added = add;
    *removed = rem;
    return WM_OK;
}

/* ---- scoring ---- */

/* Unbiased code, many recipients, bit-sliced: 64 carriers at a time are
 * transposed into 64 bit planes (plane b holds bit b of each carrier's
 * vector), so one recipient's 64 parities are the XOR of the planes its
 * vector selects. For each block the XOR of every combination of 8
 * consecutive planes is tabulated once (the "four Russians" trick); then a
 * recipient costs 8 lookups, 8 XORs and a popcount per 64 carriers instead
 * of an AND and a parity per carrier. Blocks are taken CHUNK at a time so
 * the tables stay in cache while every recipient passes over them. */
enum { WM_CHUNK = 32, WM_TABLE = 8 * 256 };

/* The bit planes of `count` (<= 64) words h[0], h[stride], ...: plane b
 * holds bit b of every word, so the parities of the 64 carriers with one
 * recipient's word are the XOR of the planes its set bits select, read 8 bits
 * at a time from 8 tables of 256 entries. */
static void plane_tables(const uint64_t *h, size_t stride, size_t count, uint64_t *table) {
    uint64_t planes[64] = {0};
    for (size_t j = 0; j < count; j++)
        for (uint64_t x = h[j * stride]; x; x &= x - 1) planes[__builtin_ctzll(x)] |= 1ULL << j;
    for (unsigned g = 0; g < 8; g++) {
        uint64_t *t = table + 256 * g;
        t[0] = 0;
        for (unsigned v = 1; v < 256; v++)
            t[v] = t[v & (v - 1)] ^ planes[8 * g + (unsigned)__builtin_ctz(v)];
    }
}

static inline uint64_t plane_parities(const uint64_t *t, uint64_t s) {
    return t[s & 255] ^ t[256 + ((s >> 8) & 255)] ^ t[512 + ((s >> 16) & 255)] ^
           t[768 + ((s >> 24) & 255)] ^ t[1024 + ((s >> 32) & 255)] ^ t[1280 + ((s >> 40) & 255)] ^
           t[1536 + ((s >> 48) & 255)] ^ t[1792 + (s >> 56)];
}

WM_EXPORT int wm_score_linear(const uint64_t *h, size_t words, const uint8_t *observed, size_t n,
                              const uint64_t *vectors, size_t m, uint32_t *matches) {
    for (size_t r = 0; r < m; r++) matches[r] = 0;
    if (words < 1 || words > WM_LINEAR_WORDS) return WM_EINVAL;
    if (n == 0 || m == 0) return WM_OK;
    uint64_t *tables = malloc(WM_CHUNK * words * WM_TABLE * sizeof *tables);
    if (!tables) return WM_ENOMEM;
    uint64_t seen[WM_CHUNK], valid[WM_CHUNK];
    size_t blocks = (n + 63) / 64;
    for (size_t first = 0; first < blocks; first += WM_CHUNK) {
        size_t nb = blocks - first < WM_CHUNK ? blocks - first : WM_CHUNK;
        uint32_t carriers = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t base = 64 * (first + k), count = n - base < 64 ? n - base : 64;
            for (size_t w = 0; w < words; w++)
                plane_tables(h + base * words + w, words, count, tables + (k * words + w) * WM_TABLE);
            seen[k] = 0;
            for (size_t j = 0; j < count; j++) seen[k] |= (uint64_t)(observed[base + j] & 1) << j;
            valid[k] = count == 64 ? ~0ULL : (1ULL << count) - 1;
            carriers += (uint32_t)count;
        }
        for (size_t r = 0; r < m; r++) {
            const uint64_t *s = vectors + r * words;
            uint32_t mismatches = 0;
            for (size_t k = 0; k < nb; k++) {
                uint64_t parities = 0;
                for (size_t w = 0; w < words; w++)
                    parities ^= plane_parities(tables + (k * words + w) * WM_TABLE, s[w]);
                mismatches += (uint32_t)__builtin_popcountll((parities ^ seen[k]) & valid[k]);
            }
            matches[r] += carriers - mismatches;
        }
    }
    free(tables);
    return WM_OK;
}

WM_EXPORT int wm_linear_bits(const uint64_t *h, size_t words, size_t n, const uint64_t *vector, uint8_t *bits) {
    if (words < 1 || words > WM_LINEAR_WORDS) return WM_EINVAL;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0;
        for (size_t w = 0; w < words; w++) x ^= h[i * words + w] & vector[w];
        bits[i] = (uint8_t)__builtin_parityll(x);
    }
    return WM_OK;
}

WM_EXPORT void wm_score_tardos(const uint64_t *identities, const uint8_t *observed,
                               const uint64_t *thresholds, const double *up, const double *down,
                               size_t n, const uint8_t *recipient_keys, size_t m,
                               double *scores, uint32_t *matches) {
    for (size_t r = 0; r < m; r++) {
        const uint8_t *key = recipient_keys + 16 * r;
        double total = 0.0;
        uint32_t same = 0;
        for (size_t i = 0; i < n; i++) {
            int x = wm_siphash(key, &identities[i], 8) < thresholds[i];
            int y = observed[i];
            same += x == y;
            if (y) total += x ? up[i] : -down[i];
            else total += x ? -up[i] : down[i];
        }
        scores[r] = total;
        matches[r] = same;
    }
}
