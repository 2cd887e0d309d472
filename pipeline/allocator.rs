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
//! Transparent huge pages are then turned off for the process (but while the dictionaries
//! that segmenting probes at random for every character are built: [`with_huge_pages`]).
//! mimalloc asks for them on its arenas (`madvise(MADV_HUGEPAGE)`), so the first touch of any
//! byte of a 2 MiB stretch of an arena zeroes all of it: perf still showed `clear_page_erms`
//! at 7–10 % of the CPU of a run on the 100 MB bench corpus, and 1.3 s of system time. With
//! 4 KiB pages only the pages touched are zeroed: on that corpus (2 threads, `--no-cache`, four
//! alternating runs each) system time 1.27 → 0.54 s, wall time 7.08 → 6.71 s, peak memory
//! 460 → 430 MB, for ten times the (cheap) page faults. The process flag is inherited by child
//! processes (the bench's children want it too; `govreport` starts none).
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
/// Call at the start of `main`, before other threads start (never inside [`with_huge_pages`],
/// which it waits for).
pub fn configure() {
    // Not inside a huge-page window (a test may be loading the dictionary meanwhile).
    let _closed = window_closed();
    // SAFETY: plain setters of mimalloc options. mimalloc writes the value without
    // synchronisation, so this is called before other threads allocate (a thread that read the
    // old value meanwhile would only purge or advise once more; no memory is at stake; the same
    // holds for `with_huge_pages`, which changes the THP option while other threads run).
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        // mimalloc reads this when it maps new memory (no madvise for huge pages from now on).
        mi_option_set(MI_OPTION_ALLOW_THP, 0);
    }
    // What mimalloc itself does when the option is 0 at its start (before main, too early for
    // us): the process flag, which also covers the arenas it has already mapped and advised. On
    // a kernel without it the call fails and nothing changes.
    set_thp_disabled(true);
}

/// The huge-page window of [`with_huge_pages`]: how many calls are inside it, and the settings
/// the first one found (put back by the last one out). [`configure`] waits until no call is
/// inside, so the two never interleave.
struct Window {
    depth: usize,
    /// The process's THP flag and mimalloc's option as found (None: nothing was changed).
    saved: Option<(bool, i64)>,
}

static WINDOW: std::sync::Mutex<Window> = std::sync::Mutex::new(Window { depth: 0, saved: None });
static WINDOW_CLOSED: std::sync::Condvar = std::sync::Condvar::new();

/// The window, once no call of [`with_huge_pages`] is inside it.
fn window_closed() -> std::sync::MutexGuard<'static, Window> {
    let w = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    WINDOW_CLOSED.wait_while(w, |w| w.depth > 0).unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with transparent huge pages allowed (the process flag off, and mimalloc free to
/// advise them on the memory it maps meanwhile), then puts back the settings it found. For the
/// large tables a run reads at random from then on: jieba's dictionary (its trie is probed for
/// every character segmented) and the IDF table. On 4 KiB pages, which the process uses
/// otherwise (see [`configure`]), most probes of the trie also missed the TLB; built on 2 MiB
/// pages, the tables stay on them after the flag is back (it only governs new faults). On the
/// 100 MB bench corpus, 2 threads, eight alternating runs each: wall time −4.4 %, CPU −4.1 %,
/// peak memory +17 MB. About 180 MB ends up on huge pages (other threads' allocations during
/// the loads get them too), zeroed once by the kernel: 3.5 % of that run's samples, included.
/// Where the kernel's THP mode is `never`, or it has no such flag, nothing changes.
///
/// Calls may overlap and nest (the two tables load on two threads, and loading the IDF table
/// asks for the dictionary): the first one in lifts the settings, the last one out puts them
/// back, also when `f` panics. The flag is the process's: threads allocating meanwhile may get
/// huge pages as well, which costs memory, not correctness.
pub fn with_huge_pages<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let mut w = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
            w.depth -= 1;
            if w.depth == 0 {
                if let Some((was_disabled, thp_was)) = w.saved.take() {
                    // SAFETY: a plain option write (see `configure`).
                    unsafe { mi_option_set(MI_OPTION_ALLOW_THP, thp_was as c_long) };
                    if was_disabled {
                        set_thp_disabled(true);
                    }
                }
                WINDOW_CLOSED.notify_all();
            }
        }
    }
    {
        let mut w = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
        if w.depth == 0 {
            // Only where the kernel says how the flag stands: elsewhere mimalloc's option is
            // left alone too (advised memory without the flag to stop it would zero 2 MiB per
            // fault for the rest of the run).
            w.saved = thp_disabled().map(|was_disabled| {
                let thp_was = allow_thp();
                if was_disabled {
                    set_thp_disabled(false);
                }
                // SAFETY: a plain option write (see `configure`).
                unsafe { mi_option_set(MI_OPTION_ALLOW_THP, 1) };
                (was_disabled, thp_was)
            });
        }
        w.depth += 1;
    }
    let _leave = Leave;
    f()
}

/// Whether transparent huge pages are off for the process (None where the kernel or a sandbox
/// does not say).
fn thp_disabled() -> Option<bool> {
    #[cfg(target_os = "linux")]
    {
        let zero = 0 as libc::c_ulong;
        // SAFETY: PR_GET_THP_DISABLE reads the process flag and changes nothing.
        let flag = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, zero, zero, zero, zero) };
        (flag >= 0).then_some(flag == 1)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Sets the process's THP flag; on a kernel without it the call fails and nothing changes.
fn set_thp_disabled(disabled: bool) {
    #[cfg(target_os = "linux")]
    {
        let zero = 0 as libc::c_ulong;
        // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and changes no
        // memory of ours.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, disabled as libc::c_ulong, zero, zero, zero) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = disabled;
}

/// Runs `f` while no settings change (for reading them in tests that run beside a dictionary
/// load).
#[cfg(test)]
fn settled<R>(f: impl FnOnce() -> R) -> R {
    let _closed = window_closed();
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
    /// process flag is on where the kernel has it; inside `with_huge_pages` both are lifted, and
    /// put back after it. The only test that calls `configure`, so the defaults are seen; other
    /// tests allocate on other threads meanwhile, which the options tolerate (see `configure`),
    /// and may load the dictionary inside a window of their own (the settings are read once no
    /// window is open).
    #[test]
    fn configure_keeps_freed_memory_and_turns_huge_pages_off_but_for_a_closure() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert!(super::purge_delay() >= 0, "default purge delay {}", super::purge_delay());
        }
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            assert_eq!(super::allow_thp(), 1, "default of allow_thp");
        }
        super::configure();
        let (purge, thp, flag) = super::settled(|| (super::purge_delay(), super::allow_thp(), super::thp_disabled()));
        assert_eq!(purge, -1);
        assert_eq!(thp, 0);
        // None where the kernel (or a sandbox) does not offer the flag, and then `configure`
        // could not set it either.
        assert!(matches!(flag, Some(true) | None), "THP flag {flag:?}");
        // Huge pages for the length of a closure (nested too), and off again after it.
        let (thp_inside, flag_inside, nested) = super::with_huge_pages(|| {
            let nested = super::with_huge_pages(|| (super::allow_thp(), super::thp_disabled()));
            (super::allow_thp(), super::thp_disabled(), nested)
        });
        if flag.is_some() {
            assert_eq!((thp_inside, flag_inside), (1, Some(false)));
            assert_eq!(nested, (1, Some(false)));
        }
        let (thp, flag_after) = super::settled(|| (super::allow_thp(), super::thp_disabled()));
        assert_eq!((thp, flag_after), (0, flag));
        // Put back when the closure panics, too.
        let caught = std::panic::catch_unwind(|| super::with_huge_pages(|| panic!("inside the window")));
        assert!(caught.is_err());
        let (thp, flag_after) = super::settled(|| (super::allow_thp(), super::thp_disabled()));
        assert_eq!((thp, flag_after), (0, flag));
    }
}
