/* Opening a checkpoint (every allocation happens here), the model API. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int allocate(ng_engine *e) {
    size_t V = (size_t)e->vocab, H = (size_t)e->hidden, G = (size_t)e->gates * H, L = (size_t)e->layers;
    e->in_table = ng_alloc(V * G * sizeof(float));
    e->h = ng_alloc(L * H * sizeof(float));
    e->c = ng_alloc(L * H * sizeof(float));
    e->gx = ng_alloc(G * sizeof(float));
    e->gh = ng_alloc(G * sizeof(float));
    e->logits = ng_alloc(V * sizeof(float));
    e->probs = ng_alloc(V * sizeof(double));
    e->order = ng_alloc(V * sizeof(int));
    e->mask = ng_alloc(V * sizeof(float));
    e->scratch = ng_alloc(V * sizeof(float));
    e->text = ng_alloc(NG_TEXT_CAP * sizeof(int32_t));
    e->body = ng_alloc(NG_TEXT_CAP * sizeof(int32_t));
    e->chunk_at = ng_alloc((NG_TEXT_CAP + 1) * sizeof(int));
    e->queue = ng_alloc(NG_TEXT_CAP * sizeof(int32_t));
    e->guard = ng_alloc(NG_GUARD_SLOTS * sizeof(ng_guard_slot));
    e->memo.viable = ng_alloc(NG_VIABLE_SLOTS * sizeof(ng_viable_slot));
    e->memo.allowed = ng_alloc(NG_ALLOWED_SLOTS * sizeof(ng_allowed_slot));
    e->memo.durations = ng_alloc(sizeof(ng_dur_cache));
    return e->in_table && e->h && e->c && e->gx && e->gh && e->logits && e->probs && e->order && e->mask &&
           e->scratch && e->text && e->body && e->chunk_at && e->queue && e->guard && e->memo.viable &&
           e->memo.allowed && e->memo.durations ? 0 : -1;
}

ng_engine *ng_open(const char *path, char *err, size_t errlen) {
    ng_grammar_tables();
    ng_engine *e = ng_alloc(sizeof *e);
    if (!e) {
        ng_set_error(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (ng_load(e, path) || allocate(e)) {
        if (!e->err[0]) ng_set_error(e->err, NG_ERR, "%s: out of memory", path);
        ng_set_error(err, errlen, "%s", e->err);
        ng_close(e);
        return NULL;
    }
    ng_model_prepare(e);
    for (int c = 0; c < 128; c++) e->id_of_ascii[c] = -1;
    for (int id = 4; id < e->vocab; id++)
        if (e->chars[id] >= 0 && e->chars[id] < 128) {
            e->id_of_ascii[e->chars[id]] = id;
            ng_set_add(&e->gctx.alphabet, e->chars[id]);
        }
    e->gctx.fields = &e->fields;
    e->gctx.memo = &e->memo;
    e->music = !strcmp(e->notation, "notes") || !strcmp(e->notation, "abc") || !strcmp(e->notation, "midi");
    return e;
}

void ng_close(ng_engine *e) {
    if (!e) return;
    void *blocks[] = {e->chars, e->weights, e->in_table, e->h, e->c, e->gx, e->gh, e->logits, e->probs,
                      e->order, e->mask, e->scratch, e->text, e->body, e->chunk_at, e->queue, e->guard,
                      e->memo.viable, e->memo.allowed, e->memo.durations};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) free(blocks[i]);
    free(e);
}

const char *ng_error(const ng_engine *e) { return e ? e->err : "no engine"; }
int ng_vocab_size(const ng_engine *e) { return e->vocab; }
int32_t ng_codepoint(const ng_engine *e, int id) { return id >= 0 && id < e->vocab ? e->chars[id] : -1; }
const char *ng_notation(const ng_engine *e) { return e->notation; }
const char *ng_cell(const ng_engine *e) { return e->cell == CELL_GRU ? "gru" : e->cell == CELL_LSTM ? "lstm" : "rnn"; }
int ng_hidden_size(const ng_engine *e) { return e->hidden; }
int ng_num_layers(const ng_engine *e) { return e->layers; }
int ng_embed_dim(const ng_engine *e) { return e->embed; }

void ng_reset(ng_engine *e) {
    size_t n = (size_t)e->layers * (size_t)e->hidden * sizeof(float);
    memset(e->h, 0, n);
    memset(e->c, 0, n);
}

int ng_step(ng_engine *e, int id, float *out) {
    if (id < 0 || id >= e->vocab) {
        ng_set_error(e->err, NG_ERR, "id %d is not in the vocabulary of %d", id, e->vocab);
        return NG_FAIL;
    }
    ng_model_step(e, id);
    if (out) memcpy(out, e->logits, (size_t)e->vocab * sizeof(float));
    return 0;
}
