//! glibc malloc settings for the native CLI and benches: keep freed tensor buffers for reuse.
//!
//! burn's CPU backend allocates a fresh buffer for every tensor op. A U-Net restorer step's
//! activations are a few megabytes each, and glibc served them with `mmap`/`munmap` and trimmed
//! the heap after frees, so ~11% of a restorer-only training step was kernel time (page faults on
//! fresh pages). Raising the mmap and trim thresholds keeps those pages in the heap: the 15-minute
//! pipeline's restorer phase runs ~5–8% faster (kernel time 4.3 s → 0.1 s per 200 steps), with
//! byte-identical weights (README "Benchmarks"). Elsewhere (wasm, other libcs) this does nothing.

/// glibc's ceiling for `M_MMAP_THRESHOLD` on 64-bit targets (`HEAP_MAX_SIZE / 2`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;
/// Free memory at the heap's top kept rather than given back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 256 << 20;

/// Serves allocations up to 32 MiB from the heap and keeps up to 256 MiB of freed memory at
/// its top. Call once, first thing in `main`. Returns whether glibc took both settings.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_buffers() -> bool {
    // SAFETY: mallopt only changes the allocator's tuning parameters; glibc serialises it
    // against allocation on its own lock, and both values are within glibc's documented ranges.
    let (mmap, trim) = unsafe {
        (
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    };
    mmap == 1 && trim == 1 // each setting tried even if the other is refused
}

/// No glibc here (wasm, musl, other systems): nothing to tune; returns false.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_buffers() -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_takes_the_settings() {
        let took = super::keep_buffers();
        assert_eq!(took, cfg!(all(target_os = "linux", target_env = "gnu")));
    }
}
