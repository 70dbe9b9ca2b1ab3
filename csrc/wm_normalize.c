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
 *   WM_N_NUMBER_CASE  lower case (gofmt lowercases prefixes and exponents),
 *                   `0123i` -> `123i`
 *   WM_N_CHARS      the characters in byte order (regex flags: a set) */
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

int wm_normalize_token(const char *text, size_t len, uint8_t norm,
                       wm_buf *scratch, const char **out, size_t *out_len) {
    if (norm == WM_N_NONE && !memchr(text, '\r', len)) {
        *out = text;
        *out_len = len;
        return WM_OK;
    }
    /* every normalization only shrinks, except norm_number's leading 0 */
    if (wm_buf_reserve(scratch, len + 8) != WM_OK) return WM_ENOMEM;
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
