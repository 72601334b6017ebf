-- The audit log viewer (/admin, issue 14) filters by who, what and which record within a time range, newest
-- first. audit_log already records the request's address (ip) since 001; these indexes keep each filter an
-- index range scan on a log that grows by every write of the street (about a million rows a year).
CREATE INDEX audit_log_action_at_idx ON audit_log (action, at);
CREATE INDEX audit_log_actor_at_idx ON audit_log (actor, at);
CREATE INDEX audit_log_entity_at_idx ON audit_log (entity_type, entity_id, at);
