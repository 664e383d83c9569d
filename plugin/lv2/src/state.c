/* The state interface: the controls, the model's path and the laid score, so
 * that a restored instance plays the same notes without drawing them again.
 *
 * The score travels as one ng:Score atom: a little header (magic, version,
 * counts, the end, bar and floor of the layout) then the notes, each as two doubles
 * and an int32 pitch, in the machine's byte order (not portable, like the
 * struct it mirrors). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

#define BLOB_MAGIC 0x3153474eu /* "NGS1" */
#define BLOB_VERSION 4u

typedef struct blob_head {
    uint32_t magic, version, count, tunes, full, failed;
    double end, bar, floor;
} blob_head;

/* version 3: the controls the tunes since the last cut were laid with */
typedef struct blob_laid {
    double temperature, host_bpb, host_unit;
    int32_t seed, key, meter, type;
    int32_t low, high; /* version 4: the pitch range */
} blob_laid;

typedef struct blob_note {
    double on, off;
    int32_t pitch, pad;
} blob_note;

static LV2_State_Status put_int(ng_plugin *p, LV2_State_Store_Function store, LV2_State_Handle sh, LV2_URID key,
                                int32_t v) {
    return store(sh, key, &v, sizeof v, p->uris.atom_Int, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static int32_t port_int(const ng_plugin *p, int i, int32_t fallback) {
    return p->port[i] ? (int32_t)(*p->port[i] + (*p->port[i] >= 0 ? 0.5f : -0.5f)) : fallback;
}

static const LV2_Feature *feature(const LV2_Feature *const *features, const char *uri) {
    for (int i = 0; features && features[i]; i++)
        if (!strcmp(features[i]->URI, uri)) return features[i];
    return NULL;
}

/* the played score as a blob. save() may run beside run(): a swap there
 * hands the played score to the worker, so the copy counts only when no swap
 * began or ended while it was made */
static unsigned char *score_blob(ng_plugin *p, size_t *size) {
    const size_t at = sizeof(blob_head) + sizeof(blob_laid);
    unsigned char *buf = malloc(at + sizeof(blob_note) * SC_CAP);
    for (int tries = 0; buf && tries < 100; tries++) {
        unsigned before = atomic_load(&p->swaps);
        const sc_score *s = p->play;
        uint32_t count = s->count <= SC_CAP ? s->count : SC_CAP;
        blob_head head = {BLOB_MAGIC, BLOB_VERSION, count, s->tunes, s->full, s->failed, s->end, s->bar, s->floor};
        const sc_controls *c = &s->laid;
        blob_laid laid = {c->temperature, c->host_bpb, c->host_unit, c->seed, c->key, c->meter, c->type,
                          c->low, c->high};
        memcpy(buf, &head, sizeof head);
        memcpy(buf + sizeof head, &laid, sizeof laid);
        for (uint32_t i = 0; i < count; i++) {
            blob_note n = {s->notes[i].on, s->notes[i].off, s->notes[i].pitch, 0};
            memcpy(buf + at + i * sizeof n, &n, sizeof n);
        }
        if (!(before & 1) && atomic_load(&p->swaps) == before) {
            *size = at + sizeof(blob_note) * count;
            return buf;
        }
    }
    free(buf);
    return NULL;
}

static LV2_State_Status save_score(ng_plugin *p, LV2_State_Store_Function store, LV2_State_Handle sh) {
    size_t size = 0;
    unsigned char *buf = score_blob(p, &size);
    if (!buf) return LV2_STATE_ERR_NO_SPACE;
    LV2_State_Status st = store(sh, p->uris.ng_score, buf, size, p->uris.ng_Score, LV2_STATE_IS_POD);
    free(buf);
    return st;
}

LV2_State_Status ng_save(LV2_Handle h, LV2_State_Store_Function store, LV2_State_Handle sh, uint32_t flags,
                         const LV2_Feature *const *features) {
    (void)flags;
    ng_plugin *p = h;
    ng_uris *u = &p->uris;
    float t = p->port[P_TEMPERATURE] ? *p->port[P_TEMPERATURE] : 0.8f;
    store(sh, u->ng_temperature, &t, sizeof t, u->atom_Float, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    put_int(p, store, sh, u->ng_seed, port_int(p, P_SEED, 7));
    put_int(p, store, sh, u->ng_key, port_int(p, P_KEY, 0));
    put_int(p, store, sh, u->ng_meter, port_int(p, P_METER, 0));
    put_int(p, store, sh, u->ng_type, port_int(p, P_TYPE, 0));
    put_int(p, store, sh, u->ng_channel, port_int(p, P_CHANNEL, 1));
    put_int(p, store, sh, u->ng_low, port_int(p, P_LOW, 0));
    put_int(p, store, sh, u->ng_high, port_int(p, P_HIGH, 127));
    const LV2_Feature *f = feature(features, LV2_STATE__mapPath);
    const LV2_State_Map_Path *mp = f ? f->data : NULL;
    char *abstract = mp ? mp->abstract_path(mp->handle, p->model) : NULL;
    const char *path = abstract ? abstract : p->model;
    store(sh, u->ng_model, path, strlen(path) + 1, u->atom_Path, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (abstract) {
        const LV2_Feature *ff = feature(features, LV2_STATE__freePath);
        const LV2_State_Free_Path *fp = ff ? ff->data : NULL;
        if (fp) fp->free_path(fp->handle, abstract);
        else free(abstract);
    }
    if (!p->have_score) return LV2_STATE_SUCCESS;
    return save_score(p, store, sh);
}

static int32_t stored_int(ng_plugin *p, LV2_State_Retrieve_Function retrieve, LV2_State_Handle sh, LV2_URID key,
                          int32_t fallback) {
    size_t size;
    uint32_t type, flags;
    const void *v = retrieve(sh, key, &size, &type, &flags);
    int32_t x = fallback;
    if (v && type == p->uris.atom_Int && size == sizeof x) memcpy(&x, v, sizeof x);
    return x;
}

/* a version 2 blob does not say what its tunes were laid with: the controls
 * saved beside it (the host's bar: the one now) */
static void laid_from_state(ng_plugin *p, LV2_State_Retrieve_Function retrieve, LV2_State_Handle sh,
                            sc_controls *c) {
    size_t size;
    uint32_t type, flags;
    const void *t = retrieve(sh, p->uris.ng_temperature, &size, &type, &flags);
    float temperature = 0.8f;
    if (t && type == p->uris.atom_Float && size == sizeof temperature) memcpy(&temperature, t, sizeof temperature);
    c->temperature = temperature < 0.1f ? 0.1 : temperature > 2.0f ? 2.0 : temperature;
    c->seed = stored_int(p, retrieve, sh, p->uris.ng_seed, 7);
    c->key = stored_int(p, retrieve, sh, p->uris.ng_key, 0);
    c->meter = stored_int(p, retrieve, sh, p->uris.ng_meter, 0);
    c->type = stored_int(p, retrieve, sh, p->uris.ng_type, 0);
    c->low = stored_int(p, retrieve, sh, p->uris.ng_low, 0);
    c->high = stored_int(p, retrieve, sh, p->uris.ng_high, 127);
    c->host_bpb = p->clock.bpb;
    c->host_unit = p->clock.unit;
}

/* the blob back into the played score; 0, or -1 when it is not one */
static int load_score(ng_plugin *p, const void *data, size_t size, LV2_State_Retrieve_Function retrieve,
                      LV2_State_Handle sh) {
    blob_head head;
    if (size < sizeof head) return -1;
    memcpy(&head, data, sizeof head);
    size_t laid_size = head.version >= 4 ? sizeof(blob_laid) : head.version == 3 ? offsetof(blob_laid, low) : 0;
    size_t at = sizeof head + laid_size;
    if (head.magic != BLOB_MAGIC || head.version < 2 || head.version > BLOB_VERSION || head.count > SC_CAP ||
        size != at + sizeof(blob_note) * head.count)
        return -1;
    sc_score *s = p->play;
    s->count = head.count, s->tunes = head.tunes, s->full = head.full, s->failed = head.failed;
    s->end = head.end, s->bar = head.bar, s->floor = head.floor;
    if (head.version >= 3) {
        blob_laid l = {.low = 0, .high = 127}; /* version 3: no range */
        memcpy(&l, (const unsigned char *)data + sizeof head, laid_size);
        s->laid = (sc_controls){l.temperature, l.seed, l.key, l.meter, l.type, l.host_bpb, l.host_unit, l.low, l.high};
    } else {
        laid_from_state(p, retrieve, sh, &s->laid);
    }
    const unsigned char *notes = (const unsigned char *)data + at;
    for (uint32_t i = 0; i < head.count; i++) {
        blob_note n;
        memcpy(&n, notes + i * sizeof n, sizeof n);
        s->notes[i] = (pb_note){n.on, n.off, n.pitch};
    }
    return 0;
}

static void restore_model(ng_plugin *p, const char *stored, const LV2_Feature *const *features) {
    const LV2_Feature *f = feature(features, LV2_STATE__mapPath);
    const LV2_State_Map_Path *mp = f ? f->data : NULL;
    char *absolute = mp ? mp->absolute_path(mp->handle, stored) : NULL;
    const char *path = absolute ? absolute : stored;
    /* the worker uses the engine while a job is out: keep it then */
    if (strcmp(path, p->model) && !p->pending) ng_open_model(p, path);
    if (absolute) {
        const LV2_Feature *ff = feature(features, LV2_STATE__freePath);
        const LV2_State_Free_Path *fp = ff ? ff->data : NULL;
        if (fp) fp->free_path(fp->handle, absolute);
        else free(absolute);
    }
}

LV2_State_Status ng_restore(LV2_Handle h, LV2_State_Retrieve_Function retrieve, LV2_State_Handle sh,
                            uint32_t flags, const LV2_Feature *const *features) {
    (void)flags;
    ng_plugin *p = h;
    size_t size;
    uint32_t type, vflags;
    const void *model = retrieve(sh, p->uris.ng_model, &size, &type, &vflags);
    if (model && type == p->uris.atom_Path && size > 1 && ((const char *)model)[size - 1] == '\0')
        restore_model(p, model, features);
    const void *score = retrieve(sh, p->uris.ng_score, &size, &type, &vflags);
    if (!score || type != p->uris.ng_Score) return LV2_STATE_SUCCESS; /* none saved: draw as usual */
    p->epoch++; /* an answer to a job scheduled before this is dropped */
    if (load_score(p, score, size, retrieve, sh)) {
        lv2_log_error(&p->logger, "notegen: the saved score is not one this version reads; drawing anew\n");
        p->have_score = 0;
        sc_clear(p->play);
        return LV2_STATE_ERR_BAD_TYPE;
    }
    p->have_score = 1;
    /* the next block ends the notes sounding now (at its frame 0) and finds
     * its place in the restored score */
    p->clock.relocated = 1;
    p->pb.seek = 1;
    p->want_new = p->retry = p->dirty = p->heard = p->unheard = 0;
    p->mute_at = INFINITY;
    return LV2_STATE_SUCCESS;
}
