/* Heap calls counted while ng_counting is set: glibc's own entry points do
 * the work, so every allocation in the process (libc's included) is seen. */
#include <stddef.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

int ng_counting;
long ng_counted;

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n) {
    ng_counted += ng_counting;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
    ng_counted += ng_counting;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
    ng_counted += ng_counting;
    return __libc_realloc(p, n);
}

void free(void *p) { __libc_free(p); }
