//! Catching a panic of third-party decoding code without the default hook's
//! "thread '…' panicked at …" on stderr.
//!
//! Panic hooks are process-global, so swapping the hook around each call would race:
//! a panic on another thread inside the window would be silenced (or a hook set there
//! lost when ours is restored). Instead one forwarding hook is installed once; it stays
//! silent only on a thread that is inside [`catch_quietly`] (a thread-local flag) and
//! hands every other panic to the hook that was installed before it.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, PanicHookInfo, UnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Runs `f`; a panic inside it (on this thread) prints nothing and comes back as
/// `Err` with the panic's message and source location.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R + UnwindSafe) -> Result<R, String> {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                CAUGHT.with(|c| *c.borrow_mut() = Some(describe(info)));
            } else {
                previous(info);
            }
        }));
    });
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(f);
    QUIET.with(|q| q.set(was_quiet));
    result.map_err(|_| {
        CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| "a panic".to_string())
    })
}

fn describe(info: &PanicHookInfo) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    match info.location() {
        Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::catch_quietly;

    #[test]
    fn a_caught_panic_is_an_error_with_its_message_and_place() {
        let e = catch_quietly(|| -> u32 { panic!("decoder gave up") }).unwrap_err();
        assert!(e.starts_with("decoder gave up (at "), "{e}");
        assert!(e.contains("quiet_panic.rs"), "{e}");
        assert_eq!(catch_quietly(|| 7), Ok(7));
    }

    #[test]
    fn other_threads_keep_their_panic_reports() {
        // Another thread's panic is not captured by this thread's quiet section.
        let inner = std::thread::spawn(|| catch_quietly(|| 1)).join().unwrap();
        assert_eq!(inner, Ok(1));
        let outer = catch_quietly(|| std::thread::spawn(|| panic!("elsewhere")).join().is_err());
        assert_eq!(outer, Ok(true), "a panic on another thread is not this call's error");
    }
}
