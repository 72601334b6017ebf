-- 090: residents report and hear back (民情直通车 / 件件有回音, issue 13 item 5).
--
-- incidents.source gains 'resident'. The list is extended, not restated: other migrations may extend the
-- same CHECK (e.g. a grid worker's patrol source), and whichever runs last must keep every value the
-- others added. So the current definition is read from the catalogue and 'resident' is put in front of its
-- ARRAY[…] literal. pg_get_constraintdef prints `CHECK ((source = ANY (ARRAY['api'::text, …])))` on every
-- PostgreSQL this runs on (15–17, PGlite).
DO $$
DECLARE
  con record;
  def text;
BEGIN
  SELECT c.conname, pg_get_constraintdef(c.oid) AS d INTO con
    FROM pg_constraint c
   WHERE c.conrelid = 'incidents'::regclass AND c.contype = 'c'
     AND pg_get_constraintdef(c.oid) LIKE '%source%'
   LIMIT 1;
  IF con IS NULL THEN
    ALTER TABLE incidents ADD CONSTRAINT incidents_source_check
      CHECK (source IN ('api', 'socket', 'open311', 'simulator', 'sample', 'import', 'resident'));
  ELSIF position('''resident''' IN con.d) = 0 THEN
    IF position('ARRAY[' IN con.d) = 0 THEN
      RAISE EXCEPTION 'unexpected shape of the incidents.source check: %', con.d;
    END IF;
    def := replace(con.d, 'ARRAY[', 'ARRAY[''resident''::text, ');
    EXECUTE format('ALTER TABLE incidents DROP CONSTRAINT %I', con.conname);
    EXECUTE format('ALTER TABLE incidents ADD CONSTRAINT %I %s', con.conname, def);
  END IF;
END
$$;

-- One secret per installation for keyed hashes of client addresses and device ids (PIPL minimal
-- collection: the raw address never reaches the database). gen_random_uuid() draws from the server's
-- strong random source; two of them give 244 random bits.
CREATE TABLE resident_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  hash_key text NOT NULL
);
INSERT INTO resident_settings (hash_key) VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- Proof-of-work challenges: issued by the server, stored, single use, short-lived.
CREATE TABLE pow_challenges (
  id text PRIMARY KEY CHECK (char_length(id) BETWEEN 16 AND 64),
  difficulty smallint NOT NULL CHECK (difficulty BETWEEN 1 AND 32),
  address_hash text NOT NULL,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX pow_challenges_address_idx ON pow_challenges (address_hash, issued_at);
CREATE INDEX pow_challenges_expires_idx ON pow_challenges (expires_at);

-- A resident's report: the tracking code (only its SHA-256 is stored, like session tokens) and the hashed
-- address and device it came from, for the rate limits. Written in the same transaction as the incident.
CREATE TABLE resident_reports (
  id bigserial PRIMARY KEY,
  code_hash text NOT NULL UNIQUE,
  incident_id bigint NOT NULL UNIQUE REFERENCES incidents(id),
  address_hash text NOT NULL,
  device_hash text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX resident_reports_address_idx ON resident_reports (address_hash, created_at);
CREATE INDEX resident_reports_device_idx ON resident_reports (device_hash, created_at);
