-- 040: realtime outbox state. Each server process tails the events table and pushes committed rows to its
-- own sockets; "pushed up to" lives here so a restarted process resumes from where it stopped (an event
-- committed just before a crash is still pushed after restart; clients dedupe by id and resync anyway).
CREATE TABLE realtime_push_cursors (
  node_id text PRIMARY KEY,
  pushed_up_to bigint NOT NULL CHECK (pushed_up_to >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Payloads over PostgreSQL's 8000-byte NOTIFY limit go through this table when several processes share
-- Socket.IO through @socket.io/postgres-adapter (its documented schema; unused on PGlite).
CREATE TABLE IF NOT EXISTS socket_io_attachments (
  id bigserial UNIQUE,
  created_at timestamptz DEFAULT now(),
  payload bytea
);
