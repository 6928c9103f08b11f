#include <fftw3.h>

// `fftw_version` is an array of unknown size, which Swift does not import; a function returning
// its address does. FFTW sets it at build time only.
static inline const char *lockstep_fftw_version(void) { return fftw_version; }
