import CKernels

/// The model's arithmetic runs with subnormal floats flushed to zero (FTZ and DAZ), on every
/// thread that computes part of a pass, and the caller's mode is restored afterwards.
///
/// Why: on x86-64 each instruction that reads or makes a subnormal (|x| < 1.2e-38) costs a
/// ~100-cycle microcode assist. Hymba's SSM decays `exp(A·ΣΔ)` pass through that range on their
/// way to zero, and the SSM implicit attention feeds them to sgemms by the million: with
/// subnormals kept, `--record ssm_mass` on the 1.5B shape cut to 4 layers took 2.9× a plain
/// prefill, flushed 1.5×, and the plain prefill itself lost 5–10 %. A flushed value differs from
/// the IEEE one by less than 1.2e-38 — nothing the parity criterion (2e-4 of a tensor's largest
/// entry) or any figure can see.
///
/// The mode is per thread: `WorkspacePool.with` sets it around every forward pass on the calling
/// thread, and each `concurrentPerform` body of the passes sets it on its worker (a worker may
/// be a pool thread that last ran someone else's code).
enum SubnormalFlush {
    @inline(__always)
    static func scope<R>(_ body: () throws -> R) rethrows -> R {
        let previous = hl_flush_subnormals()
        defer { hl_restore_float_mode(previous) }
        return try body()
    }
}
