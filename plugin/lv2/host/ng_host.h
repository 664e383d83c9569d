/* ng_host: a lilv host that runs an LV2 MIDI plugin under a scripted
 * transport and prints the MIDI it outputs as JSON lines (the contract of
 * issue #22). This header is the state the host's files share. */
#ifndef NG_HOST_H
#define NG_HOST_H

#include "script.h"
#include "worker.h"

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>
#include <pthread.h>
#include <stdint.h>

enum port_kind { PORT_CONTROL_IN, PORT_CONTROL_OUT, PORT_ATOM_IN, PORT_ATOM_OUT, PORT_AUDIO, PORT_NONE };

typedef struct port {
    const char *symbol;
    enum port_kind kind;
    float value, fallback; /* fallback: the default, where a trigger returns */
    int trigger, reset;    /* reset: a trigger set in the script goes back after one run */
    float *audio;
} port;

typedef struct uris {
    LV2_URID atom_chunk, atom_sequence, atom_float, atom_double, atom_int, atom_long, atom_bool;
    LV2_URID midi_event, time_position, time_frame, time_bar, time_bar_beat, time_beats_per_bar;
    LV2_URID time_beat_unit, time_bpm, time_speed;
    LV2_URID min_block, max_block, nominal_block, sequence_size, sample_rate;
} uris;

typedef struct transport {
    double rate, bpm, bpb, speed;
    int unit;
    double anchor_beats;   /* host beats at anchor_frame */
    int64_t anchor_frame;  /* absolute frame of the last change */
    int64_t frame;         /* absolute frames run so far */
    int64_t tp_frame;      /* the transport's own frame position (time:frame) */
    int dirty, every;      /* a time:Position is due; one every block */
} transport;

typedef struct host {
    const script *s;
    const char *uri;
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *inst;
    /* urid:map (a mutex: the worker thread may map too) */
    char **table;
    uint32_t table_count, table_cap;
    pthread_mutex_t table_lock;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Log_Log log;
    LV2_Options_Option options[6];
    int32_t min_block, max_block, nominal_block, seq_size;
    float rate_f;
    LV2_Feature f_map, f_unmap, f_schedule, f_options, f_bounded, f_log;
    const LV2_Feature *features[7];
    uris u;
    worker w;
    port *ports;
    uint32_t port_count;
    uint8_t *in_buf, *out_buf;
    uint32_t atom_cap;
    LV2_Atom_Forge forge;
    transport t;
    long cycle[MAX_CYCLE];
    int cycle_len, cycle_at;
    uint8_t midi[64][MAX_MIDI];
    int midi_len[64], midi_count;
    double *times;
    size_t time_count, time_cap;
    long blocks, violations;
    double pace; /* --pace: times real time; 0 = as fast as it can */
} host;

_Noreturn void die(const char *fmt, ...);

/* ng_state.c */
void state_save(host *h, const char *path, int line);
void state_restore(host *h, const char *path, int line);

#endif
