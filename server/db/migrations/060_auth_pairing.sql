-- 060: wall display pairing and session housekeeping. No users are created here: demo accounts come from
-- ensureDemoUsers() at start-up (SEED_SAMPLE=true) with passwords printed once, never stored in the repo.

-- One-time keys that sign a wall display in (GET /api/auth/pair?key=…). Only the sha256 of a key is kept.
CREATE TABLE wall_pairing_keys (
  id text PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id),
  created_by integer REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- The socket sweep and expiry clean-up look sessions up by expiry.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
