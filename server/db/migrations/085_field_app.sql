-- 085: the grid worker's phone app (issue 13). Patrol reports (巡查上报) get their own source so the desk and the
-- rankings can tell field-found problems from residents' reports; a worker's "接单" (acknowledging an assignment)
-- is stored on the incident so the desk sees that the task reached a person, without a new status in the loop.
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_source_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_source_check
  CHECK (source IN ('api', 'socket', 'open311', 'simulator', 'sample', 'import', 'patrol'));
ALTER TABLE incidents ADD COLUMN acknowledged_at timestamptz;
-- The phone's inbox: open tasks of one assignee.
CREATE INDEX IF NOT EXISTS incidents_assignee_open_idx ON incidents (assignee_id) WHERE status IN ('assigned', 'in_progress', 'resolved');
