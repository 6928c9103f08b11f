#include <fftw3.h>

/* A software prefetch hint for the TFHE blind rotation: the next bootstrapping-key GGSW is
   requested while the current CMUX computes, so its memory traffic overlaps the FFTs. */
static inline void lockstep_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
