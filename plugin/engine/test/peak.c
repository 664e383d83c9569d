/* The machine's peak multiply-add rate on one core: independent vector
 * multiply-add chains in registers (no memory traffic); and, for each size in
 * MB given, how fast an array that large is read.
 *     peak [ITERS] [MB...] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 128

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak(long iters) {
    float acc[CHAINS], m = 0.999999f, c = 1e-7f;
    for (int k = 0; k < CHAINS; k++) acc[k] = (float)k;
    double t = now();
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < CHAINS; k++) acc[k] = acc[k] * m + c;
    t = now() - t;
    float s = 0;
    for (int k = 0; k < CHAINS; k++) s += acc[k];
    if (s == 12345.0f) printf("!");
    return (double)iters * CHAINS / t;
}

/* bytes per second read from an array of `mb` megabytes, summed with 64
 * independent lanes (not bound by add latency): how fast weights can stream
 * from the cache level that holds them */
static double read_rate(double mb) {
    size_t n = (size_t)(mb * 1e6 / 4) / 64 * 64;
    float *w = malloc(sizeof(float) * n), acc[64] = {0};
    for (size_t i = 0; i < n; i++) w[i] = (float)(i % 7) * 0.01f;
    int reps = (int)(2e9 / (double)(n * 4)) + 1;
    double t = now();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i += 64)
            for (int k = 0; k < 64; k++) acc[k] += w[i + k];
    t = now() - t;
    float s = 0;
    for (int k = 0; k < 64; k++) s += acc[k];
    if (s == 12345.0f) printf("!");
    free(w);
    return (double)reps * (double)n * 4 / t;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 20000000;
    double best = 0;
    for (int k = 0; k < 5; k++) {
        double p = peak(iters / 5);
        if (p > best) best = p;
    }
    printf("peak_mac_per_s %.4g\n", best);
    for (int k = 2; k < argc; k++) printf("read_bytes_per_s %s %.4g\n", argv[k], read_rate(atof(argv[k])));
    return 0;
}
