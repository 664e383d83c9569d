/* Counting the heap calls made inside the plugin's run(): the host
 * executable defines malloc and its kin (exported with -rdynamic, so the
 * plugin's calls bind here), each forwarding to the next definition (libc's)
 * found with dlsym(RTLD_NEXT). A thread-local flag, set around run() only,
 * says whether a call counts: the worker thread's calls never do.
 * Built without NG_COUNT_ALLOC (the sanitizer build), nothing is interposed
 * and the count reads -1. */
#define _GNU_SOURCE
#include "alloc_count.h"

#ifdef NG_COUNT_ALLOC
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

static _Thread_local int counting;
static long counted;

/* dlsym may itself call calloc before the real one is known: those few
 * blocks come from here and are never given back. */
static _Alignas(16) unsigned char boot[1 << 16];
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t n)
{
    size_t at = (boot_used + 15) & ~(size_t)15;
    if (at + n > sizeof boot) return NULL;
    boot_used = at + n;
    return boot + at;
}

static int in_boot(const void *p)
{
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void resolve(void)
{
    if (real_malloc || resolving) return;
    resolving = 1;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

#define COUNT() do { if (counting) counted++; } while (0)

void *malloc(size_t n)
{
    resolve();
    if (!real_malloc) return boot_alloc(n);
    COUNT();
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    resolve();
    if (!real_calloc) return size && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
    COUNT();
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    resolve();
    COUNT();
    if (in_boot(p)) {
        size_t left = (size_t)(boot + sizeof boot - (unsigned char *)p);
        void *q = malloc(n);
        if (q) memcpy(q, p, n < left ? n : left);
        return q;
    }
    return real_realloc(p, n);
}

void free(void *p)
{
    resolve();
    COUNT();
    if (!p || in_boot(p)) return;
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    COUNT();
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    resolve();
    COUNT();
    return real_aligned_alloc(align, n);
}

void alloc_count_begin(void) { counting = 1; }
void alloc_count_end(void) { counting = 0; }
long alloc_count_total(void) { return counted; }

#else
void alloc_count_begin(void) {}
void alloc_count_end(void) {}
long alloc_count_total(void) { return -1; }
#endif
