/* The score builder (worker thread only): tunes drawn by the C engine from
 * the controls, decoded to notes in quarter beats and laid on bars.
 *
 * Layout: tune k uses seed + k. Tune 0 starts at beat 0. A tune opening with
 * a pickup of p quarter beats (before its first '|') is shifted by bar - p, so
 * its first full bar lands on a bar line. Tune k+1 starts on the first bar
 * line (of tune k's meter, counted from tune k's start) at or after the end of
 * tune k's last note, plus one empty bar. */
#ifndef NG_SCORE_H
#define NG_SCORE_H

#include <stdint.h>

#include "../../engine/notegen_engine.h"
#include "phrase.h"
#include "playback.h"

#ifndef SC_CAP
#define SC_CAP 8192 /* notes in one score buffer */
#endif
#define SC_TEXT 8192    /* characters of one tune (header + 3000 at most) */
#define SC_MAX_CHARS 3000
#define SC_HEADER_CHARS 200

/* What the controls asked for when the work was scheduled (and,
 * in a score, what its tunes from its last cut were laid with). */
typedef struct sc_controls {
    double temperature;
    int32_t seed, key, meter, type;
    double host_bpb, host_unit; /* the host's bar (meter 0 follows it) */
    int32_t low, high;          /* MIDI pitches the tune keeps within (0 and 127: no limit) */
} sc_controls;

/* A score: plain data (the state blob is this struct's used part). */
typedef struct sc_score {
    uint32_t count;  /* notes */
    uint32_t tunes;  /* tunes laid so far: the next one uses seed + tunes */
    uint32_t full;   /* 1: the next tune did not fit; no more are added */
    uint32_t failed; /* tunes the engine could not draw (skipped) */
    double end;      /* where the next tune starts, quarter beats */
    double bar;      /* the last tune's bar, quarter beats */
    double floor;    /* notes ending by here are not kept (the window's start) */
    sc_controls laid; /* the controls of the tunes laid since the last cut (tune k: laid.seed + k) */
    pb_note notes[SC_CAP];
} sc_score;

/* The builder's working memory (allocated once, with the plugin). */
typedef struct sc_builder {
    ng_engine *engine;
    char text[SC_TEXT];
    int32_t prime[SC_TEXT]; /* a prime's code points */
    ng_note decoded[SC_CAP];
    char fields[96];
    char err[256];
    int last_prime; /* sc_continue: the prime's length at the start of text */
} sc_builder;

void sc_clear(sc_score *s);
/* 1 when a and b ask for the same tunes (the host's bar counts only with meter 0) */
int sc_same(const sc_controls *a, const sc_controls *b);
/* Keep the notes that start before q, end them by q, and lay the next tune at q. */
void sc_cut(sc_score *s, double q);
/* Lay tunes until the score's end reaches `until` or the score is full
 * (64 tries at most); returns the tunes added. When a tune does not fit, the
 * notes that ended by `keep` are dropped first (sc_compact). */
int sc_extend(sc_builder *b, sc_score *s, const sc_controls *c, double until, double keep);
/* Drop the notes that start and end by q (a prefix of the score) and move the
 * floor there; returns how many were dropped. */
uint32_t sc_compact(sc_score *s, double q);
/* Lay the model's continuation of a user's phrase at the score's end (one
 * tune, seed + tunes; the phrase itself is not laid): the prime is
 * ph_prime's text in the host's meter; 0, or -1 when it could not be drawn. */
int sc_continue(sc_builder *b, sc_score *s, const sc_controls *c, const ph_phrase *ph, double keep);
/* The header fields the controls ask for, as ng_options.fields ("T=jig;L=1/8;M=6/8;K=D"). */
void sc_fields(const sc_controls *c, char *out, int cap);
/* One tune's text (header line + notes) for seed; returns its length or -1. */
int sc_draw(sc_builder *b, const sc_controls *c, uint64_t seed);

#endif
