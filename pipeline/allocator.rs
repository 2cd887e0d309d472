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
//!
//! Transparent huge pages are then turned off for the process. mimalloc asks for them on its
//! arenas (`madvise(MADV_HUGEPAGE)`), so the first touch of any byte of a 2 MiB stretch of an
//! arena zeroes all of it: perf still showed `clear_page_erms` at 7–10 % of the CPU of a run
//! on the 100 MB bench corpus, and 1.3 s of system time. With 4 KiB pages only the pages
//! touched are zeroed: on that corpus (2 threads, `--no-cache`, four alternating runs each)
//! system time 1.27 → 0.54 s, wall time 7.08 → 6.71 s, peak memory 460 → 430 MB, for ten times
//! the (cheap) page faults. The process flag is inherited by child processes (the bench's
//! children want it too; `govreport` starts none).
//!
//! The option indexes below are those of the mimalloc that `Cargo.lock` pins (libmimalloc-sys
//! 0.1.49, mimalloc v3); the unit test checks both against their defaults.

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

/// `mi_option_allow_thp` in the same header.
const MI_OPTION_ALLOW_THP: c_int = 43;

/// Sets the allocator up for a run: memory freed by the process is kept for reuse instead of
/// being returned to the OS, and transparent huge pages are off (see the module comment).
/// Call at the start of `main`, before other threads start.
pub fn configure() {
    let _settings = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: plain setters of mimalloc options. mimalloc writes the value without
    // synchronisation, so this is called before other threads allocate (a thread that read the
    // old value meanwhile would only purge or advise once more; no memory is at stake).
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        // mimalloc reads this when it maps new memory (no madvise for huge pages from now on).
        mi_option_set(MI_OPTION_ALLOW_THP, 0);
    }
    // What mimalloc itself does when the option is 0 at its start (before main, too early for
    // us): the process flag, which also covers the arenas it has already mapped and advised.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and changes no memory
    // of ours; on a kernel without it the call fails and nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong);
    }
}

/// Held while the allocator settings change: [`configure`] and [`with_huge_pages`] (which
/// restores what it found) never interleave.
static SETTINGS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with transparent huge pages allowed (the process flag off, and mimalloc free to
/// advise them on the memory it maps meanwhile), then turns them off again as [`configure`]
/// left them. For the large tables that every later step reads at random: jieba's dictionary
/// trie and its IDF table (`segment::warm`). On 4 KiB pages the trie walk, about a tenth of a
/// run, missed the TLB on most probes; built on 2 MiB pages it stays on them after the flag is
/// back (the flag only governs new faults). On the 100 MB bench corpus, 2 threads, six
/// alternating runs each: wall time −7 %, CPU −6 %, peak memory +20 MB (other threads'
/// allocations made during the load get huge pages too). Where the kernel's THP mode is
/// `never`, nothing changes.
///
/// The flag is the process's: threads allocating meanwhile may get huge pages as well, which
/// costs memory, not correctness (the same benign race as in [`configure`]). `f` runs under the
/// settings lock, so it must not call this again.
pub fn with_huge_pages<R>(f: impl FnOnce() -> R) -> R {
    let _settings = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    let zero = 0 as libc::c_ulong;
    // SAFETY: prctl with PR_GET/SET_THP_DISABLE takes integer arguments only and changes no
    // memory of ours; where the kernel lacks it the calls fail and nothing changes. The
    // mimalloc setters are plain option writes (see `configure`).
    #[cfg(target_os = "linux")]
    let was_disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, zero, zero, zero, zero) } == 1;
    #[cfg(not(target_os = "linux"))]
    let was_disabled = false;
    let thp_was = allow_thp();
    unsafe {
        #[cfg(target_os = "linux")]
        if was_disabled {
            libc::prctl(libc::PR_SET_THP_DISABLE, zero, zero, zero, zero);
        }
        mi_option_set(MI_OPTION_ALLOW_THP, 1);
    }
    let out = f();
    unsafe {
        mi_option_set(MI_OPTION_ALLOW_THP, thp_was as c_long);
        #[cfg(target_os = "linux")]
        if was_disabled {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, zero, zero, zero);
        }
    }
    let _ = zero;
    out
}

/// Runs `f` while no settings change (for reading them in tests that run beside a dictionary
/// load).
#[cfg(test)]
fn settled<R>(f: impl FnOnce() -> R) -> R {
    let _settings = SETTINGS.lock().unwrap_or_else(|e| e.into_inner());
    f()
}

/// The purge delay in force (ms; -1 = never).
pub fn purge_delay() -> i64 {
    // SAFETY: plain getter of a mimalloc option.
    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) as i64 }
}

/// Whether mimalloc may ask for transparent huge pages (its option; 1 by default).
pub fn allow_thp() -> i64 {
    // SAFETY: plain getter of a mimalloc option.
    unsafe { mi_option_get(MI_OPTION_ALLOW_THP) as i64 }
}

#[cfg(test)]
mod tests {
    /// Both options are the ones meant: their defaults (a delay in milliseconds, 1000 in
    /// mimalloc v3; huge pages allowed, 1) would be other values if an index pointed at another
    /// option (unless the environment already sets them). Then both are set, and on Linux the
    /// process flag is on where the kernel has it. The only test that calls `configure`, so the
    /// defaults are seen; other tests allocate on other threads meanwhile, which the options
    /// tolerate (see `configure`).
    /// The process's THP flag (1 when huge pages are off for it; -1 where there is none).
    fn thp_flag() -> i32 {
        #[cfg(target_os = "linux")]
        {
            let zero = 0 as libc::c_ulong;
            // SAFETY: PR_GET_THP_DISABLE reads the process flag and changes nothing.
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, zero, zero, zero, zero) }
        }
        #[cfg(not(target_os = "linux"))]
        -1
    }

    #[test]
    fn configure_keeps_freed_memory_and_turns_huge_pages_off_but_for_a_closure() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!(super::purge_delay() >= 0, "default purge delay {}", super::purge_delay());
        }
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            assert_eq!(super::allow_thp(), 1, "default of allow_thp");
        }
        super::configure();
        // Read under the settings lock: a test beside this one may be loading the dictionary
        // on huge pages meanwhile (it puts back what it found).
        let (purge, thp, flag) = super::settled(|| (super::purge_delay(), super::allow_thp(), thp_flag()));
        assert_eq!(purge, -1);
        assert_eq!(thp, 0);
        // -1 where the kernel (or a sandbox) does not offer the flag, and then `configure`
        // could not set it either.
        assert!(flag == 1 || flag == -1, "THP flag {flag}");
        // Huge pages for the length of a closure, and off again after it.
        let (thp_inside, flag_inside) = super::with_huge_pages(|| (super::allow_thp(), thp_flag()));
        assert_eq!(thp_inside, 1);
        assert!(flag_inside == 0 || flag_inside == -1, "THP flag {flag_inside} inside");
        let (thp, flag) = super::settled(|| (super::allow_thp(), thp_flag()));
        assert_eq!(thp, 0);
        assert!(flag == 1 || flag == -1, "THP flag {flag} after");
    }
}
