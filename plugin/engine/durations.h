/* Note lengths (notetokens/durations.py) and exact fractions. */
#ifndef NG_DURATIONS_H
#define NG_DURATIONS_H

#include "grammar.h"

#define NG_GRID 48
#define NG_MAX_BAR 96

/* Fractions; *bad is set where a value leaves 64 bits (only a prime can). */
ng_frac ng_frac_make(int64_t n, int64_t d, int *bad);
ng_frac ng_frac_add(ng_frac a, ng_frac b, int *bad);
ng_frac ng_frac_sub(ng_frac a, ng_frac b, int *bad);
ng_frac ng_frac_div(ng_frac a, ng_frac b, int *bad);
ng_frac ng_frac_mod(ng_frac a, ng_frac b, int *bad);
int ng_frac_cmp(ng_frac a, ng_frac b); /* -1, 0, 1 (exact for lowest terms in range) */
int ng_frac_eq(ng_frac a, ng_frac b);

void ng_durations_tables(void);
/* durations.value: 1 and *v set for a complete length; 0 for None; -1 too big. */
int ng_dur_value(const char *prefix, int has, ng_frac *v);
/* durations.fits (r NULL: no meter) */
int ng_dur_fits(ng_frac v, const ng_frac *r, int closing);
/* durations.next_chars: the next characters, and whether prefix is whole
 * (cache: the engine's table, or NULL). */
ng_set ng_dur_next(ng_dur_cache *cache, const char *prefix, const ng_frac *r, int closing, int *whole);
int ng_dur_plain(ng_frac v);
/* durations.suffix into out (at least 24 bytes). */
void ng_dur_suffix(ng_frac v, char *out);

#endif
