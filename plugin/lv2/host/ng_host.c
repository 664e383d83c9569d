/* ng_host [--bundle DIR] [--uri URI] [--atom-size BYTES] [--pace FACTOR] SCRIPT
 *
 * Loads an LV2 MIDI plugin (urn:notegen:generator unless --uri names
 * another) with lilv, runs the script's transport through it block by block
 * and prints one JSON line per MIDI event it outputs, then a summary line.
 * --pace runs the blocks at FACTOR times real time (default: as fast as it
 * can), so that a worker thread has the time a live host would give it.
 * Errors: one line on stderr, exit 2. */
#define _GNU_SOURCE
#include "ng_host.h"

#include "alloc_count.h"

#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/midi/midi.h>
#include <lv2/parameters/parameters.h>
#include <lv2/port-props/port-props.h>
#include <lv2/time/time.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("ng_host: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* -- urid:map, urid:unmap, log:log ------------------------------------- */

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    host *h = handle;
    pthread_mutex_lock(&h->table_lock);
    LV2_URID id = 0;
    for (uint32_t i = 0; i < h->table_count && !id; i++)
        if (!strcmp(h->table[i], uri)) id = i + 1;
    if (!id) {
        if (h->table_count == h->table_cap) {
            h->table_cap = h->table_cap ? 2 * h->table_cap : 256;
            h->table = realloc(h->table, h->table_cap * sizeof *h->table);
            if (!h->table) die("out of memory");
        }
        h->table[h->table_count] = strdup(uri);
        id = ++h->table_count;
    }
    pthread_mutex_unlock(&h->table_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID id)
{
    host *h = handle;
    pthread_mutex_lock(&h->table_lock);
    const char *uri = id >= 1 && id <= h->table_count ? h->table[id - 1] : NULL;
    pthread_mutex_unlock(&h->table_lock);
    return uri;
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    host *h = handle;
    const char *t = unmap_uri(h, type);
    const char *kind = t && strrchr(t, '#') ? strrchr(t, '#') + 1 : "log";
    fprintf(stderr, "ng_host: plugin %s: ", kind);
    return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return n;
}

static void map_uris(host *h)
{
    LV2_URID_Map *m = &h->map;
    uris *u = &h->u;
#define M(uri) m->map(m->handle, uri)
    u->atom_chunk = M(LV2_ATOM__Chunk), u->atom_sequence = M(LV2_ATOM__Sequence);
    u->atom_float = M(LV2_ATOM__Float), u->atom_double = M(LV2_ATOM__Double);
    u->atom_int = M(LV2_ATOM__Int), u->atom_long = M(LV2_ATOM__Long), u->atom_bool = M(LV2_ATOM__Bool);
    u->midi_event = M(LV2_MIDI__MidiEvent), u->time_position = M(LV2_TIME__Position);
    u->time_frame = M(LV2_TIME__frame), u->time_bar = M(LV2_TIME__bar);
    u->time_bar_beat = M(LV2_TIME__barBeat), u->time_beats_per_bar = M(LV2_TIME__beatsPerBar);
    u->time_beat_unit = M(LV2_TIME__beatUnit), u->time_bpm = M(LV2_TIME__beatsPerMinute);
    u->time_speed = M(LV2_TIME__speed);
    u->min_block = M(LV2_BUF_SIZE__minBlockLength), u->max_block = M(LV2_BUF_SIZE__maxBlockLength);
    u->nominal_block = M(LV2_BUF_SIZE__nominalBlockLength);
    u->sequence_size = M(LV2_BUF_SIZE__sequenceSize), u->sample_rate = M(LV2_PARAMETERS__sampleRate);
#undef M
}

static void set_option(LV2_Options_Option *o, LV2_URID key, LV2_URID type, uint32_t size, const void *v)
{
    o->context = LV2_OPTIONS_INSTANCE;
    o->subject = 0;
    o->key = key;
    o->size = size;
    o->type = type;
    o->value = v;
}

static void make_features(host *h)
{
    h->map = (LV2_URID_Map){h, map_uri};
    h->unmap = (LV2_URID_Unmap){h, unmap_uri};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    map_uris(h);
    const uris *u = &h->u;
    h->min_block = 1;
    h->max_block = (int32_t)h->s->max_block;
    h->nominal_block = (int32_t)h->s->nominal_block;
    h->seq_size = (int32_t)h->atom_cap;
    h->rate_f = (float)h->s->rate;
    set_option(&h->options[0], u->min_block, u->atom_int, sizeof(int32_t), &h->min_block);
    set_option(&h->options[1], u->max_block, u->atom_int, sizeof(int32_t), &h->max_block);
    set_option(&h->options[2], u->nominal_block, u->atom_int, sizeof(int32_t), &h->nominal_block);
    set_option(&h->options[3], u->sequence_size, u->atom_int, sizeof(int32_t), &h->seq_size);
    set_option(&h->options[4], u->sample_rate, u->atom_float, sizeof(float), &h->rate_f);
    memset(&h->options[5], 0, sizeof h->options[5]);
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->w.schedule};
    h->f_options = (LV2_Feature){LV2_OPTIONS__options, h->options};
    h->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    const LV2_Feature *all[] = {&h->f_map, &h->f_unmap, &h->f_schedule, &h->f_options,
                                &h->f_bounded, &h->f_log, NULL};
    memcpy(h->features, all, sizeof all);
}

/* -- loading ------------------------------------------------------------ */

static void load_world(host *h, const char *bundle)
{
    h->world = lilv_world_new();
    if (!bundle) {
        lilv_world_load_all(h->world);
    } else {
        char *real = realpath(bundle, NULL), dir[4096];
        if (!real) die("%s: no such bundle folder", bundle);
        snprintf(dir, sizeof dir, "%s/", real);
        free(real);
        LilvNode *node = lilv_new_file_uri(h->world, NULL, dir);
        lilv_world_load_bundle(h->world, node);
        lilv_node_free(node);
    }
    LilvNode *uri = lilv_new_uri(h->world, h->uri);
    h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world), uri);
    lilv_node_free(uri);
    if (!h->plugin) die("%s: plugin not found (%s)", h->uri, bundle ? bundle : "LV2_PATH");
    LilvNodes *required = lilv_plugin_get_required_features(h->plugin);
    LILV_FOREACH (nodes, i, required) {
        const char *f = lilv_node_as_uri(lilv_nodes_get(required, i));
        int ok = 0;
        for (int k = 0; h->features[k]; k++) ok |= !strcmp(h->features[k]->URI, f);
        if (!ok) die("%s: needs the feature %s, which ng_host lacks", h->uri, f);
    }
    lilv_nodes_free(required);
}

static void setup_port(host *h, uint32_t index, LilvNode **cls)
{
    const LilvPort *lp = lilv_plugin_get_port_by_index(h->plugin, index);
    port *p = &h->ports[index];
    p->symbol = lilv_node_as_string(lilv_port_get_symbol(h->plugin, lp));
    int input = lilv_port_is_a(h->plugin, lp, cls[0]);
    if (lilv_port_is_a(h->plugin, lp, cls[2])) {
        p->kind = input ? PORT_CONTROL_IN : PORT_CONTROL_OUT;
        LilvNode *def = NULL;
        lilv_port_get_range(h->plugin, lp, &def, NULL, NULL);
        p->value = p->fallback = def ? lilv_node_as_float(def) : 0.0f;
        lilv_node_free(def);
        p->trigger = lilv_port_has_property(h->plugin, lp, cls[5]);
        lilv_instance_connect_port(h->inst, index, &p->value);
    } else if (lilv_port_is_a(h->plugin, lp, cls[3])) {
        uint8_t **buf = input ? &h->in_buf : &h->out_buf;
        if (*buf) die("%s: more than one atom %s port", h->uri, input ? "input" : "output");
        *buf = aligned_alloc(64, h->atom_cap);
        if (!*buf) die("out of memory");
        memset(*buf, 0, h->atom_cap);
        p->kind = input ? PORT_ATOM_IN : PORT_ATOM_OUT;
        lilv_instance_connect_port(h->inst, index, *buf);
    } else if (lilv_port_is_a(h->plugin, lp, cls[4]) || lilv_port_is_a(h->plugin, lp, cls[6])) {
        p->kind = PORT_AUDIO;
        p->audio = calloc((size_t)h->max_block, sizeof(float));
        if (!p->audio) die("out of memory");
        lilv_instance_connect_port(h->inst, index, p->audio);
    } else if (lilv_port_has_property(h->plugin, lp, cls[7])) {
        p->kind = PORT_NONE;
        lilv_instance_connect_port(h->inst, index, NULL);
    } else {
        die("%s: port %s is of a kind ng_host does not know", h->uri, p->symbol);
    }
}

static void setup_ports(host *h)
{
    const char *names[] = {LV2_CORE__InputPort, LV2_CORE__OutputPort, LV2_CORE__ControlPort,
                           LV2_ATOM__AtomPort, LV2_CORE__AudioPort, LV2_PORT_PROPS__trigger,
                           LV2_CORE__CVPort, LV2_CORE__connectionOptional};
    LilvNode *cls[8];
    for (int i = 0; i < 8; i++) cls[i] = lilv_new_uri(h->world, names[i]);
    h->port_count = lilv_plugin_get_num_ports(h->plugin);
    h->ports = calloc(h->port_count ? h->port_count : 1, sizeof *h->ports);
    if (!h->ports) die("out of memory");
    for (uint32_t i = 0; i < h->port_count; i++) setup_port(h, i, cls);
    for (int i = 0; i < 8; i++) lilv_node_free(cls[i]);
    if (!h->in_buf || !h->out_buf) die("%s: needs an atom input and an atom output port", h->uri);
}

static port *find_control(host *h, const char *symbol)
{
    for (uint32_t i = 0; i < h->port_count; i++)
        if (h->ports[i].kind == PORT_CONTROL_IN && !strcmp(h->ports[i].symbol, symbol)) return &h->ports[i];
    return NULL;
}

static void instantiate(host *h)
{
    if (worker_init(&h->w, h->s->threaded, 1 << 16) < 0) die("cannot make the worker");
    make_features(h);
    h->inst = lilv_plugin_instantiate(h->plugin, h->s->rate, h->features);
    if (!h->inst) die("%s: instantiate failed", h->uri);
    setup_ports(h);
    for (int i = 0; i < h->s->count; i++) {
        const cmd *c = &h->s->cmds[i];
        if (c->kind == CMD_SET && !find_control(h, c->text))
            die("%s:%d: %s has no control input port '%s'", h->s->path, c->line, h->uri, c->text);
    }
    const LV2_Worker_Interface *iface = lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
    if (worker_start(&h->w, iface, lilv_instance_get_handle(h->inst)) < 0) die("cannot start the worker");
    lv2_atom_forge_init(&h->forge, &h->map);
    lilv_instance_activate(h->inst);
    worker_pump(&h->w, 0);
}

/* -- the transport --------------------------------------------------------- */

static double beats_per_frame(const transport *t) { return t->speed * t->bpm / 60.0 / t->rate; }

static double beats_at(const transport *t, int64_t frame)
{
    return t->anchor_beats + (double)(frame - t->anchor_frame) * beats_per_frame(t);
}

/* The host's position is what it tells the plugin: time:barBeat goes out as
 * a Float, so an anchor's barBeat is rounded to float precision (as is the
 * tempo, a Float too), and host and plugin count from the same numbers. */
static double sent_beats(double bar, double bar_beat, double bpb)
{
    return bar * bpb + (double)(float)bar_beat;
}

/* A change of the transport: the position so far becomes the new anchor. */
static void rebase(transport *t)
{
    double beats = beats_at(t, t->frame);
    double bar = floor(beats / t->bpb);
    double bar_beat = beats - bar * t->bpb;
    t->anchor_beats = sent_beats(bar, bar_beat < 0 ? 0 : bar_beat, t->bpb);
    t->anchor_frame = t->frame;
    t->dirty = 1;
}

static void forge_position(host *h)
{
    const uris *u = &h->u;
    const transport *t = &h->t;
    LV2_Atom_Forge *f = &h->forge;
    double beats = beats_at(t, t->frame);
    double bar = floor(beats / t->bpb);
    double bar_beat = beats - bar * t->bpb;
    if (bar_beat < 0) bar_beat = 0;
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(f, 0);
    lv2_atom_forge_object(f, &frame, 0, u->time_position);
    lv2_atom_forge_key(f, u->time_frame), lv2_atom_forge_long(f, t->tp_frame);
    lv2_atom_forge_key(f, u->time_bar), lv2_atom_forge_long(f, (int64_t)bar);
    lv2_atom_forge_key(f, u->time_bar_beat), lv2_atom_forge_float(f, (float)bar_beat);
    lv2_atom_forge_key(f, u->time_beats_per_bar), lv2_atom_forge_float(f, (float)t->bpb);
    lv2_atom_forge_key(f, u->time_beat_unit), lv2_atom_forge_int(f, t->unit);
    lv2_atom_forge_key(f, u->time_bpm), lv2_atom_forge_float(f, (float)t->bpm);
    lv2_atom_forge_key(f, u->time_speed), lv2_atom_forge_float(f, (float)t->speed);
    lv2_atom_forge_pop(f, &frame);
}

static void fill_input(host *h)
{
    LV2_Atom_Forge *f = &h->forge;
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_set_buffer(f, h->in_buf, h->atom_cap);
    lv2_atom_forge_sequence_head(f, &seq, 0);
    if (h->t.dirty || h->t.every) forge_position(h);
    for (int i = 0; i < h->midi_count; i++) {
        lv2_atom_forge_frame_time(f, 0);
        lv2_atom_forge_atom(f, (uint32_t)h->midi_len[i], h->u.midi_event);
        lv2_atom_forge_write(f, h->midi[i], (uint32_t)h->midi_len[i]);
    }
    lv2_atom_forge_pop(f, &seq);
    h->midi_count = 0;
    h->t.dirty = 0;
}

/* -- one block ----------------------------------------------------------------- */

static void print_event(host *h, int64_t at, const uint8_t *bytes, uint32_t n)
{
    printf("{\"frame\": %lld, \"bytes\": [", (long long)(h->t.frame + at));
    for (uint32_t i = 0; i < n; i++) printf(i ? ", %u" : "%u", bytes[i]);
    if (h->t.speed == 0) printf("], \"q\": null}\n");
    else printf("], \"q\": %.17g}\n", beats_at(&h->t, h->t.frame + at) * 4.0 / h->t.unit);
}

static void read_output(host *h, uint32_t n)
{
    const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->out_buf;
    if (seq->atom.type == h->u.atom_chunk) return; /* nothing written */
    if (seq->atom.type != h->u.atom_sequence || seq->atom.size + sizeof(LV2_Atom) > h->atom_cap) {
        fprintf(stderr, "ng_host: block %ld: the output is not a sequence within its capacity\n", h->blocks);
        h->violations++;
        return;
    }
    int64_t last = 0;
    const uint8_t *end = (const uint8_t *)LV2_ATOM_BODY_CONST(&seq->atom) + seq->atom.size;
    LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
        int64_t at = ev->time.frames;
        const uint8_t *body = LV2_ATOM_BODY_CONST(&ev->body);
        if ((const uint8_t *)&ev->body + sizeof ev->body > end || body + ev->body.size > end) {
            fprintf(stderr, "ng_host: block %ld: an event runs past the end of the sequence\n", h->blocks);
            h->violations++;
            break;
        }
        if (at < last || at >= n) {
            fprintf(stderr, "ng_host: block %ld: an event at frame %lld of a %u-frame block\n", h->blocks,
                    (long long)at, n);
            h->violations++;
        }
        last = at;
        if (ev->body.type != h->u.midi_event) continue;
        if (ev->body.size == 0 || body[0] < 0x80) {
            fprintf(stderr, "ng_host: block %ld: a MIDI event at frame %lld without a status byte\n", h->blocks,
                    (long long)at);
            h->violations++;
        }
        print_event(h, at, body, ev->body.size);
    }
}

static void record_time(host *h, const struct timespec *a, const struct timespec *b)
{
    h->times[h->time_count++] = (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static void run_block(host *h, uint32_t n)
{
    if (h->time_count == h->time_cap) {
        h->time_cap = h->time_cap ? 2 * h->time_cap : 4096;
        h->times = realloc(h->times, h->time_cap * sizeof *h->times);
        if (!h->times) die("out of memory");
    }
    fill_input(h);
    LV2_Atom *out = (LV2_Atom *)h->out_buf;
    out->type = h->u.atom_chunk;
    out->size = h->atom_cap - (uint32_t)sizeof(LV2_Atom);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    alloc_count_begin();
    lilv_instance_run(h->inst, n);
    alloc_count_end();
    clock_gettime(CLOCK_MONOTONIC, &b);
    record_time(h, &a, &b);
    read_output(h, n);
    for (uint32_t i = 0; i < h->port_count; i++)
        if (h->ports[i].reset) h->ports[i].value = h->ports[i].fallback, h->ports[i].reset = 0;
    worker_pump(&h->w, 1);
    h->t.frame += n;
    if (h->t.speed != 0) h->t.tp_frame += n;
    h->blocks++;
}

/* --pace: wait until the frames run so far are due at `pace` times real time */
static void pace(host *h)
{
    static struct timespec start;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!start.tv_sec && !start.tv_nsec) start = now;
    double due = (double)h->t.frame / h->t.rate / h->pace;
    double ran = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
    if (due > ran) {
        struct timespec nap = {(time_t)(due - ran), (long)((due - ran - floor(due - ran)) * 1e9)};
        nanosleep(&nap, NULL);
    }
}

static void run_frames(host *h, int64_t frames)
{
    while (frames > 0) {
        if (h->pace > 0) pace(h);
        int64_t n = h->cycle[h->cycle_at];
        h->cycle_at = (h->cycle_at + 1) % h->cycle_len;
        if (n > frames) n = frames;
        run_block(h, (uint32_t)n);
        frames -= n;
    }
}

/* -- the script --------------------------------------------------------- */

static void set_meter(transport *t, double bpb, int unit)
{
    double beats = beats_at(t, t->frame);
    double bar = floor(beats / t->bpb), bar_beat = beats - bar * t->bpb;
    if (bar_beat >= bpb) bar += 1, bar_beat = 0;
    t->anchor_beats = sent_beats(bar, bar_beat, bpb);
    t->anchor_frame = t->frame;
    t->bpb = bpb, t->unit = unit;
    t->dirty = 1;
}

static void execute(host *h, const cmd *c)
{
    transport *t = &h->t;
    const char *path = h->s->path;
    switch (c->kind) {
    case CMD_RATE: case CMD_WORKER: break; /* read before instantiate */
    case CMD_BLOCKS:
        memcpy(h->cycle, c->values, sizeof h->cycle);
        h->cycle_len = c->count, h->cycle_at = 0;
        break;
    case CMD_TEMPO: rebase(t); t->bpm = (double)(float)c->a; break;
    case CMD_METER: set_meter(t, (double)(float)c->a, (int)c->b); break;
    case CMD_POSITION:
        if (c->b >= t->bpb) die("%s:%d: barBeat %g is past the bar (%g beats)", path, c->line, c->b, t->bpb);
        t->anchor_beats = sent_beats(c->a, c->b, t->bpb);
        t->anchor_frame = t->frame;
        t->tp_frame = llround(t->anchor_beats * 60.0 / t->bpm * t->rate);
        t->dirty = 1;
        break;
    case CMD_ROLL: rebase(t); t->speed = 1; break;
    case CMD_STOP: rebase(t); t->speed = 0; break;
    case CMD_POSEVERY: t->every = c->flag; break;
    case CMD_SET: {
        port *p = find_control(h, c->text);
        p->value = (float)c->a;
        p->reset = p->trigger;
        break;
    }
    case CMD_RUN: {
        double frames = c->unit == 'f' ? c->a : c->unit == 's' ? c->a * t->rate
                                                               : c->a * t->unit / 4.0 * 60.0 / t->bpm * t->rate;
        run_frames(h, llround(frames));
        break;
    }
    case CMD_WAIT:
        if (worker_wait(&h->w, 60) < 0) die("%s:%d: the worker did not answer within 60 s", path, c->line);
        break;
    case CMD_SAVE: state_save(h, c->text, c->line); break;
    case CMD_RESTORE: state_restore(h, c->text, c->line); break;
    case CMD_MIDI:
        if (h->midi_count == 64) die("%s:%d: more than 64 MIDI events before one block", path, c->line);
        for (int i = 0; i < c->count; i++) h->midi[h->midi_count][i] = (uint8_t)c->values[i];
        h->midi_len[h->midi_count++] = c->count;
        break;
    }
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
    if (!n) return 0;
    size_t rank = (size_t)ceil(p * (double)n);
    return sorted[rank ? rank - 1 : 0];
}

static void summary(host *h)
{
    qsort(h->times, h->time_count, sizeof *h->times, by_value);
    size_t n = h->time_count;
    printf("{\"summary\": {\"blocks\": %ld, \"frames\": %lld, \"allocations\": %ld, \"run_p50_us\": %.3f, "
           "\"run_p99_us\": %.3f, \"run_max_us\": %.3f, \"violations\": %ld, \"worker_refused\": %ld}}\n",
           h->blocks, (long long)h->t.frame, alloc_count_total(), percentile(h->times, n, 0.5),
           percentile(h->times, n, 0.99), n ? h->times[n - 1] : 0.0, h->violations, h->w.refused);
}

static void usage(void) { die("usage: ng_host [--bundle DIR] [--uri URI] [--atom-size BYTES] [--pace FACTOR] SCRIPT"); }

int main(int argc, char **argv)
{
    static host h;
    const char *bundle = NULL, *path = NULL;
    h.uri = "urn:notegen:generator";
    h.atom_cap = 1 << 16;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bundle") && i + 1 < argc) bundle = argv[++i];
        else if (!strcmp(argv[i], "--uri") && i + 1 < argc) h.uri = argv[++i];
        else if (!strcmp(argv[i], "--atom-size") && i + 1 < argc) h.atom_cap = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--pace") && i + 1 < argc) h.pace = strtod(argv[++i], NULL);
        else if (argv[i][0] == '-' || path) usage();
        else path = argv[i];
    }
    if (!path || h.atom_cap < 1024 || h.atom_cap % 64) usage();
    static script s;
    char err[1024];
    if (script_load(path, &s, err, sizeof err) < 0) die("%s", err);
    h.s = &s;
    pthread_mutex_init(&h.table_lock, NULL);
    h.t = (transport){.rate = s.rate, .bpm = 120, .bpb = 4, .unit = 4, .speed = 0, .dirty = 1};
    h.cycle[0] = 256, h.cycle_len = 1;
    make_features(&h); /* the feature list, for load_world's check */
    load_world(&h, bundle);
    instantiate(&h);
    for (int i = 0; i < s.count; i++) execute(&h, &s.cmds[i]);
    if (h.s->threaded && worker_wait(&h.w, 60) < 0) die("the worker did not finish within 60 s");
    summary(&h);
    lilv_instance_deactivate(h.inst);
    worker_finish(&h.w);
    lilv_instance_free(h.inst);
    for (uint32_t i = 0; i < h.port_count; i++) free(h.ports[i].audio);
    free(h.ports), free(h.in_buf), free(h.out_buf), free(h.times);
    lilv_world_free(h.world);
    for (uint32_t i = 0; i < h.table_count; i++) free(h.table[i]);
    free(h.table);
    script_free(&s);
    return 0;
}
