/* The draw, as models/draw.py makes it: splitmix64, uniform doubles from the
 * top 53 bits, probabilities in double precision, the inverse CDF in id order. */
#include <math.h>

#include "internal.h"

uint64_t ng_splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double ng_uniform(uint64_t *state) { return (double)(ng_splitmix(state) >> 11) * 0x1p-53; }

/* order[0..n) by key descending, ties by id (a stable insertion sort). */
static void sort_desc(int *order, const double *key, int n) {
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i;
        while (j > 0 && key[order[j - 1]] < key[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

static double total(const double *p, int n) {
    double t = 0.0;
    for (int i = 0; i < n; i++) t += p[i];
    return t;
}

static void top_p(ng_engine *e, double *p, int n, double keep) {
    int *order = e->order;
    double t = total(p, n), before = 0.0;
    sort_desc(order, p, n);
    for (int rank = 0; rank < n; rank++) {
        if (rank > 0 && before >= keep) {
            for (; rank < n; rank++) p[order[rank]] = 0.0;
            return;
        }
        before += p[order[rank]] / t;
    }
}

/* One id from scores (V floats, -inf where masked); -1 if nothing is finite. */
int ng_choose(ng_engine *e, const float *scores, uint64_t *gen) {
    int n = e->vocab, best = -1;
    double *x = e->probs, m = -INFINITY;
    const ng_options *o = &e->opt;
    for (int i = 0; i < n; i++) {
        x[i] = (double)scores[i];
        if (best < 0 || x[i] > x[best]) best = i;
    }
    if (o->argmax) return isfinite(x[best]) ? best : -1;
    for (int i = 0; i < n; i++) {
        x[i] /= o->temperature;
        if (isfinite(x[i]) && x[i] > m) m = x[i];
    }
    if (!isfinite(m)) return -1;
    if (o->top_k > 0 && o->top_k < n) {
        sort_desc(e->order, x, n);
        for (int r = o->top_k; r < n; r++) x[e->order[r]] = -INFINITY;
    }
    for (int i = 0; i < n; i++) x[i] = isfinite(x[i]) ? exp(x[i] - m) : 0.0;
    if (o->top_p > 0 && o->top_p < 1.0) top_p(e, x, n, o->top_p);
    double target = ng_uniform(gen) * total(x, n), acc = 0.0;
    int last = -1;
    for (int i = 0; i < n; i++) {
        if (x[i] > 0.0) {
            acc += x[i];
            last = i;
            if (target < acc) return i;
        }
    }
    return last;
}
