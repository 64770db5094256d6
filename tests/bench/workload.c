/*
 * wemu-bench: the CPU-bound guest workload of `cargo xtask bench`.
 *
 * Three kernels -- integer arithmetic, memory access, branches -- each
 * folding its results into a 64-bit checksum. The program is plain C99
 * with no input but its scale, so the same source built for the guest
 * (riscv64-linux-gnu-gcc -static -O2) and for the host (gcc -O2) must
 * print the same checksum: a wrong answer from the emulator shows as a
 * different checksum, not only as a different time.
 *
 * usage: wemu-bench [SCALE]   (default 8; work grows linearly with it)
 *
 * Output, one `key value` pair per line after the `wemu-bench:` tag:
 *   wemu-bench: scale 8
 *   wemu-bench: int 0x... 123456789 ns [instret N]
 *   wemu-bench: mem 0x... ...
 *   wemu-bench: branch 0x... ...
 *   wemu-bench: checksum 0x0123456789abcdef
 *   wemu-bench: time_ns 123456789
 *   wemu-bench: instret 1234567890      (riscv64 when user mode may read it)
 *   wemu-bench: done
 * Times come from clock_gettime(CLOCK_MONOTONIC), the guest's own clock.
 * `instret` is read with `rdinstret` when the kernel lets user mode read
 * it (perf_user_access = 2); otherwise the line says `unavailable`.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- clocks and counters ------------------------------------------------ */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int have_instret;

#if defined(__riscv)
static sigjmp_buf probe_jmp;

static void on_sigill(int sig) {
    (void)sig;
    siglongjmp(probe_jmp, 1);
}

static uint64_t instret(void) {
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

/* Whether `rdinstret` works in user mode (it traps unless the kernel set
 * scounteren.IR). */
static void probe_instret(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigill;
    sigaction(SIGILL, &sa, &old);
    if (sigsetjmp(probe_jmp, 1) == 0) {
        volatile uint64_t a = instret();
        volatile uint64_t b = instret();
        have_instret = b > a;
    }
    sigaction(SIGILL, &old, NULL);
}
#else
static uint64_t instret(void) { return 0; }
static void probe_instret(void) { have_instret = 0; }
#endif

/* --- helpers -------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v) {
    /* FNV-1a over the value's bytes, then a final avalanche. */
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t xorshift64(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* --- integer kernel: multiply, divide, shifts, rotates, bit counting ----- */

static uint64_t kernel_int(unsigned scale) {
    uint64_t acc = 0x243f6a8885a308d3ull;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint32_t crc = 0xffffffffu;
    for (unsigned r = 0; r < scale; r++) {
        for (uint32_t i = 0; i < 200000; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t y = x ^ (x >> 29);
            acc += y * (acc | 1);
            acc ^= (acc << 23) | (acc >> 41);
            acc += y / ((i & 0xffff) + 3); /* 64-bit division */
            acc -= (uint32_t)y % 1000003u; /* 32-bit remainder */
            /* CRC-32 (reflected, 0xedb88320) of the low byte, bit by bit
             * with masks instead of branches. */
            crc ^= (uint32_t)y & 0xff;
            for (int b = 0; b < 8; b++)
                crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
            acc += (uint64_t)__builtin_popcountll(y) << (i & 31);
        }
    }
    return mix(acc, crc);
}

/* --- memory kernel: streaming, strided and dependent random access ------- */

#define MEM_WORDS (1u << 20) /* 4 MiB of uint32_t: beyond a TLB's reach */

static uint64_t kernel_mem(unsigned scale) {
    uint32_t *a = malloc(MEM_WORDS * sizeof *a);
    uint32_t *b = malloc(MEM_WORDS * sizeof *b);
    if (!a || !b) {
        fprintf(stderr, "wemu-bench: out of memory\n");
        exit(1);
    }
    /* A single cycle through all words (Sattolo's shuffle): following it
     * visits every word once, each load depending on the last. */
    uint64_t s = 0x2545f4914f6cdd1dull;
    for (uint32_t i = 0; i < MEM_WORDS; i++)
        a[i] = i;
    for (uint32_t i = MEM_WORDS - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(xorshift64(&s) % i);
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    uint64_t h = 0;
    for (unsigned r = 0; r < scale; r++) {
        /* Pointer chase: a quarter of the cycle. */
        uint32_t p = r;
        for (uint32_t i = 0; i < MEM_WORDS / 4; i++)
            p = a[p];
        h = mix(h, p);
        /* Stream: copy with a transform, then sum (byte, half and word
         * accesses). */
        for (uint32_t i = 0; i < MEM_WORDS; i++)
            b[i] = a[i] ^ (i * 2654435761u);
        uint64_t sum = 0;
        const uint8_t *bytes = (const uint8_t *)b;
        const uint16_t *halves = (const uint16_t *)b;
        for (uint32_t i = 0; i < MEM_WORDS; i += 16)
            sum += bytes[i * 4 + (r & 3)] + halves[i * 2 + 1] + b[i];
        /* Strided read-modify-write: one word per 4 KiB page, many pages. */
        for (uint32_t k = 0; k < 8; k++)
            for (uint32_t i = k; i < MEM_WORDS; i += 1024)
                b[i] += (uint32_t)sum + k;
        for (uint32_t i = 0; i < MEM_WORDS; i += 1024)
            sum += b[i];
        h = mix(h, sum);
    }
    free(a);
    free(b);
    return h;
}

/* --- branch kernel: sorting, a sieve, a bytecode interpreter ------------- */

static void quicksort(int32_t *v, long lo, long hi) {
    while (lo < hi) {
        int32_t pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

/* A tiny stack machine: a data-dependent indirect branch per operation,
 * the shape of an interpreter's dispatch loop. */
static uint64_t run_bytecode(const uint8_t *code, unsigned len, uint64_t seed, unsigned steps) {
    uint64_t stack[16] = {seed, seed ^ 0x5555, 7, 11};
    unsigned sp = 4, pc = 0;
    for (unsigned n = 0; n < steps; n++) {
        uint8_t op = code[pc];
        pc = pc + 1 == len ? 0 : pc + 1;
        switch (op & 7) {
        case 0: stack[(sp - 2) & 15] += stack[(sp - 1) & 15]; sp = sp > 2 ? sp - 1 : sp; break;
        case 1: stack[(sp - 2) & 15] ^= stack[(sp - 1) & 15] >> 3; break;
        case 2: stack[sp & 15] = stack[(sp - 1) & 15] * 3 + op; sp = sp < 15 ? sp + 1 : sp; break;
        case 3: if (stack[(sp - 1) & 15] & 1) pc = (pc + op) % len; break;
        case 4: stack[(sp - 1) & 15] = ~stack[(sp - 1) & 15]; break;
        case 5: { uint64_t t = stack[(sp - 1) & 15]; stack[(sp - 1) & 15] = stack[(sp - 2) & 15]; stack[(sp - 2) & 15] = t; } break;
        case 6: stack[(sp - 1) & 15] -= n; break;
        default: stack[(sp - 1) & 15] = (stack[(sp - 1) & 15] << 7) | (stack[(sp - 1) & 15] >> 57); break;
        }
    }
    uint64_t h = 0;
    for (int i = 0; i < 16; i++)
        h = mix(h, stack[i]);
    return h;
}

#define SORT_N 50000
#define SIEVE_N 1000000

static uint64_t kernel_branch(unsigned scale) {
    int32_t *v = malloc(SORT_N * sizeof *v);
    uint8_t *composite = malloc(SIEVE_N + 1);
    uint8_t code[251];
    if (!v || !composite) {
        fprintf(stderr, "wemu-bench: out of memory\n");
        exit(1);
    }
    uint64_t s = 0x853c49e6748fea9bull, h = 0;
    for (unsigned r = 0; r < scale; r++) {
        for (long i = 0; i < SORT_N; i++)
            v[i] = (int32_t)(xorshift64(&s) >> 32);
        quicksort(v, 0, SORT_N - 1);
        for (long i = 1; i < SORT_N; i++)
            if (v[i - 1] > v[i])
                h = mix(h, 0xbad); /* never: the sort is wrong */
        h = mix(h, (uint32_t)v[SORT_N / 3] ^ (uint32_t)v[SORT_N - 1]);

        memset(composite, 0, SIEVE_N + 1);
        uint32_t primes = 0;
        for (uint32_t i = 2; i <= SIEVE_N; i++) {
            if (composite[i])
                continue;
            primes++;
            for (uint64_t j = (uint64_t)i * i; j <= SIEVE_N; j += i)
                composite[j] = 1;
        }
        h = mix(h, primes + r);

        for (unsigned i = 0; i < sizeof code; i++)
            code[i] = (uint8_t)(xorshift64(&s) >> 56);
        h = mix(h, run_bytecode(code, sizeof code, s, 400000));
    }
    free(v);
    free(composite);
    return h;
}

/* --- main ------------------------------------------------------------------ */

struct kernel {
    const char *name;
    uint64_t (*run)(unsigned scale);
};

int main(int argc, char **argv) {
    unsigned scale = 8;
    if (argc > 1) {
        char *end;
        unsigned long v = strtoul(argv[1], &end, 10);
        if (*end != '\0' || v == 0 || v > 100000) {
            fprintf(stderr, "usage: wemu-bench [SCALE (1..100000)]\n");
            return 2;
        }
        scale = (unsigned)v;
    }
    probe_instret();
    static const struct kernel kernels[] = {
        {"int", kernel_int},
        {"mem", kernel_mem},
        {"branch", kernel_branch},
    };
    printf("wemu-bench: scale %u\n", scale);
    fflush(stdout);
    uint64_t checksum = 0xcbf29ce484222325ull;
    uint64_t total_ns = 0, total_insns = 0;
    for (unsigned k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        uint64_t i0 = instret(), t0 = now_ns();
        uint64_t r = kernels[k].run(scale);
        uint64_t t1 = now_ns(), i1 = instret();
        checksum = mix(checksum, r);
        total_ns += t1 - t0;
        total_insns += i1 - i0;
        printf("wemu-bench: %s 0x%016" PRIx64 " %" PRIu64 " ns", kernels[k].name, r, t1 - t0);
        if (have_instret)
            printf(" instret %" PRIu64, i1 - i0);
        printf("\n");
        fflush(stdout);
    }
    printf("wemu-bench: checksum 0x%016" PRIx64 "\n", checksum);
    printf("wemu-bench: time_ns %" PRIu64 "\n", total_ns);
    if (have_instret)
        printf("wemu-bench: instret %" PRIu64 "\n", total_insns);
    else
        printf("wemu-bench: instret unavailable\n");
    printf("wemu-bench: done\n");
    fflush(stdout);
    return 0;
}
