/* The worker: every tune is drawn here, never in run(). A job (ng_job) comes
 * with a copy of the controls; the worker writes the spare score (the one
 * run() is not playing), and its answer makes run() swap the two. Only one
 * job is out at a time, so the spare score is the worker's alone while it
 * works, and the played one is only read by both. */
#include <math.h>
#include <string.h>

#include "plugin.h"

/* the spare score := the played one (the used part only) */
static void copy_score(sc_score *to, const sc_score *from) {
    memcpy(to, from, offsetof(sc_score, notes));
    memcpy(to->notes, from->notes, sizeof(pb_note) * from->count);
}

static int has_cut(uint32_t kind) { return kind == JOB_NEW_TUNE || kind == JOB_CONTINUE || kind == JOB_CHANGE; }

void ng_lay(ng_plugin *p, const ng_job *job, ng_answer *a) {
    sc_score *s = p->spare;
    if (job->kind == JOB_FIRST || job->kind == JOB_RELAY) sc_clear(s);
    else copy_score(s, p->play);
    /* back before a full score's window: lay it again from beat 0, keeping
     * only what sounds from 16 bars before the position on */
    if (job->kind == JOB_RELAY && job->keep > 0) s->floor = job->keep;
    /* the old tunes go on up to the cut (a retry's cut may lie past their end) */
    if (has_cut(job->kind) && s->end < job->cut && p->builder->engine)
        sc_extend(p->builder, s, &s->laid, job->cut, job->keep);
    if (has_cut(job->kind)) sc_cut(s, job->cut);
    /* new controls: their tune 0 comes next (as `notegen sample --seed S`);
     * new_tune with the same controls moves on to the next seed */
    if (job->kind == JOB_CHANGE || (has_cut(job->kind) && !sc_same(&job->controls, &s->laid))) s->tunes = 0;
    if (job->kind != JOB_EXTEND) s->laid = job->controls;
    if (job->kind == JOB_CHANGE)
        lv2_log_trace(&p->logger, "notegen: new controls: a new score from quarter beat %g (seed %d)\n", job->cut,
                      (int)job->controls.seed);
    if (job->kind == JOB_CONTINUE && p->builder->engine &&
        sc_continue(p->builder, s, &s->laid, &job->phrase, job->keep))
        lv2_log_warning(&p->logger, "notegen: the phrase played could not be continued\n");
    uint32_t failed = s->failed;
    if (p->builder->engine) sc_extend(p->builder, s, &s->laid, job->until, job->keep);
    if (s->failed > failed) lv2_log_warning(&p->logger, "notegen: %u tunes could not be drawn\n", s->failed - failed);
    *a = (ng_answer){job->kind, job->epoch, job->quiet, job->cut};
}

LV2_Worker_Status ng_work(LV2_Handle h, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle rh,
                          uint32_t size, const void *data) {
    ng_plugin *p = h;
    ng_job job;
    if (size != sizeof job) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&job, data, sizeof job);
    ng_answer a;
    ng_lay(p, &job, &a);
    return respond(rh, sizeof a, &a);
}

/* on the audio thread: swap the scores, nothing more. An answer with a cut
 * that the position has passed is not used (the old score played on, so a
 * note of the new one would come late or a bar would be torn): run() asks
 * again, for a bar line further ahead. */
void ng_apply(ng_plugin *p, const ng_answer *a) {
    p->pending = 0;
    p->mute_at = INFINITY;
    if (a->epoch != p->epoch) return; /* a restore came in between */
    double q = tr_position(&p->clock);
    if (has_cut(a->kind) && !a->quiet && p->have_score && q > a->cut + 1e-9) {
        p->retry = 1;
        p->lag = q > p->sched_q ? q - p->sched_q : 0.0;
        return;
    }
    sc_score *t = p->play;
    atomic_fetch_add(&p->swaps, 1); /* odd: a swap is under way */
    p->play = p->spare;
    p->spare = t;
    atomic_fetch_add(&p->swaps, 1);
    p->have_score = 1;
    p->pb.seek = 1; /* the cursor indexes the old score */
    if (has_cut(a->kind)) pb_clip(&p->pb, a->cut);
}

LV2_Worker_Status ng_work_response(LV2_Handle h, uint32_t size, const void *data) {
    ng_answer a;
    if (size != sizeof a) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&a, data, sizeof a);
    ng_apply(h, &a);
    return LV2_WORKER_SUCCESS;
}

LV2_Worker_Status ng_end_run(LV2_Handle h) {
    (void)h;
    return LV2_WORKER_SUCCESS;
}
