/* NotesGrammar's transitions (feed, begin, close, wind_down) and the
 * Restricted look-ahead: a character is allowed only if the text can still
 * be finished with the model's characters (searched DEPTH characters deep). */
#include <string.h>

#include "durations.h"
#include "grammar.h"

#define DEPTH 12
static const char KEYS[] = "TLMKQ";
static const int PC[7] = {9, 11, 0, 2, 4, 5, 7};

static int pc_of(char letter, char acc, int count) {
    int shift = acc == '#' ? count : -count;
    return ((PC[letter - 'A'] + shift) % 12 + 12) % 12;
}

static int event_end(int s) { return s == GS_NOTE || s == GS_REST || s == GS_CHORD_END || s == GS_DUR; }

static ng_frac parse_frac(const char *s, int *bad) {
    int64_t n = 0, d = 1;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 18) *bad = 1;
        n = n * 10 + (*s - '0');
    }
    if (*s == '/') {
        d = 0;
        digits = 0;
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++digits > 18) *bad = 1;
            d = d * 10 + (*s - '0');
        }
    }
    if (*bad) return (ng_frac){0, 1};
    return ng_frac_make(n, d, bad);
}

static void set_meter(ng_grammar *g) {
    if (g->hM[0]) {
        ng_frac unit = g->hL[0] ? parse_frac(g->hL, &g->bad) : (ng_frac){1, 4};
        ng_frac meter = parse_frac(g->hM, &g->bad);
        if (!g->bad) g->bar_len = ng_frac_div(meter, unit, &g->bad);
        g->has_bar = 1;
    }
    if (g->hK[0]) {
        g->has_tonic = 1;
        g->tonic_letter = g->hK[0];
        g->tonic_acc = g->hK[1] == '#' || g->hK[1] == 'b' ? g->hK[1] : 0;
    }
}

static void header_feed(ng_grammar *g, char ch) {
    if (ch != ' ' && ch != '\n') {
        if (g->nhval + 1 >= NG_HVAL) { g->bad = 1; return; }
        g->hval[g->nhval++] = ch;
        g->hval[g->nhval] = 0;
        return;
    }
    char f = g->written[g->nwritten - 1];
    char *slot = f == 'M' ? g->hM : f == 'L' ? g->hL : f == 'K' ? g->hK : NULL;
    if (slot) memcpy(slot, g->hval, NG_HVAL);
    if (f == 'T') g->has_type = g->nhval > 0;
    g->state = ch == ' ' ? GS_HAFTER : GS_BODY;
    if (ch == '\n') set_meter(g);
}

int ng_last_of_phrase(const ng_grammar *g) {
    return g->parts ? ng_parts_last_of_phrase(g) : ng_base_last_of_phrase(g);
}

int ng_base_last_of_phrase(const ng_grammar *g) {
    int bars = g->bars + (g->pickup.n == 0) + (g->bars == 0 && g->pos.n == 0);
    return !g->form || !g->has_bar || bars % 4 == 0;
}

void ng_complete_event(ng_grammar *g) {
    if (g->parts) ng_parts_complete_event(g);
    else ng_base_complete_event(g);
}

void ng_base_complete_event(ng_grammar *g) {
    ng_frac v;
    int got = ng_dur_value(g->dur, g->has_dur, &v);
    if (got < 0) g->bad = 1;
    if (got != 1) v = (ng_frac){1, 1};
    g->pos = ng_frac_add(g->pos, v, &g->bad);
    g->events += g->pitched;
    g->pitched = 0;
    g->has_dur = 0;
    g->dur[0] = 0;
    g->ndur = 0;
}

static void space_feed(ng_grammar *g) {
    int s = g->state;
    if (event_end(s) && g->chord < 0) {
        ng_complete_event(g);
        g->state = GS_SEP, g->count = 0;
    } else if (s == GS_BAR) {
        g->state = GS_SEP, g->count = -1;
    } else {
        g->state = GS_CHORD;
    }
    if (g->state == GS_SEP && g->close_next) g->closing = 1, g->close_next = 0;
}

void ng_bar_line(ng_grammar *g) {
    if (g->parts) ng_parts_bar_line(g);
    else ng_base_bar_line(g);
}

void ng_base_bar_line(ng_grammar *g) {
    g->state = GS_BAR;
    if (g->bars == 0 && g->has_bar && g->pos.n > 0 && ng_frac_cmp(g->pos, g->bar_len) < 0) g->pickup = g->pos;
    g->bars++;
    g->pos = (ng_frac){0, 1};
    if (g->winding && ng_last_of_phrase(g)) g->closing = 1;
}

static void octave_feed(ng_grammar *g) {
    g->state = GS_NOTE;
    int pc = pc_of(g->letter, g->acc, g->count);
    int tonic = g->has_tonic && pc == pc_of(g->tonic_letter, g->tonic_acc, g->tonic_acc ? 1 : 0);
    if (g->chord >= 0) {
        g->chord++;
        g->on_tonic = g->on_tonic || tonic;
    } else {
        g->on_tonic = tonic;
    }
}

void ng_body_feed(ng_grammar *g, char ch) {
    if (g->parts) ng_parts_body_feed(g, ch);
    else ng_base_body_feed(g, ch);
}

void ng_base_body_feed(ng_grammar *g, char ch) {
    int s = g->state;
    if (ch == ' ') space_feed(g);
    else if (ch == '|') ng_bar_line(g);
    else if (ch == '[') g->state = GS_CHORD, g->chord = 0, g->pitched = 1, g->on_tonic = 0;
    else if (ch == ']') g->state = GS_CHORD_END, g->chord = -1, g->has_dur = 0, g->dur[0] = 0, g->ndur = 0;
    else if (ch == 'R') g->state = GS_REST, g->has_dur = 0, g->dur[0] = 0, g->ndur = 0, g->pitched = 0, g->on_tonic = 0;
    else if (ch >= 'A' && ch <= 'G' && (s == GS_BODY || s == GS_SEP || s == GS_CHORD || s == GS_START)) {
        g->state = GS_LETTER, g->count = 0, g->acc = 0, g->letter = ch;
        if (g->chord < 0) g->pitched = 1, g->has_dur = 0, g->dur[0] = 0, g->ndur = 0;
    } else if (s == GS_LETTER && (ch == '#' || ch == 'b')) {
        g->count++, g->acc = ch;
    } else if (s == GS_LETTER) {
        octave_feed(g);
    } else if (ch == ':') {
        g->state = GS_DUR, g->has_dur = 1, g->dur[0] = 0, g->ndur = 0;
    } else {
        if (g->ndur + 1 >= NG_HVAL || (g->ndur >= 17 && ch != '/')) { g->bad = 1; return; }
        g->has_dur = 1;
        g->dur[g->ndur++] = ch;
        g->dur[g->ndur] = 0;
    }
}

int ng_grammar_feed(ng_grammar *g, char ch) { return g->parts ? ng_parts_feed(g, ch) : ng_base_feed(g, ch); }

int ng_base_feed(ng_grammar *g, char ch) {
    if (!ng_set_has(ng_grammar_inner(g), (unsigned char)ch)) return -1;
    int s = g->state;
    if ((s == GS_START || s == GS_HAFTER) && strchr(KEYS, ch)) {
        g->state = GS_HKEY;
        g->written[g->nwritten++] = ch;
        g->written[g->nwritten] = 0;
        g->hval[0] = 0, g->nhval = 0;
    } else if (s == GS_HKEY) {
        g->state = GS_HVAL;
    } else if (s == GS_HVAL) {
        header_feed(g, ch);
    } else {
        ng_body_feed(g, ch);
    }
    return g->bad ? -1 : 0;
}

void ng_grammar_begin(ng_grammar *g) {
    g->relaxed = 0;
    if (g->has_bar && g->bar_len.n > 0 && ng_frac_cmp(g->pos, g->bar_len) > 0) {
        g->pos = ng_frac_mod(g->pos, g->bar_len, &g->bad);
        if (g->pos.n == 0) g->pos = g->bar_len;
    }
}

void ng_grammar_close(ng_grammar *g) {
    if (ng_grammar_resting(g) || g->state <= GS_HAFTER) g->closing = 1;
    else g->close_next = 1;
}

void ng_grammar_wind_down(ng_grammar *g) {
    g->winding = 1;
    if (ng_last_of_phrase(g)) ng_grammar_close(g);
}

int ng_grammar_may_wind_down(const ng_grammar *g) {
    int s = g->state, wind = s == GS_SEP || event_end(s);
    int need = g->min_notes > 1 ? g->min_notes : 1;
    return g->form && !g->winding && !g->closing && wind && g->events >= need;
}

int ng_grammar_pitch_after(const ng_grammar *g, char ch) {
    if (g->state != GS_LETTER || ch < '0' || ch > '9') return -1;
    int shift = g->acc == '#' ? g->count : -g->count;
    return 12 * (ch - '0' + 1) + PC[g->letter - 'A'] + shift;
}

/* -- Restricted ----------------------------------------------------------- */
/* As notetokens/grammar.py's Restricted: memoized by the state's key (which
 * leaves out the counters), and optimistic past DEPTH characters. The memo
 * is part of the answer: a state first met deep in a search keeps the result
 * it got there, so it is kept exactly as Python keeps it. */
static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xBF58476D1CE4E5B9ull;
}

static uint64_t mix_text(uint64_t h, const char *s) {
    for (; *s; s++) h = mix(h, (unsigned char)*s);
    return mix(h, 0xFF);
}

static uint64_t state_key(const ng_grammar *g) {
    uint64_t h = mix(0, (uint64_t)g->state);
    h = mix_text(h, g->written);
    h = mix_text(h, g->hval);
    h = mix(h, (uint64_t)g->has_bar);
    if (g->has_bar) h = mix(mix(h, (uint64_t)g->bar_len.n), (uint64_t)g->bar_len.d);
    h = mix(mix(h, (uint64_t)g->pos.n), (uint64_t)g->pos.d);
    h = mix(h, (uint64_t)(g->bars == 0));
    h = mix(mix(h, (uint64_t)g->pickup.n), (uint64_t)g->pickup.d);
    h = mix(mix(mix(h, (uint64_t)(unsigned char)g->letter), (uint64_t)(unsigned char)g->acc), (uint64_t)(g->count + 2));
    h = mix(h, (uint64_t)(g->chord + 2));
    h = mix(h, (uint64_t)g->has_dur);
    if (g->has_dur) h = mix_text(h, g->dur);
    h = mix(mix(mix(h, (uint64_t)g->relaxed), (uint64_t)g->closing), (uint64_t)g->on_tonic);
    return g->parts ? ng_parts_key(g, h, mix) : h;
}

static ng_viable_slot *viable_slot(ng_memo *m, uint64_t key) {
    for (uint64_t k = 0; k < 64; k++) {
        ng_viable_slot *s = &m->viable[(key + k) & (NG_VIABLE_SLOTS - 1)];
        if (s->gen != m->gen || s->key == key) return s;
    }
    return NULL; /* the table is crowded here: no memo for this state */
}

static int finishable(const ng_grammar *g, int depth);

static int after(const ng_grammar *g, char ch, int depth) {
    ng_grammar next = *g;
    if (ng_grammar_feed(&next, ch)) return 0;
    return finishable(&next, depth + 1);
}

static int finishable(const ng_grammar *g, int depth) {
    ng_memo *m = g->ctx->memo;
    uint64_t key = state_key(g);
    ng_viable_slot *s = viable_slot(m, key);
    if (s && s->gen == m->gen) return s->value;
    int result = 0;
    if (ng_grammar_can_end(g) || ng_grammar_resting(g)) {
        result = 1;
    } else if (depth >= DEPTH) {
        return 1; /* optimistic, and not memoized */
    } else {
        ng_set a = ng_grammar_inner(g);
        a.w[0] &= g->ctx->alphabet.w[0];
        a.w[1] &= g->ctx->alphabet.w[1];
        for (int c = 0; c < 128 && !result; c++)
            if (ng_set_has(a, c)) result = after(g, (char)c, depth);
    }
    s = viable_slot(m, key); /* the search may have filled the slot found before */
    if (s) *s = (ng_viable_slot){key, m->gen, (uint8_t)result};
    return result;
}

ng_set ng_grammar_allowed(const ng_grammar *g) {
    ng_memo *m = g->ctx->memo;
    uint64_t key = state_key(g);
    ng_allowed_slot *slot = NULL;
    for (uint64_t k = 0; k < 64 && !slot; k++) {
        ng_allowed_slot *s = &m->allowed[(key + k) & (NG_ALLOWED_SLOTS - 1)];
        if (s->gen == m->gen && s->key == key) return s->set;
        if (s->gen != m->gen) slot = s;
    }
    ng_set a = ng_grammar_inner(g), out = {{0, 0}};
    a.w[0] &= g->ctx->alphabet.w[0];
    a.w[1] &= g->ctx->alphabet.w[1];
    for (int c = 0; c < 128; c++)
        if (ng_set_has(a, c) && after(g, (char)c, 0)) ng_set_add(&out, c);
    if (slot) *slot = (ng_allowed_slot){key, m->gen, out};
    return out;
}
