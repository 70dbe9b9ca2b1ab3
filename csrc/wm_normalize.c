/* Token text normalization: the spellings a formatter may change without
 * changing the program map to one canonical text before hashing. Each
 * symbol of a language has one normalizer (WM_N_*, from its module under
 * watermark/languages/):
 *   every token     CR LF -> LF (raw strings lose CR; template values
 *                   normalize CR LF to LF)
 *   WM_N_QUOTED     quotes dropped, escaped quotes unescaped, needless
 *                   escapes (`\d` -> `d`) dropped: what prettier rewrites
 *   WM_N_NUMBER     lower case, no `+`/leading zeros in exponents, no `e0`,
 *                   leading `0` before `.`, no trailing fraction zeros or dot
 *                   (of a Python imaginary literal's number: `0.j` is `0.0j`)
 *   WM_N_NUMBER_CASE  lower case (gofmt lowercases prefixes and exponents),
 *                   `0123i` -> `123i`
 *   WM_N_CHARS      the characters in byte order (regex flags: a set)
 *   WM_N_PY_STRING  a Python string: prefix lower case without `u`, quotes
 *                   dropped, escaped quotes unescaped; a triple-quoted body
 *                   marked by a 0x01 and stripped of blanks and line breaks
 *                   (black and ruff re-indent docstrings, strip their
 *                   trailing blanks, swap ' and ") */
#include <stdlib.h>
#include <string.h>

#include "wm_internal.h"

int wm_buf_reserve(wm_buf *b, size_t cap) {
    if (cap <= b->cap) return WM_OK;
    size_t n = b->cap ? b->cap : 256;
    while (n < cap) n *= 2;
    char *p = (char *)realloc(b->data, n);
    if (!p) return WM_ENOMEM;
    b->data = p;
    b->cap = n;
    return WM_OK;
}

void wm_buf_free(wm_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_kept_escape(unsigned char d) {
    return d == '\n' || d == '\r' || (d >= '0' && d <= '7') || d == '\\' ||
           d == 'b' || d == 'f' || d == 'n' || d == 'r' || d == 't' ||
           d == 'u' || d == 'v' || d == 'x';
}

static size_t put_crlf_free(char *o, const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
        o[k++] = s[i];
    }
    return k;
}

static size_t norm_quoted(char *o, const char *s, size_t n) {
    if (n < 2) return put_crlf_free(o, s, n);
    const unsigned char *c = (const unsigned char *)s + 1;
    size_t m = n - 2, k = 0;
    for (size_t i = 0; i < m;) {
        if (c[i] == '\r' && i + 1 < m && c[i + 1] == '\n') {
            i++;
            continue;
        }
        if (c[i] != '\\' || i + 1 >= m) {
            o[k++] = (char)c[i++];
            continue;
        }
        unsigned char d = c[i + 1];
        if (d == '\'' || d == '"') {
            o[k++] = (char)d;
            i += 2;
        } else if (is_kept_escape(d)) {
            o[k++] = '\\';
            o[k++] = (char)d;
            i += 2;
        } else if (d == 0xE2 && i + 3 < m && c[i + 2] == 0x80 &&
                   (c[i + 3] == 0xA8 || c[i + 3] == 0xA9)) {
            o[k++] = '\\'; /* \u2028, \u2029: escape kept */
            i++;
        } else {
            i++; /* needless escape: drop the backslash */
        }
    }
    return k;
}

static size_t norm_number(char *o, const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) o[i] = lower(s[i]);
    k = n;
    if (k >= 2 && o[k - 1] == 'j') { /* a Python imaginary literal: its number, then `j` */
        char inner[512];
        size_t m = norm_number(inner, o, k - 1);
        memcpy(o, inner, m);
        o[m] = 'j';
        return m + 1;
    }
    if (k >= 2 && o[0] == '0' && (o[1] == 'x' || o[1] == 'o' || o[1] == 'b'))
        return k;
    if (k >= 1 && o[k - 1] == 'n') return k; /* BigInt */
    /* split mantissa / exponent */
    size_t e = 0;
    while (e < k && o[e] != 'e') e++;
    char mant[512], expo[512];
    size_t ml = e < sizeof mant - 2 ? e : sizeof mant - 2;
    memcpy(mant, o, ml);
    size_t el = 0;
    int neg = 0;
    if (e < k) {
        size_t i = e + 1;
        if (i < k && (o[i] == '+' || o[i] == '-')) neg = o[i++] == '-';
        while (i < k && o[i] == '0') i++;
        while (i < k && el < sizeof expo) expo[el++] = o[i++];
    }
    /* mantissa: leading 0 before '.', no trailing fraction zeros or dot */
    size_t out = 0;
    if (ml > 0 && mant[0] == '.') o[out++] = '0';
    memcpy(o + out, mant, ml);
    out += ml;
    if (memchr(mant, '.', ml)) {
        while (out > 0 && o[out - 1] == '0') out--;
        if (out > 0 && o[out - 1] == '.') out--;
    }
    if (el > 0) {
        o[out++] = 'e';
        if (neg) o[out++] = '-';
        memcpy(o + out, expo, el);
        out += el;
    }
    return out;
}

static size_t norm_number_case(char *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) o[i] = lower(s[i]);
    if (n >= 2 && o[n - 1] == 'i' && o[0] == '0') {
        for (size_t i = 0; i + 1 < n; i++)
            if (!((o[i] >= '0' && o[i] <= '9') || o[i] == '_')) return n;
        size_t z = 0;
        while (z + 2 < n && o[z] == '0') z++;
        memmove(o, o + z, n - z);
        return n - z;
    }
    return n;
}

/* Characters in byte order (regex flags: `/x/ig` and `/x/gi` are one regex). */
static size_t norm_chars(char *o, const char *s, size_t n) {
    if (n > 64) return put_crlf_free(o, s, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        size_t j = i;
        for (; j > 0 && (unsigned char)o[j - 1] > (unsigned char)c; j--) o[j] = o[j - 1];
        o[j] = c;
    }
    return n;
}

static inline int is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One Python string literal at s[*at]: its prefix letters are or'ed into
 * *prefix (a bit per letter), its body appended to o at *k (a triple-quoted
 * body after a 0x01, without blanks or line breaks), escaped quotes
 * unescaped, hex escapes lower case and `\N{...}` names upper case, as
 * black writes them; in an f-string, no blanks inside the replacement
 * fields (ruff format spaces their operators). 0 when no literal starts
 * there. */
static int py_literal(char *o, size_t *k, const char *s, size_t n, size_t *at, uint32_t *prefix) {
    size_t i = *at, p = i;
    while (i < n && i - p < 3 && ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')) i++;
    if (i >= n || (s[i] != '\'' && s[i] != '"')) return 0;
    char q = s[i];
    int triple = n - i >= 6 && s[i + 1] == q && s[i + 2] == q;
    size_t open = triple ? 3 : 1, j = i + open;
    int fstring = 0;
    unsigned depth = 0; /* inside an f-string's replacement fields */
    for (size_t m = p; m < i; m++) {
        *prefix |= 1u << (lower(s[m]) - 'a');
        fstring |= lower(s[m]) == 'f';
    }
    if (triple) o[(*k)++] = '\x01';
    for (;;) {
        if (j >= n) return 0;
        char c = s[j];
        if (c == q && (!triple || (j + 2 < n && s[j + 1] == q && s[j + 2] == q))) break;
        if ((triple || depth) && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            j++; /* a formatter's spaces around an f-string's expressions */
            continue;
        }
        if (fstring && (c == '{' || c == '}')) {
            if (!depth && j + 1 < n && s[j + 1] == c) { /* `{{`, `}}`: a brace */
                o[(*k)++] = c;
                o[(*k)++] = c;
                j += 2;
                continue;
            }
            if (c == '{') depth++;
            else if (depth) depth--;
        }
        if (c == '\r' && j + 1 < n && s[j + 1] == '\n') {
            j++;
            continue;
        }
        if (c != '\\' || j + 1 >= n) {
            o[(*k)++] = c;
            j++;
            continue;
        }
        char d = s[j + 1];
        j += 2;
        if (d == '\'' || d == '"') {
            o[(*k)++] = d;
            continue;
        }
        o[(*k)++] = '\\';
        o[(*k)++] = d;
        if (d == 'x' || d == 'u' || d == 'U') {
            for (size_t h = 0; h < (d == 'x' ? 2u : d == 'u' ? 4u : 8u) && j < n && is_hex(s[j]); h++, j++)
                o[(*k)++] = lower(s[j]);
        } else if (d == 'N' && j < n && s[j] == '{') {
            for (; j < n && s[j] != '}' && s[j] != q; j++) {
                char u = s[j];
                o[(*k)++] = (u >= 'a' && u <= 'z') ? (char)(u - 'a' + 'A') : u;
            }
        }
    }
    *at = j + open;
    return 1;
}

/* Python string literals (one, or several implicitly concatenated, with
 * blanks, line breaks, continuations and comments between): the prefix
 * letters in alphabetical order without `u`, then each literal's body
 * (py_literal). Anything else: as written. */
static size_t norm_py_string(char *o, const char *s, size_t n) {
    size_t k = 0, at = 0;
    uint32_t prefix = 0;
    char *body = o + 26; /* prefix letters go first: at most 26 */
    int literals = 0;
    while (at < n) {
        char c = s[at];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\\') {
            at++;
        } else if (c == '#') {
            while (at < n && s[at] != '\n') at++;
        } else if (py_literal(body, &k, s, n, &at, &prefix)) {
            literals++;
        } else {
            return put_crlf_free(o, s, n);
        }
    }
    if (!literals) return put_crlf_free(o, s, n);
    size_t letters = 0;
    for (unsigned b = 0; b < 26; b++)
        if ((prefix >> b & 1) && b != 'u' - 'a') o[letters++] = (char)('a' + b);
    memmove(o + letters, body, k);
    return letters + k;
}

int wm_normalize_token(const char *text, size_t len, uint8_t norm,
                       wm_buf *scratch, const char **out, size_t *out_len) {
    if (norm == WM_N_NONE && !memchr(text, '\r', len)) {
        *out = text;
        *out_len = len;
        return WM_OK;
    }
    /* every normalization only shrinks, except norm_number's leading 0 and
     * norm_py_string's room for the prefix letters */
    if (wm_buf_reserve(scratch, len + 32) != WM_OK) return WM_ENOMEM;
    char *o = scratch->data;
    size_t k;
    if (norm == WM_N_QUOTED)
        k = norm_quoted(o, text, len);
    else if (norm == WM_N_NUMBER && len < 500)
        k = norm_number(o, text, len);
    else if (norm == WM_N_NUMBER_CASE)
        k = norm_number_case(o, text, len);
    else if (norm == WM_N_CHARS)
        k = norm_chars(o, text, len);
    else if (norm == WM_N_PY_STRING)
        k = norm_py_string(o, text, len);
    else
        k = put_crlf_free(o, text, len);
    *out = o;
    *out_len = k;
    return WM_OK;
}

WM_EXPORT uint64_t wm_token_hash(const char *text, size_t len, uint8_t norm) {
    wm_buf scratch = {0};
    const char *t;
    size_t n;
    uint64_t h;
    if (wm_normalize_token(text, len, norm, &scratch, &t, &n) != WM_OK)
        h = 0;
    else
        h = wm_xxh64(t, n, WM_SEED_TEXT);
    wm_buf_free(&scratch);
    return h;
}
