// Hand-vectorised inner loops that the Swift code calls when the processor has AVX2 and FMA.
//
// Swift compiles for the x86-64 baseline (SSE2) so that one binary runs everywhere, and it never fuses a
// multiply and an add. The recursive filters are limited by exactly that: a biquad over eight channels takes
// 18 SSE operations per frame, 5 with 256-bit fused multiply-adds. These kernels are compiled for AVX2+FMA
// per function and used only after the processor says it has them; the Swift loops remain the reference
// implementation and the fallback.
#ifndef CSYNKKERNELS_H
#define CSYNKKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One biquad in the form the kernels run: y = b0·x + z1, z1' = c1·x + z2 − a1·z1, z2' = c2·x − a2·z1,
/// with c1 = b1 − a1·b0 and c2 = b2 − a2·b0 (direct form II transposed with the output substituted).
typedef struct {
    float b0, c1, c2, a1, a2;
} synk_biquad_f32;

/// 1 when the processor and the operating system support AVX2 and FMA, else 0.
int synk_kernels_have_avx2_fma(void);

/// 1 when the kernels are to be used: the processor has AVX2 and FMA and the environment variable
/// SYNK_KERNELS is not "swift" (which keeps the Swift loops, e.g. to compare results across machines).
int synk_kernels_enabled(void);

/// 1 when the processor and the operating system support AVX-512 F and DQ (and AVX2 and FMA), else 0.
int synk_kernels_have_avx512(void);

/// 1 when the AVX-512 biquad sweeps are to be used: the processor has them and SYNK_KERNELS is neither "swift"
/// nor "avx2" (which keeps the AVX2 sweeps).
int synk_kernels_use_avx512(void);

/// Runs the cascade `sections[0..<sectionCount]` over `count` frames of eight float lanes (frame i is
/// `input[8i ..< 8i+8]`), forward in time or, when `reversed` is non-zero, from the last frame to the first.
/// `output` may equal `input`. `state` holds z1 and z2 (eight lanes each) per section and is updated.
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_biquads_f32x8_avx2(const synk_biquad_f32 *sections, int sectionCount, float *state,
                             const float *input, float *output, ptrdiff_t count, int reversed);

/// `synk_biquads_f32x8_avx2` with four sections per sweep in two 512-bit registers (two sections side by side,
/// skewed in time), for the sections in whole fours; the rest as in the AVX2 sweeps. Every lane runs the same
/// operations in the same order, so the results are bit for bit those of `synk_biquads_f32x8_avx2`.
/// Call only when `synk_kernels_have_avx512()` returned 1.
void synk_biquads_f32x8_avx512(const synk_biquad_f32 *sections, int sectionCount, float *state,
                               const float *input, float *output, ptrdiff_t count, int reversed);

/// The centred moving RMS of eight float lanes, as `LaneMovingRMS.process` computes it: input frame j completes
/// output frame j − h; `ring` holds the last `2h + 1` squares (double, eight lanes each), `sum` (eight doubles)
/// their running sum, recomputed exactly whenever the ring wraps; `*inputCount` frames were seen before.
/// Writes the completed output frames to `output` (eight floats each) and returns how many.
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
ptrdiff_t synk_moving_rms_f32x8_avx2(double *ring, ptrdiff_t halfWidth, double *sum, ptrdiff_t *inputCount,
                                     const float *input, ptrdiff_t count, float *output);

/// Σ a[i]·b[i] for i in 0..<count, with four-lane fused multiply-adds in double precision (eight partial sums).
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
double synk_dot_f64_avx2(const double *a, const double *b, ptrdiff_t count);

/// `sums[k] = synk_dot_f64_avx2(x, y + k, count)` for k in 0..<lags, bit for bit, four lags per pass over x.
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_lagged_dots_f64_avx2(const double *x, const double *y, ptrdiff_t count, int lags, double *sums);

/// Lagged products of interleaved frames, for the crosstalk estimate: for t in 0..<count, τ in 0...maxLag and
/// i in 0..<rows (rows ≤ 8), sums[τ·lagStride + i·rowStride + j] += x[(maxLag + t)·stride + i] ·
/// y[(maxLag + t − τ)·stride + j] for j in 0..<8 (single precision, fused multiply-adds; the caller offsets x
/// and y to the row and column blocks). Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_lag_products_f32x8_avx2(const float *x, const float *y, ptrdiff_t stride, ptrdiff_t count, int maxLag, int rows,
                                  float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride);

/// `synk_lag_products_f32x8_avx2` for contiguous frames of eight floats (stride 8, one block of columns, x = y) in
/// 512-bit registers: two neighbouring lags share one register (frames t − τ − 1 and t − τ lie side by side in
/// memory) and each frame's broadcasts serve four lags. Written for maxLag = 8 and rows ≤ 8 (others take the AVX2
/// kernel). Every sum gets the same fused multiply-adds in the same order, so the result is the AVX2 kernel's bit
/// for bit. Call only when `synk_kernels_use_avx512()` returned 1.
void synk_lag_products_f32x8_avx512(const float *x, const float *y, ptrdiff_t count, int maxLag, int rows,
                                    float *sums, ptrdiff_t rowStride, ptrdiff_t lagStride);

/// Low-pass and decimate eight lanes with an FIR filter: out[k] = Σ_j taps[j] · frames[(first + k·factor − j)·8 + lane]
/// for k in 0..<count, j in 0..<tapCount, summed in order of j (single precision, fused multiply-adds; `frames` must
/// hold the tapCount − 1 frames before index `first`). Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_fir_decimate_f32x8_avx2(const float *frames, ptrdiff_t first, ptrdiff_t count, ptrdiff_t factor,
                                  const float *taps, int tapCount, float *out);

/// Splits `frames` interleaved frames of `channelCount` floats into one array per channel
/// (`channels[c][i] = interleaved[i·channelCount + c]`), eight channels at a time by 8×8 transposes.
/// Returns 1 when every sample is finite and 0 when some sample is NaN or infinite, found in the same pass
/// (x·0 summed per row: 0 for a finite sample, NaN otherwise), so that readers need no second scan.
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
int synk_deinterleave_f32_avx2(const float *interleaved, ptrdiff_t frames, int channelCount, float *const *channels);

/// The inverse for up to eight channels: frame i of `frames` (eight floats) gets `channels[k][start + i]` in lane k
/// for k < laneCount and 0 in the other lanes, for i in 0..<count.
/// Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_lanes_from_channels_f32_avx2(const float *const *channels, int laneCount, ptrdiff_t start, ptrdiff_t count,
                                       float *frames);

/// Statistics of `count` finite samples, as `QualityAccumulator`'s block statistics: Σ(x − shift) and
/// Σ(x − shift)² in double precision, the smallest and largest sample with how often each occurs, and (when
/// `countRails` is non-zero) how many samples lie at or beyond a rail (x ≥ upper or x ≤ lower, compared in double).
typedef struct {
    double sum, sumSquares, minimum, maximum;
    ptrdiff_t minimumCount, maximumCount, atRails;
} synk_block_statistics;

/// Fills `out` for `x[0..<count]` (count ≥ 1). Call only when `synk_kernels_have_avx2_fma()` returned 1.
void synk_block_statistics_f32_avx2(const float *x, ptrdiff_t count, double shift, double lower, double upper,
                                    int countRails, synk_block_statistics *out);

#ifdef __cplusplus
}
#endif

#endif
