/* The notegen LV2 plugin: what its parts (plugin.c: the LV2 glue and run(),
 * worker.c: the worker, state.c: save/restore) share. */
#ifndef NG_PLUGIN_H
#define NG_PLUGIN_H

#include <stdatomic.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "playback.h"
#include "score.h"
#define TR_WITH_LV2
#include "transport.h"

#define NG_URI "urn:notegen:generator"
#define NG_PREFIX NG_URI "#"
#define NG_PATH_MAX 4096
#define NG_EVENTS 512        /* events one pb_run call may write */
#define NG_LOOKAHEAD_BARS 16 /* a full score keeps the notes of this many bars behind the position */
#define NG_LAY_BARS 32       /* the score is extended while its end is nearer than this many bars ahead */

enum { P_CONTROL, P_NOTES, P_TEMPERATURE, P_SEED, P_KEY, P_METER, P_TYPE, P_NEW_TUNE, P_CHANNEL, P_LOW, P_HIGH, P_COUNT };

typedef struct ng_uris {
    LV2_URID atom_Object, atom_Blank, atom_Sequence, atom_Path, atom_Int, atom_Float, atom_URID;
    LV2_URID midi_Event, time_Position;
    LV2_URID ng_seed, ng_temperature, ng_key, ng_meter, ng_type, ng_channel, ng_low, ng_high, ng_model, ng_score, ng_Score,
        ng_tunes;
    tr_uris tr;
} ng_uris;

/* a job for the worker (JOB_CHANGE: the controls changed, a new score of
 * the new controls' tune 0 on from the cut) */
enum { JOB_FIRST = 1, JOB_EXTEND, JOB_NEW_TUNE, JOB_CONTINUE, JOB_RELAY, JOB_CHANGE };
typedef struct ng_job {
    uint32_t kind, epoch;
    uint32_t quiet; /* JOB_CHANGE before anything was heard: the old score is muted from the cut */
    double until; /* lay tunes until the score's end reaches this */
    double keep;  /* a full score may drop the notes that ended by here */
    double cut;   /* JOB_NEW_TUNE, JOB_CONTINUE, JOB_CHANGE: the new tune starts here */
    sc_controls controls;
    ph_phrase phrase; /* JOB_CONTINUE: what the user played */
} ng_job;

/* the worker's answer */
typedef struct ng_answer {
    uint32_t kind, epoch, quiet;
    double cut;
} ng_answer;

typedef struct ng_plugin {
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notes;
    const float *port[P_COUNT];

    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;
    ng_uris uris;
    LV2_Atom_Forge forge;

    double rate;
    tr_clock clock;
    pb_state pb;
    pb_event events[NG_EVENTS];

    sc_score *play;  /* the score run() plays (the audio thread's) */
    atomic_uint swaps; /* bumped by each swap: save() copies the played score between two equal counts */
    sc_score *spare; /* the score the worker writes */
    sc_score *store[2];
    sc_builder *builder; /* the worker's */

    int have_score; /* a score is laid (generated or restored) */
    int pending;    /* a job is out */
    uint32_t epoch; /* bumped by restore: answers to older jobs are dropped */
    int want_new;   /* a new_tune edge waits for the worker */
    int dirty;        /* the controls differ from those the played score was laid with */
    double dirty_bar; /* ... since this host bar (the lay waits for the next bar line) */
    ng_job last;      /* the last job with a cut, for a retry */
    int retry;        /* its answer came after its cut: schedule it again, further ahead */
    double sched_q;   /* the position when the last job was scheduled */
    double lag;       /* how far the position moved before a late answer came */
    int heard;        /* a note-on went out since activate, a restore or the last relocation */
    int unheard;      /* nothing of the score activate() laid has been heard yet */
    double mute_at;   /* the played score starts no note from here on (a quiet change is out) */
    ph_phrase phrase; /* the notes the user is playing into the control port */
    float last_trigger;

    char bundle[NG_PATH_MAX];
    char model[NG_PATH_MAX]; /* the checkpoint the engine has open */
} ng_plugin;

/* worker.c */
LV2_Worker_Status ng_work(LV2_Handle h, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle rh,
                          uint32_t size, const void *data);
LV2_Worker_Status ng_work_response(LV2_Handle h, uint32_t size, const void *data);
LV2_Worker_Status ng_end_run(LV2_Handle h);
/* the work itself, into the spare score (the worker, and activate() synchronously) */
void ng_lay(ng_plugin *p, const ng_job *job, ng_answer *a);
/* the answer on the audio thread: swap the scores (or, when late, ask for a retry) */
void ng_apply(ng_plugin *p, const ng_answer *a);
/* state.c */
LV2_State_Status ng_save(LV2_Handle h, LV2_State_Store_Function store, LV2_State_Handle sh, uint32_t flags,
                         const LV2_Feature *const *features);
LV2_State_Status ng_restore(LV2_Handle h, LV2_State_Retrieve_Function retrieve, LV2_State_Handle sh,
                            uint32_t flags, const LV2_Feature *const *features);
/* plugin.c: open the checkpoint at path (instantiate, restore) */
int ng_open_model(ng_plugin *p, const char *path);

#endif
