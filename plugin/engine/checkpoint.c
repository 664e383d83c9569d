/* Reading a notegen checkpoint: a safetensors file whose metadata holds the
 * config, the vocabulary and the notation as JSON strings, and fp32 tensors
 * named as CharRNN's state_dict. Anything else is refused in one line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "json.h"

#define META_CAP (1 << 20)
#define MAX_TENSORS (4 * NG_MAX_LAYERS + 3)

typedef struct tensor {
    char name[64];
    int64_t shape[2];
    int dims;
    int64_t begin, end;
    int seen;
} tensor;

typedef struct reader {
    ng_engine *e;
    const char *path;
    FILE *f;
    int64_t size, data;
    tensor t[MAX_TENSORS];
    int nt;
    char *meta; /* the vocab and config strings */
    char *vocab_json, *config_json;
    int has_format, has_vocab, has_config, has_notation;
} reader;

static int fail(reader *r, const char *what) {
    ng_set_error(r->e->err, NG_ERR, "%s: not a notegen checkpoint the C engine reads (%s)", r->path, what);
    return -1;
}

static int tensor_index(const char *name, int layers) {
    static const char *fixed[] = {"embed.weight", "head.weight", "head.bias"};
    static const char *per[] = {"rnn.weight_ih_l", "rnn.weight_hh_l", "rnn.bias_ih_l", "rnn.bias_hh_l"};
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, fixed[k])) return k;
    for (int k = 0; k < 4; k++) {
        size_t n = strlen(per[k]);
        if (strncmp(name, per[k], n)) continue;
        char *end;
        long l = strtol(name + n, &end, 10);
        if (*end || end == name + n || l < 0 || l >= layers || name[n] == '+' || name[n] == '-') return -1;
        if (name[n] == '0' && name[n + 1]) return -1;
        return 3 + 4 * (int)l + k;
    }
    return -1;
}

static int read_tensor_entry(reader *r, ng_json *j, const char *name) {
    tensor t = {{0}, {0, 0}, 0, -1, -1, 0};
    char key[32], dtype[16] = "";
    if (ng_json_expect(j, '{')) return fail(r, "a tensor entry is not an object");
    for (int first = 1;; first = 0) {
        int m = ng_json_more(j, '}', first);
        if (m < 0) return fail(r, "malformed header JSON");
        if (!m) break;
        if (ng_json_string(j, key, sizeof key) < 0 || ng_json_expect(j, ':')) return fail(r, "malformed header JSON");
        if (!strcmp(key, "dtype")) {
            if (ng_json_string(j, dtype, sizeof dtype) < 0) return fail(r, "a tensor dtype is not a short string");
        } else if (!strcmp(key, "shape") || !strcmp(key, "data_offsets")) {
            int64_t v[3];
            int k = 0;
            if (ng_json_expect(j, '[')) return fail(r, "a tensor shape is not a list");
            for (int f2 = 1;; f2 = 0) {
                int mm = ng_json_more(j, ']', f2);
                if (mm < 0) return fail(r, "malformed header JSON");
                if (!mm) break;
                if (k >= 3 || ng_json_int(j, &v[k]) || v[k] < 0) return fail(r, "a tensor has a bad shape or offsets");
                k++;
            }
            if (key[0] == 's') {
                if (k > 2) return fail(r, "a tensor has more than 2 dimensions");
                t.dims = k;
                for (int d = 0; d < k; d++) t.shape[d] = v[d];
            } else {
                if (k != 2 || v[1] < v[0]) return fail(r, "a tensor has bad data offsets");
                t.begin = v[0];
                t.end = v[1];
            }
        } else if (ng_json_skip(j)) {
            return fail(r, "malformed header JSON");
        }
    }
    if (!strncmp(name, "_train.", 7)) return 0; /* a training checkpoint's optimizer state */
    if (strcmp(dtype, "F32")) return fail(r, "a weight is not float32");
    if (t.begin < 0 || t.end > r->size - r->data) return fail(r, "a tensor lies outside the file");
    if (r->nt >= MAX_TENSORS) return fail(r, "too many tensors");
    if (strlen(name) >= sizeof t.name) return fail(r, "a tensor name is too long");
    memcpy(t.name, name, strlen(name) + 1);
    r->t[r->nt++] = t;
    return 0;
}

static int read_meta_entry(reader *r, ng_json *j, const char *key) {
    char *buf = r->meta;
    static const char *known[] = {"vocab", "config", "format", "notation", "task"};
    int ours = 0;
    for (int k = 0; k < 5; k++) ours |= !strcmp(key, known[k]);
    if (!ours) return ng_json_skip(j) ? fail(r, "malformed metadata") : 0; /* other keys are not ours */
    if (ng_json_peek(j) != '"') return fail(r, "a metadata value is not a string");
    if (!strcmp(key, "vocab") || !strcmp(key, "config")) {
        char **slot = key[0] == 'v' ? &r->vocab_json : &r->config_json;
        buf = key[0] == 'v' ? r->meta : r->meta + META_CAP;
        if (ng_json_string(j, buf, META_CAP) < 0) return fail(r, "metadata vocab or config is not a string of at most 1 MB");
        *slot = buf;
        if (key[0] == 'v') r->has_vocab = 1; else r->has_config = 1;
        return 0;
    }
    if (!strcmp(key, "format")) {
        char v[64];
        if (ng_json_string(j, v, sizeof v) < 0 || strcmp(v, "notegen-checkpoint/1"))
            return fail(r, "a safetensors file but not a notegen checkpoint");
        r->has_format = 1;
        return 0;
    }
    if (!strcmp(key, "notation")) {
        if (ng_json_string(j, r->e->notation, sizeof r->e->notation) < 0) return fail(r, "bad notation");
        r->has_notation = 1;
        return 0;
    }
    if (!strcmp(key, "task")) {
        char v[64];
        if (ng_json_string(j, v, sizeof v) < 0 || strcmp(v, "\"lm\"")) return fail(r, "not a language model");
        return 0;
    }
    return fail(r, "unreachable");
}

static int read_header(reader *r, const char *h, size_t n) {
    ng_json j;
    char name[256];
    ng_json_init(&j, h, n);
    if (ng_json_expect(&j, '{')) return fail(r, "the header is not a JSON object");
    for (int first = 1;; first = 0) {
        int m = ng_json_more(&j, '}', first);
        if (m < 0) return fail(r, "malformed header JSON");
        if (!m) break;
        if (ng_json_string(&j, name, sizeof name) < 0 || ng_json_expect(&j, ':')) return fail(r, "malformed header JSON");
        if (!strcmp(name, "__metadata__")) {
            if (ng_json_expect(&j, '{')) return fail(r, "metadata is not an object");
            for (int f2 = 1;; f2 = 0) {
                int mm = ng_json_more(&j, '}', f2);
                if (mm < 0) return fail(r, "malformed metadata");
                if (!mm) break;
                if (ng_json_string(&j, name, sizeof name) < 0 || ng_json_expect(&j, ':')) return fail(r, "malformed metadata");
                if (read_meta_entry(r, &j, name)) return -1;
            }
        } else if (read_tensor_entry(r, &j, name)) {
            return -1;
        }
    }
    if (ng_json_peek(&j) >= 0) return fail(r, "bytes after the header JSON");
    if (!r->has_format) return fail(r, "a safetensors file but not a notegen checkpoint");
    if (!r->has_vocab || !r->has_config || !r->has_notation) return fail(r, "metadata lacks config, vocab or notation");
    return 0;
}

static int config_int(reader *r, ng_json *j, int *out, int64_t cap) {
    int64_t v;
    if (ng_json_int(j, &v) || v < 1 || v > cap) return fail(r, "a config size is not an integer in range");
    *out = (int)v;
    return 0;
}

static int read_config(reader *r, int *vocab_size) {
    ng_engine *e = r->e;
    ng_json j;
    char key[32], cell[16] = "gru";
    e->embed = 64, e->hidden = 256, e->layers = 2, *vocab_size = 0;
    ng_json_init(&j, r->config_json, strlen(r->config_json));
    if (ng_json_expect(&j, '{')) return fail(r, "config is not an object");
    for (int first = 1;; first = 0) {
        int m = ng_json_more(&j, '}', first);
        if (m < 0) return fail(r, "malformed config");
        if (!m) break;
        if (ng_json_string(&j, key, sizeof key) < 0 || ng_json_expect(&j, ':')) return fail(r, "malformed config");
        int bad = 0;
        double d;
        if (!strcmp(key, "vocab_size")) bad = config_int(r, &j, vocab_size, NG_MAX_VOCAB);
        else if (!strcmp(key, "embed_dim")) bad = config_int(r, &j, &e->embed, NG_MAX_EMBED);
        else if (!strcmp(key, "hidden_size")) bad = config_int(r, &j, &e->hidden, NG_MAX_HIDDEN);
        else if (!strcmp(key, "num_layers")) bad = config_int(r, &j, &e->layers, NG_MAX_LAYERS);
        else if (!strcmp(key, "cell")) bad = ng_json_string(&j, cell, sizeof cell) < 0 ? fail(r, "bad cell") : 0;
        else if (!strcmp(key, "dropout")) bad = ng_json_number(&j, &d) || !(d >= 0 && d < 1) ? fail(r, "bad dropout") : 0;
        else return fail(r, "config has an unknown field");
        if (bad) return -1;
    }
    if (!strcmp(cell, "gru")) e->cell = CELL_GRU, e->gates = 3;
    else if (!strcmp(cell, "lstm")) e->cell = CELL_LSTM, e->gates = 4;
    else if (!strcmp(cell, "rnn")) e->cell = CELL_RNN, e->gates = 1;
    else return fail(r, "unknown cell");
    return 0;
}

static int read_vocab(reader *r, int vocab_size) {
    ng_engine *e = r->e;
    static const char *specials[] = {"<pad>", "<bos>", "<eos>", "<unk>"};
    ng_json j;
    char key[32], sp[16];
    int nspec = 0, have_chars = 0;
    long n = 0;
    ng_json_init(&j, r->vocab_json, strlen(r->vocab_json));
    if (ng_json_expect(&j, '{')) return fail(r, "vocab is not an object");
    for (int first = 1;; first = 0) {
        int m = ng_json_more(&j, '}', first);
        if (m < 0) return fail(r, "malformed vocab");
        if (!m) break;
        if (ng_json_string(&j, key, sizeof key) < 0 || ng_json_expect(&j, ':')) return fail(r, "malformed vocab");
        if (!strcmp(key, "specials")) {
            if (ng_json_expect(&j, '[')) return fail(r, "vocab specials are not a list");
            for (int f2 = 1;; f2 = 0) {
                int mm = ng_json_more(&j, ']', f2);
                if (mm < 0) return fail(r, "malformed vocab");
                if (!mm) break;
                if (nspec >= 4 || ng_json_string(&j, sp, sizeof sp) < 0 || strcmp(sp, specials[nspec]))
                    return fail(r, "vocab specials are not <pad> <bos> <eos> <unk>");
                nspec++;
            }
        } else if (!strcmp(key, "chars")) {
            char *buf = r->meta + 2 * (size_t)META_CAP;
            long len = ng_json_string(&j, buf, META_CAP);
            if (len < 0) return fail(r, "vocab chars are not a string");
            n = ng_utf8_decode(buf, (size_t)len, e->chars + 4, NG_MAX_VOCAB - 4);
            if (n < 0) return fail(r, "vocab chars are not valid UTF-8 or too many");
            have_chars = 1;
        } else if (ng_json_skip(&j)) {
            return fail(r, "malformed vocab");
        }
    }
    if (nspec != 4 || !have_chars) return fail(r, "vocab lacks specials or chars");
    if (n + 4 != vocab_size) return fail(r, "config vocab_size does not match the vocabulary");
    for (long a = 4; a < n + 4; a++)
        for (long b = 4; b < a; b++)
            if (e->chars[a] == e->chars[b]) return fail(r, "vocab chars repeat a character");
    for (int k = 0; k < 4; k++) e->chars[k] = -1;
    e->vocab = vocab_size;
    return 0;
}

static int64_t expected(const ng_engine *e, int index, int64_t shape[2], int *dims) {
    int64_t gh = (int64_t)e->gates * e->hidden;
    if (index == 0) { shape[0] = e->vocab; shape[1] = e->embed; *dims = 2; }
    else if (index == 1) { shape[0] = e->vocab; shape[1] = e->hidden; *dims = 2; }
    else if (index == 2) { shape[0] = e->vocab; *dims = 1; }
    else {
        int l = (index - 3) / 4, k = (index - 3) % 4;
        shape[0] = gh;
        shape[1] = k == 0 ? (l == 0 ? e->embed : e->hidden) : e->hidden;
        *dims = k < 2 ? 2 : 1;
    }
    return *dims == 2 ? shape[0] * shape[1] : shape[0];
}

static int read_weights(reader *r) {
    ng_engine *e = r->e;
    int ntensors = 3 + 4 * e->layers;
    int64_t total = 0, at[MAX_TENSORS];
    tensor *by[MAX_TENSORS] = {0};
    for (int k = 0; k < r->nt; k++) {
        int idx = tensor_index(r->t[k].name, e->layers);
        if (idx < 0 || by[idx]) return fail(r, "an unexpected or repeated tensor name");
        by[idx] = &r->t[k];
    }
    for (int idx = 0; idx < ntensors; idx++) {
        int64_t shape[2] = {0, 0};
        int dims;
        int64_t count = expected(e, idx, shape, &dims);
        tensor *t = by[idx];
        if (!t) return fail(r, "a weight tensor is missing");
        if (t->dims != dims || t->shape[0] != shape[0] || (dims == 2 && t->shape[1] != shape[1]))
            return fail(r, "a weight's shape does not match the config");
        if (t->end - t->begin != 4 * count) return fail(r, "a weight's byte size does not match its shape");
        at[idx] = total;
        total += (count + 15) & ~(int64_t)15;
    }
    if (total > NG_MAX_PARAMS + 16L * MAX_TENSORS) return fail(r, "more weights than the engine loads");
    e->weights = ng_alloc((size_t)total * sizeof(float));
    if (!e->weights) return fail(r, "out of memory for the weights");
    for (int idx = 0; idx < ntensors; idx++) {
        tensor *t = by[idx];
        float *dst = e->weights + at[idx];
        size_t count = (size_t)(t->end - t->begin) / 4;
        if (fseek(r->f, (long)(r->data + t->begin), SEEK_SET) || fread(dst, 4, count, r->f) != count)
            return fail(r, "the file is truncated");
        for (size_t k = 0; k < count; k++)
            if (!isfinite(dst[k])) return fail(r, "a weight is NaN or infinite");
    }
    e->embed_w = e->weights + at[0];
    e->head_w = e->weights + at[1];
    e->head_b = e->weights + at[2];
    for (int l = 0; l < e->layers; l++) {
        e->layer[l].w_ih = e->weights + at[3 + 4 * l];
        e->layer[l].w_hh = e->weights + at[4 + 4 * l];
        e->layer[l].b_ih = e->weights + at[5 + 4 * l];
        e->layer[l].b_hh = e->weights + at[6 + 4 * l];
        e->layer[l].in = l == 0 ? e->embed : e->hidden;
    }
    return 0;
}

static int open_file(reader *r) {
    struct stat st;
    unsigned char len8[8];
    if (stat(r->path, &st)) return fail(r, "no such file");
    if (!S_ISREG(st.st_mode)) return fail(r, "not a regular file");
    r->f = fopen(r->path, "rb");
    if (!r->f) return fail(r, "cannot open it");
    r->size = (int64_t)st.st_size;
    if (fread(len8, 1, 8, r->f) != 8) return fail(r, "shorter than a safetensors header");
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = (n << 8) | len8[k];
    if (n < 2 || n > (uint64_t)NG_MAX_HEADER || (int64_t)n > r->size - 8) return fail(r, "a bad header length");
    r->data = 8 + (int64_t)n;
    return 0;
}

int ng_load(ng_engine *e, const char *path) {
    reader r;
    memset(&r, 0, sizeof r);
    r.e = e;
    r.path = path;
    int rc = open_file(&r);
    char *h = NULL;
    if (!rc) {
        size_t n = (size_t)(r.data - 8);
        h = ng_alloc(n + 1);
        r.meta = ng_alloc(3 * (size_t)META_CAP);
        e->chars = ng_alloc(NG_MAX_VOCAB * sizeof(int32_t));
        if (!h || !r.meta || !e->chars) rc = fail(&r, "out of memory");
        else if (fread(h, 1, n, r.f) != n) rc = fail(&r, "the file is truncated");
        else {
            int vocab_size;
            h[n] = 0;
            rc = read_header(&r, h, n);
            if (!rc) rc = read_config(&r, &vocab_size);
            if (!rc) rc = read_vocab(&r, vocab_size);
            if (!rc) rc = read_weights(&r);
        }
    }
    free(h);
    free(r.meta);
    if (r.f) fclose(r.f);
    return rc;
}
