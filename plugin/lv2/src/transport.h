/* The transport reader: the host's time:Position objects and the plugin's own
 * musical clock.
 *
 * The plugin keeps its own position (an anchor plus the frames played since,
 * so it does not drift) while the host's reports agree with it, and re-syncs
 * only on a real jump: a new tempo, meter or speed, or a reported position more
 * than TR_TOLERANCE quarter beats from where the plugin expected it (Ardour
 * sends bar/barBeat rounded to 1/1920 beat every cycle; following that each
 * cycle would move events by a few frames). Until the first position comes the
 * transport counts as stopped. */
#ifndef NG_TRANSPORT_H
#define NG_TRANSPORT_H

#include <stdint.h>

#define TR_TOLERANCE (1.0 / 480.0)

/* The fields of one time:Position (has_* : whether it held them). */
typedef struct tr_pos {
    int has_bar, has_bar_beat, has_beat, has_bpb, has_unit, has_bpm, has_speed, has_frame;
    double bar, bar_beat, beat, bpb, unit, bpm, speed, frame;
} tr_pos;

typedef struct tr_clock {
    double rate;
    double bpm, bpb, unit, speed; /* the host's last values */
    double anchor_q;              /* position at the anchor */
    int64_t elapsed;              /* frames rolled since the anchor */
    int known;                    /* a position has come */
    int relocated;                /* the next stretch starts after a jump */
    uint32_t jumps;               /* re-syncs that moved the position (for tests/diagnostics) */
} tr_clock;

void tr_init(tr_clock *c, double rate);
/* Apply one position report; returns 1 when it re-synced the clock. */
int tr_update(tr_clock *c, const tr_pos *p);
int tr_rolling(const tr_clock *c);
double tr_frames_per_quarter(const tr_clock *c); /* 0 when stopped */
double tr_position(const tr_clock *c);           /* quarter beats at the next frame */
void tr_advance(tr_clock *c, uint32_t frames);
double tr_bar_quarters(const tr_clock *c);       /* the host's bar in quarter beats */

#ifdef TR_WITH_LV2
#include <lv2/atom/atom.h>
typedef struct tr_uris {
    uint32_t atom_Int, atom_Long, atom_Float, atom_Double, atom_Bool;
    uint32_t time_bar, time_barBeat, time_beat, time_beatsPerBar, time_beatUnit, time_beatsPerMinute, time_speed,
        time_frame;
} tr_uris;
/* Read a time:Position object's fields (any numeric atom type each). */
void tr_read(const tr_uris *u, const LV2_Atom_Object *obj, tr_pos *p);
#endif

#endif
