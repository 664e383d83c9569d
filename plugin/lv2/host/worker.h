/* The LV2 worker for ng_host: work:schedule writes a request into a
 * lock-free single-producer ring (no allocation, no lock, so it may be
 * called from run()); in sync mode the host runs the work right after run()
 * on its own thread, in thread mode a worker thread does. Responses go into
 * a second ring and are delivered by worker_deliver() outside run(). */
#ifndef NG_HOST_WORKER_H
#define NG_HOST_WORKER_H

#include <lv2/worker/worker.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ring {
    uint8_t *data;
    size_t size; /* a power of two */
    _Atomic size_t head, tail; /* written bytes, read bytes (never wrap) */
} ring;

typedef struct worker {
    const LV2_Worker_Interface *iface;
    LV2_Handle handle;
    int threaded;
    ring requests, responses;
    uint8_t *scratch; /* one message, for the reader of each ring */
    uint8_t *thread_scratch;
    size_t scratch_size;
    sem_t wake;
    pthread_t thread;
    int started;
    atomic_int quit;
    atomic_long scheduled, done; /* requests written, requests worked */
    long refused;                /* requests or responses that did not fit */
    LV2_Worker_Schedule schedule;
} worker;

int worker_init(worker *w, int threaded, size_t ring_size);
/* Attach the plugin's interface (NULL: the plugin has none) and start the
 * thread in thread mode. */
int worker_start(worker *w, const LV2_Worker_Interface *iface, LV2_Handle handle);
/* After run() (or restore): sync mode works every request, then delivers
 * every response (they may schedule more); thread mode delivers the
 * responses that have come in. end_run follows when `end` is set. */
void worker_pump(worker *w, int end);
/* Thread mode: until every scheduled request is worked and its responses
 * are delivered; -1 after timeout_s seconds. */
int worker_wait(worker *w, double timeout_s);
void worker_finish(worker *w);

#endif
