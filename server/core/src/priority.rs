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

/// Runs `work` on a new thread at a lower priority; `done` gets its result. Falls back to the
/// calling thread when no thread can be made.
pub fn spawn<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
    done: impl FnOnce(T) + Send + 'static,
) {
    let job = std::sync::Arc::new(std::sync::Mutex::new(Some((work, done))));
    let mine = job.clone();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            lower();
            if let Some((work, done)) = mine.lock().ok().and_then(|mut j| j.take()) {
                done(work());
            }
        });
    if spawned.is_err() {
        if let Some((work, done)) = job.lock().ok().and_then(|mut j| j.take()) {
            done(work());
        }
    }
}
