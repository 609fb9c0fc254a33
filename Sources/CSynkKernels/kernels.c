#include "CSynkKernels.h"

#include <stdlib.h>
#include <string.h>

int synk_kernels_enabled(void) {
    const char *choice = getenv("SYNK_KERNELS");
    if (choice && strcmp(choice, "swift") == 0) return 0;
    return synk_kernels_have_avx2_fma();
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int synk_kernels_have_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    // The operating system must save the YMM registers on a context switch (XCR0 bits 1 and 2).
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 5) & 1;
}

int synk_kernels_have_avx512(void) {
    if (!synk_kernels_have_avx2_fma()) return 0;
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    const int foundation = (b >> 16) & 1, doubleQuad = (b >> 17) & 1;
    if (!(foundation && doubleQuad)) return 0;
    // The operating system must save the opmask and all 512-bit registers (XCR0 bits 5, 6 and 7) too.
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 0xE6) == 0xE6;
}

int synk_kernels_use_avx512(void) {
    if (!synk_kernels_enabled()) return 0;
    const char *choice = getenv("SYNK_KERNELS");
    if (choice && strcmp(choice, "avx2") == 0) return 0;
    return synk_kernels_have_avx512();
}

#define TARGET __attribute__((target("avx2,fma")))
#define TARGET512 __attribute__((target("avx512f,avx512dq,avx2,fma")))

// One section's coefficients broadcast to eight lanes, and its state.
typedef struct {
    __m256 b0, c1, c2, a1, a2;
    __m256 z1, z2;
} lanes_section;

TARGET static inline lanes_section load_section(const synk_biquad_f32 *p, const float *state) {
    lanes_section s = {_mm256_set1_ps(p->b0), _mm256_set1_ps(p->c1), _mm256_set1_ps(p->c2),
                       _mm256_set1_ps(p->a1), _mm256_set1_ps(p->a2),
                       _mm256_loadu_ps(state), _mm256_loadu_ps(state + 8)};
    return s;
}

TARGET static inline void store_section(const lanes_section *s, float *state) {
    _mm256_storeu_ps(state, s->z1);
    _mm256_storeu_ps(state + 8, s->z2);
}

// y = b0·x + z1; z1' = c1·x + z2 − a1·z1; z2' = c2·x − a2·z1 (four fused operations and one multiply).
TARGET static inline __m256 section_step(lanes_section *s, __m256 x) {
    const __m256 y = _mm256_fmadd_ps(s->b0, x, s->z1);
    const __m256 z1 = _mm256_fnmadd_ps(s->a1, s->z1, _mm256_fmadd_ps(s->c1, x, s->z2));
    s->z2 = _mm256_fnmadd_ps(s->a2, s->z1, _mm256_mul_ps(s->c2, x));
    s->z1 = z1;
    return y;
}

// Two sections per sweep (their recursions overlap and both states stay in registers), or one.
TARGET static void sweep(const synk_biquad_f32 *p, const synk_biquad_f32 *q, float *state,
                         const float *input, float *output, ptrdiff_t count, int reversed) {
    lanes_section first = load_section(p, state);
    lanes_section second = q ? load_section(q, state + 16) : first;
    ptrdiff_t i = reversed ? count - 1 : 0;
    const ptrdiff_t step = reversed ? -1 : 1;
    if (q) {
        for (ptrdiff_t n = 0; n < count; n++, i += step)
            _mm256_storeu_ps(output + 8 * i, section_step(&second, section_step(&first, _mm256_loadu_ps(input + 8 * i))));
        store_section(&second, state + 16);
    } else {
        for (ptrdiff_t n = 0; n < count; n++, i += step)
            _mm256_storeu_ps(output + 8 * i, section_step(&first, _mm256_loadu_ps(input + 8 * i)));
    }
    store_section(&first, state);
}

void synk_biquads_f32x8_avx2(const synk_biquad_f32 *sections, int sectionCount, float *state,
                             const float *input, float *output, ptrdiff_t count, int reversed) {
    if (count <= 0) return;
    const float *source = input;
    for (int s = 0; s < sectionCount;) {
        if (s + 1 < sectionCount) {
            sweep(&sections[s], &sections[s + 1], state + 16 * s, source, output, count, reversed);
            s += 2;
        } else {
            sweep(&sections[s], NULL, state + 16 * s, source, output, count, reversed);
            s += 1;
        }
        source = output;
    }
    if (sectionCount == 0 && output != input) {
        for (ptrdiff_t i = 0; i < 8 * count; i++) output[i] = input[i];
    }
}

// Four sections in two 512-bit registers, each holding two sections side by side (lanes 0-7 and 8-15), skewed
// in time so that one register step advances both. Section k of the four works on sample t − 2k at step t:
// its input is the output section k − 1 made two steps earlier. That makes the move between register halves a
// dependency two steps long, so it stays off each step's critical path (one fused multiply-add per section).
// Every lane runs exactly the operations of `section_step`, so the results equal the AVX2 sweeps bit for bit.
typedef struct {
    __m512 b0, c1, c2, a1, a2;
    __m512 z1, z2;
} pair_sections;

TARGET512 static inline pair_sections load_pair(const synk_biquad_f32 *p, const float *state) {
    const synk_biquad_f32 *q = p + 1;
    pair_sections s;
    s.b0 = _mm512_insertf32x8(_mm512_set1_ps(p->b0), _mm256_set1_ps(q->b0), 1);
    s.c1 = _mm512_insertf32x8(_mm512_set1_ps(p->c1), _mm256_set1_ps(q->c1), 1);
    s.c2 = _mm512_insertf32x8(_mm512_set1_ps(p->c2), _mm256_set1_ps(q->c2), 1);
    s.a1 = _mm512_insertf32x8(_mm512_set1_ps(p->a1), _mm256_set1_ps(q->a1), 1);
    s.a2 = _mm512_insertf32x8(_mm512_set1_ps(p->a2), _mm256_set1_ps(q->a2), 1);
    // state: z1, z2 of the first section, then z1, z2 of the second (eight floats each).
    s.z1 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(state)), _mm256_loadu_ps(state + 16), 1);
    s.z2 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(state + 8)), _mm256_loadu_ps(state + 24), 1);
    return s;
}

TARGET512 static inline void store_pair(const pair_sections *s, float *state) {
    _mm256_storeu_ps(state, _mm512_castps512_ps256(s->z1));
    _mm256_storeu_ps(state + 8, _mm512_castps512_ps256(s->z2));
    _mm256_storeu_ps(state + 16, _mm512_extractf32x8_ps(s->z1, 1));
    _mm256_storeu_ps(state + 24, _mm512_extractf32x8_ps(s->z2, 1));
}

// One step of both halves: section_step's operations, in the same order, on sixteen lanes (that sameness is what
// makes the results bit-identical). `active` selects the halves whose state advances (all of them between the
// ends, where the constant mask folds away).
TARGET512 static inline __m512 pair_step(pair_sections *s, __m512 x, __mmask16 active) {
    const __m512 y = _mm512_fmadd_ps(s->b0, x, s->z1);
    const __m512 z1 = _mm512_fnmadd_ps(s->a1, s->z1, _mm512_fmadd_ps(s->c1, x, s->z2));
    const __m512 z2 = _mm512_fnmadd_ps(s->a2, s->z1, _mm512_mul_ps(s->c2, x));
    s->z1 = _mm512_mask_mov_ps(s->z1, active, z1);
    s->z2 = _mm512_mask_mov_ps(s->z2, active, z2);
    return y;
}

// Lanes of section k (0...3) at step t: active when it has a sample, 0 ≤ t − 2k < count.
static inline __mmask16 halves(ptrdiff_t t, ptrdiff_t count, int low, int high) {
    const int lowActive = t - 2 * low >= 0 && t - 2 * low < count, highActive = t - 2 * high >= 0 && t - 2 * high < count;
    return (__mmask16)((lowActive ? 0x00FF : 0) | (highActive ? 0xFF00 : 0));
}

TARGET512 static void sweep4(const synk_biquad_f32 *sections, float *state, const float *input, float *output,
                             ptrdiff_t count, int reversed) {
    pair_sections first = load_pair(sections, state), second = load_pair(sections + 2, state + 32);
    const ptrdiff_t step = reversed ? -1 : 1, origin = reversed ? count - 1 : 0;
    // Outputs of the two previous steps: y[t−1] and y[t−2] of each register.
    __m512 y1Previous = _mm512_setzero_ps(), y1Before = _mm512_setzero_ps();
    __m512 y2Previous = _mm512_setzero_ps(), y2Before = _mm512_setzero_ps();
    // The ends (t < 6, t ≥ count), where some sections have no sample yet or any more, run masked.
#define SYNK_SWEEP4_STEP(FULL)                                                                                        \
    {                                                                                                                \
        const __m256 x = t < count ? _mm256_loadu_ps(input + 8 * (origin + step * t)) : _mm256_setzero_ps();          \
        const __m512 in1 = _mm512_insertf32x8(_mm512_castps256_ps512(x), _mm512_castps512_ps256(y1Before), 1);        \
        const __m512 in2 = _mm512_shuffle_f32x4(y1Before, y2Before, _MM_SHUFFLE(1, 0, 3, 2));                        \
        const __m512 y1 = pair_step(&first, in1, FULL ? 0xFFFF : halves(t, count, 0, 1));                          \
        const __m512 y2 = pair_step(&second, in2, FULL ? 0xFFFF : halves(t, count, 2, 3));                         \
        if (t >= 6) _mm256_storeu_ps(output + 8 * (origin + step * (t - 6)), _mm512_extractf32x8_ps(y2, 1));        \
        y1Before = y1Previous; y1Previous = y1;                                                                      \
        y2Before = y2Previous; y2Previous = y2;                                                                      \
    }
    ptrdiff_t t = 0;
    for (; t < 6 && t < count; t++) SYNK_SWEEP4_STEP(0)
    for (; t < count; t++) SYNK_SWEEP4_STEP(1)
    for (; t < count + 6; t++) SYNK_SWEEP4_STEP(0)
#undef SYNK_SWEEP4_STEP
    store_pair(&first, state);
    store_pair(&second, state + 32);
}

void synk_biquads_f32x8_avx512(const synk_biquad_f32 *sections, int sectionCount, float *state,
                               const float *input, float *output, ptrdiff_t count, int reversed) {
    if (count <= 0) return;
    int s = 0;
    const float *source = input;
    for (; s + 4 <= sectionCount; s += 4) {
        sweep4(&sections[s], state + 16 * s, source, output, count, reversed);
        source = output;
    }
    if (s < sectionCount) {
        synk_biquads_f32x8_avx2(&sections[s], sectionCount - s, state + 16 * s, source, output, count, reversed);
    } else if (sectionCount == 0 && output != input) {
        for (ptrdiff_t i = 0; i < 8 * count; i++) output[i] = input[i];
    }
}

TARGET ptrdiff_t synk_moving_rms_f32x8_avx2(double *ring, ptrdiff_t halfWidth, double *sum, ptrdiff_t *inputCount,
                                            const float *input, ptrdiff_t count, float *output) {
    const ptrdiff_t width = 2 * halfWidth + 1;
    const __m256d fullWindow = _mm256_set1_pd(1.0 / (double)width);
    const __m256 zero = _mm256_setzero_ps();
    __m256d sumLow = _mm256_loadu_pd(sum), sumHigh = _mm256_loadu_pd(sum + 4);
    ptrdiff_t j = *inputCount, slot = j % width, written = 0;
    for (ptrdiff_t n = 0; n < count; n++, j++) {
        const __m256 x = _mm256_loadu_ps(input + 8 * n);
        const __m256d low = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), high = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
        double *entry = ring + 8 * slot;
        if (j >= width) {
            sumLow = _mm256_sub_pd(sumLow, _mm256_loadu_pd(entry));
            sumHigh = _mm256_sub_pd(sumHigh, _mm256_loadu_pd(entry + 4));
        }
        const __m256d squareLow = _mm256_mul_pd(low, low), squareHigh = _mm256_mul_pd(high, high);
        _mm256_storeu_pd(entry, squareLow);
        _mm256_storeu_pd(entry + 4, squareHigh);
        sumLow = _mm256_add_pd(sumLow, squareLow);
        sumHigh = _mm256_add_pd(sumHigh, squareHigh);
        if (slot == width - 1) {
            // Once per window length the running sum is recomputed, so rounding never accumulates.
            __m256d exactLow = _mm256_setzero_pd(), exactHigh = _mm256_setzero_pd();
            for (ptrdiff_t k = 0; k < width; k++) {
                exactLow = _mm256_add_pd(exactLow, _mm256_loadu_pd(ring + 8 * k));
                exactHigh = _mm256_add_pd(exactHigh, _mm256_loadu_pd(ring + 8 * k + 4));
            }
            sumLow = exactLow;
            sumHigh = exactHigh;
        }
        const ptrdiff_t i = j - halfWidth;
        if (i >= 0) {
            __m256d meanLow, meanHigh;
            if (i >= halfWidth) {
                meanLow = _mm256_mul_pd(sumLow, fullWindow);
                meanHigh = _mm256_mul_pd(sumHigh, fullWindow);
            } else {
                // The window is still growing at the start: frames 0...j.
                const __m256d frames = _mm256_set1_pd((double)(j + 1));
                meanLow = _mm256_div_pd(sumLow, frames);
                meanHigh = _mm256_div_pd(sumHigh, frames);
            }
            const __m256 mean = _mm256_set_m128(_mm256_cvtpd_ps(meanHigh), _mm256_cvtpd_ps(meanLow));
            _mm256_storeu_ps(output + 8 * written, _mm256_sqrt_ps(_mm256_max_ps(mean, zero)));
            written++;
        }
        if (++slot == width) slot = 0;
    }
    _mm256_storeu_pd(sum, sumLow);
    _mm256_storeu_pd(sum + 4, sumHigh);
    *inputCount = j;
    return written;
}

// The two four-lane partial sums of a dot product added up, then the samples after the last whole eight.
TARGET static inline double reduce_dot(__m256d lo, __m256d hi, const double *x, const double *y, ptrdiff_t from, ptrdiff_t count) {
    const __m256d s = _mm256_add_pd(lo, hi);
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    double sum = _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
    for (ptrdiff_t j = from; j < count; j++) sum += x[j] * y[j];
    return sum;
}

TARGET double synk_dot_f64_avx2(const double *a, const double *b, ptrdiff_t count) {
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i), _mm256_loadu_pd(b + i), s0);
        s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i + 4), _mm256_loadu_pd(b + i + 4), s1);
    }
    return reduce_dot(s0, s1, a, b, i, count);
}

// Four lags per pass over x: each lag keeps the two accumulators and the summation order of synk_dot_f64_avx2,
// so every sum equals that function's bit for bit; x is loaded once for the four, and the eight independent
// accumulators keep both FMA ports busy where one lag alone waits on its two chains.
// Written out lag by lag so that the eight accumulators stay in registers whatever the compiler unrolls.
TARGET static inline void dot4_lags(const double *x, const double *y, ptrdiff_t count, double *sums) {
    __m256d lo0 = _mm256_setzero_pd(), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256d xl = _mm256_loadu_pd(x + i), xh = _mm256_loadu_pd(x + i + 4);
        lo0 = _mm256_fmadd_pd(xl, _mm256_loadu_pd(y + i), lo0);
        hi0 = _mm256_fmadd_pd(xh, _mm256_loadu_pd(y + i + 4), hi0);
        lo1 = _mm256_fmadd_pd(xl, _mm256_loadu_pd(y + i + 1), lo1);
        hi1 = _mm256_fmadd_pd(xh, _mm256_loadu_pd(y + i + 5), hi1);
        lo2 = _mm256_fmadd_pd(xl, _mm256_loadu_pd(y + i + 2), lo2);
        hi2 = _mm256_fmadd_pd(xh, _mm256_loadu_pd(y + i + 6), hi2);
        lo3 = _mm256_fmadd_pd(xl, _mm256_loadu_pd(y + i + 3), lo3);
        hi3 = _mm256_fmadd_pd(xh, _mm256_loadu_pd(y + i + 7), hi3);
    }
    sums[0] = reduce_dot(lo0, hi0, x, y, i, count);
    sums[1] = reduce_dot(lo1, hi1, x, y + 1, i, count);
    sums[2] = reduce_dot(lo2, hi2, x, y + 2, i, count);
    sums[3] = reduce_dot(lo3, hi3, x, y + 3, i, count);
}

TARGET void synk_lagged_dots_f64_avx2(const double *x, const double *y, ptrdiff_t count, int lags, double *sums) {
    int k = 0;
    for (; k + 4 <= lags; k += 4) dot4_lags(x, y + k, count, sums + k);
    for (; k < lags; k++) sums[k] = synk_dot_f64_avx2(x, y + k, count);
}

TARGET void synk_lag_products_f32x8_avx2(const float *x, const float *y, ptrdiff_t stride, ptrdiff_t count, int maxLag, int rows,
                                         float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride) {
    for (int tau = 0; tau <= maxLag; tau++) {
        // One lag at a time: its rows' accumulators stay in registers through the whole count.
        __m256 acc[8];
        float *out = sums + tau * lagStride;
        for (int i = 0; i < 8; i++) acc[i] = i < rows ? _mm256_loadu_ps(out + i * rowStride) : _mm256_setzero_ps();
        const float *xs = x + (ptrdiff_t)maxLag * stride;
        const float *ys = y + (ptrdiff_t)(maxLag - tau) * stride;
        if (rows == 8) {
            for (ptrdiff_t t = 0; t < count; t++) {
                const __m256 v = _mm256_loadu_ps(ys + t * stride);
                const float *row = xs + t * stride;
                for (int i = 0; i < 8; i++) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(row + i), v, acc[i]);
            }
        } else {
            for (ptrdiff_t t = 0; t < count; t++) {
                const __m256 v = _mm256_loadu_ps(ys + t * stride);
                const float *row = xs + t * stride;
                for (int i = 0; i < rows; i++) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(row + i), v, acc[i]);
            }
        }
        for (int i = 0; i < rows; i++) _mm256_storeu_ps(out + i * rowStride, acc[i]);
    }
}

TARGET512 void synk_lag_products_f32x8_avx512(const float *x, const float *y, ptrdiff_t count, int maxLag, int rows,
                                              float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride) {
    // Written for maxLag = 8 (nine lags) and at most eight rows; anything else takes the AVX2 kernel.
    if (maxLag != 8 || rows > 8 || rows < 1) {
        synk_lag_products_f32x8_avx2(x, y, 8, count, maxLag, rows, sums, rowStride, lagStride);
        return;
    }
    const float *xs = x + 8 * 8;
    // Lags 0-7 in two passes of two registers each: a register holds the lag pair (τ, τ + 1), frames t − τ − 1 (low
    // half, lag τ + 1) and t − τ (high half, lag τ), which lie side by side in memory. Rows beyond `rows` are
    // padding lanes (zeros): accumulated, never stored.
    for (int pass = 0; pass < 2; pass++) {
        const int t0 = 4 * pass;
        __m512 a0[8], a1[8];
        for (int i = 0; i < 8; i++) {
            if (i < rows) {
                a0[i] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(sums + (t0 + 1) * lagStride + i * rowStride)),
                                           _mm256_loadu_ps(sums + t0 * lagStride + i * rowStride), 1);
                a1[i] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(sums + (t0 + 3) * lagStride + i * rowStride)),
                                           _mm256_loadu_ps(sums + (t0 + 2) * lagStride + i * rowStride), 1);
            } else {
                a0[i] = _mm512_setzero_ps();
                a1[i] = _mm512_setzero_ps();
            }
        }
        const float *y0 = y + (8 - t0 - 1) * 8, *y1 = y + (8 - t0 - 3) * 8;
        for (ptrdiff_t t = 0; t < count; t++) {
            const __m512 v0 = _mm512_loadu_ps(y0 + t * 8), v1 = _mm512_loadu_ps(y1 + t * 8);
            const float *row = xs + t * 8;
#define SYNK_LAG_STEP(i) { const __m512 b = _mm512_set1_ps(row[i]); a0[i] = _mm512_fmadd_ps(b, v0, a0[i]); a1[i] = _mm512_fmadd_ps(b, v1, a1[i]); }
            SYNK_LAG_STEP(0) SYNK_LAG_STEP(1) SYNK_LAG_STEP(2) SYNK_LAG_STEP(3)
            SYNK_LAG_STEP(4) SYNK_LAG_STEP(5) SYNK_LAG_STEP(6) SYNK_LAG_STEP(7)
#undef SYNK_LAG_STEP
        }
        for (int i = 0; i < rows; i++) {
            _mm256_storeu_ps(sums + t0 * lagStride + i * rowStride, _mm512_extractf32x8_ps(a0[i], 1));
            _mm256_storeu_ps(sums + (t0 + 1) * lagStride + i * rowStride, _mm512_castps512_ps256(a0[i]));
            _mm256_storeu_ps(sums + (t0 + 2) * lagStride + i * rowStride, _mm512_extractf32x8_ps(a1[i], 1));
            _mm256_storeu_ps(sums + (t0 + 3) * lagStride + i * rowStride, _mm512_castps512_ps256(a1[i]));
        }
    }
    // Lag 8 alone, in 256-bit registers.
    __m256 a[8];
    for (int i = 0; i < 8; i++) a[i] = i < rows ? _mm256_loadu_ps(sums + 8 * lagStride + i * rowStride) : _mm256_setzero_ps();
    for (ptrdiff_t t = 0; t < count; t++) {
        const __m256 v = _mm256_loadu_ps(y + t * 8);
        const float *row = xs + t * 8;
        for (int i = 0; i < 8; i++) a[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(row + i), v, a[i]);
    }
    for (int i = 0; i < rows; i++) _mm256_storeu_ps(sums + 8 * lagStride + i * rowStride, a[i]);
}

TARGET void synk_fir_decimate_f32x8_avx2(const float *frames, ptrdiff_t first, ptrdiff_t count, ptrdiff_t factor,
                                         const float *taps, int tapCount, float *out) {
    // Four outputs at a time share each tap's broadcast.
    const ptrdiff_t step = factor * 8;
    ptrdiff_t k = 0;
    for (; k + 4 <= count; k += 4) {
        const float *at = frames + (first + k * factor) * 8;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < tapCount; j++) {
            const __m256 h = _mm256_broadcast_ss(taps + j);
            const float *x = at - (ptrdiff_t)j * 8;
            a0 = _mm256_fmadd_ps(h, _mm256_loadu_ps(x), a0);
            a1 = _mm256_fmadd_ps(h, _mm256_loadu_ps(x + step), a1);
            a2 = _mm256_fmadd_ps(h, _mm256_loadu_ps(x + 2 * step), a2);
            a3 = _mm256_fmadd_ps(h, _mm256_loadu_ps(x + 3 * step), a3);
        }
        _mm256_storeu_ps(out + k * 8, a0);
        _mm256_storeu_ps(out + k * 8 + 8, a1);
        _mm256_storeu_ps(out + k * 8 + 16, a2);
        _mm256_storeu_ps(out + k * 8 + 24, a3);
    }
    for (; k < count; k++) {
        const float *at = frames + (first + k * factor) * 8;
        __m256 a = _mm256_setzero_ps();
        for (int j = 0; j < tapCount; j++) a = _mm256_fmadd_ps(_mm256_broadcast_ss(taps + j), _mm256_loadu_ps(at - (ptrdiff_t)j * 8), a);
        _mm256_storeu_ps(out + k * 8, a);
    }
}

// Transposes the 8×8 block r[0..7] (rows) in place into columns.
TARGET static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

TARGET int synk_deinterleave_f32_avx2(const float *interleaved, ptrdiff_t frames, int channelCount, float *const *channels) {
    const ptrdiff_t stride = channelCount;
    const __m256 zero = _mm256_setzero_ps();
    // One accumulator per row of a tile: eight independent chains, off the transposes' critical path.
    __m256 finite[8];
    for (int k = 0; k < 8; k++) finite[k] = zero;
    float tailFinite = 0.0f;
    int c0 = 0;
    for (; c0 + 8 <= channelCount; c0 += 8) {
        ptrdiff_t i = 0;
        for (; i + 8 <= frames; i += 8) {
            __m256 r[8];
            for (int k = 0; k < 8; k++) {
                r[k] = _mm256_loadu_ps(interleaved + (i + k) * stride + c0);
                finite[k] = _mm256_fmadd_ps(r[k], zero, finite[k]);
            }
            transpose8(r);
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(channels[c0 + k] + i, r[k]);
        }
        for (; i < frames; i++)
            for (int k = 0; k < 8; k++) {
                const float x = interleaved[i * stride + c0 + k];
                tailFinite += x * 0.0f;
                channels[c0 + k][i] = x;
            }
    }
    for (int c = c0; c < channelCount; c++)
        for (ptrdiff_t i = 0; i < frames; i++) {
            const float x = interleaved[i * stride + c];
            tailFinite += x * 0.0f;
            channels[c][i] = x;
        }
    __m256 all = tailFinite == 0.0f ? zero : _mm256_set1_ps(tailFinite);
    for (int k = 0; k < 8; k++) all = _mm256_add_ps(all, finite[k]);
    // NaN compares unordered with itself: any NaN lane means a non-finite sample.
    return _mm256_movemask_ps(_mm256_cmp_ps(all, all, _CMP_UNORD_Q)) == 0;
}

TARGET void synk_lanes_from_channels_f32_avx2(const float *const *channels, int laneCount, ptrdiff_t start, ptrdiff_t count,
                                              float *frames) {
    ptrdiff_t i = 0;
    if (laneCount == 8) {
        for (; i + 8 <= count; i += 8) {
            __m256 r[8];
            for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(channels[k] + start + i);
            transpose8(r);
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(frames + 8 * (i + k), r[k]);
        }
    }
    for (; i < count; i++)
        for (int k = 0; k < 8; k++) frames[8 * i + k] = k < laneCount ? channels[k][start + i] : 0.0f;
}

TARGET void synk_block_statistics_f32_avx2(const float *x, ptrdiff_t count, double shift, double lower, double upper,
                                           int countRails, synk_block_statistics *out) {
    const ptrdiff_t groups = count / 8;
    __m256 low = _mm256_set1_ps(__builtin_inff()), high = _mm256_set1_ps(-__builtin_inff());
    // Per lane: how often the lane's running extreme has occurred (a new extreme restarts it at 1).
    __m256i lowCount = _mm256_setzero_si256(), highCount = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi32(1);
    __m256d sumLo = _mm256_setzero_pd(), sumHi = _mm256_setzero_pd(), sqLo = _mm256_setzero_pd(), sqHi = _mm256_setzero_pd();
    const __m256d offset = _mm256_set1_pd(shift), up = _mm256_set1_pd(upper), down = _mm256_set1_pd(lower);
    ptrdiff_t rails = 0;
    for (ptrdiff_t k = 0; k < groups; k++) {
        const __m256 v = _mm256_loadu_ps(x + 8 * k);
        const __m256 below = _mm256_cmp_ps(v, low, _CMP_LT_OQ), above = _mm256_cmp_ps(v, high, _CMP_GT_OQ);
        const __m256i atLow = _mm256_castps_si256(_mm256_cmp_ps(v, low, _CMP_EQ_OQ));
        const __m256i atHigh = _mm256_castps_si256(_mm256_cmp_ps(v, high, _CMP_EQ_OQ));
        // An all-ones mask is −1: subtracting it counts one more occurrence.
        lowCount = _mm256_blendv_epi8(_mm256_sub_epi32(lowCount, atLow), one, _mm256_castps_si256(below));
        highCount = _mm256_blendv_epi8(_mm256_sub_epi32(highCount, atHigh), one, _mm256_castps_si256(above));
        low = _mm256_blendv_ps(low, v, below);
        high = _mm256_blendv_ps(high, v, above);
        const __m256d rawLo = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), rawHi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        const __m256d dLo = _mm256_sub_pd(rawLo, offset), dHi = _mm256_sub_pd(rawHi, offset);
        sumLo = _mm256_add_pd(sumLo, dLo);
        sumHi = _mm256_add_pd(sumHi, dHi);
        sqLo = _mm256_fmadd_pd(dLo, dLo, sqLo);
        sqHi = _mm256_fmadd_pd(dHi, dHi, sqHi);
        if (countRails) {
            const __m256d railLo = _mm256_or_pd(_mm256_cmp_pd(rawLo, up, _CMP_GE_OQ), _mm256_cmp_pd(rawLo, down, _CMP_LE_OQ));
            const __m256d railHi = _mm256_or_pd(_mm256_cmp_pd(rawHi, up, _CMP_GE_OQ), _mm256_cmp_pd(rawHi, down, _CMP_LE_OQ));
            rails += __builtin_popcount((unsigned)_mm256_movemask_pd(railLo)) + __builtin_popcount((unsigned)_mm256_movemask_pd(railHi));
        }
    }
    double sums[8], squares[8];
    float lows[8], highs[8];
    int lowCounts[8], highCounts[8];
    _mm256_storeu_pd(sums, sumLo); _mm256_storeu_pd(sums + 4, sumHi);
    _mm256_storeu_pd(squares, sqLo); _mm256_storeu_pd(squares + 4, sqHi);
    _mm256_storeu_ps(lows, low); _mm256_storeu_ps(highs, high);
    _mm256_storeu_si256((__m256i *)lowCounts, lowCount); _mm256_storeu_si256((__m256i *)highCounts, highCount);
    double sum = 0, sumSquares = 0;
    float laneMinimum = lows[0], laneMaximum = highs[0];
    for (int l = 0; l < 8; l++) {
        sum += sums[l];
        sumSquares += squares[l];
        if (lows[l] < laneMinimum) laneMinimum = lows[l];
        if (highs[l] > laneMaximum) laneMaximum = highs[l];
    }
    ptrdiff_t minimumCount = 0, maximumCount = 0;
    if (groups > 0) {
        for (int l = 0; l < 8; l++) {
            if (lows[l] == laneMinimum) minimumCount += lowCounts[l];
            if (highs[l] == laneMaximum) maximumCount += highCounts[l];
        }
    }
    double minimum = groups > 0 ? (double)laneMinimum : __builtin_inf(), maximum = groups > 0 ? (double)laneMaximum : -__builtin_inf();
    for (ptrdiff_t i = 8 * groups; i < count; i++) {
        const double v = (double)x[i], d = v - shift;
        sum += d;
        sumSquares += d * d;
        if (v < minimum) { minimum = v; minimumCount = 1; } else if (v == minimum) minimumCount += 1;
        if (v > maximum) { maximum = v; maximumCount = 1; } else if (v == maximum) maximumCount += 1;
        if (countRails && (v >= upper || v <= lower)) rails += 1;
    }
    out->sum = sum;
    out->sumSquares = sumSquares;
    out->minimum = minimum;
    out->maximum = maximum;
    out->minimumCount = minimumCount;
    out->maximumCount = maximumCount;
    out->atRails = rails;
}

#else

int synk_kernels_have_avx2_fma(void) { return 0; }
int synk_kernels_have_avx512(void) { return 0; }
int synk_kernels_use_avx512(void) { return 0; }

void synk_lagged_dots_f64_avx2(const double *x, const double *y, ptrdiff_t count, int lags, double *sums) {
    (void)x; (void)y; (void)count; (void)lags; (void)sums;
    __builtin_trap();
}

void synk_lag_products_f32x8_avx2(const float *x, const float *y, ptrdiff_t stride, ptrdiff_t count, int maxLag, int rows,
                                  float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride) {
    (void)x; (void)y; (void)stride; (void)count; (void)maxLag; (void)rows; (void)sums; (void)rowStride; (void)lagStride;
    __builtin_trap();
}

void synk_lag_products_f32x8_avx512(const float *x, const float *y, ptrdiff_t count, int maxLag, int rows,
                                    float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride) {
    (void)x; (void)y; (void)count; (void)maxLag; (void)rows; (void)sums; (void)rowStride; (void)lagStride;
    __builtin_trap();
}

void synk_fir_decimate_f32x8_avx2(const float *frames, ptrdiff_t first, ptrdiff_t count, ptrdiff_t factor,
                                  const float *taps, int tapCount, float *out) {
    (void)frames; (void)first; (void)count; (void)factor; (void)taps; (void)tapCount; (void)out;
    __builtin_trap();
}

void synk_biquads_f32x8_avx512(const synk_biquad_f32 *sections, int sectionCount, float *state,
                               const float *input, float *output, ptrdiff_t count, int reversed) {
    (void)sections; (void)sectionCount; (void)state; (void)input; (void)output; (void)count; (void)reversed;
    __builtin_trap();
}

int synk_deinterleave_f32_avx2(const float *interleaved, ptrdiff_t frames, int channelCount, float *const *channels) {
    (void)interleaved; (void)frames; (void)channelCount; (void)channels;
    __builtin_trap();
}

void synk_lanes_from_channels_f32_avx2(const float *const *channels, int laneCount, ptrdiff_t start, ptrdiff_t count,
                                       float *frames) {
    (void)channels; (void)laneCount; (void)start; (void)count; (void)frames;
    __builtin_trap();
}

double synk_dot_f64_avx2(const double *a, const double *b, ptrdiff_t count) {
    (void)a; (void)b; (void)count;
    __builtin_trap();
}

ptrdiff_t synk_moving_rms_f32x8_avx2(double *ring, ptrdiff_t halfWidth, double *sum, ptrdiff_t *inputCount,
                                     const float *input, ptrdiff_t count, float *output) {
    (void)ring; (void)halfWidth; (void)sum; (void)inputCount; (void)input; (void)count; (void)output;
    __builtin_trap();
}

void synk_block_statistics_f32_avx2(const float *x, ptrdiff_t count, double shift, double lower, double upper,
                                    int countRails, synk_block_statistics *out) {
    (void)x; (void)count; (void)shift; (void)lower; (void)upper; (void)countRails; (void)out;
    __builtin_trap();
}

void synk_biquads_f32x8_avx2(const synk_biquad_f32 *sections, int sectionCount, float *state,
                             const float *input, float *output, ptrdiff_t count, int reversed) {
    // Not an x86 processor: synk_kernels_have_avx2_fma() is 0 and the Swift loops run instead.
    (void)sections; (void)sectionCount; (void)state; (void)input; (void)output; (void)count; (void)reversed;
    __builtin_trap();
}

#endif
