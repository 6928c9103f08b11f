import CFFTW

/// The FFTW library the negacyclic transforms are linked against (TFHE is its only importer).
public enum FFTWLibrary {
    /// The run-time version string, e.g. "fftw-3.3.10-sse2-avx" (`fftw_version`).
    public static var version: String { String(cString: lockstep_fftw_version()) }
}
