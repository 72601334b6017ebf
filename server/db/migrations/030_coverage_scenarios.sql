-- 030: saved what-if scenarios of the 15-minute coverage planner: a named list of changes (add / move /
-- remove facilities) against the live facility table, evaluated again whenever they are opened or compared.
CREATE TABLE coverage_scenarios (
  id serial PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
  changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array'),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coverage_scenarios_created_idx ON coverage_scenarios (created_at DESC);
