//! A radix heap: a monotone min-priority queue on `u64` keys.
//!
//! Why: Dijkstra, and A* with a consistent heuristic, pop keys in non-decreasing order,
//! and a radix heap exploits that. Each element moves to a lower bucket at most 64
//! times, and equal keys pop last-in first-out, which suits depth-first tie-breaking.
//! Keys below the last popped key are raised to it, so callers never violate
//! monotonicity.

/// Monotone min-priority queue of `(key, value)` pairs; values are voxel or cell
/// indices, or whatever else a search wants back with its key.
#[derive(Debug)]
pub(crate) struct RadixHeap<V = u32> {
    /// Bucket `i > 0` holds keys whose highest bit differing from `last` is bit `i - 1`;
    /// bucket 0 holds keys equal to `last`.
    buckets: Vec<Vec<(u64, V)>>,
    last: u64,
    len: usize,
}

impl<V: Copy> RadixHeap<V> {
    pub(crate) fn new() -> Self {
        RadixHeap { buckets: (0..65).map(|_| Vec::new()).collect(), last: 0, len: 0 }
    }

    /// Empties the queue, keeping its memory.
    pub(crate) fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.last = 0;
        self.len = 0;
    }

    #[inline]
    fn bucket(&self, key: u64) -> usize {
        (64 - (key ^ self.last).leading_zeros()) as usize
    }

    /// Inserts `value` with priority `key` (raised to the last popped key if lower).
    #[inline]
    pub(crate) fn push(&mut self, key: u64, value: V) {
        let key = key.max(self.last);
        let b = self.bucket(key);
        self.buckets[b].push((key, value));
        self.len += 1;
    }

    /// Removes an element with the smallest key.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(u64, V)> {
        if self.buckets[0].is_empty() {
            if self.len == 0 {
                return None;
            }
            let i = self.buckets.iter().position(|b| !b.is_empty())?;
            let items = std::mem::take(&mut self.buckets[i]);
            self.last = items.iter().map(|e| e.0).min()?;
            for &(k, v) in &items {
                let b = self.bucket(k);
                self.buckets[b].push((k, v));
            }
            // Keep the drained vector's capacity for reuse.
            let mut items = items;
            items.clear();
            self.buckets[i] = items;
        }
        self.len -= 1;
        self.buckets[0].pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_key_order_under_monotone_use() {
        let mut h = RadixHeap::new();
        let mut s = 12345u64;
        let mut reference = std::collections::BinaryHeap::new();
        let mut last = 0;
        for round in 0..2000u32 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = last + (s >> 40);
            h.push(key, round);
            reference.push(std::cmp::Reverse(key));
            if round % 3 == 0 {
                let (k, _) = h.pop().unwrap();
                assert_eq!(k, reference.pop().unwrap().0);
                last = k;
            }
        }
        while let Some((k, _)) = h.pop() {
            assert_eq!(k, reference.pop().unwrap().0);
        }
        assert!(reference.is_empty());
    }
}
