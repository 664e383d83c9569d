#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static long allocations;

void *ng_alloc(size_t n) {
    allocations++;
    return calloc(1, n ? n : 1);
}

long ng_allocations(void) { return allocations; }

void ng_set_error(char *err, size_t len, const char *fmt, ...) {
    va_list ap;
    if (!err || !len) return;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}
