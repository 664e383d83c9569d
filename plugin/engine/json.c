#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

void ng_json_init(ng_json *j, const char *s, size_t n) {
    j->s = s;
    j->n = n;
    j->i = 0;
    j->depth = 0;
}

void ng_json_ws(ng_json *j) {
    while (j->i < j->n) {
        char c = j->s[j->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        j->i++;
    }
}

int ng_json_peek(ng_json *j) {
    ng_json_ws(j);
    return j->i < j->n ? (unsigned char)j->s[j->i] : -1;
}

int ng_json_expect(ng_json *j, char c) {
    if (ng_json_peek(j) != (unsigned char)c) return -1;
    j->i++;
    return 0;
}

static int hex4(ng_json *j, uint32_t *v) {
    if (j->i + 4 > j->n) return -1;
    uint32_t x = 0;
    for (int k = 0; k < 4; k++) {
        char c = j->s[j->i++];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *v = x;
    return 0;
}

static int put_utf8(char *out, size_t cap, size_t *len, uint32_t cp) {
    char b[4];
    int n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 63));
        b[2] = (char)(0x80 | (cp & 63)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 63));
        b[2] = (char)(0x80 | ((cp >> 6) & 63)); b[3] = (char)(0x80 | (cp & 63)); n = 4;
    }
    if (out) {
        if (*len + (size_t)n + 1 > cap) return -1;
        memcpy(out + *len, b, (size_t)n);
    }
    *len += (size_t)n;
    return 0;
}

static int escape(ng_json *j, uint32_t *cp) {
    if (j->i >= j->n) return -1;
    char c = j->s[j->i++];
    switch (c) {
    case '"': *cp = '"'; return 0;
    case '\\': *cp = '\\'; return 0;
    case '/': *cp = '/'; return 0;
    case 'b': *cp = 8; return 0;
    case 'f': *cp = 12; return 0;
    case 'n': *cp = 10; return 0;
    case 'r': *cp = 13; return 0;
    case 't': *cp = 9; return 0;
    case 'u': break;
    default: return -1;
    }
    uint32_t hi;
    if (hex4(j, &hi)) return -1;
    if (hi >= 0xDC00 && hi < 0xE000) return -1;
    if (hi >= 0xD800 && hi < 0xDC00) {
        uint32_t lo;
        if (j->i + 2 > j->n || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u') return -1;
        j->i += 2;
        if (hex4(j, &lo) || lo < 0xDC00 || lo >= 0xE000) return -1;
        hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    *cp = hi;
    return 0;
}

long ng_json_string(ng_json *j, char *out, size_t cap) {
    if (ng_json_expect(j, '"')) return -1;
    size_t len = 0;
    while (j->i < j->n) {
        unsigned char c = (unsigned char)j->s[j->i++];
        if (c == '"') {
            if (out) out[len] = 0;
            return (long)len;
        }
        if (c < 0x20) return -1;
        if (c == '\\') {
            uint32_t cp;
            if (escape(j, &cp) || put_utf8(out, cap, &len, cp)) return -1;
            continue;
        }
        if (out) {
            if (len + 2 > cap) return -1;
            out[len] = (char)c;
        }
        len++;
    }
    return -1;
}

static int number_span(ng_json *j, size_t *start, int *integral) {
    ng_json_ws(j);
    *start = j->i;
    *integral = 1;
    if (j->i < j->n && j->s[j->i] == '-') j->i++;
    size_t digits = j->i;
    while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
    if (j->i == digits) return -1;
    while (j->i < j->n && strchr(".eE+-0123456789", j->s[j->i]) && j->s[j->i]) {
        *integral = 0;
        j->i++;
    }
    return 0;
}

int ng_json_int(ng_json *j, int64_t *v) {
    size_t start;
    int integral;
    if (number_span(j, &start, &integral) || !integral) return -1;
    size_t k = start;
    int neg = j->s[k] == '-';
    k += (size_t)neg;
    int64_t x = 0;
    for (; k < j->i; k++) {
        if (x > (INT64_MAX - 9) / 10) return -1;
        x = x * 10 + (j->s[k] - '0');
    }
    *v = neg ? -x : x;
    return 0;
}

int ng_json_number(ng_json *j, double *v) {
    size_t start;
    int integral;
    if (number_span(j, &start, &integral)) return -1;
    char buf[64];
    size_t len = j->i - start;
    if (len >= sizeof buf) return -1;
    memcpy(buf, j->s + start, len);
    buf[len] = 0;
    char *end;
    *v = strtod(buf, &end);
    return *end ? -1 : 0;
}

int ng_json_more(ng_json *j, char close, int first) {
    int c = ng_json_peek(j);
    if (c == (unsigned char)close) {
        j->i++;
        return 0;
    }
    if (!first) {
        if (c != ',') return -1;
        j->i++;
    }
    return ng_json_peek(j) < 0 ? -1 : 1;
}

static int skip_word(ng_json *j, const char *w) {
    size_t n = strlen(w);
    if (j->i + n > j->n || memcmp(j->s + j->i, w, n)) return -1;
    j->i += n;
    return 0;
}

static int skip_container(ng_json *j, char open, char close) {
    if (++j->depth > MAX_DEPTH || ng_json_expect(j, open)) return -1;
    for (int first = 1;; first = 0) {
        int m = ng_json_more(j, close, first);
        if (m < 0) return -1;
        if (m == 0) break;
        if (open == '{' && (ng_json_string(j, NULL, 0) < 0 || ng_json_expect(j, ':'))) return -1;
        if (ng_json_skip(j)) return -1;
    }
    j->depth--;
    return 0;
}

int ng_json_skip(ng_json *j) {
    int c = ng_json_peek(j);
    double d;
    switch (c) {
    case '"': return ng_json_string(j, NULL, 0) < 0 ? -1 : 0;
    case '{': return skip_container(j, '{', '}');
    case '[': return skip_container(j, '[', ']');
    case 't': return skip_word(j, "true");
    case 'f': return skip_word(j, "false");
    case 'n': return skip_word(j, "null");
    default: return ng_json_number(j, &d);
    }
}

long ng_utf8_decode(const char *s, size_t n, int32_t *out, size_t cap) {
    size_t i = 0, k = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + (size_t)len > n || k >= cap) return -1;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 31u) : len == 3 ? (c & 15u) : (c & 7u);
        for (int m = 1; m < len; m++) {
            unsigned char d = (unsigned char)s[i + (size_t)m];
            if ((d >> 6) != 2) return -1;
            cp = (cp << 6) | (d & 63u);
        }
        out[k++] = (int32_t)cp;
        i += (size_t)len;
    }
    return (long)k;
}
