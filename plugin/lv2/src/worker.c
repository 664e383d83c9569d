/* The worker: every tune is drawn here, never in run(). A job (ng_job) comes
 * with a copy of the controls; the worker writes the spare score (the one
 * run() is not playing), and its answer makes run() swap the two. Only one
 * job is out at a time, so the spare score is the worker's alone while it
 * works, and the played one is only read by both. */
#include <string.h>

#include "plugin.h"

typedef struct ng_answer {
    uint32_t kind, epoch;
    double cut;
} ng_answer;

/* the spare score := the played one (the used part only) */
static void copy_score(sc_score *to, const sc_score *from) {
    memcpy(to, from, offsetof(sc_score, notes));
    memcpy(to->notes, from->notes, sizeof(pb_note) * from->count);
}

LV2_Worker_Status ng_work(LV2_Handle h, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle rh,
                          uint32_t size, const void *data) {
    ng_plugin *p = h;
    ng_job job;
    if (size != sizeof job) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&job, data, sizeof job);
    sc_score *s = p->spare;
    if (job.kind == JOB_FIRST || job.kind == JOB_RELAY) sc_clear(s);
    else copy_score(s, p->play);
    /* back before a full score's window: lay it again from beat 0, keeping
     * only what sounds from 16 bars before the position on */
    if (job.kind == JOB_RELAY && job.keep > 0) s->floor = job.keep;
    if (job.kind == JOB_NEW_TUNE || job.kind == JOB_CONTINUE) sc_cut(s, job.cut);
    if (job.kind == JOB_CONTINUE && p->builder->engine &&
        sc_continue(p->builder, s, &job.controls, &job.phrase, job.keep))
        lv2_log_warning(&p->logger, "notegen: the phrase played could not be continued\n");
    uint32_t failed = s->failed;
    if (p->builder->engine) sc_extend(p->builder, s, &job.controls, job.until, job.keep);
    if (s->failed > failed) lv2_log_warning(&p->logger, "notegen: %u tunes could not be drawn\n", s->failed - failed);
    ng_answer a = {job.kind, job.epoch, job.cut};
    return respond(rh, sizeof a, &a);
}

/* on the audio thread: swap the scores, nothing more */
LV2_Worker_Status ng_work_response(LV2_Handle h, uint32_t size, const void *data) {
    ng_plugin *p = h;
    ng_answer a;
    if (size != sizeof a) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&a, data, sizeof a);
    p->pending = 0;
    if (a.epoch != p->epoch) return LV2_WORKER_SUCCESS; /* a restore came in between */
    sc_score *t = p->play;
    atomic_fetch_add(&p->swaps, 1); /* odd: a swap is under way */
    p->play = p->spare;
    p->spare = t;
    atomic_fetch_add(&p->swaps, 1);
    p->have_score = 1;
    p->pb.seek = 1; /* the cursor indexes the old score */
    if (a.kind == JOB_NEW_TUNE || a.kind == JOB_CONTINUE) pb_clip(&p->pb, a.cut);
    return LV2_WORKER_SUCCESS;
}

LV2_Worker_Status ng_end_run(LV2_Handle h) {
    (void)h;
    return LV2_WORKER_SUCCESS;
}
