/* The transport reader (see transport.h). */
#define TR_WITH_LV2
#include "transport.h"

#include <lv2/atom/util.h>
#include <math.h>

void tr_init(tr_clock *c, double rate) {
    c->rate = rate > 0 ? rate : 48000.0;
    c->bpm = 120.0;
    c->bpb = 4.0;
    c->unit = 4.0;
    c->speed = 0.0;
    c->anchor_q = 0.0;
    c->elapsed = 0;
    c->known = 0;
    c->relocated = 1;
    c->jumps = 0;
}

int tr_rolling(const tr_clock *c) { return c->known && c->speed > 0 && c->bpm > 0 && c->unit > 0; }

double tr_frames_per_quarter(const tr_clock *c) {
    if (!tr_rolling(c)) return 0.0;
    return c->rate * 60.0 / (c->bpm * c->speed) * c->unit / 4.0;
}

double tr_position(const tr_clock *c) {
    double fpq = tr_frames_per_quarter(c);
    return fpq > 0 ? c->anchor_q + (double)c->elapsed / fpq : c->anchor_q;
}

void tr_advance(tr_clock *c, uint32_t frames) {
    if (tr_rolling(c)) c->elapsed += frames;
}

double tr_bar_quarters(const tr_clock *c) {
    double q = c->bpb * 4.0 / (c->unit > 0 ? c->unit : 4.0);
    return q > 0 ? q : 4.0;
}

/* re-anchor the clock at q with the current tempo */
static void anchor(tr_clock *c, double q) {
    c->anchor_q = q;
    c->elapsed = 0;
}

int tr_update(tr_clock *c, const tr_pos *p) {
    double now = tr_position(c);
    double bpm = p->has_bpm && p->bpm > 0 ? p->bpm : c->bpm;
    double bpb = p->has_bpb && p->bpb > 0 ? p->bpb : c->bpb;
    double unit = p->has_unit && p->unit > 0 ? p->unit : c->unit;
    double speed = p->has_speed ? p->speed : c->speed;
    int have_q = 1;
    double q = now;
    if (p->has_bar_beat && p->has_bar) q = (p->bar * bpb + p->bar_beat) * 4.0 / unit;
    else if (p->has_beat) q = p->beat * 4.0 / unit;
    else have_q = 0;
    if (!isfinite(q)) q = now, have_q = 0;
    int changed = !c->known || bpm != c->bpm || bpb != c->bpb || unit != c->unit || speed != c->speed;
    int jumped = have_q && fabs(q - now) > TR_TOLERANCE;
    if (!changed && !jumped) return 0;
    anchor(c, have_q ? q : now);
    if (jumped || !c->known) {
        c->relocated = 1;
        c->jumps++;
    }
    c->bpm = bpm, c->bpb = bpb, c->unit = unit, c->speed = speed;
    c->known = 1;
    return 1;
}

/* a numeric atom as a double; 0 when it is not one */
static int number(const tr_uris *u, const LV2_Atom *a, double *out) {
    if (!a) return 0;
    if (a->type == u->atom_Int && a->size >= 4) *out = ((const LV2_Atom_Int *)a)->body;
    else if (a->type == u->atom_Long && a->size >= 8) *out = (double)((const LV2_Atom_Long *)a)->body;
    else if (a->type == u->atom_Float && a->size >= 4) *out = ((const LV2_Atom_Float *)a)->body;
    else if (a->type == u->atom_Double && a->size >= 8) *out = ((const LV2_Atom_Double *)a)->body;
    else if (a->type == u->atom_Bool && a->size >= 4) *out = ((const LV2_Atom_Bool *)a)->body;
    else return 0;
    return isfinite(*out);
}

void tr_read(const tr_uris *u, const LV2_Atom_Object *obj, tr_pos *p) {
    const LV2_Atom *bar = NULL, *bar_beat = NULL, *beat = NULL, *bpb = NULL, *unit = NULL, *bpm = NULL,
                   *speed = NULL, *frame = NULL;
    lv2_atom_object_get(obj, u->time_bar, &bar, u->time_barBeat, &bar_beat, u->time_beat, &beat,
                        u->time_beatsPerBar, &bpb, u->time_beatUnit, &unit, u->time_beatsPerMinute, &bpm,
                        u->time_speed, &speed, u->time_frame, &frame, 0);
    p->has_bar = number(u, bar, &p->bar);
    p->has_bar_beat = number(u, bar_beat, &p->bar_beat);
    p->has_beat = number(u, beat, &p->beat);
    p->has_bpb = number(u, bpb, &p->bpb);
    p->has_unit = number(u, unit, &p->unit);
    p->has_bpm = number(u, bpm, &p->bpm);
    p->has_speed = number(u, speed, &p->speed);
    p->has_frame = number(u, frame, &p->frame);
}
