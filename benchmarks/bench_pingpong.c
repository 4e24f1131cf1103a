/*
 * Core-to-core latency: two threads pinned to CPUs A and B hand one cache line back and
 * forth; prints the mean one-way time. On a VM this shows how far apart the host placed
 * the vCPUs, which decides what Hogwild's shared rows cost (benchmarks/RESULTS.md).
 *
 * usage: bench_pingpong [cpu_a cpu_b [round_trips]]   (defaults 0 1 1000000)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(64) _Atomic long turn;

typedef struct {
    int cpu;
    long parity; /* this side moves when turn % 2 == parity */
    long round_trips;
} side;

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *play(void *arg) {
    const side *s = arg;
    if (pin(s->cpu) != 0) fprintf(stderr, "bench_pingpong: cannot pin to CPU %d\n", s->cpu);
    for (long i = s->parity; i < 2 * s->round_trips; i += 2) {
        while (atomic_load_explicit(&turn, memory_order_acquire) != i) {
        }
        atomic_store_explicit(&turn, i + 1, memory_order_release);
    }
    return NULL;
}

int main(int argc, char **argv) {
    side a = {argc > 2 ? atoi(argv[1]) : 0, 0, argc > 3 ? atol(argv[3]) : 1000000};
    side b = {argc > 2 ? atoi(argv[2]) : 1, 1, a.round_trips};
    pthread_t other;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (pthread_create(&other, NULL, play, &b) != 0) return 1;
    play(&a);
    pthread_join(other, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
    printf("CPUs %d <-> %d: %.1f ns one way (mean of %ld hand-overs)\n", a.cpu, b.cpu,
           ns / (2.0 * a.round_trips), 2 * a.round_trips);
    return 0;
}
