//! Stopping long work that nobody is waiting for any more.
//!
//! A [`CancelFlag`] is shared between whoever started a piece of work and the threads doing
//! it; the workers check it between units of work (one visit replay, say) and stop early. A
//! flag can have a parent — the server's own shutdown flag — so that one signal stops every
//! piece of work at once. [`CancelOnDrop`] raises a flag when the request that owns the work is
//! dropped: answered, timed out, or abandoned by its client.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared "stop now" signal, optionally chained to a parent's.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag {
    own: Arc<AtomicBool>,
    parent: Option<Arc<AtomicBool>>,
}

impl CancelFlag {
    /// A new, lowered flag with no parent.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// A new flag that also counts as raised once `self` is raised.
    pub fn child(&self) -> CancelFlag {
        CancelFlag { own: Arc::new(AtomicBool::new(false)), parent: Some(self.own.clone()) }
    }

    /// Raises the flag (its children see it too).
    pub fn cancel(&self) {
        self.own.store(true, Ordering::Relaxed);
    }

    /// Whether this flag or its parent has been raised.
    pub fn is_cancelled(&self) -> bool {
        self.own.load(Ordering::Relaxed) || self.parent.as_ref().is_some_and(|p| p.load(Ordering::Relaxed))
    }

    /// A guard that raises this flag when dropped.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Raises its flag when dropped; held by the request that owns the work.
#[derive(Debug)]
pub struct CancelOnDrop(CancelFlag);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_stops_with_its_parent_but_not_the_other_way_round() {
        let server = CancelFlag::new();
        let (a, b) = (server.child(), server.child());
        a.cancel();
        assert!(a.is_cancelled() && !b.is_cancelled() && !server.is_cancelled());
        server.cancel();
        assert!(b.is_cancelled());
    }

    #[test]
    fn dropping_the_guard_raises_the_flag() {
        let flag = CancelFlag::new();
        {
            let _guard = flag.cancel_on_drop();
            assert!(!flag.is_cancelled());
        }
        assert!(flag.is_cancelled());
    }
}
