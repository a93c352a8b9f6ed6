//! A bucket queue (Dial's algorithm): the priority queue of the city's shortest-path
//! trees.
//!
//! Why not [`super::radix::RadixHeap`]: a tree's keys are distances of float precision,
//! and a radix heap moves each element down its buckets once per bit in which the open
//! keys differ (about twenty times here). Buckets one cell of distance wide cost one
//! push and one pop per element instead. Within a bucket the order is last in, first
//! out; Dijkstra stays exact because no move is shorter than the bucket width: when a
//! cell pops, every cell that could still shorten its distance is at least one move
//! length nearer the start, so it sits in an earlier bucket and has popped already.

/// Monotone queue of cell indices by distance; distances pushed must not be below the
/// bucket last popped, nor more than [`BucketQueue::new`]'s `span` above it.
#[derive(Debug)]
pub(crate) struct BucketQueue {
    /// Circular: absolute bucket `b` is `buckets[b % buckets.len()]`.
    buckets: Vec<Vec<u32>>,
    /// Buckets per unit of distance.
    per_unit: f64,
    /// Absolute index of the bucket popped from last.
    current: usize,
    len: usize,
}

impl BucketQueue {
    /// A queue for distances that grow by steps of at least `1 / per_unit` and at most
    /// `span` per push.
    pub(crate) fn new(per_unit: f64, span: f64) -> BucketQueue {
        let count = (span * per_unit).ceil() as usize + 2;
        BucketQueue { buckets: vec![Vec::new(); count], per_unit, current: 0, len: 0 }
    }

    /// Inserts `value` at distance `g`.
    #[inline]
    pub(crate) fn push(&mut self, g: f64, value: u32) {
        let b = ((g * self.per_unit) as usize).max(self.current);
        debug_assert!(b < self.current + self.buckets.len(), "distance beyond the span");
        let n = self.buckets.len();
        self.buckets[b % n].push(value);
        self.len += 1;
    }

    /// Removes a value of the lowest bucket.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let n = self.buckets.len();
        while self.buckets[self.current % n].is_empty() {
            self.current += 1;
        }
        self.len -= 1;
        self.buckets[self.current % n].pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_bucket_by_bucket_under_monotone_use() {
        let mut q = BucketQueue::new(4.0, 7.0);
        let mut s = 12345u64;
        let mut last = 0.0f64;
        let mut open: Vec<(f64, u32)> = Vec::new();
        for round in 0..3000u32 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let g = last + 7.0 * (s >> 11) as f64 / (1u64 << 53) as f64;
            q.push(g, round);
            open.push((g, round));
            if round % 3 == 0 {
                let v = q.pop().unwrap();
                let at = open.iter().position(|&(_, w)| w == v).unwrap();
                let (g, _) = open.swap_remove(at);
                let lowest = open.iter().map(|e| e.0).fold(g, f64::min);
                assert!((g * 4.0).floor() <= (lowest * 4.0).floor(), "{g} popped before {lowest}");
                last = last.max(g);
            }
        }
        while let Some(v) = q.pop() {
            let at = open.iter().position(|&(_, w)| w == v).unwrap();
            open.swap_remove(at);
        }
        assert!(open.is_empty());
    }
}
