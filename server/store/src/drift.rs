//! Drift detection: a two-sided Page-Hinkley test on standardized scores.
//!
//! Each observation `x` is standardized against the series before it, `z = (x − mean) / sd`,
//! with the running mean and standard deviation (Welford) and `sd` floored at [`SD_FLOOR`] so a
//! series that has been constant does not turn the next small wobble into a huge `z`. Two
//! cumulative sums follow `z`: `up += z − k` and `down += −z − k`. The test fires when a sum
//! rises more than `h` above its lowest point: the mean moved by more than `k` standard
//! deviations, for long enough to pile up `h` of evidence.
//!
//! Defaults: `k = 0.5`, `h = 6`, no alarm before 8 observations. Measured by simulation
//! (`drift::tests`): ratings drawn at random from {3, 4, 5} or 1–5 with a steady mean raise
//! about one false alarm per 2,000 observations; a drop of one point on such ratings is caught
//! after about 9 observations (median), a drop of one point on scores that vary by ±0.3 after
//! about 5.
//!
//! The monitor restarts after each alarm (one shift, one alert), so its state is a handful of
//! numbers, updated in constant time per observation.

use serde::{Deserialize, Serialize};

/// The smallest standard deviation the standardization uses, in score points.
pub const SD_FLOOR: f64 = 0.5;

/// Which way the mean moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            other => Err(format!("unknown direction `{other}`")),
        }
    }
}

/// The test's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageHinkley {
    /// The shift tolerated as noise, in standard deviations.
    pub k: f64,
    /// The evidence needed to fire, in standard deviations.
    pub h: f64,
    /// Observations seen before the test may fire.
    pub burn_in: u32,
}

impl Default for PageHinkley {
    fn default() -> Self {
        Self {
            k: 0.5,
            h: 6.0,
            burn_in: 8,
        }
    }
}

/// A detected shift.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub direction: Direction,
    /// How many observations the monitor had seen when it fired.
    pub observations: u32,
    /// Mean before the estimated change point, and from it on.
    pub baseline: f64,
    pub recent: f64,
}

/// One side's cumulative sum, its lowest point, and the series' running total there (to split
/// the series at the estimated change point).
#[derive(Debug, Clone, Default, PartialEq)]
struct Side {
    sum: f64,
    lowest: f64,
    total_at_lowest: f64,
    count_at_lowest: u32,
}

impl Side {
    fn push(&mut self, step: f64, total: f64, count: u32) -> f64 {
        self.sum += step;
        if self.sum < self.lowest {
            self.lowest = self.sum;
            self.total_at_lowest = total;
            self.count_at_lowest = count;
        }
        self.sum - self.lowest
    }
}

/// The test's state over one series since its last alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    test: PageHinkley,
    count: u32,
    total: f64,
    mean: f64,
    /// Sum of squared deviations (Welford).
    squares: f64,
    up: Side,
    down: Side,
}

impl Monitor {
    pub fn new(test: PageHinkley) -> Self {
        Self {
            test,
            count: 0,
            total: 0.0,
            mean: 0.0,
            squares: 0.0,
            up: Side::default(),
            down: Side::default(),
        }
    }

    pub fn observations(&self) -> u32 {
        self.count
    }

    /// Add an observation; a shift if the test fires on it. Non-finite values are ignored.
    pub fn push(&mut self, value: f64) -> Option<Shift> {
        if !value.is_finite() {
            return None;
        }
        // Standardize against the series *before* this value (a one-step-ahead error): the
        // value's own pull on the mean and spread would dull the first signs of a shift.
        let sd = if self.count > 1 {
            (self.squares / f64::from(self.count - 1)).sqrt()
        } else {
            0.0
        }
        .max(SD_FLOOR);
        let z = if self.count == 0 {
            0.0
        } else {
            (value - self.mean) / sd
        };
        self.count += 1;
        self.total += value;
        let deviation = value - self.mean;
        self.mean += deviation / f64::from(self.count);
        self.squares += deviation * (value - self.mean);
        // A side's lowest point here splits the series after this value: it still belongs to
        // the baseline, the shift starts with the next one.
        let rise = self.up.push(z - self.test.k, self.total, self.count);
        let fall = self.down.push(-z - self.test.k, self.total, self.count);
        if self.count < self.test.burn_in {
            return None;
        }
        let side = if fall > self.test.h {
            (Direction::Down, &self.down)
        } else if rise > self.test.h {
            (Direction::Up, &self.up)
        } else {
            return None;
        };
        let (direction, side) = side;
        let before = side.count_at_lowest;
        let after = self.count - before;
        Some(Shift {
            direction,
            observations: self.count,
            baseline: if before > 0 {
                side.total_at_lowest / f64::from(before)
            } else {
                self.mean
            },
            recent: (self.total - side.total_at_lowest) / f64::from(after.max(1)),
        })
    }
}

impl PageHinkley {
    /// The first shift in `series`, if any.
    pub fn detect(&self, series: &[f64]) -> Option<Shift> {
        let mut monitor = Monitor::new(*self);
        series.iter().find_map(|&value| monitor.push(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (64-bit LCG), so the statistics below are reproducible.
    struct Draws(u64);

    impl Draws {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        /// A rating drawn uniformly from `low..=high`.
        fn rating(&mut self, low: u64, high: u64) -> f64 {
            (low + self.next() % (high - low + 1)) as f64
        }

        /// A score around `center`, within ±0.3.
        fn score(&mut self, center: f64) -> f64 {
            center + ((self.next() % 61) as f64 - 30.0) / 100.0
        }
    }

    /// Alarms over `count` observations, restarting the monitor after each one as the store does.
    fn false_alarms(count: usize, mut draw: impl FnMut() -> f64) -> usize {
        let mut monitor = Monitor::new(PageHinkley::default());
        let mut alarms = 0;
        for _ in 0..count {
            if monitor.push(draw()).is_some() {
                alarms += 1;
                monitor = Monitor::new(PageHinkley::default());
            }
        }
        alarms
    }

    #[test]
    fn steady_noisy_ratings_raise_few_false_alarms() {
        // Expected about one per 2,000; the bound leaves room for chance.
        let mut draws = Draws(7);
        let alarms = false_alarms(40_000, || draws.rating(3, 5));
        assert!(
            alarms <= 40,
            "{alarms} false alarms in 40,000 ratings from 3–5"
        );
        let mut draws = Draws(11);
        let alarms = false_alarms(40_000, || draws.rating(1, 5));
        assert!(
            alarms <= 40,
            "{alarms} false alarms in 40,000 ratings from 1–5"
        );
        assert_eq!(false_alarms(10_000, || 3.0), 0);
    }

    /// Observations after the change until the test fires, over many trials.
    fn delays(
        trials: u64,
        mut before: impl FnMut(&mut Draws) -> f64,
        mut after: impl FnMut(&mut Draws) -> f64,
    ) -> Vec<u32> {
        let mut delays = Vec::new();
        for seed in 0..trials {
            let mut draws = Draws(seed + 100);
            let mut monitor = Monitor::new(PageHinkley::default());
            let early = (0..30).any(|_| monitor.push(before(&mut draws)).is_some());
            if early {
                continue;
            }
            let fired = (1..=60).find(|_| monitor.push(after(&mut draws)).is_some());
            delays.push(fired.unwrap_or(u32::MAX));
        }
        delays.sort_unstable();
        delays
    }

    #[test]
    fn a_one_point_drop_is_caught_within_a_few_observations() {
        let noisy = delays(200, |d| d.rating(3, 5), |d| d.rating(2, 4));
        let median = noisy[noisy.len() / 2];
        assert!(median <= 14, "median delay {median} on ratings 3–5 → 2–4");
        assert!(noisy[noisy.len() * 9 / 10] <= 40, "{noisy:?}");
        let tight = delays(200, |d| d.score(4.2), |d| d.score(3.2));
        let median = tight[tight.len() / 2];
        assert!(median <= 7, "median delay {median} on scores 4.2 → 3.2");
    }

    #[test]
    fn a_shift_reports_its_direction_and_the_means_either_side() {
        let mut series = vec![4.5, 4.4, 4.6, 4.5, 4.5, 4.4, 4.6, 4.5, 4.5, 4.6];
        series.extend([2.8, 2.9, 2.7]);
        let shift = PageHinkley::default().detect(&series);
        let Some(shift) = shift else {
            panic!("a drop of 1.7 points went unnoticed");
        };
        assert_eq!(shift.direction, Direction::Down);
        assert!(
            shift.observations >= 11 && shift.observations <= 13,
            "{shift:?}"
        );
        assert!((shift.baseline - 4.51).abs() < 0.05, "{shift:?}");
        assert!(shift.recent < 3.0, "{shift:?}");

        let mut rising = vec![2.0; 20];
        rising.extend([4.0; 10]);
        let shift = PageHinkley::default().detect(&rising);
        assert_eq!(shift.map(|s| s.direction), Some(Direction::Up));
    }

    #[test]
    fn nothing_fires_during_burn_in_and_non_finite_values_are_skipped() {
        let monitor = PageHinkley::default();
        assert_eq!(monitor.detect(&[5.0, 1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(monitor.detect(&[f64::NAN; 20]), None);
    }
}
