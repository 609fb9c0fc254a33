import CSynkKernels

/// Whether synk's hand-vectorised loops (`CSynkKernels`, AVX2+FMA) run: the processor and the operating system
/// support them and `SYNK_KERNELS` is not `swift`. Decided once per process; every module asks here, so one
/// switch chooses between the kernels and their Swift reference loops everywhere. (The correlation kernel keeps
/// its own copy of this flag because it is also compiled on its own, without SynkCore, for the CI gate.)
@usableFromInline package enum VectorKernels {
    @usableFromInline package static let enabled = synk_kernels_enabled() != 0
    /// Whether the processor could run them (whatever `SYNK_KERNELS` says): tests compare both paths then.
    public static let available = synk_kernels_have_avx2_fma() != 0
    /// Whether the biquad sweeps run four sections at a time in 512-bit registers (bit for bit the results of
    /// the AVX2 sweeps, about 40 % fewer instructions): the kernels are enabled, the processor has AVX-512 F and
    /// DQ, and `SYNK_KERNELS` is not `avx2`.
    @usableFromInline package static let wideSweeps = enabled && synk_kernels_use_avx512() != 0
    /// Whether the processor could run the 512-bit sweeps (tests compare them with the AVX2 sweeps then).
    public static let wideSweepsAvailable = synk_kernels_have_avx512() != 0
}
