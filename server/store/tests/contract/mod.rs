//! The repository contract: what every store (SQLite now, Postgres next) must do. Each function
//! takes a fresh, empty store; `tests/sqlite.rs` runs them all against SQLite.

#![allow(dead_code)]

use promptopt_store::audit::{EventType, ProblemKind};
use promptopt_store::review::Rule;
use promptopt_store::*;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn prompt(name: &str) -> PromptId {
    PromptId::new(name).unwrap_or_else(|error| panic!("{error}"))
}

pub fn user(name: &str) -> UserId {
    UserId::new(name).unwrap_or_else(|error| panic!("{error}"))
}

pub fn draft(prompt_id: &PromptId, content: &str, author: &str) -> NewVersion {
    NewVersion::manual(prompt_id.clone(), content, user(author))
}

pub async fn save<R: Repository>(store: &R, prompt_id: &PromptId, content: &str) -> Version {
    match store.save_version(draft(prompt_id, content, "ana")).await {
        Ok(Saved::Created { version }) => version,
        other => panic!("expected a new version, got {other:?}"),
    }
}

fn event_types(records: &[audit::AuditEventRecord]) -> Vec<EventType> {
    records.iter().map(|record| record.event_type).collect()
}

pub async fn versions_chain_and_unchanged_content_is_not_a_version<R: Repository>(
    store: &R,
) -> TestResult {
    let greet = prompt("greet");
    let first = save(store, &greet, "Hello {{name}}").await;
    assert_eq!(first.parent_id, None);
    assert_eq!(first.sha256, ContentHash::of("Hello {{name}}"));
    assert_eq!(first.review, ReviewState::Draft);
    assert_eq!(first.origin, Origin::Manual);

    let same = store
        .save_version(draft(&greet, "Hello {{name}}", "bo"))
        .await?;
    assert!(matches!(same, Saved::Unchanged { ref version } if version.id == first.id));

    let second = save(store, &greet, "Hi {{name}}").await;
    assert_eq!(second.parent_id, Some(first.id));
    assert!(second.id > first.id, "UUIDv7 ids sort by time");
    assert_eq!(store.head(&greet).await?.map(|v| v.id), Some(second.id));
    assert_eq!(
        store.version(first.id).await?.map(|v| v.content),
        Some("Hello {{name}}".into())
    );
    let all = store.versions(&greet).await?;
    assert_eq!(
        all.iter().map(|v| v.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );
    let prompts = store.prompts().await?;
    assert_eq!(prompts.len(), 1);
    assert_eq!((prompts[0].head, prompts[0].versions), (second.id, 2));

    let history = store.history(&greet).await?;
    assert_eq!(event_types(&history), [EventType::PromptVersionSaved; 2]);
    let last = &history[1];
    assert_eq!(last.parent_id, Some(first.id));
    assert_eq!(last.sha256.as_deref(), Some(second.sha256.as_str()));
    assert_eq!(
        last.deltas
            .as_ref()
            .and_then(|d| d.get("linesAdded"))
            .and_then(|n| n.as_u64()),
        Some(1)
    );
    Ok(())
}

pub async fn candidates_sit_beside_the_head<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    let head = save(store, &greet, "Hello").await;
    let mut generated = draft(&greet, "Hello, briefly.", "ana");
    generated.origin = Origin::Generated;
    generated.strategy = Some("concise".into());
    generated.template_id = Some("chat".into());
    generated.score = Some(4.2);
    let candidate = store.save_candidate(generated).await?;
    assert_eq!(candidate.parent_id, Some(head.id));
    assert_eq!(store.head(&greet).await?.map(|v| v.id), Some(head.id));
    assert_eq!(store.versions(&greet).await?.len(), 2);
    let history = store.history(&greet).await?;
    let generated = history.last().ok_or("no history")?;
    assert_eq!(generated.event_type, EventType::PromptGenerated);
    assert_eq!(generated.template_id.as_deref(), Some("chat"));
    assert_eq!(generated.strategy.as_deref(), Some("concise"));
    assert_eq!(generated.score, Some(4.2));
    Ok(())
}

pub async fn feedback_is_recorded_against_a_version<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    let missing = store
        .submit_feedback(FeedbackPayload {
            prompt_id: greet.clone(),
            user: user("qa"),
            score: Rating::new(4)?,
            notes: None,
            version_id: None,
        })
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );

    let version = save(store, &greet, "Hello").await;
    let recorded = store
        .submit_feedback(FeedbackPayload {
            prompt_id: greet.clone(),
            user: user("qa"),
            score: Rating::new(2)?,
            notes: Some("too terse".into()),
            version_id: None,
        })
        .await?;
    assert_eq!(recorded.version_id, version.id);
    assert_eq!(recorded.alert, None);
    let history = store.history(&greet).await?;
    let feedback = history.last().ok_or("no history")?;
    assert_eq!(feedback.event_type, EventType::FeedbackSubmitted);
    assert_eq!(feedback.event_id, recorded.event_id);
    assert_eq!(feedback.user.as_str(), "qa");
    assert_eq!(feedback.score, Some(2.0));
    assert_eq!(feedback.feedback.as_deref(), Some("too terse"));

    let other = prompt("other");
    let elsewhere = save(store, &other, "x").await;
    let wrong = store
        .submit_feedback(FeedbackPayload {
            prompt_id: greet,
            user: user("qa"),
            score: Rating::new(3)?,
            notes: None,
            version_id: Some(elsewhere.id),
        })
        .await;
    assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
    Ok(())
}

pub async fn oversized_input_is_refused_and_nothing_is_recorded<R: Repository>(
    store: &R,
) -> TestResult {
    let greet = prompt("greet");
    save(store, &greet, "Hello").await;
    let before = store.audit_records(AuditFilter::default()).await?.len();
    let huge = store
        .submit_feedback(FeedbackPayload {
            prompt_id: greet.clone(),
            user: user("qa"),
            score: Rating::new(3)?,
            notes: Some("x".repeat(MAX_NOTE_BYTES + 1)),
            version_id: None,
        })
        .await;
    assert!(matches!(huge, Err(StoreError::Invalid(_))), "{huge:?}");
    let blank = store
        .rollback(RollbackRequest {
            prompt_id: greet,
            to: None,
            user: user("ops"),
            reason: "  ".into(),
            override_rules: None,
        })
        .await;
    assert!(matches!(blank, Err(StoreError::Invalid(_))), "{blank:?}");
    assert_eq!(
        store.audit_records(AuditFilter::default()).await?.len(),
        before
    );
    Ok(())
}

pub async fn review_gating_refuses_self_approval_and_records_it<R: Repository>(
    store: &R,
) -> TestResult {
    let greet = prompt("greet");
    let version = save(store, &greet, "Hello").await; // author: ana
    let in_review = store
        .request_review(ReviewRequest {
            version_id: version.id,
            user: user("ana"),
            note: Some("ready".into()),
        })
        .await?;
    assert_eq!(in_review.review, ReviewState::InReview);

    let own = store
        .approve(Approval {
            version_id: version.id,
            approver: user("ana"),
            note: None,
            override_rules: None,
        })
        .await;
    assert!(
        matches!(
            own,
            Err(StoreError::Denied {
                rule: Rule::SelfApproval
            })
        ),
        "{own:?}"
    );
    assert_eq!(
        store.version(version.id).await?.map(|v| v.review),
        Some(ReviewState::InReview)
    );

    let approved = store
        .approve(Approval {
            version_id: version.id,
            approver: user("bo"),
            note: None,
            override_rules: None,
        })
        .await?;
    assert_eq!(approved.review, ReviewState::Approved);
    let again = store
        .approve(Approval {
            version_id: version.id,
            approver: user("cy"),
            note: None,
            override_rules: None,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let deployed = store
        .deploy(Deployment {
            prompt_id: greet.clone(),
            version_id: None,
            label: Label::production(),
            user: user("ops"),
            deploy_ref: Some("release-7".into()),
            override_rules: None,
        })
        .await?;
    assert_eq!(deployed.review, ReviewState::Deployed);
    assert_eq!(
        store.labels(&greet).await?,
        [(Label::production(), version.id)]
    );

    let history = store.history(&greet).await?;
    assert_eq!(
        event_types(&history),
        [
            EventType::PromptVersionSaved,
            EventType::ReviewRequested,
            EventType::AccessDenied,
            EventType::PromptApproved,
            EventType::PromptDeployed,
        ]
    );
    let denied = &history[2];
    assert_eq!(denied.user.as_str(), "ana");
    assert_eq!(denied.rule.as_deref(), Some("selfApproval"));
    assert_eq!(denied.action.as_deref(), Some("approve"));
    assert_eq!(history[3].approver.as_deref(), Some("bo"));
    assert_eq!(history[4].deploy_ref.as_deref(), Some("release-7"));
    assert_eq!(history[4].label.as_deref(), Some("production"));
    Ok(())
}

pub async fn overrides_need_a_reason_and_are_recorded<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    let version = save(store, &greet, "Hello").await;
    let refused = store
        .deploy(Deployment {
            prompt_id: greet.clone(),
            version_id: Some(version.id),
            label: Label::production(),
            user: user("ops"),
            deploy_ref: None,
            override_rules: None,
        })
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Denied {
                rule: Rule::NotApproved
            })
        ),
        "{refused:?}"
    );
    assert!(store.labels(&greet).await?.is_empty());

    let forced = store
        .deploy(Deployment {
            prompt_id: greet.clone(),
            version_id: Some(version.id),
            label: Label::production(),
            user: user("ops"),
            deploy_ref: None,
            override_rules: Some(Override {
                reason: "incident 42: the old prompt leaks PII".into(),
            }),
        })
        .await?;
    assert_eq!(forced.review, ReviewState::Deployed);
    let history = store.history(&greet).await?;
    assert_eq!(
        event_types(&history)[1..],
        [
            EventType::AccessDenied,
            EventType::ApprovalOverridden,
            EventType::PromptDeployed
        ]
    );
    let overridden = &history[2];
    assert_eq!(
        overridden.reason.as_deref(),
        Some("incident 42: the old prompt leaks PII")
    );
    assert_eq!(overridden.rule.as_deref(), Some("notApproved"));
    assert_eq!(overridden.approver.as_deref(), Some("ops"));
    Ok(())
}

pub async fn rollback_restores_an_earlier_version_as_the_new_head<R: Repository>(
    store: &R,
) -> TestResult {
    let greet = prompt("greet");
    let v1 = save(store, &greet, "one").await;
    let lonely = store
        .rollback(RollbackRequest {
            prompt_id: greet.clone(),
            to: None,
            user: user("ops"),
            reason: "bad".into(),
            override_rules: None,
        })
        .await;
    assert!(matches!(lonely, Err(StoreError::Conflict(_))), "{lonely:?}");
    let v2 = save(store, &greet, "two").await;
    let forced = Some(Override {
        reason: "test".into(),
    });
    store
        .deploy(Deployment {
            prompt_id: greet.clone(),
            version_id: None,
            label: Label::production(),
            user: user("ops"),
            deploy_ref: None,
            override_rules: forced,
        })
        .await?;

    // Production moves back to v1, which was never approved: the deploy rule applies.
    let unapproved = store
        .rollback(RollbackRequest {
            prompt_id: greet.clone(),
            to: None,
            user: user("ops"),
            reason: "v2 answers in French".into(),
            override_rules: None,
        })
        .await;
    assert!(
        matches!(
            unapproved,
            Err(StoreError::Denied {
                rule: Rule::NotApproved
            })
        ),
        "{unapproved:?}"
    );
    let denied = store.history(&greet).await?.pop().ok_or("no history")?;
    assert_eq!(denied.event_type, EventType::AccessDenied);
    assert_eq!(denied.action.as_deref(), Some("rollback"));
    assert_eq!(store.head(&greet).await?.map(|v| v.id), Some(v2.id));

    let rolled = store
        .rollback(RollbackRequest {
            prompt_id: greet.clone(),
            to: None,
            user: user("ops"),
            reason: "v2 answers in French".into(),
            override_rules: Some(Override {
                reason: "v1 ran in production for a year".into(),
            }),
        })
        .await?;
    assert_eq!(rolled.restored, v1.id);
    assert_eq!(rolled.replaced, v2.id);
    assert_eq!(rolled.version.content, "one");
    assert_eq!(rolled.version.sha256, v1.sha256);
    assert_eq!(rolled.version.parent_id, Some(v2.id));
    assert_eq!(rolled.version.origin, Origin::Rollback);
    assert_eq!(rolled.labels_moved, [Label::production()]);
    assert_eq!(
        store.head(&greet).await?.map(|v| v.id),
        Some(rolled.version.id)
    );
    assert_eq!(
        store.labels(&greet).await?,
        [(Label::production(), rolled.version.id)]
    );

    let event = store.history(&greet).await?.pop().ok_or("no history")?;
    assert_eq!(event.event_type, EventType::RollbackTriggered);
    assert_eq!(event.previous_id, Some(v1.id));
    assert_eq!(event.parent_id, Some(v2.id));
    assert_eq!(event.approver.as_deref(), Some("ops"));
    assert_eq!(event.reason.as_deref(), Some("v2 answers in French"));

    // Any earlier version, by id; but not the head itself, nor another prompt's.
    let back_to_two = store
        .rollback(RollbackRequest {
            prompt_id: greet.clone(),
            to: Some(v2.id),
            user: user("ops"),
            reason: "French was right".into(),
            override_rules: None,
        })
        .await?;
    assert_eq!(back_to_two.version.content, "two");
    let to_head = store
        .rollback(RollbackRequest {
            prompt_id: greet.clone(),
            to: Some(back_to_two.version.id),
            user: user("ops"),
            reason: "x".into(),
            override_rules: None,
        })
        .await;
    assert!(
        matches!(to_head, Err(StoreError::Conflict(_))),
        "{to_head:?}"
    );
    let other = save(store, &prompt("other"), "x").await;
    let foreign = store
        .rollback(RollbackRequest {
            prompt_id: greet,
            to: Some(other.id),
            user: user("ops"),
            reason: "x".into(),
            override_rules: None,
        })
        .await;
    assert!(
        matches!(foreign, Err(StoreError::Invalid(_))),
        "{foreign:?}"
    );
    Ok(())
}

pub async fn a_quality_drop_raises_one_alert<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    save(store, &greet, "Hello").await;
    let mut alerts = Vec::new();
    let scores = [
        4.6, 4.4, 4.5, 4.7, 4.5, 4.4, 4.6, 4.5, 4.5, 4.6, 2.8, 2.9, 2.7, 2.8, 2.9, 2.8,
    ];
    for score in scores {
        let recorded = store
            .record_evaluation(EvaluationRecord {
                prompt_id: greet.clone(),
                version_id: None,
                user: user("ci"),
                score,
                evaluator: "builtin/1".into(),
                passed: Some(3),
                failed: Some(0),
                result: serde_json::json!({ "score": score }),
            })
            .await?;
        alerts.extend(recorded.alert);
    }
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    assert_eq!(alert.series, Series::EvaluationScore);
    assert_eq!(alert.direction, drift::Direction::Down);
    assert!(alert.baseline > 4.0 && alert.recent < 3.5, "{alert:?}");
    assert_eq!(store.alerts(None).await?, alerts);
    assert_eq!(store.alerts(Some(prompt("other"))).await?, []);
    let history = store.history(&greet).await?;
    assert_eq!(
        history
            .iter()
            .filter(|r| r.event_type == EventType::DriftDetected)
            .count(),
        1
    );
    let evaluated = history
        .iter()
        .find(|r| r.event_type == EventType::PromptEvaluated);
    assert_eq!(
        evaluated.and_then(|r| r.evaluator.as_deref()),
        Some("builtin/1")
    );
    Ok(())
}

pub async fn annotations_and_favorites<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    let version = save(store, &greet, "Hello").await;
    store
        .annotate(Annotation {
            version_id: version.id,
            user: user("qa"),
            note: "line 1 is vague".into(),
            lines: Some((1, 1)),
        })
        .await?;
    store.set_favorite(version.id, user("qa"), true).await?;
    assert_eq!(store.favorites(&user("qa")).await?, [version.id]);
    assert_eq!(store.favorites(&user("bo")).await?, []);
    store.set_favorite(version.id, user("qa"), false).await?;
    assert_eq!(store.favorites(&user("qa")).await?, []);
    let history = store.history(&greet).await?;
    assert_eq!(history[1].event_type, EventType::PromptAnnotated);
    assert_eq!(history[1].note.as_deref(), Some("line 1 is vague"));
    Ok(())
}

pub async fn the_trail_verifies_and_exports_by_prompt_and_time<R: Repository>(
    store: &R,
) -> TestResult {
    let empty = store.verify(None).await?;
    assert!(
        matches!(empty, Ok(ref verified) if verified.entries == 0),
        "{empty:?}"
    );
    save(store, &prompt("a"), "one").await;
    save(store, &prompt("b"), "two").await;
    let all = store.audit_records(AuditFilter::default()).await?;
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    let only_b = store
        .audit_records(AuditFilter {
            since: None,
            prompt_id: Some(prompt("b")),
        })
        .await?;
    assert_eq!(only_b.len(), 1);
    let later = store
        .audit_records(AuditFilter {
            since: Some(all[1].timestamp.clone()),
            prompt_id: None,
        })
        .await?;
    assert_eq!(later.iter().map(|r| r.seq).collect::<Vec<_>>(), [Some(2)]);
    let future = store
        .audit_records(AuditFilter {
            since: Some(parse_since("2999-01-01")?),
            prompt_id: None,
        })
        .await?;
    assert!(future.is_empty());
    let verdict = store.verify(None).await?;
    assert!(
        matches!(verdict, Ok(ref verified) if verified.entries == 2),
        "{verdict:?}"
    );
    Ok(())
}

pub async fn a_saved_checkpoint_keeps_verifying_as_the_log_grows<R: Repository>(
    store: &R,
) -> TestResult {
    save(store, &prompt("a"), "one").await;
    let checkpoint = store.checkpoint().await?;
    assert_eq!(checkpoint.seq, 1);
    save(store, &prompt("a"), "two").await;
    let verdict = store.verify(Some(checkpoint.clone())).await?;
    assert!(
        matches!(verdict, Ok(ref v) if v.against_saved_checkpoint),
        "{verdict:?}"
    );
    // A checkpoint that is not this log's is named.
    let mut forged = checkpoint;
    forged.head_hash[0] ^= 1;
    let verdict = store.verify(Some(forged)).await?;
    assert!(
        matches!(verdict, Err(ref problem) if problem.kind == ProblemKind::BadSignature),
        "{verdict:?}"
    );
    Ok(())
}

pub async fn rotated_keys_keep_old_entries_readable<R: Repository>(store: &R) -> TestResult {
    let greet = prompt("greet");
    save(store, &greet, "one").await;
    let new_key = store.rotate_keys(user("admin")).await?;
    save(store, &greet, "two").await;
    let history = store.history(&greet).await?;
    assert_eq!(history.len(), 2);
    let all = store.audit_records(AuditFilter::default()).await?;
    let rotated = all
        .iter()
        .find(|r| r.event_type == EventType::KeysRotated)
        .ok_or("no KeysRotated entry")?;
    assert_eq!(
        rotated
            .details
            .as_ref()
            .and_then(|d| d.get("newKeyId"))
            .and_then(|v| v.as_str()),
        Some(new_key.as_str())
    );
    let verdict = store.verify(None).await?;
    assert!(
        matches!(verdict, Ok(ref v) if v.entries == 3),
        "{verdict:?}"
    );
    Ok(())
}

pub async fn concurrent_writes_are_all_acknowledged_in_one_chain<R>(store: &R) -> TestResult
where
    R: Repository + Clone + 'static,
{
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for round in 0..25 {
                let id = prompt(&format!("p{writer}"));
                let content = format!("writer {writer} round {round}");
                match store.save_version(draft(&id, &content, "ana")).await {
                    Ok(saved) => ids.push(saved.version().id),
                    Err(error) => return Err(error.to_string()),
                }
            }
            Ok(ids)
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await??);
    }
    assert_eq!(acknowledged.len(), 200);
    for id in &acknowledged {
        assert!(
            store.version(*id).await?.is_some(),
            "acknowledged {id} is missing"
        );
    }
    let verdict = store.verify(None).await?;
    assert!(
        matches!(verdict, Ok(ref v) if v.entries == 200),
        "{verdict:?}"
    );
    Ok(())
}
