/*
 * The bare lower bound for `synk filter`: decode a WAV with libsndfile and band-pass every channel once
 * with FFTW (overlap-save FFT convolution with a fixed kernel), writing nothing. Whatever synk adds on top
 * (zero-phase, envelopes, atomic output, metadata) is measured against this.
 *
 *   cc -O2 -o lower_bound lower_bound.c -lsndfile -lfftw3f -lm
 *   ./lower_bound FILE.wav [kernel_taps=2048]
 *
 * Prints frames, channels, seconds and samples/s.
 */
#include <fftw3.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE.wav [taps]\n", argv[0]); return 2; }
    int taps = argc > 2 ? atoi(argv[2]) : 2048;
    double start = now();
    SF_INFO info; memset(&info, 0, sizeof info);
    SNDFILE *file = sf_open(argv[1], SFM_READ, &info);
    if (!file) { fprintf(stderr, "%s: %s\n", argv[1], sf_strerror(NULL)); return 3; }
    int channels = info.channels;
    int n = 16384;                /* FFT size */
    int hop = n - taps + 1;       /* new samples per block (overlap-save) */
    float *kernel = fftwf_alloc_real(n);
    fftwf_complex *kernelSpectrum = fftwf_alloc_complex(n / 2 + 1);
    float *work = fftwf_alloc_real(n);
    fftwf_complex *spectrum = fftwf_alloc_complex(n / 2 + 1);
    fftwf_plan forward = fftwf_plan_dft_r2c_1d(n, work, spectrum, FFTW_ESTIMATE);
    fftwf_plan backward = fftwf_plan_dft_c2r_1d(n, spectrum, work, FFTW_ESTIMATE);
    /* Windowed-sinc band-pass 20-450 Hz (Hamming), normalised for the inverse FFT's scale. */
    double rate = info.samplerate, lo = 20 / rate, hi = 450 / rate;
    memset(kernel, 0, sizeof(float) * n);
    for (int i = 0; i < taps; i++) {
        double m = i - (taps - 1) / 2.0;
        double h = m == 0 ? 2 * (hi - lo) : (sin(2 * M_PI * hi * m) - sin(2 * M_PI * lo * m)) / (M_PI * m);
        kernel[i] = (float)(h * (0.54 - 0.46 * cos(2 * M_PI * i / (taps - 1))) / n);
    }
    fftwf_execute_dft_r2c(forward, kernel, kernelSpectrum);
    float *interleaved = malloc(sizeof(float) * (size_t)hop * channels);
    float **history = malloc(sizeof(float *) * channels);
    for (int c = 0; c < channels; c++) history[c] = calloc(n, sizeof(float));
    double checksum = 0;
    sf_count_t frames = 0, got;
    while ((got = sf_readf_float(file, interleaved, hop)) > 0) {
        for (int c = 0; c < channels; c++) {
            float *h = history[c];
            memmove(h, h + got, sizeof(float) * (n - got));
            for (sf_count_t i = 0; i < got; i++) h[n - got + i] = interleaved[i * channels + c];
            fftwf_execute_dft_r2c(forward, h, spectrum);
            for (int k = 0; k <= n / 2; k++) {
                float re = spectrum[k][0] * kernelSpectrum[k][0] - spectrum[k][1] * kernelSpectrum[k][1];
                float im = spectrum[k][0] * kernelSpectrum[k][1] + spectrum[k][1] * kernelSpectrum[k][0];
                spectrum[k][0] = re; spectrum[k][1] = im;
            }
            fftwf_execute_dft_c2r(backward, spectrum, work);
            checksum += work[n - 1];
        }
        frames += got;
    }
    double seconds = now() - start;
    printf("frames %lld channels %d seconds %.3f samples_per_s %.4g checksum %g\n", (long long)frames, channels,
           seconds, (double)frames * channels / seconds, checksum);
    sf_close(file);
    return 0;
}
