-- Server mode: the application's database role may read and write the data, but can never change or
-- remove audit or event history. Run as the database owner (the role that ran the migrations), after
-- the migrations, and again after any migration that adds tables:
--
--   psql "$OWNER_DATABASE_URL" -c "SET gcc.app_role = 'gcc_app'" -f scripts/db-roles.sql
--   (or, in one session: SET gcc.app_role = 'gcc_app'; \i scripts/db-roles.sql)
--
-- The app role must already exist and must not own any table (an owner could drop the append-only
-- triggers):  CREATE ROLE gcc_app LOGIN PASSWORD '…';  then run the server with
--   DATABASE_URL=postgres://gcc_app:…@host/db
-- Two layers protect audit_log and events: the REVOKE below (permission denied, SQLSTATE 42501) and the
-- append-only trigger from migration 001 (even the owner gets APPEND_ONLY).
DO $$
DECLARE
  app text := current_setting('gcc.app_role', true);
BEGIN
  IF app IS NULL OR app = '' THEN
    RAISE EXCEPTION 'set gcc.app_role to the application role name first';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
    RAISE EXCEPTION 'role % does not exist: CREATE ROLE % LOGIN PASSWORD ... first', app, app;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = app) THEN
    RAISE EXCEPTION 'role % owns tables: the application role must not own the schema', app;
  END IF;
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app);
  -- CREATE on the schema: start-up runs migrate() (CREATE TABLE IF NOT EXISTS schema_migrations) and the
  -- Socket.IO postgres adapter may create its own table. Tables the app creates are its own; it still
  -- cannot alter, truncate or drop the owner's tables, nor their triggers.
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', app);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', app);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %I', app);
  -- append-only history: insert and read, nothing else
  EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, events FROM %I', app);
  EXECUTE format('REVOKE ALL ON schema_migrations FROM %I', app);
  EXECUTE format('GRANT SELECT ON schema_migrations TO %I', app);
  EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM %I', app);
END;
$$;
