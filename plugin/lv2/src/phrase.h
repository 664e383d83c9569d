/* Continuing from the user: the notes played into the control port, kept in a
 * fixed buffer by run() (ph_on / ph_off / ph_ready: no allocation), and in the
 * worker the prime text they make for the next tune (ph_prime).
 *
 * A phrase is complete after a bar of silence (no key down, no new note for
 * one host bar of rolling time). It is put on an eighth-note grid from the
 * bar line at or before its first note, in the host's meter (4/4 where the
 * grammar does not take it), with the major key it fits best in the header,
 * and whole bars: "L:1/8 M:4/4 K:G\nG4:2 A4 B4 ... | ... |\n" without the
 * final newline. The model continues it; only the continuation is laid. */
#ifndef NG_PHRASE_H
#define NG_PHRASE_H

#include <stdint.h>

#define PH_NOTES 32 /* notes of one phrase (the first ones are kept) */

typedef struct ph_note {
    double on, off; /* quarter beats; off < on: the key is still down */
    int32_t pitch;
} ph_note;

typedef struct ph_phrase {
    int32_t n;
    double last; /* the position of the last key event */
    ph_note notes[PH_NOTES];
} ph_phrase;

void ph_clear(ph_phrase *p);
void ph_on(ph_phrase *p, double q, int pitch);
void ph_off(ph_phrase *p, double q, int pitch);
/* 1 when the phrase is complete at position q: notes, none held, `silence`
 * quarter beats since the last key event */
int ph_ready(const ph_phrase *p, double q, double silence);

/* The prime text of a complete phrase in `bar` quarter beats a bar (meter is
 * its M: value, e.g. "6/8"; type a T: value or NULL): written to out (cap
 * bytes); returns its length and the quarter beats it spans (whole bars) in
 * *beats, or -1 when it does not fit. */
int ph_prime(const ph_phrase *p, double bar, const char *meter, const char *type, char *out, int cap,
             double *beats);
/* The major key (index into NG_KEYS, 1..15) the phrase fits best. */
int ph_key(const ph_phrase *p);

#endif
