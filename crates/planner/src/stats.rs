//! The one percentile rule shared by the CLI's reports, the benches and the replay's
//! benchmark mode, so that their figures mean the same thing.
//!
//! Entry points: [`percentile`] on sorted values, [`sorted`] to sort them.

/// The `q`-quantile (`0.0..=1.0`) of `sorted` (ascending): the value at rank
/// `round((n - 1) q)` (nearest rank, no interpolation, so the figure is a measured
/// value). 0 when there are no values.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

/// `values` sorted ascending (total order: a NaN sorts last, so it shows in the max).
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The mean of `values`, 0 when there are none.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_sorted_values() {
        let v = sorted(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.99), 5.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert_eq!(percentile(&v, 0.6), 3.0); // rank round(2.4) = 2
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(mean(&v), 3.0);
        assert_eq!(mean(&[]), 0.0);
    }

    #[test]
    fn a_nan_sorts_last() {
        let v = sorted(&[f64::NAN, 1.0]);
        assert_eq!(v[0], 1.0);
        assert!(percentile(&v, 1.0).is_nan());
    }
}
