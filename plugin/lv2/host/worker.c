/* ng_host's LV2 worker: two single-producer single-consumer rings. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ring_init(ring *r, size_t size)
{
    r->size = 1;
    while (r->size < size) r->size <<= 1;
    r->data = calloc(1, r->size);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return r->data ? 0 : -1;
}

static void ring_copy_in(ring *r, size_t at, const void *src, size_t n)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) r->data[(at + i) & (r->size - 1)] = s[i];
}

static void ring_copy_out(const ring *r, size_t at, void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) d[i] = r->data[(at + i) & (r->size - 1)];
}

/* The producer's side: 0, or -1 when the message does not fit. */
static int ring_write(ring *r, uint32_t n, const void *data)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (r->size - (head - tail) < sizeof n + n) return -1;
    ring_copy_in(r, head, &n, sizeof n);
    ring_copy_in(r, head + sizeof n, data, n);
    atomic_store_explicit(&r->head, head + sizeof n + n, memory_order_release);
    return 0;
}

/* The consumer's side: the message's size (it goes into out, cap bytes),
 * or -1 when the ring is empty. */
static long ring_read(ring *r, void *out, size_t cap)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) return -1;
    uint32_t n = 0;
    ring_copy_out(r, tail, &n, sizeof n);
    ring_copy_out(r, tail + sizeof n, out, n < cap ? n : cap);
    atomic_store_explicit(&r->tail, tail + sizeof n + n, memory_order_release);
    return (long)n;
}

static int ring_empty(ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_acquire) ==
           atomic_load_explicit(&r->tail, memory_order_acquire);
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
    worker *w = h;
    if (size > w->scratch_size || ring_write(&w->responses, size, data) < 0) {
        w->refused++;
        return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data)
{
    worker *w = h;
    if (size > w->scratch_size || ring_write(&w->requests, size, data) < 0) {
        w->refused++;
        return LV2_WORKER_ERR_NO_SPACE;
    }
    atomic_fetch_add_explicit(&w->scheduled, 1, memory_order_release);
    if (w->threaded) sem_post(&w->wake);
    return LV2_WORKER_SUCCESS;
}

static void work_one(worker *w, uint8_t *buf)
{
    long n = ring_read(&w->requests, buf, w->scratch_size);
    if (n < 0) return;
    if (w->iface && w->iface->work) w->iface->work(w->handle, respond, w, (uint32_t)n, buf);
    atomic_fetch_add_explicit(&w->done, 1, memory_order_release);
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    for (;;) {
        while (sem_wait(&w->wake) < 0 && errno == EINTR) {}
        if (atomic_load(&w->quit)) break;
        work_one(w, w->thread_scratch);
    }
    return NULL;
}

int worker_init(worker *w, int threaded, size_t ring_size)
{
    memset(w, 0, sizeof *w);
    w->threaded = threaded;
    w->scratch_size = ring_size;
    w->scratch = malloc(ring_size);
    w->thread_scratch = malloc(ring_size);
    atomic_init(&w->quit, 0);
    atomic_init(&w->scheduled, 0);
    atomic_init(&w->done, 0);
    w->schedule.handle = w;
    w->schedule.schedule_work = schedule;
    if (!w->scratch || !w->thread_scratch) return -1;
    if (ring_init(&w->requests, ring_size) < 0 || ring_init(&w->responses, ring_size) < 0) return -1;
    return sem_init(&w->wake, 0, 0);
}

int worker_start(worker *w, const LV2_Worker_Interface *iface, LV2_Handle handle)
{
    w->iface = iface;
    w->handle = handle;
    if (!w->threaded) return 0;
    if (pthread_create(&w->thread, NULL, thread_main, w)) return -1;
    w->started = 1;
    return 0;
}

static void deliver(worker *w)
{
    long n;
    while ((n = ring_read(&w->responses, w->scratch, w->scratch_size)) >= 0)
        if (w->iface && w->iface->work_response) w->iface->work_response(w->handle, (uint32_t)n, w->scratch);
}

void worker_pump(worker *w, int end)
{
    if (!w->threaded) {
        /* a response may schedule more work: go on until both rings are empty */
        for (int round = 0; round < 1000 && !(ring_empty(&w->requests) && ring_empty(&w->responses)); round++) {
            while (!ring_empty(&w->requests)) work_one(w, w->thread_scratch);
            deliver(w);
        }
    } else {
        deliver(w);
    }
    if (end && w->iface && w->iface->end_run) w->iface->end_run(w->handle);
}

int worker_wait(worker *w, double timeout_s)
{
    struct timespec nap = {0, 500000};
    for (double slept = 0; slept < timeout_s; slept += 0.0005) {
        deliver(w);
        long scheduled = atomic_load_explicit(&w->scheduled, memory_order_acquire);
        long done = atomic_load_explicit(&w->done, memory_order_acquire);
        if (scheduled == done && ring_empty(&w->requests) && ring_empty(&w->responses)) return 0;
        if (!w->threaded) worker_pump(w, 0);
        else nanosleep(&nap, NULL);
    }
    return -1;
}

void worker_finish(worker *w)
{
    if (w->started) {
        atomic_store(&w->quit, 1);
        sem_post(&w->wake);
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
    sem_destroy(&w->wake);
    free(w->requests.data);
    free(w->responses.data);
    free(w->scratch);
    free(w->thread_scratch);
    memset(w, 0, sizeof *w);
}
