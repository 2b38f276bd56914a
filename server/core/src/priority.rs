//! Work that must not slow the threads answering the editor: run at a lower scheduling
//! priority (the index, a parse owed by a keystroke).

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
