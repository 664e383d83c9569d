/* notetokens/durations.py in C. Every candidate length is a whole number of
 * 1/48 units (GRID), so the fitting arithmetic runs on integers. */
#include "durations.h"

#include <stdio.h>
#include <string.h>

#define NCAND 1024
#define REACH (NG_MAX_BAR * NG_GRID + 1)
#define RMAX (REACH + NG_MAX_BAR * NG_GRID / 2) /* past it nothing fits */

static const int DENOMS[] = {1, 2, 3, 4, 6, 8, 16};
static char cand_text[NCAND][8];
static int cand_grid[NCAND], ncand;
static unsigned char reachable[REACH], long_fits_tab[RMAX + 1];
static int tables_ready;

static int64_t gcd64(int64_t a, int64_t b) {
    if (a < 0) a = -a;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

ng_frac ng_frac_make(int64_t n, int64_t d, int *bad) {
    ng_frac f = {0, 1};
    if (d == 0 || d == INT64_MIN || n == INT64_MIN) {
        *bad = 1;
        return f;
    }
    if (d < 0) n = -n, d = -d;
    int64_t g = gcd64(n, d);
    f.n = n / (g ? g : 1);
    f.d = d / (g ? g : 1);
    return f;
}

/* a / b reduced, computed in 128 bits; *bad where it does not fit in 64 */
static ng_frac reduce128(__int128 n, __int128 d, int *bad) {
    if (d < 0) n = -n, d = -d;
    __int128 a = n < 0 ? -n : n, b = d;
    while (b) {
        __int128 t = a % b;
        a = b;
        b = t;
    }
    if (a > 1) n /= a, d /= a;
    if (!d || n > INT64_MAX || n < -INT64_MAX || d > INT64_MAX) {
        *bad = 1;
        return (ng_frac){0, 1};
    }
    return (ng_frac){(int64_t)n, (int64_t)d};
}

ng_frac ng_frac_add(ng_frac a, ng_frac b, int *bad) {
    return reduce128((__int128)a.n * b.d + (__int128)b.n * a.d, (__int128)a.d * b.d, bad);
}

ng_frac ng_frac_sub(ng_frac a, ng_frac b, int *bad) {
    ng_frac m = {-b.n, b.d};
    return ng_frac_add(a, m, bad);
}

ng_frac ng_frac_div(ng_frac a, ng_frac b, int *bad) {
    return reduce128((__int128)a.n * b.d, (__int128)a.d * b.n, bad);
}

ng_frac ng_frac_mod(ng_frac a, ng_frac b, int *bad) {
    /* a - b * floor(a / b), b > 0 */
    ng_frac q = ng_frac_div(a, b, bad);
    int64_t fl = q.n / q.d;
    if (q.n % q.d && q.n < 0) fl--;
    return reduce128((__int128)a.n * b.d - (__int128)b.n * fl * a.d, (__int128)a.d * b.d, bad);
}

int ng_frac_cmp(ng_frac a, ng_frac b) {
    __int128 x = (__int128)a.n * b.d, y = (__int128)b.n * a.d;
    return x < y ? -1 : x > y;
}

int ng_frac_eq(ng_frac a, ng_frac b) { return a.n == b.n && a.d == b.d; }

void ng_dur_suffix(ng_frac v, char *out) {
    if (v.n == 1 && v.d == 1) out[0] = 0;
    else if (v.d == 1) snprintf(out, 24, "%lld", (long long)v.n);
    else if (v.n == 1) snprintf(out, 24, "/%lld", (long long)v.d);
    else snprintf(out, 24, "%lld/%lld", (long long)v.n, (long long)v.d);
}

static const int PLAIN[] = {3, 6, 12, 24, 48, 96, 192, 384, 768, 1536, 9, 18, 36, 72, 144, 288, 576, 1152, 2304};
#define NPLAIN ((int)(sizeof PLAIN / sizeof PLAIN[0]))

static int plain_grid(int k) {
    for (int i = 0; i < NPLAIN; i++)
        if (PLAIN[i] == k) return 1;
    return 0;
}

static int closes(int vk, int rk) {
    return plain_grid(vk) || ((vk == 8 || vk == 16 || vk == 32) && rk % 3 != 0);
}

/* fits with v and r in grid units; rk < 0: r is no whole number of 1/48 (or too big) */
static int fits_grid(int vk, int rk, int closing) {
    if (rk < 0 || vk > rk || rk - vk >= REACH || !reachable[rk - vk]) return 0;
    return !closing || (closes(vk, rk) && (vk >= NG_GRID || !long_fits_tab[rk]));
}

void ng_durations_tables(void) {
    if (tables_ready) return;
    int atoms[7];
    for (int a = 0; a < 7; a++) atoms[a] = NG_GRID / DENOMS[a];
    reachable[0] = 1;
    for (int k = 1; k < REACH; k++)
        for (int a = 0; a < 7 && !reachable[k]; a++) reachable[k] = atoms[a] <= k && reachable[k - atoms[a]];
    ncand = 0;
    for (int a = 0; a < 7; a++) {
        int d = DENOMS[a];
        for (int n = 1; n <= 48 * d; n++) {
            if (gcd64(n, d) != 1 || n == d) continue;
            int bad = 0;
            ng_dur_suffix(ng_frac_make(n, d, &bad), cand_text[ncand]);
            cand_grid[ncand++] = n * NG_GRID / d;
        }
    }
    for (int rk = 0; rk <= RMAX; rk++) {
        long_fits_tab[rk] = 0;
        for (int i = 0; i < NPLAIN && !long_fits_tab[rk]; i++)
            long_fits_tab[rk] = PLAIN[i] >= NG_GRID && fits_grid(PLAIN[i], rk, 0) && closes(PLAIN[i], rk);
    }
    tables_ready = 1;
}

static int grid_of(const ng_frac *r) {
    if (r->n < 0 || r->n > (int64_t)RMAX * r->d) return -1;
    int64_t x = r->n * NG_GRID;
    return x % r->d ? -1 : (int)(x / r->d);
}

int ng_dur_fits(ng_frac v, const ng_frac *r, int closing) {
    if (!r) return 1;
    int vk = grid_of(&v);
    return vk >= 0 && fits_grid(vk, grid_of(r), closing);
}

static ng_set scan(const char *prefix, size_t n, const ng_frac *r, int rk, int closing, int *whole) {
    ng_set out = {{0, 0}};
    *whole = 0;
    for (int i = 0; i < ncand; i++) {
        const char *t = cand_text[i];
        if (n && (t[0] != prefix[0] || strncmp(t, prefix, n))) continue;
        if (r && !fits_grid(cand_grid[i], rk, closing)) continue;
        if (t[n]) ng_set_add(&out, t[n]);
        else *whole = 1;
    }
    return out;
}

/* next_chars, remembered per (prefix, remainder, closing) as Python's lru_cache does */
ng_set ng_dur_next(ng_dur_cache *cache, const char *prefix, const ng_frac *r, int closing, int *whole) {
    size_t n = strlen(prefix);
    int rk = r ? grid_of(r) : 0;
    if (n >= 8) {
        *whole = 0;
        return (ng_set){{0, 0}};
    }
    uint64_t text = 0;
    memcpy(&text, prefix, n);
    int32_t rcode = r ? rk : -2; /* rk is -1 off the grid: nothing fits */
    uint64_t h = (text ^ ((uint64_t)(uint32_t)rcode << 20) ^ (uint64_t)closing) * 0x9E3779B97F4A7C15ull;
    ng_dur_slot *s = cache ? &cache->slot[h >> (64 - NG_DUR_BITS)] : NULL;
    if (s && s->valid && s->text == text && s->rcode == rcode && s->closing == closing) {
        *whole = s->whole;
        return s->set;
    }
    ng_set out = scan(prefix, n, r, rk, closing, whole);
    if (s) *s = (ng_dur_slot){text, rcode, (uint8_t)closing, (uint8_t)*whole, 1, out};
    return out;
}

int ng_dur_plain(ng_frac v) {
    int k = grid_of(&v);
    return k >= 0 && plain_grid(k);
}

int ng_dur_value(const char *prefix, int has, ng_frac *v) {
    int bad = 0;
    if (!has) {
        *v = ng_frac_make(1, 1, &bad);
        return 1;
    }
    const char *p = prefix;
    int64_t num = 0, den = 0;
    int nd = 0, dd = 0, slash = 0;
    for (; *p >= '0' && *p <= '9'; p++, nd++) num = nd < 18 ? num * 10 + (*p - '0') : num;
    if (*p == '/') {
        slash = 1;
        for (p++; *p >= '0' && *p <= '9'; p++, dd++) den = dd < 18 ? den * 10 + (*p - '0') : den;
    }
    if (*p || (slash && !dd) || (!nd && !dd)) return 0;
    if (nd >= 18 || dd >= 18) return -1;
    if (!nd) num = 1;
    if (!slash) den = 1;
    if (!num || !den) return 0;
    *v = ng_frac_make(num, den, &bad);
    return 1;
}
