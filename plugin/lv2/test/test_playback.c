/* The playback core against events worked out independently: each note's
 * frame is ceil(onset * frames_per_quarter), with onsets and the tempo as
 * exact fractions in integer arithmetic; the core gets doubles and blocks.
 * Built with -fsanitize=address,undefined by `make -C plugin/lv2 test`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/playback.h"

#define MAXEV 20000
static int failures;
#define CHECK(cond, ...)                                             \
    do {                                                             \
        if (!(cond)) {                                               \
            failures++;                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                            \
            fputc('\n', stderr);                                     \
        }                                                            \
    } while (0)

/* a score note in exact fractions of a quarter beat: onset n/d, end m/d */
typedef struct { long on_n, off_n, d; int pitch; } exact_note;
static const exact_note SCORE[] = {
    {0, 1, 2, 60},   {1, 2, 2, 62},   {2, 3, 2, 62},   /* the same pitch back to back */
    {6, 12, 4, 64},  {6, 9, 4, 67},   {9, 12, 4, 71},  /* a chord, then a note inside it */
    {12, 13, 3, 72}, {13, 14, 3, 74}, {14, 15, 3, 76}, /* triplets: not on a frame at 133.7 */
    {16, 40, 3, 48}, {43, 47, 8, 50}, {47, 48, 8, 52}, {48, 64, 8, 53},
    {64, 65, 8, 55}, {65, 66, 8, 57}, {66, 96, 8, 59}, {97, 98, 8, 60},
};
#define NSCORE ((int)(sizeof SCORE / sizeof SCORE[0]))
static pb_note notes[NSCORE];

/* the tempo as a fraction: frames per quarter = fpq_n / fpq_d */
typedef struct { const char *name; long fpq_n, fpq_d; } tempo;

typedef struct { long frame; int on; int pitch; } ev;

static long ceil_div(long a, long b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
/* the frame of beat n/d: ceil(n/d * fpq) */
static long exact_frame(const tempo *t, long n, long d) { return ceil_div(n * t->fpq_n, d * t->fpq_d); }

static int cmp_ev(const void *a, const void *b) {
    const ev *x = a, *y = b;
    if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
    if (x->on != y->on) return x->on - y->on; /* offs first */
    return x->pitch - y->pitch;
}

/* what the contract says: every note with frame(on) in [from, to), its off
 * where frame(off) < to; onsets from `from_n/from_d` on */
static int expected(const tempo *t, long from_frame, long to_frame, ev *out) {
    int n = 0;
    for (int i = 0; i < NSCORE; i++) {
        long f_on = exact_frame(t, SCORE[i].on_n, SCORE[i].d);
        if (f_on < from_frame || f_on >= to_frame) continue;
        out[n++] = (ev){f_on, 1, SCORE[i].pitch};
        long f_off = exact_frame(t, SCORE[i].off_n, SCORE[i].d);
        if (f_off < to_frame) out[n++] = (ev){f_off, 0, SCORE[i].pitch};
    }
    qsort(out, (size_t)n, sizeof *out, cmp_ev);
    return n;
}

/* a host in miniature: blocks of `sizes` (cycled) from frame `start` (the
 * song position there: start / fpq) to `end`; relocated marks the first block */
typedef struct { pb_state st; double fpq; long frame; int relocated; } host;

static int run_blocks(host *h, long end, const int *sizes, int nsizes, ev *out, int n) {
    static pb_event buf[8192];
    for (int k = 0; h->frame < end; k++) {
        long len = sizes[k % nsizes];
        if (h->frame + len > end) len = end - h->frame;
        pb_block b = {(double)h->frame / h->fpq, h->fpq, (uint32_t)len, 0, 1, h->relocated, 0, 100};
        int got = pb_run(&h->st, notes, NSCORE, &b, buf, 8192);
        CHECK(got < 8192, "event buffer full");
        for (int i = 0; i < got; i++) {
            CHECK(buf[i].frame < (uint32_t)len, "frame %u outside a block of %ld", buf[i].frame, len);
            CHECK(i == 0 || buf[i].frame >= buf[i - 1].frame, "events out of order");
            int on = (buf[i].msg[0] & 0xf0) == 0x90;
            if (i > 0 && buf[i].frame == buf[i - 1].frame)
                CHECK(!(on == 0 && (buf[i - 1].msg[0] & 0xf0) == 0x90), "a note-on before a note-off on frame %ld",
                      h->frame + buf[i].frame);
            CHECK(n < MAXEV, "too many events");
            out[n++] = (ev){h->frame + (long)buf[i].frame, on, buf[i].msg[1]};
        }
        h->frame += len;
        h->relocated = 0;
    }
    return n;
}

static int same(const ev *a, int na, const ev *b, int nb, const char *what) {
    ev *x = malloc(sizeof(ev) * (size_t)(na + 1)), *y = malloc(sizeof(ev) * (size_t)(nb + 1));
    memcpy(x, a, sizeof(ev) * (size_t)na);
    memcpy(y, b, sizeof(ev) * (size_t)nb);
    qsort(x, (size_t)na, sizeof *x, cmp_ev);
    qsort(y, (size_t)nb, sizeof *y, cmp_ev);
    int ok = na == nb;
    for (int i = 0; ok && i < na; i++) ok = cmp_ev(&x[i], &y[i]) == 0;
    if (!ok) {
        int i = 0;
        while (i < na && i < nb && cmp_ev(&x[i], &y[i]) == 0) i++;
        CHECK(0, "%s: %d events, expected %d; first difference at %d: got (%ld %d %d) want (%ld %d %d)", what, na,
              nb, i, i < na ? x[i].frame : -1L, i < na ? x[i].on : -1, i < na ? x[i].pitch : -1,
              i < nb ? y[i].frame : -1L, i < nb ? y[i].on : -1, i < nb ? y[i].pitch : -1);
    }
    free(x);
    free(y);
    return ok;
}

static ev got[MAXEV], want[MAXEV];

static void test_straight(const tempo *t, double fpq) {
    static const int SIZES[][4] = {{1}, {333}, {4096}, {1, 333, 4096, 64}};
    static const int NS[] = {1, 1, 1, 4};
    long end = exact_frame(t, 14, 1); /* past the last note's end */
    for (int s = 0; s < 4; s++) {
        host h = {.fpq = fpq};
        pb_reset(&h.st);
        int n = run_blocks(&h, end, SIZES[s], NS[s], got, 0);
        char what[96];
        snprintf(what, sizeof what, "%s, blocks of %d..", t->name, SIZES[s][0]);
        same(got, n, want, expected(t, 0, end, want), what);
        CHECK(h.st.n_voices == 0, "%s: %d notes still sound at the end", what, h.st.n_voices);
    }
}

/* stop mid-note: every sounding note ends at frame 0 of the stopped block,
 * nothing plays while stopped; rolling on plays the later onsets only */
static void test_stop(const tempo *t, double fpq) {
    long stop_at = exact_frame(t, 7, 4); /* inside the chord of beats 1.5..3 */
    host h = {.fpq = fpq};
    pb_reset(&h.st);
    int sz[] = {256};
    int n = run_blocks(&h, stop_at, sz, 1, got, 0);
    int sounding = h.st.n_voices;
    CHECK(sounding == 2, "%s: two notes sound at beat 1.75, not %d", t->name, sounding);
    pb_event buf[64];
    pb_block stopped = {(double)stop_at / fpq, fpq, 256, 0, 0, 0, 0, 100};
    int k = pb_run(&h.st, notes, NSCORE, &stopped, buf, 64);
    CHECK(k == sounding, "%s: %d note-offs on stopping, want %d", t->name, k, sounding);
    for (int i = 0; i < k; i++) CHECK(buf[i].frame == 0 && (buf[i].msg[0] & 0xf0) == 0x80, "stop: a late off");
    for (int i = 0; i < 10; i++) CHECK(pb_run(&h.st, notes, NSCORE, &stopped, buf, 64) == 0, "stopped, yet it plays");
    (void)n;
    /* roll on from the same place: the notes from there on, none of the cut ones again */
    long end = exact_frame(t, 13, 1);
    n = run_blocks(&h, end, sz, 1, got, 0);
    same(got, n, want, expected(t, stop_at, end, want), "roll on after a stop");
}

/* a relocation back to beat 2 replays what the first pass played from beat 2 */
static void test_relocate(const tempo *t, double fpq) {
    int sz[] = {333};
    long two = exact_frame(t, 2, 1), eight = exact_frame(t, 9, 1), five = exact_frame(t, 13, 2);
    host h = {.fpq = fpq};
    pb_reset(&h.st);
    run_blocks(&h, five, sz, 1, got, 0);
    CHECK(h.st.n_voices == 2, "%s: two notes sound at beat 6.5", t->name);
    h.frame = two;  /* the jump: the block starts at beat 2 exactly */
    h.relocated = 1;
    static ev second[MAXEV];
    int n2 = run_blocks(&h, eight, sz, 1, second, 0);
    int offs = 0;
    while (offs < n2 && second[offs].frame == two && second[offs].on == 0) offs++;
    CHECK(offs == 2, "%s: both sounding notes end at the jump (%d offs)", t->name, offs);
    /* the same stretch played from a fresh start at beat 2 */
    host fresh = {.fpq = fpq, .frame = two, .relocated = 1};
    pb_reset(&fresh.st);
    int n1 = run_blocks(&fresh, eight, sz, 1, got, 0);
    same(second + offs, n2 - offs, got, n1, "relocation back");
    same(got, n1, want, expected(t, two, eight, want), "from beat 2");
}

/* a loop of beats 3..6: each pass gives the same events, shifted */
static void test_loop(const tempo *t, double fpq) {
    int sz[] = {256};
    long from = exact_frame(t, 3, 1), to = exact_frame(t, 6, 1);
    static ev pass[3][MAXEV];
    int np[3];
    host h = {.fpq = fpq, .frame = from, .relocated = 1};
    pb_reset(&h.st);
    for (int p = 0; p < 3; p++) {
        h.frame = from;
        h.relocated = p > 0;
        np[p] = run_blocks(&h, to, sz, 1, pass[p], 0);
    }
    for (int p = 1; p < 3; p++) {
        /* the loop's start ends the notes sounding at its end: one off at frame `from` */
        CHECK(np[p] >= 1 && pass[p][0].frame == from && pass[p][0].on == 0, "%s loop %d: the jump's note-off", t->name,
              p);
        int skip = 0;
        while (skip < np[p] && pass[p][skip].frame == from && pass[p][skip].on == 0) skip++;
        same(pass[p] + skip, np[p] - skip, pass[0], np[0], "a loop pass");
    }
}

int main(void) {
    for (int i = 0; i < NSCORE; i++)
        notes[i] = (pb_note){(double)SCORE[i].on_n / SCORE[i].d, (double)SCORE[i].off_n / SCORE[i].d, SCORE[i].pitch};
    /* frames per quarter = rate * 60 / bpm * beatUnit / 4 */
    const tempo tempos[] = {
        {"120 bpm 4/4", 24000, 1},          /* 48000 * 60 / 120 */
        {"133.7 bpm 4/4", 28800000, 1337},  /* 48000 * 60 / 133.7 */
        {"120 bpm 6/8", 48000, 1},          /* eighths at 120: a quarter is 2 beats */
        {"133.7 bpm 6/8", 57600000, 1337},
    };
    const double fpq[] = {48000.0 * 60 / 120 * 4 / 4, 48000.0 * 60 / 133.7 * 4 / 4, 48000.0 * 60 / 120 * 8 / 4,
                          48000.0 * 60 / 133.7 * 8 / 4};
    for (int i = 0; i < 4; i++) {
        test_straight(&tempos[i], fpq[i]);
        test_stop(&tempos[i], fpq[i]);
        test_relocate(&tempos[i], fpq[i]);
        test_loop(&tempos[i], fpq[i]);
    }
    /* the event buffer's cap: nothing is lost, it comes in the next call */
    pb_state st;
    pb_reset(&st);
    pb_event small[2];
    pb_block b = {0, 24000, 48000 * 4, 0, 1, 0, 0, 100};
    int total = 0, k;
    while ((k = pb_run(&st, notes, NSCORE, &b, small, 2)) > 0) total += k;
    tempo t0 = {"", 24000, 1};
    CHECK(total == expected(&t0, 0, 48000 * 4, want), "a small buffer loses events (%d)", total);
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("test_playback: all passed\n");
    return 0;
}
