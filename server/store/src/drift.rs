//! Drift detection with a two-sided Page-Hinkley test.
//!
//! For each new observation `x_t` and the running mean `x̄_t` of the series so far, two
//! cumulative sums are kept: `up_t = Σ (x_i − x̄_i − δ)` and `down_t = Σ (x̄_i − x_i − δ)`. The
//! test fires when a sum rises more than `λ` above its lowest point: the mean moved by more than
//! `δ` for long enough. `δ` is the shift tolerated (noise), `λ` how much evidence is needed.
//!
//! Defaults, for scores on the 1–5 scale: `δ = 0.25`, `λ = 4.0`, and no alarm in the first 5
//! observations. A stable series with ratings scattered ±1 around its mean raises nothing; a drop
//! of 1.5 points is caught within about four observations, a drop of 1 within about six.
//!
//! The monitor is recomputed from the observations since the last alert of its series, so it
//! needs no state besides the stored scores, and a fired alert resets it (one shift, one alert).

use serde::{Deserialize, Serialize};

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
    /// The shift of the mean tolerated as noise.
    pub delta: f64,
    /// The evidence needed to fire.
    pub lambda: f64,
    /// Observations seen before the test may fire.
    pub burn_in: usize,
}

impl Default for PageHinkley {
    fn default() -> Self {
        Self {
            delta: 0.25,
            lambda: 4.0,
            burn_in: 5,
        }
    }
}

/// A detected shift.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub direction: Direction,
    /// Index of the observation at which the test fired.
    pub at: usize,
    /// Mean before the estimated change point, and from it to `at`.
    pub baseline: f64,
    pub recent: f64,
}

/// One side's cumulative sum and its lowest point.
#[derive(Default)]
struct Side {
    sum: f64,
    lowest: f64,
    lowest_at: usize,
}

impl Side {
    fn push(&mut self, step: f64, index: usize) -> f64 {
        self.sum += step;
        if self.sum < self.lowest {
            self.lowest = self.sum;
            self.lowest_at = index + 1;
        }
        self.sum - self.lowest
    }
}

impl PageHinkley {
    /// The first shift in `series`, if any.
    pub fn detect(&self, series: &[f64]) -> Option<Shift> {
        let mut mean = 0.0;
        let mut up = Side::default();
        let mut down = Side::default();
        for (index, &value) in series.iter().enumerate() {
            if !value.is_finite() {
                continue;
            }
            mean += (value - mean) / (index + 1) as f64;
            let rise = up.push(value - mean - self.delta, index);
            let fall = down.push(mean - value - self.delta, index);
            if index + 1 < self.burn_in {
                continue;
            }
            let fired = if fall > self.lambda {
                Some((Direction::Down, down.lowest_at))
            } else if rise > self.lambda {
                Some((Direction::Up, up.lowest_at))
            } else {
                None
            };
            if let Some((direction, change)) = fired {
                let (before, after) = series[..=index].split_at(change.min(index));
                return Some(Shift {
                    direction,
                    at: index,
                    baseline: mean_of(before).unwrap_or(mean),
                    recent: mean_of(after).unwrap_or(value),
                });
            }
        }
        None
    }
}

fn mean_of(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ratings around `center`, scattered by up to ±1 in a fixed, patternless order.
    fn noisy(center: f64, count: usize) -> Vec<f64> {
        const OFFSETS: [f64; 7] = [0.0, 1.0, -1.0, 0.0, -1.0, 1.0, 0.0];
        (0..count)
            .map(|i| center + OFFSETS[(i * 5 + i / 7) % 7])
            .collect()
    }

    #[test]
    fn a_stable_noisy_series_raises_nothing() {
        let monitor = PageHinkley::default();
        assert_eq!(monitor.detect(&noisy(4.0, 500)), None);
        assert_eq!(monitor.detect(&[3.0; 100]), None);
    }

    #[test]
    fn a_drop_is_caught_quickly_and_located() {
        let mut series = noisy(4.2, 30);
        series.extend(std::iter::repeat_n(2.7, 10));
        let shift = PageHinkley::default().detect(&series);
        let Some(shift) = shift else {
            panic!("a 1.5-point drop went unnoticed");
        };
        assert_eq!(shift.direction, Direction::Down);
        assert!(shift.at >= 30 && shift.at <= 34, "fired at {}", shift.at);
        assert!(shift.baseline > 3.9 && shift.recent < 3.0, "{shift:?}");
    }

    #[test]
    fn a_rise_is_caught_too() {
        let mut series = vec![2.0; 20];
        series.extend([4.0; 10]);
        let shift = PageHinkley::default().detect(&series);
        assert_eq!(shift.map(|s| s.direction), Some(Direction::Up));
    }

    #[test]
    fn nothing_fires_during_burn_in_and_non_finite_values_are_skipped() {
        let monitor = PageHinkley::default();
        assert_eq!(monitor.detect(&[5.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(monitor.detect(&[f64::NAN; 20]), None);
    }
}
