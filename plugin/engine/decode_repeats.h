/* The note-string reader of decode_repeats.c, as notetokens/notes_reader.py
 * reads: exact times, the bar lines and the repeat marks (not public API). */
#ifndef NG_DECODE_REPEATS_H
#define NG_DECODE_REPEATS_H

#include <stddef.h>
#include <stdint.h>

#include "durations.h"

enum { NG_MK_START = 1, NG_MK_END, NG_MK_BOTH, NG_MK_ENDING };

typedef struct ng_mark {
    int kind, number, line, col;
    ng_frac t;
} ng_mark;

/* One reader over a body; a plain struct, so a copy reads on from where the
 * original stands (the player rereads a part from a saved copy). */
typedef struct ng_reader {
    const char *s;
    int i, line, col, done;
    ng_frac unit4, time; /* beats per unit; where the next event starts */
    int events;
    int tok, toklen, tok_closed, tok_line, tok_col; /* tok: start index, or -1 */
    char mark;                                       /* '|' or ':' waiting */
    int mark_line, mark_col;
    int nbars, prev_nbars;
    ng_frac last_bar, prev_bar, first_bar;
    /* what the last step read */
    int has_note, has_mark;
    ng_frac on, dur;
    uint64_t pitches[2];
    ng_mark m;
    char *err;
    size_t errlen;
} ng_reader;

#endif
