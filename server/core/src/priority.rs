//! Work that must not slow the threads answering the editor: run at a lower scheduling
//! priority (the index, a parse owed by a keystroke).

/// Lowers the calling thread's scheduling priority (Linux gives each thread its own nice value;
/// elsewhere it stays as it is). A thread cannot raise it again: call it on a thread of its own.
pub fn lower() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread's id only changes its own nice value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// Runs `work` on a new thread at a lower priority. When no thread can be made, `work` is
/// dropped unrun: a caller waiting on a channel it owns sees the sender gone.
pub fn spawn(name: &str, work: impl FnOnce() + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            lower();
            work();
        });
}
