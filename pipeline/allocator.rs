//! The allocator of every program built on this crate (the command, the benches, the tests):
//! mimalloc, and its settings.
//!
//! mimalloc because small per-token allocations dominate a run and glibc malloc cost ~15% of it.
//!
//! A run allocates and frees large buffers batch after batch (token vectors, row buffers,
//! Parquet pages). By default mimalloc hands freed memory back to the OS after a short delay,
//! and the next batch faults it in again; with transparent huge pages every fault zeroes 2 MiB,
//! which perf showed as `clear_page_erms` at 5–15% of a run. Keeping freed memory for reuse
//! removes that; peak memory is what it was (the peak is reached either way) and stays
//! bounded because batches are bounded.

use std::os::raw::{c_int, c_long};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_get(option: c_int) -> c_long;
}

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (v3, as built by libmimalloc-sys 0.1.49;
/// the Rust bindings don't name it). -1 means "never purge".
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// Keeps memory freed by the process for reuse instead of returning it to the OS.
/// Call at the start of `main`, before the work starts.
pub fn keep_freed_memory() {
    // SAFETY: plain setter of a mimalloc option; valid at any time, from any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// The purge delay in force (ms; -1 = never).
pub fn purge_delay() -> i64 {
    // SAFETY: plain getter of a mimalloc option.
    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) as i64 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_set_to_never() {
        // The default is a delay in milliseconds (1000 in mimalloc v3): if the option index
        // ever pointed at another option, this default check would catch it. (Unless the
        // environment already sets the option.)
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!(super::purge_delay() >= 0, "default purge delay {}", super::purge_delay());
        }
        super::keep_freed_memory();
        assert_eq!(super::purge_delay(), -1);
    }
}
