//! Virtual time for the resolver tests: a [`Timer`] whose sleeps end when the test's executor
//! moves the clock to their deadline, so hedges, deadlines and upstream delays are exact and a
//! test takes no wall-clock time.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crate::alias::Timer;

#[derive(Default)]
struct State {
    now_ms: u64,
    sleepers: Vec<(u64, Waker)>,
}

/// A clock shared by the timer port and the scripted upstreams of one test.
#[derive(Clone, Default)]
pub struct VirtualClock(Rc<RefCell<State>>);

impl VirtualClock {
    /// Milliseconds since the test started.
    pub fn now_ms(&self) -> u64 {
        self.0.borrow().now_ms
    }

    /// Runs `future` to completion, moving the clock to the next deadline whenever nothing else
    /// can make progress (nothing woke the future since its last poll). Panics if the future
    /// waits on something that is neither a sleep nor woken by another part of itself.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            if woken.0.swap(false, Ordering::AcqRel) {
                continue;
            }
            let mut state = self.0.borrow_mut();
            let next = state
                .sleepers
                .iter()
                .map(|(at, _)| *at)
                .min()
                .expect("the future waits on something other than the virtual clock");
            state.now_ms = state.now_ms.max(next);
            let now = state.now_ms;
            let (due, waiting): (Vec<_>, Vec<_>) =
                state.sleepers.drain(..).partition(|(at, _)| *at <= now);
            state.sleepers = waiting;
            drop(state);
            for (_, waker) in due {
                waker.wake();
            }
        }
    }
}

/// Notes that something woke the future run (a flight ended, a sleep came due).
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// A sleep on the virtual clock.
struct Sleep {
    clock: VirtualClock,
    until: u64,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.clock.0.borrow_mut();
        if state.now_ms >= self.until {
            return Poll::Ready(());
        }
        state.sleepers.push((self.until, cx.waker().clone()));
        Poll::Pending
    }
}

impl Timer for VirtualClock {
    async fn sleep(&self, ms: u32) {
        let until = self.now_ms() + u64::from(ms);
        Sleep {
            clock: self.clone(),
            until,
        }
        .await;
    }

    fn elapsed_ms(&self) -> u64 {
        self.now_ms()
    }
}

#[test]
fn sleeps_end_in_deadline_order_without_waiting() {
    use futures::future::join;
    let clock = VirtualClock::default();
    let order = RefCell::new(Vec::new());
    let a = async {
        clock.sleep(300).await;
        order.borrow_mut().push(("a", clock.now_ms()));
    };
    let b = async {
        clock.sleep(100).await;
        order.borrow_mut().push(("b", clock.now_ms()));
        clock.sleep(50).await;
        order.borrow_mut().push(("b2", clock.now_ms()));
    };
    clock.run(join(a, b));
    assert_eq!(*order.borrow(), [("b", 100), ("b2", 150), ("a", 300)]);
}
