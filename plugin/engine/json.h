/* A small JSON reader over a byte buffer: no allocation, a depth limit, and
 * a failure (return -1) on anything malformed. */
#ifndef NG_JSON_H
#define NG_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef struct ng_json {
    const char *s;
    size_t n, i;
    int depth;
} ng_json;

void ng_json_init(ng_json *j, const char *s, size_t n);
void ng_json_ws(ng_json *j);
int ng_json_peek(ng_json *j);             /* next non-space byte, or -1 */
int ng_json_expect(ng_json *j, char c);   /* 0 if c was next (and is consumed) */
/* A string as UTF-8 into out (cap bytes, NUL-terminated; out NULL: skip it);
 * returns its length in bytes or -1. */
long ng_json_string(ng_json *j, char *out, size_t cap);
/* An integer literal (no fraction or exponent) into *v. */
int ng_json_int(ng_json *j, int64_t *v);
/* A number of any form into *v. */
int ng_json_number(ng_json *j, double *v);
int ng_json_skip(ng_json *j);             /* any one value */
/* Objects and arrays: after '{' (or '['), 1 while another member follows
 * (the comma read), 0 at the closing bracket (read), -1 on an error. */
int ng_json_more(ng_json *j, char close, int first);
/* Decode UTF-8 into code points; returns the count or -1. */
long ng_utf8_decode(const char *s, size_t n, int32_t *out, size_t cap);

#endif
