/* ng_decode_played: a note string's notes as they are played, the repeats
 * expanded, as `notes.parse(text).played_out()` has them (what `notegen sample
 * --out tune.mid` writes). Three readings of the text, none allocating:
 *   1. the whole text: its errors, unit, meter, pickup, end and last note's end;
 *   2. again, the marks fed to a port of notetokens/repeats.py's `_Builder`,
 *      which hands each section over as soon as it is certain;
 *   3. the player (Score.play_order and _lay): for each written span (a, b)
 *      in played order, the notes with onsets in [a, b), reread from a saved
 *      copy of the reader that stands at or before the current section. */
#include <string.h>

#include "decode_repeats.h"
#include "internal.h"

int ng_rd_fail(ng_reader *r, int line, int col, const char *what);
int ng_rd_header(const char *s, int end, ng_frac *unit4, ng_frac *bar, char *err, size_t errlen);
void ng_rd_init(ng_reader *r, const char *s, int at, int line, ng_frac unit4, char *err, size_t errlen);
int ng_rd_step(ng_reader *r);

#define MAX_ENDINGS 10

typedef struct player {
    ng_reader base; /* stands at or before every span still to come */
    ng_frac now, at;
    ng_note *out;
    int cap, count, bad;
} player;

typedef struct builder {
    int has_bar;
    ng_frac bar, pickup, free, first_len, closed_at, begun;
    int opened, in_first, closed, has_begun, nend;
    ng_mark open_m, endings[MAX_ENDINGS];
    player *pl;
    int bad;
    char *err;
    size_t errlen;
} builder;

static int cmp(ng_frac a, ng_frac b) { return ng_frac_cmp(a, b); }
static ng_frac add(ng_frac a, ng_frac b, int *bad) { return ng_frac_add(a, b, bad); }
static ng_frac sub(ng_frac a, ng_frac b, int *bad) { return ng_frac_sub(a, b, bad); }
static ng_frac earlier(ng_frac a, ng_frac b) { return cmp(a, b) <= 0 ? a : b; }

/* ---- the player ---------------------------------------------------------- */

/* move the base on to the last place whose time is at most t */
static void advance(player *p, ng_frac t) {
    while (!p->base.done) {
        if (p->base.tok < 0) { /* no token waiting: this character moves no time */
            if (ng_rd_step(&p->base)) return;
            continue;
        }
        ng_reader c = p->base;
        if (ng_rd_step(&c) || cmp(c.time, t) > 0) return;
        p->base = c;
    }
}

static void span(player *p, ng_frac a, ng_frac b) {
    if (cmp(b, a) <= 0) return;
    ng_reader c = p->base;
    while (!c.done && cmp(c.time, b) < 0) {
        if (ng_rd_step(&c)) break; /* reading 1 saw no error, so none comes */
        if (!c.has_note || cmp(c.on, a) < 0) continue;
        if (cmp(c.on, b) >= 0) break;
        ng_frac on = add(sub(c.on, a, &p->bad), p->at, &p->bad);
        double onset = (double)on.n / (double)on.d, dur = (double)c.dur.n / (double)c.dur.d;
        for (int q = 0; q < 128; q++)
            if (c.pitches[q >> 6] >> (q & 63) & 1) {
                if (p->count < p->cap) p->out[p->count] = (ng_note){onset, dur, q};
                p->count++;
            }
    }
    p->at = add(p->at, sub(b, a, &p->bad), &p->bad);
}

/* a section in play order: what lies before it once, then each pass */
static void section(player *p, ng_frac start, ng_frac end, int times, const ng_mark *endings, int nend) {
    if (cmp(start, p->now) > 0) span(p, p->now, start);
    advance(p, start);
    ng_frac body_end = nend ? endings[0].t : end;
    for (int i = 0; i < times; i++) {
        span(p, start, body_end);
        if (i < nend) span(p, endings[i].t, i + 1 < nend ? endings[i + 1].t : end);
    }
    if (cmp(end, p->now) > 0) p->now = end;
}

/* ---- the builder (notetokens/repeats.py) --------------------------------- */

static int fail(builder *b, const ng_mark *m, const char *what) {
    if (m) ng_set_error(b->err, b->errlen, "%s at line %d, column %d", what, m->line, m->col);
    else ng_set_error(b->err, b->errlen, "%s", what);
    return -1;
}

static int whole(builder *b, ng_frac x) {
    return !b->has_bar || ng_frac_mod(x, b->bar, &b->bad).n == 0;
}

static ng_frac part_start(builder *b, ng_frac t) {
    if (b->has_begun) return b->begun;
    if (b->opened) return b->open_m.t;
    if (b->free.n == 0 && b->pickup.n > 0 && !whole(b, t) && whole(b, sub(t, b->pickup, &b->bad))) return b->pickup;
    return b->free;
}

static void finish(builder *b, ng_frac end) {
    ng_frac start = part_start(b, b->closed ? b->closed_at : end);
    section(b->pl, start, end, b->nend > 2 ? b->nend : 2, b->endings, b->nend);
    b->free = end, b->opened = 0, b->nend = 0;
    b->in_first = 0, b->closed = 0, b->has_begun = 0;
}

static ng_frac bars_of(builder *b, ng_frac x) {
    if (!b->has_bar) return x;
    ng_frac q = ng_frac_div(x, b->bar, &b->bad);
    int64_t ceil = q.n / q.d + (q.n % q.d > 0);
    return ng_frac_div(ng_frac_make(ceil, 1, &b->bad), (ng_frac){b->bar.d, b->bar.n}, &b->bad);
}

static ng_frac last_end(builder *b) { return add(b->endings[b->nend - 1].t, bars_of(b, b->first_len), &b->bad); }

static int cut_short(builder *b, ng_frac t) {
    return b->has_bar && b->pickup.n > 0 && cmp(sub(last_end(b), t, &b->bad), b->bar) < 0;
}

static int start(builder *b, const ng_mark *m) {
    if (b->in_first) return fail(b, m, "|: inside an ending: close the ending with :| first");
    if (b->opened) return fail(b, m, "|: inside a part that a |: opened; parts do not nest");
    b->opened = 1, b->open_m = *m;
    return 0;
}

static int end(builder *b, const ng_mark *m) {
    ng_frac s = part_start(b, m->t), passed = sub(m->t, s, &b->bad);
    if (b->nend && (b->in_first || b->nend > 1)) {
        ng_frac length = sub(m->t, b->endings[b->nend - 1].t, &b->bad);
        if (b->nend == 1) b->first_len = length;
        if (length.n <= 0 || !ng_frac_eq(bars_of(b, length), bars_of(b, b->first_len)))
            return fail(b, m, "endings are of equal length: this one is not as long as ending [1");
        b->in_first = 0, b->closed = 1, b->closed_at = m->t;
        passed = add(sub(b->endings[0].t, s, &b->bad), length, &b->bad);
    } else if (cmp(m->t, s) <= 0) {
        return fail(b, m, ":| with nothing to repeat before it");
    }
    if (!whole(b, passed))
        return fail(b, m, ":| after a part that is not a whole number of bars (is the bar before the :| full?)");
    b->has_begun = 1, b->begun = s;
    if (!b->nend) {
        section(b->pl, s, m->t, 2, NULL, 0);
        b->free = m->t, b->opened = 0, b->has_begun = 0;
    }
    return 0;
}

static int both(builder *b, const ng_mark *m) {
    if (end(b, m)) return -1;
    if (b->closed) finish(b, b->closed_at);
    return start(b, m);
}

static int ending(builder *b, const ng_mark *m) {
    if (m->number != 1) return fail(b, m, "an ending [2 or later with no first ending [1 and :| before it");
    if (b->in_first) return fail(b, m, "[1 inside an ending");
    if (cmp(m->t, part_start(b, m->t)) <= 0)
        return fail(b, m, "[1 at the start of a part: an ending follows the part's first bars");
    b->endings[0] = *m, b->nend = 1, b->in_first = 1;
    return 0;
}

static int mark(builder *b, ng_mark m) {
    if (b->closed) { /* after a :| that closed an ending */
        if (m.kind == NG_MK_ENDING && m.number == b->nend + 1 && ng_frac_eq(m.t, b->closed_at)) {
            b->endings[b->nend++] = m;
            b->closed = 0;
            return 0;
        }
        if (m.kind == NG_MK_ENDING && m.number > 1)
            return fail(b, &m, "an ending comes right after the :| that closes an ending it does not follow");
        finish(b, b->closed_at);
    } else if (b->nend > 1 && m.kind != NG_MK_END) { /* a later ending ends where the next part starts */
        ng_frac e = last_end(b);
        if (cmp(m.t, e) < 0 && !((m.kind == NG_MK_START || m.kind == NG_MK_BOTH) && cut_short(b, m.t)))
            return fail(b, &m, "a mark before the last ending is as long as ending [1: endings are of equal length");
        finish(b, earlier(e, m.t));
        if (m.kind == NG_MK_BOTH && ng_frac_eq(m.t, b->free)) m.kind = NG_MK_START;
    }
    switch (m.kind) {
    case NG_MK_START: return start(b, &m);
    case NG_MK_END: return end(b, &m);
    case NG_MK_BOTH: return both(b, &m);
    default: return ending(b, &m);
    }
}

static int close_parts(builder *b, ng_frac t) {
    if (b->in_first) return fail(b, &b->endings[0], "[1 with no :| to close it");
    if (b->closed) {
        finish(b, b->closed_at);
    } else if (b->nend > 1) {
        ng_frac short_by = sub(last_end(b), t, &b->bad);
        if (short_by.n > 0 && (!b->has_bar || cmp(short_by, b->bar) >= 0))
            return fail(b, &b->endings[b->nend - 1], "the last ending is shorter than ending [1: endings are of equal length");
        finish(b, earlier(t, last_end(b)));
    }
    if (b->opened) return fail(b, &b->open_m, "|: with no :| to close it");
    return 0;
}

/* ---- the three readings -------------------------------------------------- */

typedef struct tune {
    int body, line, marks;
    ng_frac unit4, bar, pickup, end, last;
} tune;

static int read_whole(const char *text, tune *t, char *err, size_t errlen) {
    int i = 0;
    while (text[i] == ' ' || text[i] == '\t') i++;
    t->body = 0, t->line = 1;
    t->bar = (ng_frac){0, 1}, t->unit4 = (ng_frac){1, 1};
    if (text[i] && strchr("TLMKQ", text[i])) {
        const char *nl = strchr(text + i, '\n');
        int stop = nl ? (int)(nl - text) : (int)strlen(text);
        if (ng_rd_header(text + i, stop - i, &t->unit4, &t->bar, err, errlen)) return -1;
        t->body = nl ? stop + 1 : stop, t->line = nl ? 2 : 1;
    }
    ng_reader r;
    ng_rd_init(&r, text, t->body, t->line, t->unit4, err, errlen);
    t->last = (ng_frac){0, 1}, t->marks = 0;
    int bad = 0;
    while (!r.done) {
        if (ng_rd_step(&r)) return -1;
        t->marks += r.has_mark;
        if (r.has_note) t->last = ng_frac_add(r.on, r.dur, &bad); /* onsets only grow */
    }
    if (!r.events) return ng_rd_fail(&r, 1, 1, "no notes: expected note letters like G-G-D-D-E-E-D");
    t->end = r.time;
    t->pickup = (ng_frac){0, 1};
    if (t->bar.n && r.nbars && r.first_bar.n > 0 && cmp(r.first_bar, t->bar) < 0) t->pickup = r.first_bar;
    return bad ? ng_rd_fail(&r, 1, 1, "a time too fine for 64-bit fractions") : 0;
}

int ng_decode_played(const char *text, ng_note *notes, int cap, char *err, size_t errlen) {
    tune t;
    if (!text || cap < 0 || read_whole(text, &t, err, errlen)) return NG_FAIL;
    player p = {.now = {0, 1}, .at = {0, 1}, .out = notes, .cap = cap};
    ng_rd_init(&p.base, text, t.body, t.line, t.unit4, err, errlen);
    builder b = {.has_bar = t.bar.n > 0, .bar = t.bar, .pickup = t.pickup, .free = {0, 1}, .pl = &p,
                 .err = err, .errlen = errlen};
    if (t.marks) {
        ng_reader r;
        ng_rd_init(&r, text, t.body, t.line, t.unit4, err, errlen);
        while (!r.done) {
            if (ng_rd_step(&r)) return NG_FAIL;
            if (!r.has_mark) continue;
            if (cmp(r.m.t, t.end) > 0) return fail(&b, &r.m, "a repeat mark after the tune's last note"), NG_FAIL;
            if (mark(&b, r.m)) return NG_FAIL;
        }
        if (close_parts(&b, t.end)) return NG_FAIL;
    }
    if (cmp(t.last, p.now) > 0) span(&p, p.now, t.last);
    if (b.bad || p.bad) return fail(&b, NULL, "repeat arithmetic too fine for 64-bit fractions"), NG_FAIL;
    return p.count < cap ? p.count : cap;
}
