//! Work that must not slow the threads answering the editor: run at a lower scheduling
//! priority (the index and its pools, a parse owed by a keystroke).

/// Lowers the calling thread's scheduling priority to nice 10 (Linux gives each thread its own
/// nice value; elsewhere it stays as it is). A thread cannot raise it again: call it on a
/// thread of its own.
pub fn lower() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's id only changes its own nice value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// Lower still: the calling thread runs only when no other wants the core (`SCHED_IDLE` on
/// Linux, nice 10 elsewhere). At nice 10 the scheduler still lets a running thread finish its
/// slice before a woken one gets the core, and the answer to a keystroke passes through
/// several threads on its way out: with the parse a keystroke owed at nice 10, typing in a
/// broken Python file was answered at p99 8.7-9.7 ms; as `SCHED_IDLE`, 6.8-7.8 ms. For short
/// work only: any busy thread starves it (the index, minutes long, stays at nice 10).
pub fn lowest() {
    lower();
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler on pid 0 changes the calling thread's own policy; `param`
    // outlives the call.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
    }
}

/// Runs `work` on a new thread at the [`lowest`] priority. When no thread can be made, `work`
/// is dropped unrun: a caller waiting on a channel it owns sees the sender gone.
pub fn spawn(name: &str, work: impl FnOnce() + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            lowest();
            work();
        });
}

/// Runs `work` on every core at a lower priority than the threads that answer the editor (on
/// the current pool when no pool can be made): bulk runs and the parse of what the index
/// owes. One pool for the process, made when first needed.
pub(crate) fn in_background<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    on_pool(&POOL, "aigis-index", work)
}

/// As [`in_background`], for the files a question needs parsed: a pool of its own, so that a
/// question does not queue behind the background parse of the whole tree.
pub(crate) fn for_question<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    on_pool(&POOL, "aigis-ask", work)
}

fn on_pool<T: Send>(
    pool: &'static std::sync::OnceLock<Option<rayon::ThreadPool>>,
    name: &'static str,
    work: impl FnOnce() -> T + Send,
) -> T {
    let pool = pool.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(move |i| format!("{name}-{i}"))
            .start_handler(|_| lower())
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}
