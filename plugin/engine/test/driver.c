/* A test driver for the engine built with sanitizers (or with counted heap
 * calls): `driver open FILE...` prints one line per file, `ok` or the error;
 * `driver sample FILE SEEDS CHARS` samples tunes and decodes them;
 * `driver decode TEXTS` decodes note strings (as written and as played). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notegen_engine.h"

#ifdef NG_COUNT
extern int ng_counting;
extern long ng_counted;
#endif

static int open_each(int argc, char **argv) {
    char err[512];
    for (int i = 2; i < argc; i++) {
        ng_engine *e = ng_open(argv[i], err, sizeof err);
        printf("%s\n", e ? "ok" : err);
        ng_close(e);
    }
    return 0;
}

static char text[70000];
static ng_note notes[40000];

static int sample_one(ng_engine *e, ng_options *o, long *chars, long *decoded) {
    if (ng_start(e, o, NULL, 0)) return -1;
    int n = 0, id;
    while ((id = ng_next(e)) >= 0 && n < (int)sizeof text - 1) text[n++] = (char)ng_codepoint(e, id);
    text[n] = 0;
    if (id == NG_FAIL) return -1;
    *chars += n;
    if (!strcmp(ng_notation(e), "notes")) {
        char err[256];
        int got = ng_decode(text, notes, 40000, err, sizeof err);
        if (got < 0) return -1;
        *decoded += got;
    }
    return 0;
}

static int sample(int argc, char **argv) {
    char err[512];
    if (argc < 5) return 2;
#ifdef NG_COUNT
    ng_counting = 1;
#endif
    ng_engine *e = ng_open(argv[2], err, sizeof err);
#ifdef NG_COUNT
    ng_counting = 0;
    long at_open = ng_counted;
    ng_counted = 0;
#endif
    if (!e) {
        printf("%s\n", err);
        return 1;
    }
    int seeds = atoi(argv[3]);
    ng_options o = {1.0, 0, 0.0, 0, 0, 16, 0, atoi(argv[4]), 0.7, 1, 1, 1, -1, -1, NULL, 0};
    if (argc > 5) o.fields = argv[5];
    if (argc > 6) o.parts = atoi(argv[6]); /* the form: 0 one, 1 auto, 2 AABB, 3 AB, 4 free */
    long chars = 0, decoded = 0, failed = 0;
#ifdef NG_COUNT
    ng_counting = 1;
#endif
    for (int s = 0; s < seeds; s++) {
        o.seed = (uint64_t)s;
        o.top_k = s % 3 == 1 ? 5 : 0;
        o.top_p = s % 3 == 2 ? 0.9 : 0.0;
        o.temperature = s % 4 == 3 ? 0.5 : 1.0;
        o.range_low = s % 5 == 4 ? 55 : -1, o.range_high = 88;
        failed += sample_one(e, &o, &chars, &decoded) != 0;
    }
#ifdef NG_COUNT
    ng_counting = 0;
    printf("allocations at open %ld, after %ld\n", at_open, ng_counted);
#endif
    printf("chars %ld notes %ld failed %ld\n", chars, decoded, failed);
    if (failed) printf("error: %s\n", ng_error(e));
    ng_close(e);
    return failed ? 1 : 0;
}

/* `driver primes FILE PRIMES [PARTS]`: PRIMES holds primes separated by NUL bytes;
 * each is read by the grammar and continued for at most 40 characters. */
static int primes(int argc, char **argv) {
    static char buf[1 << 20];
    static int32_t prime[1 << 16];
    char err[512];
    ng_engine *e = argc > 3 ? ng_open(argv[2], err, sizeof err) : NULL;
    FILE *f = e ? fopen(argv[3], "rb") : NULL;
    if (!f) return 2;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    ng_options o = {1.0, 0, 0.0, 0, 0, 16, 0, 40, 0.7, 1, 1, 1, -1, -1, NULL, 0};
    if (argc > 4) o.parts = atoi(argv[4]); /* the form, as for sample */
    int refused = 0, sampled = 0;
    for (size_t at = 0; at < n; at += strlen(buf + at) + 1) {
        int len = 0;
        for (const char *p = buf + at; *p && len < (1 << 16); p++) prime[len++] = (unsigned char)*p;
        o.seed = at;
        if (ng_start(e, &o, prime, len)) {
            refused++;
            continue;
        }
        while (ng_next(e) >= 0) {}
        sampled++;
    }
    printf("sampled %d refused %d\n", sampled, refused);
    ng_close(e);
    return 0;
}

/* `driver decode TEXTS [CAP]`: TEXTS holds note strings separated by NUL
 * bytes; each is decoded as written and as played (CAP notes at most, 40000
 * by default), one line each: "N M" (the counts) or "error: ..." for the
 * played decoding. The counting build prints the heap calls it saw last. */
static int decode_each(int argc, char **argv) {
    static char buf[1 << 22];
    FILE *f = argc > 2 ? fopen(argv[2], "rb") : NULL;
    if (!f) return 2;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    int cap = argc > 3 ? atoi(argv[3]) : 40000;
    if (cap < 0 || cap > 40000) return 2;
    char err[256];
    for (size_t at = 0; at < n; at += strlen(buf + at) + 1) {
#ifdef NG_COUNT
        ng_counting = 1;
#endif
        int written = ng_decode(buf + at, notes, cap, err, sizeof err);
        int played = ng_decode_played(buf + at, notes, cap, err, sizeof err);
#ifdef NG_COUNT
        ng_counting = 0;
#endif
        if (played < 0) printf("error: %s\n", err);
        else printf("%d %d\n", written, played);
    }
#ifdef NG_COUNT
    printf("allocations %ld\n", ng_counted);
#endif
    return 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* `driver time FILE CHARS [FIELDS]`: default-option tunes (seeds 0, 1, ...)
 * until CHARS characters, and the step alone; prints both rates. */
static int timing(int argc, char **argv) {
    char err[512];
    ng_engine *e = argc > 3 ? ng_open(argv[2], err, sizeof err) : NULL;
    if (!e) return 2;
    long want = atol(argv[3]), chars = 0, decoded = 0;
    int text_model = !strcmp(ng_notation(e), "text");
    ng_options o = {1.0, 0, 0.0, 0, 0, text_model ? 0 : 16, 0, text_model ? 2000 : 3000,
                    text_model ? 0.0 : 0.7, 1, 1, 1, -1, -1, NULL, 0};
    double t = now();
    for (uint64_t s = 0; chars < want; s++) {
        o.seed = s;
        if (sample_one(e, &o, &chars, &decoded)) return 1;
    }
    t = now() - t;
    float out[4096];
    int steps = 4000;
    double u = now();
    for (int i = 0; i < steps; i++) ng_step(e, 4 + i % (ng_vocab_size(e) - 4), out);
    u = now() - u;
    printf("sample_chars_per_s %.1f\nstep_us %.2f\nchars %ld\n", (double)chars / t, 1e6 * u / steps, chars);
    ng_close(e);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "time")) return timing(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "primes")) return primes(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "open")) return open_each(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "sample")) return sample(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "decode")) return decode_each(argc, argv);
    fprintf(stderr, "usage: driver open FILE... | driver sample FILE SEEDS CHARS [FIELDS [PARTS]] | driver decode TEXTS [CAP]\n");
    return 2;
}
