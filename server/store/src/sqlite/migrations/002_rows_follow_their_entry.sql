-- A registry row is written with the audit entry that backs it, in the same transaction, so it
-- always names the newest entry. Rows that name an older one did not come from the store.
CREATE TRIGGER versions_follow_their_entry BEFORE INSERT ON versions
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER review_moves_follow_their_entry BEFORE INSERT ON review_moves
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER label_moves_follow_their_entry BEFORE INSERT ON label_moves
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER feedback_follow_their_entry BEFORE INSERT ON feedback
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER evaluations_follow_their_entry BEFORE INSERT ON evaluations
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER favorite_moves_follow_their_entry BEFORE INSERT ON favorite_moves
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
CREATE TRIGGER alerts_follow_their_entry BEFORE INSERT ON alerts
WHEN NEW.event_seq IS NOT (SELECT MAX(seq) FROM audit_log)
BEGIN SELECT RAISE(ABORT, 'a registry row is written only with the audit entry that backs it'); END;
