//! Review gating: draft → in review → approved → deployed.
//!
//! Two rules guard the way: an author cannot approve their own version, and only an approved
//! version can be deployed. Either may be overridden with a reason, which is recorded as
//! ApprovalOverridden; a refusal is recorded as AccessDenied. Asking for a move that makes no
//! sense (approving an approved version) is neither: it is refused and nothing is recorded.

use crate::model::{Override, ReviewState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RequestReview,
    Approve,
    Deploy,
    /// A rollback that moves a label: a deploy of the restored version.
    Rollback,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::RequestReview => "requestReview",
            Action::Approve => "approve",
            Action::Deploy => "deploy",
            Action::Rollback => "rollback",
        }
    }
}

/// A review rule that can refuse an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// An author cannot approve their own version.
    SelfApproval,
    /// Approval needs a review request first.
    NotInReview,
    /// Deployment needs an approved version.
    NotApproved,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SelfApproval => "selfApproval",
            Rule::NotInReview => "notInReview",
            Rule::NotApproved => "notApproved",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Rule::SelfApproval => {
                "an author cannot approve their own version: ask another reviewer, or override with a reason"
            }
            Rule::NotInReview => {
                "the version is a draft: request a review first (`promptopt review`), or override with a reason"
            }
            Rule::NotApproved => {
                "only an approved version can be deployed: get it approved first, or override with a reason"
            }
        }
    }
}

/// What the rules allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Move to this state.
    Allowed(ReviewState),
    /// Move to this state, overriding `rule` for the given reason.
    Overridden {
        to: ReviewState,
        rule: Rule,
        reason: String,
    },
    /// Refused by a rule: recorded as AccessDenied.
    Denied(Rule),
    /// The move makes no sense from this state: refused, nothing recorded.
    Pointless(&'static str),
}

/// Decide `action` on a version in `state`, by its author or not.
pub fn decide(
    state: ReviewState,
    action: Action,
    by_author: bool,
    override_rules: Option<&Override>,
) -> Decision {
    use ReviewState::*;
    let guarded = |rule: Rule, to: ReviewState| match override_rules {
        Some(o) if !o.reason.trim().is_empty() => Decision::Overridden {
            to,
            rule,
            reason: o.reason.trim().to_owned(),
        },
        _ => Decision::Denied(rule),
    };
    match (action, state) {
        (Action::RequestReview, Draft) => Decision::Allowed(InReview),
        (Action::RequestReview, InReview) => {
            Decision::Pointless("the version is already in review")
        }
        (Action::RequestReview, Approved | Deployed) => {
            Decision::Pointless("the version is already approved")
        }
        (Action::Approve, InReview) if by_author => guarded(Rule::SelfApproval, Approved),
        (Action::Approve, InReview) => Decision::Allowed(Approved),
        (Action::Approve, Draft) if by_author => guarded(Rule::SelfApproval, Approved),
        (Action::Approve, Draft) => guarded(Rule::NotInReview, Approved),
        (Action::Approve, Approved | Deployed) => {
            Decision::Pointless("the version is already approved")
        }
        (Action::Deploy | Action::Rollback, Approved | Deployed) => Decision::Allowed(Deployed),
        (Action::Deploy | Action::Rollback, Draft | InReview) => {
            guarded(Rule::NotApproved, Deployed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewState::*;

    fn reason() -> Override {
        Override {
            reason: "hotfix for incident 42".to_owned(),
        }
    }

    #[test]
    fn the_happy_path() {
        assert_eq!(
            decide(Draft, Action::RequestReview, true, None),
            Decision::Allowed(InReview)
        );
        assert_eq!(
            decide(InReview, Action::Approve, false, None),
            Decision::Allowed(Approved)
        );
        assert_eq!(
            decide(Approved, Action::Deploy, true, None),
            Decision::Allowed(Deployed)
        );
        assert_eq!(
            decide(Deployed, Action::Deploy, true, None),
            Decision::Allowed(Deployed)
        );
    }

    #[test]
    fn authors_cannot_approve_themselves_without_a_reason() {
        assert_eq!(
            decide(InReview, Action::Approve, true, None),
            Decision::Denied(Rule::SelfApproval)
        );
        let blank = Override {
            reason: "  ".to_owned(),
        };
        assert_eq!(
            decide(InReview, Action::Approve, true, Some(&blank)),
            Decision::Denied(Rule::SelfApproval)
        );
        assert!(matches!(
            decide(InReview, Action::Approve, true, Some(&reason())),
            Decision::Overridden {
                to: Approved,
                rule: Rule::SelfApproval,
                ..
            }
        ));
        // The self-approval rule wins over the missing review: it is the one to override.
        assert_eq!(
            decide(Draft, Action::Approve, true, None),
            Decision::Denied(Rule::SelfApproval)
        );
    }

    #[test]
    fn unapproved_versions_are_not_deployed_without_a_reason() {
        for state in [Draft, InReview] {
            assert_eq!(
                decide(state, Action::Deploy, false, None),
                Decision::Denied(Rule::NotApproved)
            );
            assert!(matches!(
                decide(state, Action::Deploy, false, Some(&reason())),
                Decision::Overridden {
                    to: Deployed,
                    rule: Rule::NotApproved,
                    ..
                }
            ));
        }
    }

    #[test]
    fn pointless_moves_are_refused_without_record() {
        assert!(matches!(
            decide(Approved, Action::Approve, false, None),
            Decision::Pointless(_)
        ));
        assert!(matches!(
            decide(InReview, Action::RequestReview, false, None),
            Decision::Pointless(_)
        ));
    }
}
