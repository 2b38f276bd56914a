//! An analysis whose answer is no longer wanted ends early: a background job of a document
//! that has been edited since asks, between the items it queries, whether to go on.

use std::cell::{Cell, RefCell};

type Ask = Box<dyn Fn() -> bool>;

thread_local! {
    static ASK: RefCell<Option<Ask>> = const { RefCell::new(None) };
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` on this thread with `stop` asked between items; `None` when it was told to
/// stop (what it found then is partial, and thrown away).
pub fn unless<T>(stop: impl Fn() -> bool + 'static, work: impl FnOnce() -> T) -> Option<T> {
    ASK.with(|a| *a.borrow_mut() = Some(Box::new(stop)));
    STOPPED.with(|s| s.set(false));
    let out = work();
    ASK.with(|a| *a.borrow_mut() = None);
    (!STOPPED.with(|s| s.replace(false))).then_some(out)
}

/// Whether the work running under [`unless`] on this thread is to stop (never, outside it).
pub fn asked() -> bool {
    let stop = ASK.with(|a| a.borrow().as_ref().is_some_and(|ask| ask()));
    if stop {
        STOPPED.with(|s| s.set(true));
    }
    stop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_told_to_stop_gives_nothing_and_the_next_runs_whole() {
        let asked_at = std::rc::Rc::new(Cell::new(0));
        let count = asked_at.clone();
        let out = unless(
            move || {
                count.set(count.get() + 1);
                count.get() > 2
            },
            || (0..10).take_while(|_| !asked()).count(),
        );
        assert_eq!((out, asked_at.get()), (None, 3));
        assert_eq!(
            unless(|| false, || (0..10).filter(|_| !asked()).count()),
            Some(10)
        );
        // Outside `unless`, nothing stops.
        assert!(!asked());
    }
}
