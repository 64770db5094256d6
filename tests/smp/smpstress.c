/*
 * smpstress: several threads hammer shared counters with RISC-V atomics,
 * and the totals must be exact.
 *
 *   smpstress [THREADS [ITERATIONS]]   (default: one thread per CPU, 200000)
 *
 * Each thread (pinned to CPU i mod nproc, so the threads really run on
 * different harts) adds 1 ITERATIONS times to each of:
 *   - a 64-bit counter with amoadd.d,
 *   - a 32-bit counter with an lr.w/sc.w retry loop,
 *   - a 64-bit counter with an lr.d/sc.d retry loop,
 *   - a plain counter under a spinlock made of amoswap.w.aq / amoswap.w.rl.
 * It prints one line per counter and "smpstress: PASS" or
 * "smpstress: FAIL", and exits 0 on a pass.
 *
 * Built by the wemu-native test smp_linux with Debian's cross compiler:
 *   riscv64-linux-gnu-gcc -static -O2 -pthread -o smpstress smpstress.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long iterations = 200000;

static volatile uint64_t amo_counter;
static volatile uint32_t lrsc_w_counter;
static volatile uint64_t lrsc_d_counter;
static volatile uint32_t lock_word;
static volatile uint64_t locked_counter;
static volatile uint64_t sc_failures;
static volatile uint32_t start_flag;

static inline void amo_add(volatile uint64_t *p, uint64_t v)
{
    uint64_t old;
    __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    (void)old;
}

/* Returns the number of failed store-conditionals. */
static inline uint64_t lrsc_add_w(volatile uint32_t *p, uint32_t v)
{
    uint32_t old, fail;
    uint64_t fails = 0;
    for (;;) {
        __asm__ volatile("lr.w %0, (%2)\n\t"
                         "addw %0, %0, %3\n\t"
                         "sc.w %1, %0, (%2)"
                         : "=&r"(old), "=&r"(fail)
                         : "r"(p), "r"(v)
                         : "memory");
        if (fail == 0)
            return fails;
        fails++;
    }
}

static inline uint64_t lrsc_add_d(volatile uint64_t *p, uint64_t v)
{
    uint64_t old, fail;
    uint64_t fails = 0;
    for (;;) {
        __asm__ volatile("lr.d %0, (%2)\n\t"
                         "add %0, %0, %3\n\t"
                         "sc.d %1, %0, (%2)"
                         : "=&r"(old), "=&r"(fail)
                         : "r"(p), "r"(v)
                         : "memory");
        if (fail == 0)
            return fails;
        fails++;
    }
}

static inline void spin_lock(volatile uint32_t *l)
{
    uint32_t old;
    for (;;) {
        __asm__ volatile("amoswap.w.aq %0, %2, (%1)" : "=r"(old) : "r"(l), "r"(1) : "memory");
        if (old == 0)
            return;
        while (*l)
            ;
    }
}

static inline void spin_unlock(volatile uint32_t *l)
{
    uint32_t old;
    __asm__ volatile("amoswap.w.rl %0, zero, (%1)" : "=r"(old) : "r"(l) : "memory");
    (void)old;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu > 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(id % ncpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    while (!__atomic_load_n(&start_flag, __ATOMIC_ACQUIRE))
        ;
    uint64_t fails = 0;
    for (long i = 0; i < iterations; i++) {
        amo_add(&amo_counter, 1);
        fails += lrsc_add_w(&lrsc_w_counter, 1);
        fails += lrsc_add_d(&lrsc_d_counter, 1);
        spin_lock(&lock_word);
        locked_counter = locked_counter + 1;
        spin_unlock(&lock_word);
    }
    amo_add(&sc_failures, fails);
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (argc > 1)
        threads = strtol(argv[1], NULL, 0);
    if (argc > 2)
        iterations = strtol(argv[2], NULL, 0);
    if (threads < 1 || threads > 64 || iterations < 1) {
        fprintf(stderr, "usage: smpstress [THREADS [ITERATIONS]]\n");
        return 2;
    }
    pthread_t t[64];
    for (long i = 0; i < threads; i++) {
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
            perror("pthread_create");
            return 2;
        }
    }
    __atomic_store_n(&start_flag, 1, __ATOMIC_RELEASE);
    for (long i = 0; i < threads; i++)
        pthread_join(t[i], NULL);

    uint64_t want = (uint64_t)threads * (uint64_t)iterations;
    int ok = amo_counter == want && lrsc_w_counter == (uint32_t)want && lrsc_d_counter == want &&
             locked_counter == want;
    printf("smpstress: %ld threads x %ld iterations on %ld cpus\n", threads, iterations,
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("smpstress: amoadd.d %llu, lr.w/sc.w %u, lr.d/sc.d %llu, amoswap lock %llu, expected %llu\n",
           (unsigned long long)amo_counter, lrsc_w_counter, (unsigned long long)lrsc_d_counter,
           (unsigned long long)locked_counter, (unsigned long long)want);
    printf("smpstress: %llu store-conditionals failed and were retried\n", (unsigned long long)sc_failures);
    printf("smpstress: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
