-- Leaving the roll (离册, issue 14 item 2): the street's rolls change every month, and a grid worker or
-- building head who is not on this month's complete roll leaves it. The person stays on file — their cases,
-- photos and audit rows keep pointing at them — with the moment they left; their post in the responsibility
-- chain (grids.worker_id, buildings.head_id) is vacated, they are off duty, and dispatch no longer offers them.
-- Coming back on a later roll (same mobile number) clears it.
ALTER TABLE people ADD COLUMN left_at timestamptz;
CREATE INDEX people_on_roll_idx ON people (role) WHERE left_at IS NULL;
