-- 050: Open311 GeoReport v2 clients (other systems that post service requests with an api_key). Only the
-- SHA-256 of each key is stored; the key itself is shown once when the client is created.
CREATE TABLE open311_clients (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_.-]{2,64}$'),
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
