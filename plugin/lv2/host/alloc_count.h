#ifndef NG_HOST_ALLOC_COUNT_H
#define NG_HOST_ALLOC_COUNT_H

/* Heap calls (malloc, calloc, realloc, free, posix_memalign, aligned_alloc)
 * made on this thread between begin and end are counted. */
void alloc_count_begin(void);
void alloc_count_end(void);
long alloc_count_total(void); /* -1 where the build does not count */

#endif
