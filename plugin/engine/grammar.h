/* The note-string grammar (a port of notetokens/notes_grammar.py, limited to
 * a model's characters as notetokens/grammar.py's Restricted limits it).
 * A state is a plain struct: copying it is the look-ahead's copy(). */
#ifndef NG_GRAMMAR_H
#define NG_GRAMMAR_H

#include <stdint.h>

typedef struct ng_set {
    uint64_t w[2]; /* ASCII characters */
} ng_set;

typedef struct ng_frac {
    int64_t n, d; /* lowest terms, d > 0 */
} ng_frac;

#define NG_HVAL 64
#define NG_FIELD_VALUES 64

typedef struct ng_fields {
    /* per header key (T L M K Q): the values it may take; count 0: free */
    const char *values[5][NG_FIELD_VALUES];
    int count[5];
} ng_fields;

/* Restricted's memo tables (per stream: gen says which stream wrote an entry),
 * keyed by a 64-bit hash of NotesGrammar.key(). */
#define NG_VIABLE_SLOTS (1 << 17)
#define NG_ALLOWED_SLOTS (1 << 14)
typedef struct ng_viable_slot {
    uint64_t key;
    uint32_t gen;
    uint8_t value;
} ng_viable_slot;
typedef struct ng_allowed_slot {
    uint64_t key;
    uint32_t gen;
    ng_set set;
} ng_allowed_slot;
#define NG_DUR_BITS 12
typedef struct ng_dur_slot {
    uint64_t text;
    int32_t rcode;
    uint8_t closing, whole, valid;
    ng_set set;
} ng_dur_slot;
typedef struct ng_dur_cache {
    ng_dur_slot slot[1 << NG_DUR_BITS];
} ng_dur_cache;

typedef struct ng_memo {
    ng_viable_slot *viable;   /* NG_VIABLE_SLOTS */
    ng_allowed_slot *allowed; /* NG_ALLOWED_SLOTS */
    ng_dur_cache *durations;  /* a pure function's results: kept across streams */
    uint32_t gen;
} ng_memo;

typedef struct ng_gctx {
    const ng_fields *fields;
    ng_set alphabet;
    ng_memo *memo;
} ng_gctx;

enum {
    GS_START, GS_HKEY, GS_HVAL, GS_HAFTER, GS_BODY, GS_SEP, GS_LETTER, GS_NOTE,
    GS_REST, GS_CHORD, GS_CHORD_END, GS_DUR, GS_BAR,
    /* PartsGrammar's (parts.c): after `|` at the start, after `:`, after a mark, after `[1`/`[2` */
    GS_MOPEN, GS_MCOLON, GS_MDONE, GS_ENDING
};

/* the forms (ng_options.parts): one is NotesGrammar itself */
enum { NG_PARTS_ONE, NG_PARTS_AUTO, NG_PARTS_AABB, NG_PARTS_AB, NG_PARTS_FREE };
enum { NG_BOUND_NONE, NG_BOUND_BAR, NG_BOUND_OPEN, NG_BOUND_CLOSE };

typedef struct ng_grammar {
    const ng_gctx *ctx;
    int min_notes, min_bars, required; /* required: bit per key of "TLMKQ" */
    int form, relaxed, closing, close_next, winding, bad;
    int state;
    char written[6];
    int nwritten;
    char hval[NG_HVAL];
    int nhval;
    char hM[NG_HVAL], hL[NG_HVAL], hK[NG_HVAL];
    int has_bar;
    ng_frac bar_len, pos, pickup;
    int bars, events;
    char letter, acc, tonic_letter, tonic_acc;
    int count, chord, has_tonic;
    int has_dur; /* dur is "" after ':'; has_dur 0 is None */
    char dur[NG_HVAL];
    int ndur;
    int pitched, on_tonic;
    /* PartsGrammar (parts.c); parts NG_PARTS_ONE leaves them all unused */
    int parts, has_type;
    ng_frac t, extra, start_at, ending_at, ending1, ending_end;
    int extra_notes, part_events, ending_events, first_bar_events;
    int opened, ending, expect2, closed, marks_used, boundary, just_closed, last_tonic, after_endings;
    int bracket_mark, both_at_colon;
} ng_grammar;

void ng_grammar_tables(void); /* once, before any grammar is used */
void ng_grammar_init(ng_grammar *g, const ng_gctx *ctx, int min_notes, int min_bars, int required, int form);
ng_set ng_grammar_allowed(const ng_grammar *g);  /* Restricted.allowed() */
ng_set ng_grammar_inner(const ng_grammar *g);    /* NotesGrammar.allowed() */
int ng_grammar_feed(ng_grammar *g, char ch);      /* -1 if ch may not come */
int ng_grammar_can_end(const ng_grammar *g);
int ng_grammar_resting(const ng_grammar *g);
void ng_grammar_begin(ng_grammar *g);
void ng_grammar_close(ng_grammar *g);
void ng_grammar_wind_down(ng_grammar *g);
int ng_grammar_may_wind_down(const ng_grammar *g);
int ng_grammar_pitch_after(const ng_grammar *g, char ch); /* -1: none */
void ng_grammar_set_parts(ng_grammar *g, int parts); /* right after init */

/* NotesGrammar's own methods, which PartsGrammar's (parts.c) override and call */
int ng_base_remaining(const ng_grammar *g, ng_frac *r);
int ng_base_bar_allowed(const ng_grammar *g, int after_sep);
ng_set ng_base_event_allowed(const ng_grammar *g, int after_sep);
ng_set ng_base_inner(const ng_grammar *g);
int ng_base_can_end(const ng_grammar *g);
int ng_base_feed(ng_grammar *g, char ch);
void ng_base_body_feed(ng_grammar *g, char ch);
void ng_base_bar_line(ng_grammar *g);
void ng_base_complete_event(ng_grammar *g);
int ng_base_last_of_phrase(const ng_grammar *g);
/* the dispatch: the parts version where g->parts says so */
int ng_remaining(const ng_grammar *g, ng_frac *r);
void ng_body_feed(ng_grammar *g, char ch);
void ng_bar_line(ng_grammar *g);
void ng_complete_event(ng_grammar *g);
int ng_last_of_phrase(const ng_grammar *g);
/* parts.c */
int ng_parts_remaining(const ng_grammar *g, ng_frac *r);
int ng_parts_bar_allowed(const ng_grammar *g, int after_sep);
ng_set ng_parts_event_allowed(const ng_grammar *g, int after_sep);
ng_set ng_parts_inner(const ng_grammar *g);
int ng_parts_can_end(const ng_grammar *g);
int ng_parts_feed(ng_grammar *g, char ch);
void ng_parts_body_feed(ng_grammar *g, char ch);
void ng_parts_bar_line(ng_grammar *g);
void ng_parts_complete_event(ng_grammar *g);
int ng_parts_last_of_phrase(const ng_grammar *g);
uint64_t ng_parts_key(const ng_grammar *g, uint64_t h, uint64_t (*mix)(uint64_t, uint64_t));

static inline int ng_set_has(ng_set s, int c) {
    return c >= 0 && c < 128 && ((s.w[c >> 6] >> (c & 63)) & 1u);
}
static inline void ng_set_add(ng_set *s, int c) {
    if (c >= 0 && c < 128) s->w[c >> 6] |= (uint64_t)1 << (c & 63);
}

#endif
