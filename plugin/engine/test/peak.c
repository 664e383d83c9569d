/* The machine's peak multiply-add rate on one core: independent vector
 * multiply-add chains in registers (no memory traffic), and, for comparison,
 * the rate of a matrix-vector product over matrices of several sizes. */
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

static double matvec_rate(int rows, int cols, int reps) {
    float *w = malloc(sizeof(float) * (size_t)rows * cols), *x = malloc(sizeof(float) * cols), *y = malloc(sizeof(float) * rows);
    for (long i = 0; i < (long)rows * cols; i++) w[i] = (float)(i % 7) * 0.01f;
    for (int j = 0; j < cols; j++) x[j] = 0.5f;
    double t = now();
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < rows; i++) {
            float a[16] = {0};
            const float *wi = w + (size_t)i * cols;
            for (int j = 0; j < cols; j += 16)
                for (int k = 0; k < 16; k++) a[k] += wi[j + k] * x[j + k];
            float s = 0;
            for (int k = 0; k < 16; k++) s += a[k];
            y[i] = s;
            x[i % cols] += 1e-9f * s;
        }
    t = now() - t;
    free(w), free(x), free(y);
    return (double)reps * rows * cols / t;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 20000000;
    double best = 0;
    for (int k = 0; k < 5; k++) {
        double p = peak(iters / 5);
        if (p > best) best = p;
    }
    printf("peak_mac_per_s %.4g\n", best);
    if (argc > 2) {
        int sizes[] = {128, 512, 1152, 2304};
        for (int s = 0; s < 4; s++)
            printf("matvec %dx384 (%.1f MB) %.4g mac/s\n", sizes[s], sizes[s] * 384 * 4 / 1e6,
                   matvec_rate(sizes[s], 384, 200000000 / (sizes[s] * 384)));
    }
    return 0;
}
