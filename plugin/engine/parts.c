/* notetokens/parts_grammar.py's PartsGrammar: the note-string grammar with
 * repeat marks (`|:` `:|` `::`) and endings (`[1` `[2`), in written time, for
 * the forms auto, AABB, AB and free (one is NotesGrammar itself: parts 0).
 * Each function here is the method of the same name there, state for state;
 * the NotesGrammar methods it calls are grammar.c's and grammar_feed.c's
 * ng_base_*, and where NotesGrammar calls an overridden method (remaining,
 * _bar_allowed, _event_allowed, _body_feed, _bar_line, _complete_event,
 * _last_of_phrase) it goes through the ng_* dispatch to the version here. */
#include <string.h>

#include "durations.h"
#include "grammar.h"

#define PART_BARS 8
#define PHRASE_BARS 4

static ng_frac whole(int64_t n) { return (ng_frac){n, 1}; }
static ng_frac add(ng_frac a, ng_frac b) { int bad = 0; return ng_frac_add(a, b, &bad); }
static ng_frac sub(ng_frac a, ng_frac b) { int bad = 0; return ng_frac_sub(a, b, &bad); }
static ng_frac mod(ng_frac a, ng_frac b) { int bad = 0; return ng_frac_mod(a, b, &bad); }
static ng_frac divide(ng_frac a, ng_frac b) { int bad = 0; return ng_frac_div(a, b, &bad); }
static ng_frac times(ng_frac a, int64_t k) { int bad = 0; return ng_frac_make(a.n * k, a.d, &bad); }
static int cmp(ng_frac a, ng_frac b) { return ng_frac_cmp(a, b); }
static int64_t floor_div(ng_frac a, ng_frac b) {
    ng_frac q = divide(a, b);
    int64_t f = q.n / q.d;
    return q.n % q.d && q.n < 0 ? f - 1 : f;
}
static int event_end(int s) { return s == GS_NOTE || s == GS_REST || s == GS_CHORD_END || s == GS_DUR; }
static int just_barred(const ng_grammar *g) { return g->state == GS_SEP && g->count == -1; }

void ng_grammar_set_parts(ng_grammar *g, int parts) {
    g->parts = parts;
    if (parts == NG_PARTS_FREE) g->form = 0; /* marks allowed, no phrase rule */
    g->t = g->extra = g->start_at = g->ending_at = g->ending1 = g->ending_end = whole(0);
}

/* -- the part's arithmetic ---------------------------------------------- */
static ng_frac part_start(const ng_grammar *g) {
    ng_frac s = g->start_at;
    if (s.n == 0 && !g->opened && g->pickup.n && g->has_bar && g->bar_len.n && mod(sub(g->t, s), g->bar_len).n)
        return g->pickup;
    return s;
}

static ng_frac passed(const ng_grammar *g) { return sub(g->t, part_start(g)); }

static ng_frac bars_of(const ng_grammar *g, ng_frac x) { /* rounded up to whole bars */
    int64_t q = -floor_div((ng_frac){-x.n, x.d}, g->bar_len); /* -(-x // bar) */
    return times(g->bar_len, q);
}

/* units into the current bar where the part so far is whole bars; 0 without a meter */
static int close_point(const ng_grammar *g, ng_frac *point) {
    if (!g->has_bar) return 0;
    ng_frac bar_start = sub(g->t, g->pos);
    *point = mod(sub(part_start(g), bar_start), g->bar_len);
    if (point->n == 0) *point = g->bar_len;
    return 1;
}

static int longest_part(const ng_grammar *g) {
    return g->parts == NG_PARTS_AABB || (g->parts == NG_PARTS_AUTO && g->has_type) ? PART_BARS : 0;
}

static int close_allowed(const ng_grammar *g);
int ng_parts_can_end(const ng_grammar *g);

static int must_close(const ng_grammar *g) {
    if (!g->marks_used && g->parts != NG_PARTS_AABB) return 0;
    if (g->closing) return 1;
    int longest = longest_part(g);
    ng_frac point;
    if (longest && close_point(g, &point) && g->ending != 2 && !g->relaxed)
        return cmp(add(passed(g), sub(point, g->pos)), times(g->bar_len, longest)) >= 0;
    return 0;
}

static ng_frac played_bars(const ng_grammar *g) {
    if (!g->has_bar) return whole(0);
    return divide(sub(add(g->t, g->extra), g->pickup), g->bar_len);
}

/* -- what may come ---------------------------------------------------------- */
uint64_t ng_parts_key(const ng_grammar *g, uint64_t h, uint64_t (*mix)(uint64_t, uint64_t)) {
    h = mix(h, 0x9A27);
    h = mix(mix(mix(h, (uint64_t)g->marks_used), (uint64_t)g->opened), (uint64_t)g->ending);
    h = mix(mix(mix(h, (uint64_t)g->expect2), (uint64_t)g->boundary), (uint64_t)g->just_closed);
    h = mix(mix(h, (uint64_t)g->last_tonic), (uint64_t)g->after_endings);
    if (g->has_bar) {
        ng_frac p = passed(g), phase = mod(p, times(g->bar_len, PART_BARS));
        int64_t bars = floor_div(p, g->bar_len);
        h = mix(mix(mix(h, 1), (uint64_t)phase.n), (uint64_t)phase.d);
        h = mix(mix(h, (uint64_t)(bars < PART_BARS + 1 ? bars : PART_BARS + 1)), (uint64_t)(p.n > 0));
    } else {
        h = mix(h, 2);
    }
    h = mix(mix(h, (uint64_t)(g->start_at.n == 0)), (uint64_t)(g->t.n == 0));
    if (g->ending == 2) {
        ng_frac left = sub(g->ending_end, g->t);
        h = mix(mix(mix(h, 3), (uint64_t)left.n), (uint64_t)left.d);
    } else {
        h = mix(h, 4);
    }
    h = mix(h, (uint64_t)(g->closed < 3 ? g->closed : 3));
    h = mix(h, g->parts == NG_PARTS_AB ? (uint64_t)g->bars + 7 : 5);
    h = mix(h, (uint64_t)(g->events > 0));
    /* long enough to end (min_notes and min_bars played out), as Python's _enough() */
    int enough = g->events + g->extra_notes >= g->min_notes && cmp(played_bars(g), whole(g->min_bars)) >= 0;
    return mix(h, (uint64_t)enough);
}

int ng_parts_remaining(const ng_grammar *g, ng_frac *r) {
    if (!ng_base_remaining(g, r)) return 0;
    if (g->ending == 2) {
        ng_frac left = sub(g->ending_end, g->t);
        if (cmp(left, *r) < 0) *r = left;
    }
    ng_frac point;
    int has_point = close_point(g, &point);
    int c = has_point ? cmp(point, g->pos) : -1;
    int ahead = has_point && (c > 0 || (c == 0 && close_allowed(g)));
    if (ahead && must_close(g)) {
        ng_frac left = sub(point, g->pos);
        if (cmp(left, *r) < 0) *r = left;
    }
    return 1;
}

static int open_allowed(const ng_grammar *g, int at_start) {
    if (g->parts == NG_PARTS_AB || !g->has_bar || g->opened || g->ending || g->expect2) return 0;
    if (g->parts == NG_PARTS_AABB && g->closed >= 2) return 0;
    if (at_start) return g->t.n == 0 && g->events == 0;
    return g->relaxed || (cmp(g->start_at, g->t) <= 0 && cmp(g->t, add(g->start_at, g->bar_len)) < 0);
}

static int close_allowed(const ng_grammar *g) {
    if (g->parts == NG_PARTS_AB || !g->has_bar || g->expect2 || g->ending == 2) return 0;
    if (g->state != GS_SEP || just_barred(g) || g->chord >= 0 || g->pos.n == 0) return 0;
    if (g->after_endings && !g->opened) return 0;
    if (g->relaxed) return 1;
    ng_frac p = passed(g);
    if (p.n <= 0 || mod(p, g->bar_len).n || (g->ending == 1 && cmp(g->t, g->ending_at) <= 0)) return 0;
    ng_frac bars = divide(p, g->bar_len); /* whole */
    int longest = longest_part(g);
    /* a long stretch without marks is no part; but a part winding down that missed
     * home at its eighth bar may still close on the tonic later */
    if (longest && cmp(bars, whole(longest)) > 0 && !(g->opened || g->ending == 1 || g->closing)) return 0;
    if (g->parts == NG_PARTS_AABB) {
        int last = g->closed == 1;
        return ng_frac_eq(bars, whole(PART_BARS)) && (!last || !g->form || g->last_tonic);
    }
    if (g->closing) return !g->form || !g->has_tonic || g->last_tonic;
    return !g->form || bars.n % PHRASE_BARS == 0;
}

static int both_allowed(const ng_grammar *g) {
    if (g->closing || (g->parts == NG_PARTS_AABB && g->closed)) return 0;
    if (longest_part(g) && g->closed >= 2) return 0;
    return close_allowed(g) && g->ending == 0;
}

static int ending_allowed(const ng_grammar *g) {
    if (g->expect2 || g->ending || g->boundary != NG_BOUND_BAR || !g->has_bar) return 0;
    if (g->parts == NG_PARTS_AB) return 0;
    if (g->after_endings && !g->opened) return 0;
    int longest = longest_part(g);
    if (longest && !g->relaxed && cmp(passed(g), times(g->bar_len, longest - 1)) >= 0) return 0;
    return g->relaxed || cmp(passed(g), g->bar_len) >= 0;
}

int ng_parts_bar_allowed(const ng_grammar *g, int after_sep) {
    if (g->expect2 || !after_sep || g->state == GS_BAR || just_barred(g)) return 0;
    if (!g->has_bar || g->relaxed) return ng_base_bar_allowed(g, after_sep);
    int full = ng_frac_eq(g->pos, g->bar_len) || (g->bars == 0 && g->pos.n > 0 && g->ending == 0);
    if (!full) return 0;
    if (g->parts == NG_PARTS_AB && g->bars + (g->pickup.n == 0) >= 2 * PART_BARS) return 0;
    return !(must_close(g) && close_allowed(g));
}

static ng_set only(const char *chars) {
    ng_set s = {{0, 0}};
    for (; *chars; chars++) ng_set_add(&s, (unsigned char)*chars);
    return s;
}

static ng_set minus(ng_set a, ng_set b) {
    a.w[0] &= ~b.w[0];
    a.w[1] &= ~b.w[1];
    return a;
}

static int empty(ng_set s) { return !(s.w[0] | s.w[1]); }

ng_set ng_parts_event_allowed(const ng_grammar *g, int after_sep) {
    ng_set none = {{0, 0}};
    if (g->expect2) return after_sep ? only("[") : none;
    ng_set out = ng_base_event_allowed(g, after_sep);
    if (g->parts == NG_PARTS_AABB && g->closed >= 2) return none;
    ng_frac r;
    if (ng_parts_remaining(g, &r) && r.n == 0) out = minus(out, only("ABCDEFGR["));
    if (close_allowed(g)) ng_set_add(&out, ':');
    if (g->state == GS_BODY && open_allowed(g, 1)) ng_set_add(&out, '|');
    if (g->parts == NG_PARTS_AABB && !g->marks_used && g->state == GS_BODY && g->t.n == 0) {
        ng_set keep = only("|ABCDEFG");
        out.w[0] &= keep.w[0];
        out.w[1] &= keep.w[1];
    }
    return out;
}

ng_set ng_parts_inner(const ng_grammar *g) {
    ng_set none = {{0, 0}};
    if (g->bad) return none;
    int s = g->state;
    if (s == GS_MOPEN) return only(":");
    if (s == GS_MCOLON) return only(g->both_at_colon ? "|:" : "|");
    if (s == GS_MDONE || s == GS_ENDING) {
        if (s == GS_MDONE && g->parts == NG_PARTS_AABB && g->closed >= 2) return none;
        /* a dance tune has at most three parts: the third ends it */
        if (s == GS_MDONE && longest_part(g) && g->closed >= 3 && !g->relaxed && ng_parts_can_end(g)) return none;
        return only(" ");
    }
    if (s == GS_BAR) return only(open_allowed(g, 0) ? " :" : " ");
    if (s == GS_CHORD && g->chord == 0 && g->bracket_mark) {
        if (g->expect2) return only("2");
        ng_set out = ng_base_inner(g);
        if (ending_allowed(g)) ng_set_add(&out, '1');
        return out;
    }
    ng_set out = ng_base_inner(g);
    if (ng_set_has(out, ' ') && event_end(s) && g->chord < 0 && !g->relaxed) {
        ng_grammar after = *g;
        ng_parts_body_feed(&after, ' ');
        if (empty(ng_parts_inner(&after)) && !ng_parts_can_end(&after)) out = minus(out, only(" "));
    }
    return out;
}

/* -- the end ------------------------------------------------------------------ */
static int event_ends_part(const ng_grammar *g) {
    ng_frac v;
    if (!event_end(g->state) || g->chord >= 0) return 0;
    if (ng_dur_value(g->dur, g->has_dur, &v) != 1 || !g->has_bar || cmp(add(g->pos, v), g->bar_len) > 0) return 0;
    if (g->form && g->has_tonic && !g->on_tonic) return 0;
    ng_frac end = add(g->t, v);
    if (g->ending == 2) return ng_frac_eq(end, g->ending_end);
    ng_frac p = sub(end, part_start(g));
    int whole_bars = p.n > 0 && mod(p, g->bar_len).n == 0;
    if (g->parts == NG_PARTS_AABB || (g->closed && longest_part(g))) return 0;
    return whole_bars && (!g->form || g->closing || mod(divide(p, g->bar_len), whole(PHRASE_BARS)).n == 0);
}

int ng_parts_can_end(const ng_grammar *g) {
    if (g->bad) return 0;
    if (!g->marks_used) {
        if (g->parts == NG_PARTS_AABB || g->state == GS_MOPEN || g->state == GS_BAR) return 0;
        if (g->parts == NG_PARTS_AB && g->bars + (g->pickup.n == 0) != 2 * PART_BARS) return 0;
        return ng_base_can_end(g);
    }
    if (g->relaxed) return g->state == GS_MDONE || ng_base_can_end(g);
    if (g->opened || g->ending == 1 || g->expect2 || g->events + g->extra_notes < g->min_notes) return 0;
    if (cmp(played_bars(g), whole(g->min_bars)) < 0) return 0;
    if (g->parts == NG_PARTS_AABB && g->closed + (g->ending == 2) < 2) return 0;
    if (g->state == GS_MDONE) return g->just_closed && (!g->form || !g->has_tonic || g->last_tonic);
    return event_ends_part(g);
}

int ng_parts_last_of_phrase(const ng_grammar *g) {
    if (!g->marks_used || !g->has_bar) return ng_base_last_of_phrase(g);
    ng_frac bars = divide(sub(add(passed(g), g->bar_len), g->pos), g->bar_len);
    return !g->form || mod(bars, whole(PHRASE_BARS)).n == 0;
}

/* -- reading ------------------------------------------------------------------ */
static void open_part(ng_grammar *g) {
    g->start_at = g->t, g->opened = 1, g->after_endings = 0;
    g->part_events = g->events;
}

static void close_part(ng_grammar *g, int both) {
    int full = g->has_bar && ng_frac_eq(g->pos, g->bar_len);
    ng_frac start = part_start(g);
    if (full) ng_parts_bar_line(g);
    int lead_in = !ng_frac_eq(start, g->start_at); /* the pickup is heard once: its notes are not replayed */
    if (g->ending == 1) {
        g->ending1 = ng_frac_sub(g->t, g->ending_at, &g->bad);
        g->extra = ng_frac_add(g->extra, ng_frac_sub(g->ending_at, start, &g->bad), &g->bad);
        g->extra_notes += g->ending_events - (lead_in ? g->first_bar_events : g->part_events);
        g->ending = 0, g->expect2 = 1;
        g->start_at = start, g->opened = 0;
        return;
    }
    g->extra = ng_frac_add(g->extra, ng_frac_sub(g->t, start, &g->bad), &g->bad);
    g->extra_notes += g->events - (lead_in ? g->first_bar_events : g->part_events);
    g->part_events = g->events;
    g->closed++;
    g->just_closed = 1;
    g->start_at = g->t, g->opened = both;
}

static void mark_feed(ng_grammar *g, char ch) {
    int s = g->state;
    g->marks_used = 1;
    if (s == GS_MOPEN || s == GS_BAR) {
        open_part(g);
        g->state = GS_MDONE, g->boundary = NG_BOUND_OPEN;
    } else if (s == GS_MCOLON) {
        close_part(g, ch == ':');
        g->state = GS_MDONE, g->boundary = NG_BOUND_CLOSE;
    } else if (s == GS_CHORD) {
        g->state = GS_ENDING, g->chord = -1, g->pitched = 0;
        g->ending = ch - '0', g->ending_at = g->t;
        if (g->ending == 1) g->ending_events = g->events;
        if (g->ending == 2) {
            g->expect2 = 0;
            g->ending_end = ng_frac_add(g->t, bars_of(g, g->ending1), &g->bad);
        }
    } else { /* the space after a mark */
        g->state = GS_SEP, g->count = -1;
        if (g->close_next) g->closing = 1, g->close_next = 0;
    }
}

int ng_parts_feed(ng_grammar *g, char ch) {
    int s = g->state;
    int mark = s == GS_MOPEN || s == GS_MCOLON || s == GS_MDONE || s == GS_ENDING || (s == GS_BAR && ch == ':') ||
               (s == GS_CHORD && g->chord == 0 && ch >= '0' && ch <= '9');
    if (mark) {
        if (!ng_set_has(ng_parts_inner(g), (unsigned char)ch)) return -1;
        mark_feed(g, ch);
        return g->bad ? -1 : 0;
    }
    if (ch == '[') g->bracket_mark = just_barred(g) && (g->boundary == NG_BOUND_BAR || g->boundary == NG_BOUND_CLOSE);
    if (ng_base_feed(g, ch)) return -1;
    if (ch == ' ' && event_end(s)) g->boundary = NG_BOUND_NONE;
    if (s == GS_BAR && ch == ' ') g->boundary = NG_BOUND_BAR;
    return 0;
}

void ng_parts_body_feed(ng_grammar *g, char ch) {
    if (ch == ':' && (g->state == GS_SEP || g->state == GS_BODY)) {
        g->both_at_colon = both_allowed(g);
        g->state = GS_MCOLON;
        return;
    }
    if (ch == '|' && g->state == GS_BODY) {
        g->state = GS_MOPEN;
        return;
    }
    g->just_closed = 0;
    ng_base_body_feed(g, ch);
}

void ng_parts_bar_line(ng_grammar *g) {
    if (g->bars == 0) g->first_bar_events = g->events;
    ng_base_bar_line(g);
    if (g->parts == NG_PARTS_AB && g->bars + (g->pickup.n == 0) == 2 * PART_BARS && !g->relaxed) g->closing = 1;
    if (g->parts == NG_PARTS_AABB && g->closed == 1 && !g->relaxed) {
        ng_frac bars = g->has_bar && g->bar_len.n ? divide(passed(g), g->bar_len) : whole(0);
        if (cmp(bars, whole(PART_BARS - 1)) >= 0) g->closing = 1; /* the tune's last bar: close on the tonic */
    }
    if (g->parts == NG_PARTS_AUTO && longest_part(g) && g->closed == 2 && g->marks_used && !g->relaxed) {
        ng_frac bars = g->has_bar && g->bar_len.n ? divide(passed(g), g->bar_len) : whole(0);
        if (cmp(bars, whole(PART_BARS - 1)) >= 0) g->closing = 1; /* the third part's last bar: home */
    }
}

void ng_parts_complete_event(ng_grammar *g) {
    ng_frac v;
    if (ng_dur_value(g->dur, g->has_dur, &v) != 1 || v.n == 0) v = whole(1);
    if (g->pitched) g->last_tonic = g->on_tonic;
    else if (g->state == GS_REST) g->last_tonic = 0;
    ng_base_complete_event(g);
    g->t = ng_frac_add(g->t, v, &g->bad);
    if (g->ending == 2 && cmp(g->t, g->ending_end) >= 0) {
        g->ending = 0;
        g->closed++;
        g->start_at = g->t, g->opened = 0, g->after_endings = 1;
        g->part_events = g->events;
    }
    if (g->parts == NG_PARTS_AABB && g->closed >= 2) g->closing = 1;
}
