/* What the engine's files share (not part of the public API). */
#ifndef NG_INTERNAL_H
#define NG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "grammar.h"
#include "notegen_engine.h"

#define NG_ERR 256
#define NG_MAX_VOCAB 4096
#define NG_MAX_EMBED 4096
#define NG_MAX_HIDDEN 8192
#define NG_MAX_LAYERS 16
#define NG_MAX_PARAMS 500000000L
#define NG_MAX_HEADER (64L << 20)
#define NG_TEXT_CAP 65536 /* prime + sampled characters of one stream */
#define NG_GRACE 400
#define NG_GUARD_SLOTS 1024

enum { CELL_GRU, CELL_LSTM, CELL_RNN };

typedef struct ng_layer {
    const float *w_ih, *w_hh, *b_ih, *b_hh; /* (G*H, in), (G*H, H), (G*H), (G*H) */
    int in;
} ng_layer;

typedef struct ng_guard_slot {
    int32_t ctx[16];
    int len;
    uint8_t used;
    int32_t banned[32];
    int nbanned;
} ng_guard_slot;

struct ng_engine {
    char err[NG_ERR];
    char notation[32];
    int cell, gates, vocab, embed, hidden, layers;
    int32_t *chars; /* code point per id (-1 for the specials) */
    float *weights; /* every tensor, in one block */
    const float *embed_w, *head_w, *head_b;
    float *in_table; /* layer 0's input projection for every id: (V, G*H), with b_ih */
    ng_layer layer[NG_MAX_LAYERS];
    float *h, *c;    /* (layers, H) state, c for the lstm */
    float *gx, *gh;  /* (G*H) scratch */
    float *logits;   /* (V) */
    double *probs;   /* (V) */
    int *order;      /* (V) */
    float *mask;     /* (V): 0 or -inf */
    float *scratch;  /* (V) */
    /* the stream */
    ng_options opt;
    uint64_t gen, echo_gen;
    ng_fields fields;
    ng_gctx gctx;
    ng_memo memo;
    ng_grammar gram;
    int has_gram, music, mask_on;
    int32_t *text; /* NG_TEXT_CAP code points: prime + sampled */
    int ntext, nprime, n, last, started, done;
    int cap, closed, limit;
    int id_of_ascii[128];
    /* echo (models/echo.py) */
    int echo_on;
    int32_t *body;  /* NG_TEXT_CAP: the finished bars' characters, back to back */
    int *chunk_at;  /* NG_TEXT_CAP + 1: where each bar starts in body */
    int nbody, nchunks, in_body, bar_start;
    int32_t *queue; /* NG_TEXT_CAP */
    int qhead, qlen;
    /* loop guard (models/loopguard.py) */
    ng_guard_slot *guard; /* NG_GUARD_SLOTS */
    char fields_buf[1024];
};

/* checkpoint.c */
int ng_load(ng_engine *e, const char *path);
/* model.c */
void ng_model_prepare(ng_engine *e);
void ng_model_step(ng_engine *e, int id);
/* draw.c */
uint64_t ng_splitmix(uint64_t *state);
double ng_uniform(uint64_t *state);
int ng_choose(ng_engine *e, const float *scores, uint64_t *gen);
/* sampler.c */
int ng_sampler_prepare(ng_engine *e, const ng_options *o, const int32_t *prime, int n);
/* rules.c */
void ng_echo_reset(ng_engine *e);
void ng_echo_push(ng_engine *e, int32_t ch);
int ng_guard_banned(ng_engine *e, int32_t *out, int cap);
/* alloc.c */
void *ng_alloc(size_t n);
void ng_set_error(char *err, size_t len, const char *fmt, ...);

#endif
