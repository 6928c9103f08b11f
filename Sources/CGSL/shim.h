#include <gsl/gsl_errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_math.h>

// `gsl_version` is a mutable C global to Swift's concurrency checker; GSL sets it at load time
// only, so reading it through a function is safe.
static inline const char *lockstep_gsl_version(void) { return gsl_version; }
