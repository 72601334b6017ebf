-- 130: photos as evidence (issue 13 item 4). The photo itself lives in the database, so every server process
-- reads it on both backends and a backup of the database is a backup of the evidence. Only our own re-encoded
-- JPEG is kept (no EXIF); the capture time and position read from the EXIF are separate columns.
CREATE TABLE incident_photos (
  id bigserial PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incidents(id),
  -- report: with the report; before/after: 整改前/整改后, taken by whoever handles the case.
  kind text NOT NULL CHECK (kind IN ('report', 'before', 'after')),
  image bytea NOT NULL,
  thumb bytea NOT NULL,
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  input_type text NOT NULL CHECK (input_type IN ('image/jpeg', 'image/png', 'image/webp')),
  input_bytes integer NOT NULL CHECK (input_bytes > 0),
  sha256 text NOT NULL CHECK (char_length(sha256) = 64),
  captured_at timestamptz,
  lon double precision CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),
  lat double precision CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
  -- A photo taken at someone's home (a care visit, a mediation, an errand, or a spot inside a dwelling):
  -- every read of it is audited (PIPL: sensitive personal information).
  private_place boolean NOT NULL,
  uploaded_by text NOT NULL,
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((lon IS NULL) = (lat IS NULL))
);
CREATE INDEX incident_photos_incident_idx ON incident_photos (incident_id, id);
-- A retried upload (the phone's offline queue) finds its first copy by key.
CREATE UNIQUE INDEX incident_photos_idempotency_idx ON incident_photos (incident_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
