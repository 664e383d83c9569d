/* ng_host's test plugin: a metronome that follows the host's time:Position.
 * A note-on on every quarter beat, its note-off an eighth later, each at the
 * first frame whose position is >= its beat. A MIDI note-on sent to it asks
 * the worker for the new pitch (the response sets it, from the next block);
 * the pitch is its state. run() does not allocate, except at velocity 1 (a
 * malloc and a free each block, for the host's test of its counting). */
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/midi/midi.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TP_URI "urn:notegen:testplug"

typedef struct {
    LV2_URID atom_float, atom_double, atom_int, atom_long, atom_object, atom_blank, midi_event, time_position;
    LV2_URID bar, bar_beat, bpb, unit, bpm, speed, pitch_key;
} tp_uris;

typedef struct {
    const LV2_Atom_Sequence *in;
    LV2_Atom_Sequence *out;
    const float *velocity;
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Atom_Forge forge;
    tp_uris u;
    double rate, bpm, bpb, unit, speed, anchor_q;
    int64_t elapsed; /* frames since the anchor */
    int known, sounding, pitch, sounding_pitch;
} tp;

static LV2_Handle instantiate(const LV2_Descriptor *d, double rate, const char *path, const LV2_Feature *const *f)
{
    (void)d, (void)path;
    tp *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    for (int i = 0; f[i]; i++) {
        if (!strcmp(f[i]->URI, LV2_URID__map)) p->map = f[i]->data;
        if (!strcmp(f[i]->URI, LV2_WORKER__schedule)) p->schedule = f[i]->data;
    }
    if (!p->map || !p->schedule) return free(p), NULL;
    LV2_URID_Map *m = p->map;
    tp_uris *u = &p->u;
    u->atom_float = m->map(m->handle, LV2_ATOM__Float), u->atom_double = m->map(m->handle, LV2_ATOM__Double);
    u->atom_int = m->map(m->handle, LV2_ATOM__Int), u->atom_long = m->map(m->handle, LV2_ATOM__Long);
    u->atom_object = m->map(m->handle, LV2_ATOM__Object), u->atom_blank = m->map(m->handle, LV2_ATOM__Blank);
    u->midi_event = m->map(m->handle, LV2_MIDI__MidiEvent), u->time_position = m->map(m->handle, LV2_TIME__Position);
    u->bar = m->map(m->handle, LV2_TIME__bar), u->bar_beat = m->map(m->handle, LV2_TIME__barBeat);
    u->bpb = m->map(m->handle, LV2_TIME__beatsPerBar), u->unit = m->map(m->handle, LV2_TIME__beatUnit);
    u->bpm = m->map(m->handle, LV2_TIME__beatsPerMinute), u->speed = m->map(m->handle, LV2_TIME__speed);
    u->pitch_key = m->map(m->handle, TP_URI "#pitch");
    lv2_atom_forge_init(&p->forge, m);
    p->rate = rate, p->bpm = 120, p->bpb = 4, p->unit = 4, p->pitch = 76;
    return p;
}

static void connect(LV2_Handle h, uint32_t port, void *data)
{
    tp *p = h;
    if (port == 0) p->in = data;
    if (port == 1) p->out = data;
    if (port == 2) p->velocity = data;
}

static double qpf(const tp *p) { return p->known ? p->speed * p->bpm / 60.0 / p->rate * 4.0 / p->unit : 0; }

static void emit(tp *p, uint32_t frame, uint8_t status, uint8_t velocity)
{
    if (status == 0x90) p->sounding_pitch = p->pitch;
    uint8_t msg[3] = {status, (uint8_t)p->sounding_pitch, velocity};
    lv2_atom_forge_frame_time(&p->forge, frame);
    lv2_atom_forge_atom(&p->forge, 3, p->u.midi_event);
    lv2_atom_forge_write(&p->forge, msg, 3);
}

/* The ticks of frames [from, to) of the block. */
static void play(tp *p, uint32_t from, uint32_t to)
{
    double step = qpf(p);
    if (step <= 0 || to <= from) return;
    double q0 = p->anchor_q + (double)p->elapsed * step;
    for (double k = ceil(q0 * 2); ; k++) {
        double at = ceil((k / 2 - q0) / step);
        if (at < 0) at = 0;
        if (at >= to - from) break;
        uint32_t frame = from + (uint32_t)at;
        if (p->sounding) emit(p, frame, 0x80, 0), p->sounding = 0;
        if (fmod(k, 2) == 0) emit(p, frame, 0x90, (uint8_t)(p->velocity ? *p->velocity : 100)), p->sounding = 1;
    }
    p->elapsed += to - from;
}

static int number(const tp_uris *u, const LV2_Atom *a, double *out)
{
    if (!a) return 0;
    if (a->type == u->atom_float) *out = ((const LV2_Atom_Float *)a)->body;
    else if (a->type == u->atom_double) *out = ((const LV2_Atom_Double *)a)->body;
    else if (a->type == u->atom_int) *out = ((const LV2_Atom_Int *)a)->body;
    else if (a->type == u->atom_long) *out = (double)((const LV2_Atom_Long *)a)->body;
    else return 0;
    return 1;
}

static void position(tp *p, const LV2_Atom_Object *obj, uint32_t frame)
{
    const tp_uris *u = &p->u;
    const LV2_Atom *bar = NULL, *beat = NULL, *bpb = NULL, *unit = NULL, *bpm = NULL, *speed = NULL;
    lv2_atom_object_get(obj, u->bar, &bar, u->bar_beat, &beat, u->bpb, &bpb, u->unit, &unit, u->bpm, &bpm,
                        u->speed, &speed, 0);
    double b = 0, bb = 0;
    number(u, bpb, &p->bpb), number(u, unit, &p->unit), number(u, bpm, &p->bpm), number(u, speed, &p->speed);
    if (number(u, bar, &b) && number(u, beat, &bb)) {
        p->anchor_q = (b * p->bpb + bb) * 4.0 / p->unit;
        p->elapsed = 0;
    }
    p->known = 1;
    if (p->speed == 0 && p->sounding) emit(p, frame, 0x80, 0), p->sounding = 0;
}

static void run(LV2_Handle h, uint32_t n)
{
    tp *p = h;
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t *)p->out, sizeof(LV2_Atom) + p->out->atom.size);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(&p->forge, &seq, 0);
    uint32_t at = 0;
    LV2_ATOM_SEQUENCE_FOREACH (p->in, ev) {
        uint32_t t = (uint32_t)ev->time.frames;
        play(p, at, t);
        at = t;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if ((obj->atom.type == p->u.atom_object || obj->atom.type == p->u.atom_blank) &&
            obj->body.otype == p->u.time_position) {
            position(p, obj, t);
        } else if (ev->body.type == p->u.midi_event && ev->body.size == 3) {
            const uint8_t *msg = LV2_ATOM_BODY_CONST(&ev->body);
            if ((msg[0] & 0xf0) == 0x90 && msg[2]) p->schedule->schedule_work(p->schedule->handle, 1, &msg[1]);
        }
    }
    play(p, at, n);
    lv2_atom_forge_pop(&p->forge, &seq);
    if (p->velocity && *p->velocity == 1) { /* the host's self-test of its allocation count */
        void *volatile block = malloc(16);
        free(block);
    }
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle rh,
                              uint32_t size, const void *data)
{
    (void)h;
    if (size != 1) return LV2_WORKER_ERR_UNKNOWN;
    uint8_t pitch = *(const uint8_t *)data & 0x7f;
    return respond(rh, 1, &pitch);
}

static LV2_Worker_Status work_response(LV2_Handle h, uint32_t size, const void *data)
{
    tp *p = h;
    if (size == 1) p->pitch = *(const uint8_t *)data;
    return LV2_WORKER_SUCCESS;
}

static LV2_State_Status save(LV2_Handle h, LV2_State_Store_Function store, LV2_State_Handle sh, uint32_t flags,
                             const LV2_Feature *const *f)
{
    (void)flags, (void)f;
    tp *p = h;
    int32_t pitch = p->pitch;
    return store(sh, p->u.pitch_key, &pitch, sizeof pitch, p->u.atom_int, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static LV2_State_Status restore(LV2_Handle h, LV2_State_Retrieve_Function retrieve, LV2_State_Handle sh,
                                uint32_t flags, const LV2_Feature *const *f)
{
    (void)flags, (void)f;
    tp *p = h;
    size_t size = 0;
    uint32_t type = 0, fl = 0;
    const void *v = retrieve(sh, p->u.pitch_key, &size, &type, &fl);
    if (!v || size != sizeof(int32_t) || type != p->u.atom_int) return LV2_STATE_ERR_NO_PROPERTY;
    p->pitch = *(const int32_t *)v & 0x7f;
    return LV2_STATE_SUCCESS;
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    static const LV2_State_Interface state = {save, restore};
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    if (!strcmp(uri, LV2_STATE__interface)) return &state;
    return NULL;
}

static void cleanup(LV2_Handle h) { free(h); }

static const LV2_Descriptor descriptor = {TP_URI, instantiate, connect, NULL, run, NULL, cleanup, extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) { return index == 0 ? &descriptor : NULL; }
