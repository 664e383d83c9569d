/* notetokens/notes_grammar.py's NotesGrammar, state for state, and the
 * look-ahead of notetokens/grammar.py's Restricted. */
#include "grammar.h"

#include <stdio.h>
#include <string.h>

#include "durations.h"

#define MAX_CHORD 4
static const char KEYS[] = "TLMKQ";
static const char *TYPES[] = {"reel", "jig", "slip-jig", "hornpipe", "polka", "waltz", "strathspey",
                              "march", "air", "slide", "set-dance", "clog", "fling", "barndance", "mazurka",
                              "schottische", "gavotte", "minuet", "walkaround", "song"};
static const char *UNITS[] = {"1/1", "1/2", "1/4", "1/8", "1/16", "1/32"};
static const char *METERS[] = {"2/2", "2/4", "3/2", "3/4", "3/8", "4/4", "5/4",
                               "5/8", "6/4", "6/8", "7/8", "9/8", "12/8"};
static const char *MODES[] = {"", "maj", "min", "dor", "phr", "lyd", "mix", "loc", "m", "ion", "aeo"};
static char key_text[7 * 3 * 11][8];
static const char *KEY_VALUES[7 * 3 * 11];
static const int PC[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */

void ng_grammar_tables(void) {
    int k = 0;
    for (int t = 0; t < 7; t++)
        for (int a = 0; a < 3; a++)
            for (int m = 0; m < 11; m++, k++) {
                snprintf(key_text[k], sizeof key_text[k], "%c%s%s", 'A' + t, a == 0 ? "" : a == 1 ? "#" : "b", MODES[m]);
                KEY_VALUES[k] = key_text[k];
            }
    ng_durations_tables();
}

static ng_set set_of(const char *chars) {
    ng_set s = {{0, 0}};
    for (; *chars; chars++) ng_set_add(&s, (unsigned char)*chars);
    return s;
}

static ng_set set_or(ng_set a, ng_set b) {
    a.w[0] |= b.w[0];
    a.w[1] |= b.w[1];
    return a;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int key_index(char c) { const char *p = strchr(KEYS, c); return c && p ? (int)(p - KEYS) : -1; }

void ng_grammar_init(ng_grammar *g, const ng_gctx *ctx, int min_notes, int min_bars, int required, int form) {
    memset(g, 0, sizeof *g);
    g->ctx = ctx;
    g->min_notes = min_notes, g->min_bars = min_bars, g->required = required, g->form = form;
    g->relaxed = 1;
    g->state = GS_START;
    g->bar_len = g->pos = g->pickup = (ng_frac){0, 1};
    g->letter = 'C';
    g->chord = -1;
    if (ctx->memo) ctx->memo->gen++; /* a new grammar: a new memo */
}

static int has_field(const ng_grammar *g, int k) { return g->ctx->fields && g->ctx->fields->count[k] > 0; }

/* -- queries ------------------------------------------------------------ */
int ng_base_remaining(const ng_grammar *g, ng_frac *r) {
    if (!g->has_bar || g->relaxed) return 0;
    int bad = 0;
    *r = ng_frac_sub(g->bar_len, g->pos, &bad);
    return 1;
}

int ng_remaining(const ng_grammar *g, ng_frac *r) {
    return g->parts ? ng_parts_remaining(g, r) : ng_base_remaining(g, r);
}

#define remaining ng_remaining

static int tonic_only(const ng_grammar *g) {
    return g->closing && g->form && g->has_tonic && g->chord < 0 && !g->relaxed;
}

static int event_end(int s) { return s == GS_NOTE || s == GS_REST || s == GS_CHORD_END || s == GS_DUR; }

int ng_grammar_can_end(const ng_grammar *g) { return g->parts ? ng_parts_can_end(g) : ng_base_can_end(g); }

int ng_base_can_end(const ng_grammar *g) {
    ng_frac v;
    if (!event_end(g->state) || g->chord >= 0 || ng_dur_value(g->dur, g->has_dur, &v) != 1) return 0;
    int events = g->events + g->pitched, bad = 0;
    if (events == 0 || events < g->min_notes) return 0;
    if (g->relaxed) return 1;
    if (g->form && g->has_tonic && !g->on_tonic) return 0;
    if (!g->has_bar) return 1;
    ng_frac end = ng_frac_add(g->pos, v, &bad);
    int bars = g->bars + (g->pickup.n == 0);
    if (bars < g->min_bars || (g->form && !g->closing && bars % 4)) return 0;
    return ng_frac_eq(end, g->bar_len) ||
           (g->pickup.n > 0 && ng_frac_eq(end, ng_frac_sub(g->bar_len, g->pickup, &bad)));
}

int ng_grammar_resting(const ng_grammar *g) { return g->state == GS_SEP || g->state == GS_BODY; }

static ng_set next_keys(const ng_grammar *g) {
    ng_set out = {{0, 0}};
    int last = g->nwritten ? key_index(g->written[g->nwritten - 1]) : -1;
    for (int k = last + 1; k < 5; k++) {
        ng_set_add(&out, KEYS[k]);
        if (has_field(g, k) || ((g->required >> k & 1) && !g->relaxed)) break;
    }
    return out;
}

static int header_done(const ng_grammar *g) {
    for (int k = 0; k < 5; k++) {
        int need = has_field(g, k) || (!g->relaxed && (g->required >> k & 1));
        if (need && !memchr(g->written, KEYS[k], (size_t)g->nwritten)) return 0;
    }
    return 1;
}

static int among(const char *const *values, int n, const char *prefix, ng_set *nxt) {
    size_t len = strlen(prefix);
    int complete = 0;
    for (int i = 0; i < n; i++) {
        if (strncmp(values[i], prefix, len)) continue;
        if (values[i][len]) ng_set_add(nxt, (unsigned char)values[i][len]);
        else complete = 1;
    }
    return complete;
}

static int relaxed_number(const char *p, int fraction) {
    if (!(*p >= '1' && *p <= '9')) return 0;
    while (is_digit(*p)) p++;
    if (fraction && *p == '/') {
        p++;
        if (!(*p >= '1' && *p <= '9')) return 0;
        while (is_digit(*p)) p++;
    }
    return *p == 0;
}

static int q_value(const char *p, ng_set *nxt) {
    size_t n = strlen(p);
    if (n == 0) { *nxt = set_or(*nxt, set_of("123456789")); return 0; }
    if (p[0] == '0' || n > 3) return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i])) return 0;
    if (n < 3) *nxt = set_or(*nxt, set_of("0123456789"));
    return 1;
}

static ng_set value_allowed(const ng_grammar *g) {
    char field = g->written[g->nwritten - 1];
    int k = key_index(field), complete;
    ng_set nxt = {{0, 0}};
    const char *prefix = g->hval;
    if (has_field(g, k)) {
        complete = among(g->ctx->fields->values[k], g->ctx->fields->count[k], prefix, &nxt);
    } else if (g->relaxed && (field == 'L' || field == 'M' || field == 'Q')) {
        nxt = set_of("0123456789/");
        complete = relaxed_number(prefix, field != 'Q');
    } else if (field == 'T') complete = among(TYPES, 20, prefix, &nxt);
    else if (field == 'L') complete = among(UNITS, 6, prefix, &nxt);
    else if (field == 'M') complete = among(METERS, 13, prefix, &nxt);
    else if (field == 'K') complete = among(KEY_VALUES, 231, prefix, &nxt);
    else complete = q_value(prefix, &nxt);
    if (complete) {
        ng_set keys = next_keys(g);
        keys.w[field >> 6] &= ~((uint64_t)1 << (field & 63));
        if ((keys.w[0] | keys.w[1]) && field != 'Q') ng_set_add(&nxt, ' ');
        if (header_done(g)) ng_set_add(&nxt, '\n');
    }
    return nxt;
}

int ng_base_bar_allowed(const ng_grammar *g, int after_sep) {
    if (!after_sep || g->state == GS_BAR || (g->state == GS_SEP && g->count == -1)) return 0;
    ng_frac r;
    int has_r = remaining(g, &r);
    return !has_r || r.n == 0 || (g->bars == 0 && g->pos.n > 0);
}

ng_set ng_base_event_allowed(const ng_grammar *g, int after_sep) {
    ng_frac r;
    int has_r = remaining(g, &r);
    int bar = g->parts ? ng_parts_bar_allowed(g, after_sep) : ng_base_bar_allowed(g, after_sep);
    ng_set out = {{0, 0}};
    if (tonic_only(g)) ng_set_add(&out, g->tonic_letter);
    else if (!has_r || r.n > 0) out = set_of(g->closing ? "ABCDEFG" : "ABCDEFGR[");
    if (bar) ng_set_add(&out, '|');
    return out;
}

static ng_set octaves(const ng_grammar *g) {
    ng_set out = {{0, 0}};
    int base = PC[g->letter - 'A'] + (g->acc == '#' ? g->count : -g->count);
    for (int d = 0; d < 10; d++)
        if (12 * (d + 1) + base >= 12 && 12 * (d + 1) + base <= 127) ng_set_add(&out, '0' + d);
    return out;
}

static ng_set relaxed_duration(const ng_grammar *g, const char *prefix) {
    if (!prefix) return set_of(": ");
    const char *p = prefix;
    while (is_digit(*p)) p++;
    if (*p == '/') for (p++; is_digit(*p); p++) {}
    ng_frac v;
    ng_set out = *p == 0 ? set_of("0123456789/") : (ng_set){{0, 0}};
    if (ng_dur_value(prefix, 1, &v) == 1) ng_set_add(&out, ' ');
    (void)g;
    return out;
}

static ng_set duration_allowed(const ng_grammar *g, const char *prefix) {
    if (g->relaxed) return relaxed_duration(g, prefix);
    ng_frac r;
    int has_r = remaining(g, &r), whole;
    char last[24];
    int has_last = has_r && r.n != 0 && ng_dur_plain(r);
    if (has_last) ng_dur_suffix(r, last);
    if (tonic_only(g) && has_last && g->state != GS_REST) {
        ng_set out = {{0, 0}};
        size_t typed = prefix ? strlen(prefix) : 0;
        if (!prefix) ng_set_add(&out, last[0] ? ':' : ' ');
        else ng_set_add(&out, typed < strlen(last) ? last[typed] : ' ');
        return out;
    }
    ng_set nxt = ng_dur_next(g->ctx->memo ? g->ctx->memo->durations : NULL, prefix ? prefix : "", has_r ? &r : NULL,
                             g->closing, &whole);
    if (!prefix) {
        ng_set out = {{0, 0}};
        if (nxt.w[0] | nxt.w[1]) ng_set_add(&out, ':');
        if (ng_dur_fits((ng_frac){1, 1}, has_r ? &r : NULL, g->closing)) ng_set_add(&out, ' ');
        return out;
    }
    if (whole) ng_set_add(&nxt, ' ');
    return nxt;
}

static ng_set letter_allowed(const ng_grammar *g) {
    if (tonic_only(g)) {
        int need = g->tonic_acc ? 1 : 0;
        if (g->count < need) {
            ng_set out = {{0, 0}};
            ng_set_add(&out, g->tonic_acc);
            return out;
        }
        return octaves(g);
    }
    ng_set out = octaves(g);
    if (g->count < 2) {
        if (!g->acc) out = set_or(out, set_of("#b"));
        else ng_set_add(&out, g->acc);
    }
    return out;
}

ng_set ng_grammar_inner(const ng_grammar *g) { return g->parts ? ng_parts_inner(g) : ng_base_inner(g); }

ng_set ng_base_inner(const ng_grammar *g) {
    ng_set none = {{0, 0}};
    if (g->bad) return none;
    switch (g->state) {
    case GS_START:
    case GS_HAFTER: {
        ng_set keys = next_keys(g);
        int free_ = g->relaxed || !g->required;
        return g->state == GS_START && free_ ? set_or(keys, set_of("ABCDEFGR[")) : keys;
    }
    case GS_HKEY: return set_of(":");
    case GS_HVAL: return value_allowed(g);
    case GS_BODY:
    case GS_SEP:
        return g->parts ? ng_parts_event_allowed(g, g->state == GS_SEP) : ng_base_event_allowed(g, g->state == GS_SEP);
    case GS_LETTER: return letter_allowed(g);
    case GS_NOTE:
        if (g->chord >= 0) {
            ng_set out = {{0, 0}};
            if (g->chord < MAX_CHORD) ng_set_add(&out, ' ');
            if (g->chord >= 2) ng_set_add(&out, ']');
            return out;
        }
        return duration_allowed(g, NULL);
    case GS_REST:
    case GS_CHORD_END: return duration_allowed(g, NULL);
    case GS_DUR: return duration_allowed(g, g->dur);
    case GS_CHORD: return set_of("ABCDEFG");
    case GS_BAR: return set_of(" ");
    default: return none;
    }
}
