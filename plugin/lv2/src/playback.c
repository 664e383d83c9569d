/* The playback core (see playback.h): a merge of the notes starting in a
 * stretch (from the cursor) and the sounding notes ending in it, in frame
 * order, note-offs first on a frame. */
#include "playback.h"

#include <math.h>

/* A position that lands within this fraction of a frame of a frame boundary
 * counts as on it: it absorbs the rounding of q0 (a sum of doubles) so that an
 * onset exactly on a frame is not pushed to the next one. */
#define PB_EPS 1e-6

void pb_reset(pb_state *st) {
    st->cursor = 0;
    st->seek = 1;
    st->n_voices = 0;
}

/* frame of position q in the stretch: ceil((q - q0) * fpq), at least 0;
 * UINT32_MAX when past the stretch's end (the caller compares with frames) */
static uint32_t frame_of(const pb_block *b, double q) {
    double x = ceil((q - b->q0) * b->frames_per_quarter - PB_EPS);
    if (x <= 0) return 0;
    if (x >= (double)b->frames) return UINT32_MAX;
    return (uint32_t)x;
}

size_t pb_lower_bound(const pb_note *notes, size_t count, double q) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (notes[mid].on < q) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int put(pb_event *out, int n, int cap, uint32_t frame, int status, int pitch, int vel) {
    if (n >= cap) return n;
    out[n].frame = frame;
    out[n].msg[0] = (uint8_t)status;
    out[n].msg[1] = (uint8_t)(pitch & 0x7f);
    out[n].msg[2] = (uint8_t)(vel & 0x7f);
    return n + 1;
}

int pb_all_off(pb_state *st, uint32_t frame, int channel, pb_event *out, int cap) {
    int n = 0;
    while (st->n_voices > 0 && n < cap) {
        pb_voice *v = &st->voices[--st->n_voices];
        n = put(out, n, cap, frame, 0x80 | (channel & 0x0f), v->pitch, 0);
    }
    return n;
}

void pb_clip(pb_state *st, double q) {
    for (int i = 0; i < st->n_voices; i++)
        if (st->voices[i].off > q) st->voices[i].off = q;
}

static void drop_voice(pb_state *st, int i) { st->voices[i] = st->voices[--st->n_voices]; }

static int find_voice(const pb_state *st, int pitch) {
    for (int i = 0; i < st->n_voices; i++)
        if (st->voices[i].pitch == pitch) return i;
    return -1;
}

/* the sounding note that ends first in the stretch (-1: none ends in it) */
static int first_off(const pb_state *st, const pb_block *b, uint32_t *frame) {
    int best = -1;
    *frame = UINT32_MAX;
    for (int i = 0; i < st->n_voices; i++) {
        uint32_t f = frame_of(b, st->voices[i].off);
        if (f < *frame) *frame = f, best = i;
    }
    return best;
}

/* the cursor after a jump (only onsets >= q0) or a resumption (what frame 0
 * of this stretch still owes: onsets after the previous frame) */
static size_t seek(const pb_note *notes, size_t count, const pb_block *b) {
    double fpq = b->frames_per_quarter;
    double from = b->relocated ? b->q0 - PB_EPS / fpq : b->q0 - (1.0 - PB_EPS) / fpq;
    size_t i = pb_lower_bound(notes, count, from);
    if (!b->relocated)
        while (i < count && notes[i].on <= from) i++;
    return i;
}

int pb_run(pb_state *st, const pb_note *notes, size_t count, const pb_block *b, pb_event *out, int cap) {
    int n = 0, ch = b->channel & 0x0f;
    if (!b->rolling || b->relocated || b->frames_per_quarter <= 0) {
        n = pb_all_off(st, b->offset, ch, out, cap);
        st->seek = 1;
        if (!b->rolling || b->frames_per_quarter <= 0 || b->frames == 0) return n;
    }
    if (st->seek || st->cursor > count) {
        st->cursor = seek(notes, count, b);
        st->seek = 0;
    }
    while (n < cap) {
        uint32_t f_off, f_on = UINT32_MAX;
        int v = first_off(st, b, &f_off);
        if (st->cursor < count) f_on = frame_of(b, notes[st->cursor].on);
        if (v < 0 && f_on == UINT32_MAX) break;
        if (v >= 0 && f_off <= f_on) { /* a note-off first on a shared frame */
            n = put(out, n, cap, b->offset + f_off, 0x80 | ch, st->voices[v].pitch, 0);
            drop_voice(st, v);
            continue;
        }
        const pb_note *note = &notes[st->cursor];
        int again = find_voice(st, note->pitch);
        if (again >= 0) { /* the same pitch still sounds: end it here first */
            if (n + 2 > cap) break;
            n = put(out, n, cap, b->offset + f_on, 0x80 | ch, note->pitch, 0);
            drop_voice(st, again);
        }
        if (note->off > note->on && st->n_voices < PB_SOUNDING) {
            if (n >= cap) break;
            n = put(out, n, cap, b->offset + f_on, 0x90 | ch, note->pitch, b->velocity);
            st->voices[st->n_voices].pitch = note->pitch;
            st->voices[st->n_voices].off = note->off;
            st->n_voices++;
        }
        st->cursor++;
    }
    return n;
}
