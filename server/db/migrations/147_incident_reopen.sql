-- 重新办理: a closed case can be re-opened, explicitly, with a reason (issue 12 item 4). It goes back to
-- 受理 (accepted) for the desk to dispatch again; the command is audited and pushed as incident.reopened.
-- Every other change to a closed case is refused by the service with INVALID_TRANSITION.
INSERT INTO incident_transitions (from_status, to_status) VALUES ('closed', 'accepted') ON CONFLICT DO NOTHING;
