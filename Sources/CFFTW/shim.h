// FFTW 3: single precision (fftwf_*) for signals, double (fftw_*) where accuracy needs it.
#include <fftw3.h>
