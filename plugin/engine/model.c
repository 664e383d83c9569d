/* The recurrent step: embedding (layer 0's input projection looked up per
 * id), GRU / LSTM / tanh-RNN layers as torch.nn computes them, the head. */
#include <math.h>
#include <string.h>

#include "internal.h"

#define LANES 16

/* y[r] = b[r] + W[r,:] . x for `rows` rows of `cols`: four rows at a time,
 * LANES partial sums per row (the compiler keeps them in vector registers). */
static void matvec(const float *restrict W, const float *restrict x, const float *restrict b,
                   float *restrict y, int rows, int cols) {
    int r = 0, body = cols - cols % LANES;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = W + (size_t)r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        float a0[LANES] = {0}, a1[LANES] = {0}, a2[LANES] = {0}, a3[LANES] = {0};
        for (int j = 0; j < body; j += LANES)
            for (int k = 0; k < LANES; k++) {
                float xv = x[j + k];
                a0[k] += w0[j + k] * xv;
                a1[k] += w1[j + k] * xv;
                a2[k] += w2[j + k] * xv;
                a3[k] += w3[j + k] * xv;
            }
        float s[4] = {0, 0, 0, 0};
        for (int k = 0; k < LANES; k++) s[0] += a0[k], s[1] += a1[k], s[2] += a2[k], s[3] += a3[k];
        for (int j = body; j < cols; j++)
            s[0] += w0[j] * x[j], s[1] += w1[j] * x[j], s[2] += w2[j] * x[j], s[3] += w3[j] * x[j];
        for (int q = 0; q < 4; q++) y[r + q] = s[q] + (b ? b[r + q] : 0.0f);
    }
    for (; r < rows; r++) {
        const float *w = W + (size_t)r * cols;
        float s = 0;
        for (int j = 0; j < cols; j++) s += w[j] * x[j];
        y[r] = s + (b ? b[r] : 0.0f);
    }
}

static float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

/* tanh through one expf (libm's tanhf is several times slower); the absolute
 * error stays within a few float ulps of 1, as the state needs. */
static float tanh_fast(float v) {
    float t = expf(-2.0f * fabsf(v)), r = (1.0f - t) / (1.0f + t);
    return v < 0 ? -r : r;
}

/* Layer 0's input projection (with its bias) for every id, computed once. */
void ng_model_prepare(ng_engine *e) {
    int gh = e->gates * e->hidden;
    for (int id = 0; id < e->vocab; id++)
        matvec(e->layer[0].w_ih, e->embed_w + (size_t)id * e->embed, e->layer[0].b_ih,
               e->in_table + (size_t)id * gh, gh, e->embed);
}

static void gru(ng_engine *e, float *h, const float *gx, const float *gh) {
    int H = e->hidden;
    for (int i = 0; i < H; i++) {
        float r = sigmoid(gx[i] + gh[i]);
        float z = sigmoid(gx[H + i] + gh[H + i]);
        float n = tanh_fast(gx[2 * H + i] + r * gh[2 * H + i]);
        h[i] = (1.0f - z) * n + z * h[i];
    }
}

static void lstm(ng_engine *e, float *h, float *c, const float *gx, const float *gh) {
    int H = e->hidden;
    for (int k = 0; k < H; k++) {
        float i = sigmoid(gx[k] + gh[k]);
        float f = sigmoid(gx[H + k] + gh[H + k]);
        float g = tanh_fast(gx[2 * H + k] + gh[2 * H + k]);
        float o = sigmoid(gx[3 * H + k] + gh[3 * H + k]);
        c[k] = f * c[k] + i * g;
        h[k] = o * tanh_fast(c[k]);
    }
}

/* Feed one id: the state moves on and e->logits holds the next logits. */
void ng_model_step(ng_engine *e, int id) {
    int H = e->hidden, G = e->gates * H;
    const float *x = NULL;
    for (int l = 0; l < e->layers; l++) {
        ng_layer *L = &e->layer[l];
        float *h = e->h + (size_t)l * H, *c = e->c + (size_t)l * H;
        const float *gx = e->in_table + (size_t)id * G;
        if (l > 0) {
            matvec(L->w_ih, x, L->b_ih, e->gx, G, L->in);
            gx = e->gx;
        }
        matvec(L->w_hh, h, L->b_hh, e->gh, G, H);
        if (e->cell == CELL_GRU) gru(e, h, gx, e->gh);
        else if (e->cell == CELL_LSTM) lstm(e, h, c, gx, e->gh);
        else
            for (int i = 0; i < H; i++) h[i] = tanh_fast(gx[i] + e->gh[i]);
        x = h;
    }
    matvec(e->head_w, x, e->head_b, e->logits, e->vocab, H);
}
