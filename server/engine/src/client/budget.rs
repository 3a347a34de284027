//! A spending limit per run. Each call reserves what it could cost at most (its input tokens
//! and `max_tokens` of output, at the model table's prices) before it is sent, and settles at
//! what it did cost. A call whose worst case would pass the limit is never sent, so a run stops
//! *before* it exceeds its budget, not after.

use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "stopped before exceeding the budget of ${limit:.2}: ${spent:.4} spent, ${reserved:.4} in flight, and the next call could cost up to ${needed:.4}; raise it with `--budget USD` or `budget-usd` under [engine] in promptopt.toml"
)]
pub struct BudgetExceeded {
    pub limit: f64,
    pub spent: f64,
    pub reserved: f64,
    pub needed: f64,
}

#[derive(Debug, Default)]
struct Ledger {
    spent: f64,
    reserved: f64,
}

#[derive(Debug)]
pub struct Budget {
    /// `None`: no limit.
    limit: Option<f64>,
    ledger: Mutex<Ledger>,
}

/// Money set aside for one call in flight; give it back with [`Budget::settle`].
#[derive(Debug)]
#[must_use = "settle the reservation once the call's cost is known"]
pub struct Reservation(f64);

impl Budget {
    pub fn new(limit_usd: Option<f64>) -> Self {
        Self {
            limit: limit_usd,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    pub fn limit(&self) -> Option<f64> {
        self.limit
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A poisoned ledger still holds the right sums: the lock guards plain arithmetic.
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets aside `worst_case` USD, or refuses when that could pass the limit.
    pub fn reserve(&self, worst_case: f64) -> Result<Reservation, BudgetExceeded> {
        let worst_case = worst_case.max(0.0);
        let mut ledger = self.ledger();
        if let Some(limit) = self.limit {
            if ledger.spent + ledger.reserved + worst_case > limit {
                return Err(BudgetExceeded {
                    limit,
                    spent: ledger.spent,
                    reserved: ledger.reserved,
                    needed: worst_case,
                });
            }
        }
        ledger.reserved += worst_case;
        Ok(Reservation(worst_case))
    }

    /// Releases a reservation and records what the call cost (0 when it failed before the
    /// provider charged for it).
    pub fn settle(&self, reservation: Reservation, actual: f64) {
        let mut ledger = self.ledger();
        ledger.reserved = (ledger.reserved - reservation.0).max(0.0);
        ledger.spent += actual.max(0.0);
    }

    pub fn spent(&self) -> f64 {
        self.ledger().spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_could_pass_the_limit_is_refused_before_it_is_sent() {
        let budget = Budget::new(Some(1.0));
        let first = budget.reserve(0.6).unwrap();
        let refused = budget.reserve(0.5).unwrap_err();
        assert_eq!(
            (refused.spent, refused.reserved, refused.needed),
            (0.0, 0.6, 0.5)
        );
        assert!(refused.to_string().contains("--budget"), "{refused}");
        budget.settle(first, 0.2);
        assert!((budget.spent() - 0.2).abs() < 1e-9);
        // The unspent part of the reservation came back.
        let second = budget.reserve(0.75).unwrap();
        budget.settle(second, 0.75);
        assert!(budget.reserve(0.1).is_err());
    }

    #[test]
    fn no_limit_never_refuses() {
        let budget = Budget::new(None);
        let r = budget.reserve(1e9).unwrap();
        budget.settle(r, 1e9);
        assert!(budget.reserve(1e9).is_ok());
    }
}
