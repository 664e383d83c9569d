/* From characters to notes: a note string (canonical model text, or the
 * seed form with '-' between notes) as pitches with onsets and durations in
 * quarter-note beats. A chord is one note per pitch; a rest only moves time.
 * Repeat marks and endings are read as bar lines: the notes as written, once
 * (decode_repeats.c's ng_decode_played plays the repeats out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const int PC[7] = {9, 11, 0, 2, 4, 5, 7};

typedef struct cursor {
    const char *s;
    int i;
    char *err;
    size_t errlen;
} cursor;

static int bad(cursor *c, const char *what) {
    ng_set_error(c->err, c->errlen, "%s at character %d", what, c->i + 1);
    return NG_FAIL;
}

static int number(cursor *c, long *v) {
    int start = c->i;
    long x = 0;
    while (c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        if (x > 100000000L) return -1;
        x = x * 10 + (c->s[c->i++] - '0');
    }
    *v = x;
    return c->i > start ? 0 : -1;
}

/* ":N", ":/M", ":N/M" or nothing, in units */
static int duration(cursor *c, double *units) {
    long n = 1, d = 1;
    *units = 1.0;
    if (c->s[c->i] != ':') return 0;
    c->i++;
    if (c->s[c->i] != '/' && number(c, &n)) return bad(c, "a bad duration");
    if (c->s[c->i] == '/') {
        c->i++;
        if (number(c, &d)) return bad(c, "a bad duration");
    }
    if (!n || !d) return bad(c, "a zero duration");
    *units = (double)n / (double)d;
    return 0;
}

static int pitch(cursor *c, int *p) {
    char l = c->s[c->i];
    if (l >= 'a' && l <= 'g') l = (char)(l - 32);
    if (l < 'A' || l > 'G') return bad(c, "a note letter expected");
    c->i++;
    int shift = 0, octave = 4;
    while (c->s[c->i] == '#' || c->s[c->i] == 'b') shift += c->s[c->i++] == '#' ? 1 : -1;
    if (c->s[c->i] >= '0' && c->s[c->i] <= '9') octave = c->s[c->i++] - '0';
    *p = 12 * (octave + 1) + PC[l - 'A'] + shift;
    if (*p < 0 || *p > 127) return bad(c, "a pitch outside MIDI's range");
    return 0;
}

/* the header's unit (L:) in whole notes; the line is skipped */
static double header(cursor *c) {
    double unit = 0.25;
    if (!strchr("TLMKQ", c->s[0]) || !c->s[0] || c->s[1] != ':') return unit;
    const char *nl = strchr(c->s, '\n');
    int end = nl ? (int)(nl - c->s) : (int)strlen(c->s);
    for (int i = 0; i < end; i++)
        if (c->s[i] == 'L' && c->s[i + 1] == ':' && (i == 0 || c->s[i - 1] == ' ')) {
            long n = 0, d = 0;
            if (sscanf(c->s + i + 2, "%ld/%ld", &n, &d) == 2 && n > 0 && d > 0) unit = (double)n / (double)d;
        }
    c->i = nl ? end + 1 : end;
    return unit;
}

/* a chord: one note per pitch, low to high, a pitch written twice sounding
 * once (as notes.parse has it) */
static int chord(cursor *c, ng_note *notes, int *count, int cap, double onset, double *len, double beat) {
    uint64_t seen[2] = {0, 0};
    c->i++;
    while (c->s[c->i] && c->s[c->i] != ']') {
        if (c->s[c->i] == ' ') { c->i++; continue; }
        int p;
        if (pitch(c, &p)) return NG_FAIL;
        seen[p >> 6] |= 1ull << (p & 63);
    }
    if (c->s[c->i] != ']' || !(seen[0] | seen[1])) return bad(c, "an unclosed or empty chord");
    c->i++;
    double units;
    if (duration(c, &units)) return NG_FAIL;
    *len = units * beat;
    for (int p = 0; p < 128; p++)
        if (seen[p >> 6] >> (p & 63) & 1) {
            if (*count < cap) notes[*count] = (ng_note){onset, *len, p};
            (*count)++;
        }
    return 0;
}

int ng_decode(const char *text, ng_note *notes, int cap, char *err, size_t errlen) {
    cursor c = {text, 0, err, errlen};
    double beat = header(&c) * 4.0, onset = 0.0;
    int count = 0;
    while (text[c.i]) {
        char ch = text[c.i];
        double len = 0, units;
        if (ch == ' ' || ch == '-' || ch == '\t' || ch == '|' || ch == '\n') { c.i++; continue; }
        if (ch == ':') {
            c.i++; /* a repeat mark (|: :| ::) is a bar line here: the notes as written */
            continue;
        }
        if (ch == '[' && text[c.i + 1] >= '1' && text[c.i + 1] <= '9') {
            c.i += 2; /* an ending [1 [2: as written (ng_decode_played plays them) */
            continue;
        }
        if (ch == '[') {
            if (chord(&c, notes, &count, cap, onset, &len, beat)) return NG_FAIL;
        } else if (ch == 'R') {
            c.i++;
            if (duration(&c, &units)) return NG_FAIL;
            len = units * beat;
        } else {
            int p;
            if (pitch(&c, &p) || duration(&c, &units)) return NG_FAIL;
            len = units * beat;
            if (count < cap) notes[count] = (ng_note){onset, len, p};
            count++;
        }
        onset += len;
    }
    return count < cap ? count : cap;
}
