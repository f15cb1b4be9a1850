/* What the compiled kernels (signal_kernel.c, warp_kernel.c) may use of the CPU, decided once.
 *
 * HAVE_SSE2: 4-float vector loads and arithmetic, on every x86-64 CPU (the plain C loops elsewhere).
 * BOTH_ISAS: on GCC for x86-64 Linux, a function built twice, for AVX2 CPUs and for any x86-64, the
 * loader picking one. The two give the same bits: the same IEEE operations, 8 or 4 at a time, and no
 * fused multiply-add (setup.py builds with -ffp-contract=off), so an export's bits do not depend on the
 * machine that rendered it.
 */
#ifndef AIPROD_KERNEL_ISA_H
#define AIPROD_KERNEL_ISA_H

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define BOTH_ISAS __attribute__((target_clones("avx2", "default")))
#else
#define BOTH_ISAS
#endif

/* AVX2_PATH: hand-written 8-float code for AVX2 CPUs, in functions marked AVX2_FUNCTION and called
 * only where cpu_has_avx2() says so (GCC and clang on x86-64; elsewhere the 4-float code runs). */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define AVX2_PATH 1
#define AVX2_FUNCTION __attribute__((target("avx2")))
static inline int cpu_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#endif

#endif
