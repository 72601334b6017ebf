-- Staged uploads of the admin import page (issue 14 item 3), kept in the database so that a restart loses
-- none and any process behind the load balancer can serve them (server/import/import-stages.ts). The file
-- itself lives under the stage root (IMPORT_STAGE_DIR): `file` and `unpacked` are paths relative to it, never
-- absolute, so the root can move. `runner` names the process instance running a preview or apply and
-- `updated_at` is its heartbeat: a previewing/applying stage whose heartbeat went stale belongs to a run that
-- died, and is marked failed (IMPORT_INTERRUPTED) so the admin can preview again.
CREATE TABLE import_stages (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
  owner text NOT NULL,
  name text NOT NULL,
  format text NOT NULL CHECK (format IN ('geojson', 'csv', 'shapefile-zip', 'osm-pbf')),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  file text NOT NULL,
  unpacked text,
  state text NOT NULL CHECK (state IN ('uploaded', 'previewing', 'previewed', 'failed', 'applying', 'applied', 'cancelled', 'expired')),
  request jsonb,
  preview jsonb,
  applied jsonb,
  error jsonb,
  progress jsonb,
  runner text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The sweep's questions: stages at rest past their expiry, runs whose heartbeat went stale, old tombstones.
CREATE INDEX import_stages_state_expiry ON import_stages (state, expires_at);
