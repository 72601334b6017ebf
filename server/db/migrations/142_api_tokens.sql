-- Personal access tokens for desktop clients (QGIS, ogr2ogr) reading OGC API - Features (server/ogc).
-- Like sessions, only the SHA-256 of the token is stored; the token itself is shown once at creation.
-- A token acts as its user (role and grid scope from users at each request) and only for reads.
CREATE TABLE api_tokens (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
