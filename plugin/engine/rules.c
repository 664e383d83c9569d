/* The echo (models/echo.py) and the loop guard (models/loopguard.py). */
#include <string.h>

#include "internal.h"

#define COPIES 3
#define LONGEST 240
#define PROBE 3
#define CONTEXT 16

void ng_echo_reset(ng_engine *e) {
    e->nbody = e->nchunks = e->in_body = e->bar_start = 0;
    e->qhead = e->qlen = 0;
}

static void enqueue(ng_engine *e, int32_t c) {
    if (e->qhead + e->qlen < NG_TEXT_CAP) e->queue[e->qhead + e->qlen++] = c;
}

/* a bar's text without leading and trailing spaces, into the queue */
static void enqueue_bar(ng_engine *e, int chunk) {
    int a = e->chunk_at[chunk], b = e->chunk_at[chunk + 1];
    while (a < b && e->body[a] == ' ') a++;
    while (b > a && e->body[b - 1] == ' ') b--;
    for (int i = a; i < b; i++) enqueue(e, e->body[i]);
}

static void plan(ng_engine *e) {
    static const int rules[2][3] = {{8, 4, 4}, {16, 14, 8}};
    const ng_grammar *g = &e->gram;
    if (g->winding || g->closing) return;
    if (g->marks_used) return; /* a tune in parts repeats its own strains: the echo stands aside */
    int pickup = g->pickup.n != 0;
    int k = e->nchunks - pickup;
    for (int r = 0; r < 2; r++) {
        int period = rules[r][0], at = rules[r][1], back = rules[r][2];
        if (k % period != at || k - back < 0) continue;
        int first = k - back + pickup;
        if (first + 2 <= e->nchunks && ng_uniform(&e->echo_gen) < e->opt.echo) {
            e->qhead = 0;
            enqueue(e, ' ');
            enqueue_bar(e, first);
            enqueue(e, ' '), enqueue(e, '|'), enqueue(e, ' ');
            enqueue_bar(e, first + 1);
            enqueue(e, ' '), enqueue(e, '|');
        }
        return;
    }
}

void ng_echo_push(ng_engine *e, int32_t ch) {
    if (!e->in_body) {
        if (ch == '\n') {
            e->in_body = 1;
            e->chunk_at[0] = e->nbody;
        }
        return;
    }
    if (ch != '|') {
        if (e->nbody < NG_TEXT_CAP) e->body[e->nbody++] = ch;
        return;
    }
    e->chunk_at[++e->nchunks] = e->nbody; /* the bar just finished ends here */
    if (!e->qlen) plan(e);
}

/* -- the loop guard ------------------------------------------------------- */
static uint32_t hash_ctx(const int32_t *c, int n) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++) h = (h ^ (uint32_t)c[i]) * 16777619u;
    return h;
}

static ng_guard_slot *slot(ng_engine *e, const int32_t *ctx, int n, int create) {
    uint32_t h = hash_ctx(ctx, n) % NG_GUARD_SLOTS;
    for (int probe = 0; probe < NG_GUARD_SLOTS; probe++) {
        ng_guard_slot *s = &e->guard[(h + (uint32_t)probe) % NG_GUARD_SLOTS];
        if (!s->used) {
            if (!create) return NULL;
            s->used = 1;
            s->len = n;
            memcpy(s->ctx, ctx, (size_t)n * sizeof(int32_t));
            s->nbanned = 0;
            return s;
        }
        if (s->len == n && !memcmp(s->ctx, ctx, (size_t)n * sizeof(int32_t))) return s;
    }
    return NULL;
}

static int same(const int32_t *a, const int32_t *b, int n) { return !memcmp(a, b, (size_t)n * sizeof(int32_t)); }

/* the last index at with t[at..at+m) == probe and at + m <= end, or -1 */
static int rfind(const int32_t *t, int end, const int32_t *probe, int m) {
    for (int at = end - m; at >= 0; at--)
        if (same(t + at, probe, m)) return at;
    return -1;
}

static int32_t loop_next(const ng_engine *e) {
    int len = e->ntext < COPIES * LONGEST ? e->ntext : COPIES * LONGEST;
    const int32_t *tail = e->text + e->ntext - len;
    int m = len < PROBE ? len : PROBE;
    const int32_t *probe = tail + len - m;
    int end = len - 1;
    for (;;) {
        int at = rfind(tail, end, probe, m);
        if (at < 0) return -1;
        int p = len - PROBE - at;
        if (p > LONGEST || COPIES * p > len) return -1;
        if (p > 0) {
            int ok = 1;
            for (int k = 1; k < COPIES && ok; k++) ok = same(tail + len - (k + 1) * p, tail + len - p, p);
            if (ok) return tail[len - p];
        }
        end = at + PROBE - 1;
    }
}

int ng_guard_banned(ng_engine *e, int32_t *out, int cap) {
    if (!e->ntext) return 0;
    int n = e->ntext < CONTEXT ? e->ntext : CONTEXT;
    const int32_t *ctx = e->text + e->ntext - n;
    int32_t lastc = e->text[e->ntext - 1];
    if (lastc == ' ' || lastc == '|') {
        int32_t nxt = loop_next(e);
        ng_guard_slot *s = nxt >= 0 ? slot(e, ctx, n, 1) : NULL;
        if (s) {
            int have = 0;
            for (int i = 0; i < s->nbanned; i++) have |= s->banned[i] == nxt;
            if (!have && s->nbanned < 32) s->banned[s->nbanned++] = nxt;
        }
    }
    ng_guard_slot *s = slot(e, ctx, n, 0);
    int k = 0;
    for (int i = 0; s && i < s->nbanned && k < cap; i++) out[k++] = s->banned[i];
    return k;
}
