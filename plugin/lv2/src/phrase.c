/* Continuing from the user (see phrase.h). */
#include "phrase.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ph_clear(ph_phrase *p) {
    p->n = 0;
    p->last = 0;
}

void ph_on(ph_phrase *p, double q, int pitch) {
    p->last = q;
    if (p->n >= PH_NOTES) return;
    p->notes[p->n++] = (ph_note){q, q - 1.0, pitch};
}

void ph_off(ph_phrase *p, double q, int pitch) {
    p->last = q;
    for (int i = p->n - 1; i >= 0; i--)
        if (p->notes[i].pitch == pitch && p->notes[i].off < p->notes[i].on) {
            p->notes[i].off = q;
            return;
        }
}

int ph_ready(const ph_phrase *p, double q, double silence) {
    if (p->n == 0 || q - p->last < silence) return 0;
    for (int i = 0; i < p->n; i++)
        if (p->notes[i].off < p->notes[i].on) return 0;
    return 1;
}

/* NG_KEYS' order (src/choices.h): tonic pitch class and sharps of each */
static const int TONIC[16] = {0, 0, 7, 2, 9, 4, 11, 6, 1, 5, 10, 3, 8, 1, 6, 11};
static const int SHARPS[16] = {0, 0, 1, 2, 3, 4, 5, 6, 7, -1, -2, -3, -4, -5, -6, -7};
static const char *const KEY_NAME[16] = {"", "C", "G", "D", "A", "E", "B", "F#", "C#",
                                         "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"};
static const int MAJOR[12] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};

int ph_key(const ph_phrase *p) {
    int best = 1;
    double best_score = -1;
    for (int k = 1; k < 16; k++) {
        double score = 0;
        for (int i = 0; i < p->n; i++) {
            double len = p->notes[i].off > p->notes[i].on ? p->notes[i].off - p->notes[i].on : 0.5;
            int pc = ((p->notes[i].pitch - TONIC[k]) % 12 + 12) % 12;
            score += len * (MAJOR[pc] + (pc == 0 ? 0.5 : 0) + (pc == 7 ? 0.25 : 0));
        }
        if (p->n && ((p->notes[p->n - 1].pitch - TONIC[k]) % 12 + 12) % 12 == 0) score += 1.0;
        if (score > best_score + 1e-9 || (fabs(score - best_score) <= 1e-9 && abs(SHARPS[k]) < abs(SHARPS[best])))
            best = k, best_score = score;
    }
    return best;
}

typedef struct writer {
    char *out;
    int cap, n, bad;
} writer;

static void emit(writer *w, const char *s) {
    int len = (int)strlen(s);
    if (w->n + len + 1 > w->cap) {
        w->bad = 1;
        return;
    }
    memcpy(w->out + w->n, s, (size_t)len + 1);
    w->n += len;
}

/* the longest length the notes grammar writes plainly, at most `units` eighths */
static int plain(int units) {
    static const int OK[] = {12, 8, 6, 4, 3, 2, 1};
    for (int i = 0; i < 7; i++)
        if (OK[i] <= units) return OK[i];
    return 1;
}

/* one token: a pitch (or -1: a rest) for `units` eighths */
static void token(writer *w, int pitch, int units, int flats, int *first) {
    static const char *const SHARP[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    static const char *const FLAT[12] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%s", *first ? "" : " ");
    if (pitch < 0) len += snprintf(buf + len, sizeof buf - (size_t)len, "R");
    else
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%d", (flats ? FLAT : SHARP)[pitch % 12],
                        pitch / 12 - 1);
    if (units != 1) snprintf(buf + len, sizeof buf - (size_t)len, ":%d", units);
    emit(w, buf);
    *first = 0;
}

/* `units` eighths of pitch (or rest) from unit `at`, split at bar lines and
 * into plain lengths; a note is cut at the bar line (the rest of it is a rest) */
static void span(writer *w, int pitch, int at, int units, int bar, int flats, int *first) {
    while (units > 0) {
        int room = bar - at % bar, len = plain(units < room ? units : room);
        token(w, pitch, len, flats, first);
        at += len, units -= len;
        if (at % bar == 0) {
            emit(w, " |");
            if (pitch >= 0) pitch = -1;
        }
    }
}

int ph_prime(const ph_phrase *p, double bar, const char *meter, const char *type, char *out, int cap,
             double *beats) {
    int bar_units = (int)lround(bar * 2);
    if (p->n == 0 || bar_units < 1 || fabs(bar * 2 - bar_units) > 1e-9) return -1;
    int key = ph_key(p), flats = SHARPS[key] < 0;
    double t0 = floor(p->notes[0].on / bar + 1e-9) * bar;
    writer w = {out, cap, 0, 0};
    char head[64];
    snprintf(head, sizeof head, "%s%s%sL:1/8 M:%s K:%s\n", type ? "T:" : "", type ? type : "", type ? " " : "", meter,
             KEY_NAME[key]);
    emit(&w, head);
    int at = 0, first = 1;
    for (int i = 0; i < p->n; i++) {
        int on = (int)lround((p->notes[i].on - t0) * 2), off = (int)lround((p->notes[i].off - t0) * 2);
        if (on < at) on = at; /* a chord or a grace: after what came before */
        int next = i + 1 < p->n ? (int)lround((p->notes[i + 1].on - t0) * 2) : on + 64;
        if (off > next) off = next;
        if (off <= on) off = on + 1;
        if (next <= on && i + 1 < p->n) continue; /* the same eighth as the next: the next wins */
        if (on > at) span(&w, -1, at, on - at, bar_units, flats, &first);
        span(&w, p->notes[i].pitch, on, off - on, bar_units, flats, &first);
        at = off;
    }
    if (at % bar_units) span(&w, -1, at, bar_units - at % bar_units, bar_units, flats, &first);
    at += (bar_units - at % bar_units) % bar_units;
    if (w.bad) return -1;
    *beats = at / 2.0;
    return w.n;
}
