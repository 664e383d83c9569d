/* The playback core: which MIDI events a block holds, given the score and the
 * host's musical position. Pure (no host, no LV2, no allocation): the plugin's
 * run() calls it once per stretch of a block between two transport changes,
 * and test/test_playback.c drives it directly.
 *
 * Positions are quarter-note beats from the song's beat 0. An event at beat b
 * lands on the first frame whose position is >= b:
 *     frame = ceil((b - q0) * frames_per_quarter)   (clamped at 0)
 * counted from the stretch's first frame (position q0). A note-off sorts
 * before a note-on on the same frame. */
#ifndef NG_PLAYBACK_H
#define NG_PLAYBACK_H

#include <stddef.h>
#include <stdint.h>

/* One note of the score: onset and end in quarter beats, a MIDI pitch. The
 * score is sorted by onset. */
typedef struct pb_note {
    double on, off;
    int32_t pitch;
} pb_note;

/* One MIDI event: its frame in the block and its three bytes. */
typedef struct pb_event {
    uint32_t frame;
    uint8_t msg[3];
} pb_event;

#define PB_SOUNDING 128 /* notes sounding at once (one per MIDI pitch) */

typedef struct pb_voice {
    double off;
    int32_t pitch;
} pb_voice;

/* What the core remembers between blocks: the next note to start and the
 * notes sounding now. Zero it (pb_reset) before the first block. */
typedef struct pb_state {
    size_t cursor; /* index of the next note to start */
    int seek;      /* 1: find the cursor again before playing (after pb_reset) */
    int n_voices;
    pb_voice voices[PB_SOUNDING];
} pb_state;

/* One stretch of frames with one tempo. */
typedef struct pb_block {
    double q0;                 /* position at the stretch's first frame */
    double frames_per_quarter; /* > 0 when rolling */
    uint32_t frames;           /* frames in the stretch */
    uint32_t offset;           /* added to every event's frame (the stretch's place in the block) */
    int rolling;               /* 0: stopped (speed 0): every sounding note ends at frame 0 */
    int relocated;             /* 1: the position jumped: sounding notes end at frame 0, and
                                  only notes with onset >= q0 start */
    int channel;               /* 0..15 */
    int velocity;              /* 1..127 */
} pb_block;

void pb_reset(pb_state *st);

/* The events of one stretch, in frame order, written to out (at most cap);
 * returns how many. When out is full the rest waits for the next stretch (the
 * cursor and the voices stay where they were). */
int pb_run(pb_state *st, const pb_note *notes, size_t count, const pb_block *b, pb_event *out, int cap);

/* End every sounding note at frame `frame` (deactivate, a score swapped in
 * under them); returns how many events were written. */
int pb_all_off(pb_state *st, uint32_t frame, int channel, pb_event *out, int cap);

/* The index of the first note with onset >= q (binary search). */
size_t pb_lower_bound(const pb_note *notes, size_t count, double q);

/* Clamp every sounding note's end to at most q (a new score replaces the old
 * one from q). */
void pb_clip(pb_state *st, double q);

#endif
