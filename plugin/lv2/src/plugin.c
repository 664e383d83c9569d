/* The notegen LV2 plugin: instantiate, ports, run() and the descriptor.
 * run() reads the transport, plays the score through the playback core and
 * asks the worker for more score; it never allocates, locks, prints or makes
 * a system call. */
#include "plugin.h"

#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/time/time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void map_uris(ng_plugin *p) {
    LV2_URID_Map *m = p->map;
    ng_uris *u = &p->uris;
#define MAP(uri) m->map(m->handle, uri)
    u->atom_Object = MAP(LV2_ATOM__Object);
    u->atom_Blank = MAP(LV2_ATOM__Blank);
    u->atom_Sequence = MAP(LV2_ATOM__Sequence);
    u->atom_Path = MAP(LV2_ATOM__Path);
    u->atom_Int = MAP(LV2_ATOM__Int);
    u->atom_Float = MAP(LV2_ATOM__Float);
    u->atom_URID = MAP(LV2_ATOM__URID);
    u->midi_Event = MAP(LV2_MIDI__MidiEvent);
    u->time_Position = MAP(LV2_TIME__Position);
    u->ng_seed = MAP(NG_PREFIX "seed");
    u->ng_temperature = MAP(NG_PREFIX "temperature");
    u->ng_key = MAP(NG_PREFIX "key");
    u->ng_meter = MAP(NG_PREFIX "meter");
    u->ng_type = MAP(NG_PREFIX "type");
    u->ng_low = MAP(NG_PREFIX "low");
    u->ng_high = MAP(NG_PREFIX "high");
    u->ng_channel = MAP(NG_PREFIX "channel");
    u->ng_model = MAP(NG_PREFIX "model");
    u->ng_score = MAP(NG_PREFIX "score");
    u->ng_Score = MAP(NG_PREFIX "Score");
    u->ng_tunes = MAP(NG_PREFIX "tunes");
    tr_uris *t = &u->tr;
    t->atom_Int = u->atom_Int;
    t->atom_Long = MAP(LV2_ATOM__Long);
    t->atom_Float = u->atom_Float;
    t->atom_Double = MAP(LV2_ATOM__Double);
    t->atom_Bool = MAP(LV2_ATOM__Bool);
    t->time_bar = MAP(LV2_TIME__bar);
    t->time_barBeat = MAP(LV2_TIME__barBeat);
    t->time_beat = MAP(LV2_TIME__beat);
    t->time_beatsPerBar = MAP(LV2_TIME__beatsPerBar);
    t->time_beatUnit = MAP(LV2_TIME__beatUnit);
    t->time_beatsPerMinute = MAP(LV2_TIME__beatsPerMinute);
    t->time_speed = MAP(LV2_TIME__speed);
    t->time_frame = MAP(LV2_TIME__frame);
#undef MAP
}

int ng_open_model(ng_plugin *p, const char *path) {
    char err[512];
    if (strlen(path) >= sizeof p->model) {
        lv2_log_error(&p->logger, "notegen: model path too long\n");
        return -1;
    }
    ng_engine *e = ng_open(path, err, sizeof err);
    if (!e) {
        lv2_log_error(&p->logger, "notegen: %s: %s\n", path, err);
        return -1;
    }
    if (p->builder->engine) ng_close(p->builder->engine);
    p->builder->engine = e;
    snprintf(p->model, sizeof p->model, "%s", path);
    return 0;
}

static void cleanup(LV2_Handle h) {
    ng_plugin *p = h;
    if (!p) return;
    if (p->builder && p->builder->engine) ng_close(p->builder->engine);
    free(p->builder);
    free(p->store[0]);
    free(p->store[1]);
    free(p);
}

static LV2_Handle instantiate(const LV2_Descriptor *d, double rate, const char *bundle,
                              const LV2_Feature *const *features) {
    (void)d;
    ng_plugin *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    LV2_Log_Log *log = NULL;
    for (int i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map)) p->map = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_WORKER__schedule)) p->schedule = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_LOG__log)) log = features[i]->data;
    }
    lv2_log_logger_init(&p->logger, p->map, log);
    if (!p->map || !p->schedule) {
        lv2_log_error(&p->logger, "notegen: the host lacks urid:map or work:schedule\n");
        free(p);
        return NULL;
    }
    map_uris(p);
    lv2_atom_forge_init(&p->forge, p->map);
    p->rate = rate;
    p->store[0] = calloc(1, sizeof(sc_score));
    p->store[1] = calloc(1, sizeof(sc_score));
    p->builder = calloc(1, sizeof(sc_builder));
    snprintf(p->bundle, sizeof p->bundle, "%s", bundle ? bundle : "");
    char path[NG_PATH_MAX + 32];
    size_t n = strlen(p->bundle);
    snprintf(path, sizeof path, "%s%smodel.safetensors", p->bundle, n && p->bundle[n - 1] != '/' ? "/" : "");
    if (!p->store[0] || !p->store[1] || !p->builder || ng_open_model(p, path)) {
        cleanup(p);
        return NULL;
    }
    p->play = p->store[0];
    p->spare = p->store[1];
    sc_clear(p->play);
    sc_clear(p->spare);
    tr_init(&p->clock, rate);
    pb_reset(&p->pb);
    p->mute_at = INFINITY;
    return p;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data) {
    ng_plugin *p = h;
    if (port == P_CONTROL) p->control = data;
    else if (port == P_NOTES) p->notes = data;
    else if (port < P_COUNT) p->port[port] = data;
}

static void deactivate(LV2_Handle h) { (void)h; }

static float control(const ng_plugin *p, int i, float fallback) {
    return p->port[i] && isfinite(*p->port[i]) ? *p->port[i] : fallback;
}

static int clampi(float v, int lo, int hi) {
    long x = lroundf(v);
    return x < lo ? lo : x > hi ? hi : (int)x;
}

/* the controls as the worker needs them (a copy: the job travels by value) */
static void controls(const ng_plugin *p, sc_controls *c) {
    float t = control(p, P_TEMPERATURE, 0.8f);
    c->temperature = t < 0.1f ? 0.1 : t > 2.0f ? 2.0 : t;
    c->seed = clampi(control(p, P_SEED, 7), 0, 1000000);
    c->key = clampi(control(p, P_KEY, 0), 0, 99);
    c->meter = clampi(control(p, P_METER, 0), 0, 99);
    c->type = clampi(control(p, P_TYPE, 0), 0, 99);
    c->low = clampi(control(p, P_LOW, 0), 0, 127);
    c->high = clampi(control(p, P_HIGH, 127), 0, 127);
    c->host_bpb = p->clock.bpb;
    c->host_unit = p->clock.unit;
}

/* The notes sounding at deactivate stay in the table: the first block after
 * activate ends them (tr_init marks it a relocation). activate() is not real
 * time: the first score is laid here, through the worker's own code, so that
 * the very first run() plays it (a bounce that rolls from beat 0 at once). */
static void activate(LV2_Handle h) {
    ng_plugin *p = h;
    tr_init(&p->clock, p->rate);
    p->pb.seek = 1;
    p->want_new = p->retry = p->dirty = p->heard = 0;
    p->mute_at = INFINITY;
    p->last_trigger = p->port[P_NEW_TUNE] ? *p->port[P_NEW_TUNE] : 0.0f;
    if (p->have_score || p->pending) return; /* restored, activated before, or a job still out */
    p->unheard = 1;
    ng_job job;
    memset(&job, 0, sizeof job);
    job.kind = JOB_FIRST;
    job.epoch = p->epoch;
    job.until = tr_bar_quarters(&p->clock); /* the first tune: quick; the worker lays on from the first run() */
    job.keep = -INFINITY;
    controls(p, &job.controls);
    ng_answer a;
    ng_lay(p, &job, &a);
    ng_apply(p, &a);
}

/* MIDI events the output sequence still has room for (each one: the event
 * header, the atom header and 3 bytes padded to 8) */
static int room(const LV2_Atom_Forge *f) {
    const uint32_t each = sizeof(LV2_Atom_Event) + 8;
    uint32_t left = f->size > f->offset ? f->size - f->offset : 0;
    uint32_t n = left / each;
    return n < NG_EVENTS ? (int)n : NG_EVENTS;
}

/* the events of frames [from, to) into the output sequence; what does not fit
 * stays in the playback core and comes (late) at the next chance */
static void play(ng_plugin *p, uint32_t from, uint32_t to, int channel) {
    pb_block b = {tr_position(&p->clock), tr_frames_per_quarter(&p->clock), to - from, from,
                  tr_rolling(&p->clock), p->clock.relocated, channel, 100};
    if (b.relocated) p->heard = 0;
    size_t count = p->play->count; /* a quiet change is out: nothing from its cut on */
    if (p->mute_at < INFINITY) count = pb_lower_bound(p->play->notes, count, p->mute_at);
    int n, cap;
    do {
        cap = room(&p->forge);
        n = cap > 0 ? pb_run(&p->pb, p->play->notes, count, &b, p->events, cap) : 0;
        for (int i = 0; i < n; i++) {
            if ((p->events[i].msg[0] & 0xf0) == 0x90) p->heard = 1, p->unheard = 0;
            lv2_atom_forge_frame_time(&p->forge, p->events[i].frame);
            lv2_atom_forge_atom(&p->forge, 3, p->uris.midi_Event);
            lv2_atom_forge_write(&p->forge, p->events[i].msg, 3);
        }
        b.relocated = 0; /* a second call continues the same stretch */
    } while (n == NG_EVENTS && cap == NG_EVENTS);
    if (cap > 0 || !b.rolling) p->clock.relocated = 0;
    tr_advance(&p->clock, to - from);
}

static int has_cut(uint32_t kind) { return kind == JOB_NEW_TUNE || kind == JOB_CONTINUE || kind == JOB_CHANGE; }

/* the bar line a new score starts on: the first after q + lead, or (new
 * controls while stopped: nothing plays until the roll) the one at or after q */
static double cut_at(const ng_plugin *p, uint32_t kind, double q, double bar, double lead) {
    if (kind == JOB_CHANGE && p->unheard) return 0.0; /* never heard: the whole score anew */
    if (kind == JOB_CHANGE && !tr_rolling(&p->clock)) return ceil(q / bar - 1e-9) * bar + 0.0; /* not -0 */
    if (kind == JOB_CHANGE && !p->heard) return floor(q / bar + 1e-9) * bar + 0.0; /* this bar: nothing heard */
    return (floor((q + lead) / bar + 1e-9) + 1.0) * bar;
}

/* the controls against those the played score was laid with: a change waits
 * for the next bar line (a knob being turned: the last value wins) */
static void watch(ng_plugin *p) {
    if (!p->have_score) {
        p->dirty = 0;
        return;
    }
    sc_controls c;
    controls(p, &c);
    double bar = tr_bar_quarters(&p->clock);
    if (sc_same(&c, &p->play->laid)) p->dirty = 0;
    else if (!p->dirty) p->dirty = 1, p->dirty_bar = floor(tr_position(&p->clock) / bar + 1e-9);
}

/* which job the score needs next (0: none) */
static uint32_t next_job(ng_plugin *p, ng_job *job, double q, double bar) {
    int phrase = ph_ready(&p->phrase, q, bar);
    if (!p->have_score) return JOB_FIRST;
    if (q < p->play->floor - 1e-9) return JOB_RELAY; /* back before the window */
    if (p->retry && p->last.kind == JOB_CHANGE && !p->dirty) p->retry = 0; /* the knob went back */
    if (p->retry) {
        if (p->last.kind == JOB_CHANGE) p->dirty = 0;
        job->phrase = p->last.phrase;
        return p->last.kind;
    }
    if (p->want_new || phrase) {
        if (phrase) job->phrase = p->phrase, ph_clear(&p->phrase);
        else p->want_new = 0;
        return phrase ? JOB_CONTINUE : JOB_NEW_TUNE;
    }
    if (p->dirty && (!tr_rolling(&p->clock) || !p->heard || p->unheard || floor(q / bar + 1e-9) != p->dirty_bar)) {
        p->dirty = 0;
        return JOB_CHANGE;
    }
    if ((!p->play->full || job->keep > p->play->floor + 4 * bar) && p->play->end < q + NG_LAY_BARS * bar) {
        /* past the score's end (a relocation): answer as soon as the
         * position is covered, the next job lays further */
        if (p->play->end < q) job->until = q + bar;
        return JOB_EXTEND;
    }
    return 0;
}

/* ask the worker for what the score needs next (one job at a time) */
static void schedule(ng_plugin *p) {
    if (p->pending) return;
    ng_job job;
    memset(&job, 0, sizeof job);
    job.epoch = p->epoch;
    double q = tr_position(&p->clock), bar = tr_bar_quarters(&p->clock);
    job.until = q + NG_LAY_BARS * bar;
    job.keep = q - NG_LOOKAHEAD_BARS * bar;
    job.kind = next_job(p, &job, q, bar);
    if (!job.kind) return;
    if (has_cut(job.kind)) {
        job.cut = cut_at(p, job.kind, q, bar, p->retry ? 2.0 * p->lag : 0.0); /* late: twice as far ahead */
        job.until = job.cut + bar; /* one tune: a quick answer; extensions follow */
    }
    controls(p, &job.controls);
    job.quiet = job.kind == JOB_CHANGE && ((tr_rolling(&p->clock) && !p->heard) || p->unheard);
    if (p->schedule->schedule_work(p->schedule->handle, sizeof job, &job) != LV2_WORKER_SUCCESS) return;
    if (job.quiet) p->mute_at = job.cut;
    p->pending = 1;
    p->sched_q = q;
    if (has_cut(job.kind)) p->last = job;
    p->retry = 0;
}

/* a note the user played (continuing from the user: src/phrase.h) */
static void listen(ng_plugin *p, const uint8_t *msg) {
    int kind = msg[0] & 0xf0, pitch = msg[1] & 0x7f, vel = msg[2] & 0x7f;
    double q = tr_position(&p->clock);
    if (kind == 0x90 && vel > 0) ph_on(&p->phrase, q, pitch);
    else if (kind == 0x80 || kind == 0x90) ph_off(&p->phrase, q, pitch);
}

static void run(LV2_Handle h, uint32_t frames) {
    ng_plugin *p = h;
    if (!p->notes) return;
    const uint32_t space = p->notes->atom.size;
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t *)p->notes, space);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(&p->forge, &seq, 0);
    int channel = clampi(control(p, P_CHANNEL, 1), 1, 16) - 1;
    float trig = control(p, P_NEW_TUNE, 0);
    if (trig > 0.5f && p->last_trigger <= 0.5f) p->want_new = 1;
    p->last_trigger = trig;
    uint32_t at = 0;
    if (p->control) {
        LV2_ATOM_SEQUENCE_FOREACH (p->control, ev) {
            uint32_t f = ev->time.frames < 0 ? 0 : (uint32_t)ev->time.frames;
            if (f > frames) f = frames;
            const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
            int is_obj = ev->body.type == p->uris.atom_Object || ev->body.type == p->uris.atom_Blank;
            int is_pos = is_obj && obj->body.otype == p->uris.time_Position;
            int is_midi = ev->body.type == p->uris.midi_Event && ev->body.size >= 3;
            if (!is_pos && !is_midi) continue;
            if (f > at) play(p, at, f, channel), at = f;
            if (is_midi) {
                listen(p, (const uint8_t *)LV2_ATOM_BODY_CONST(&ev->body));
                continue;
            }
            tr_pos pos;
            tr_read(&p->uris.tr, obj, &pos);
            tr_update(&p->clock, &pos);
        }
    }
    if (frames > at) play(p, at, frames, channel);
    lv2_atom_forge_pop(&p->forge, &seq);
    watch(p);
    schedule(p);
}

static const void *extension_data(const char *uri) {
    static const LV2_Worker_Interface worker = {ng_work, ng_work_response, ng_end_run};
    static const LV2_State_Interface state = {ng_save, ng_restore};
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    if (!strcmp(uri, LV2_STATE__interface)) return &state;
    return NULL;
}

static const LV2_Descriptor descriptor = {NG_URI,   instantiate, connect_port, activate, run,
                                          deactivate, cleanup,   extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) { return index == 0 ? &descriptor : NULL; }
