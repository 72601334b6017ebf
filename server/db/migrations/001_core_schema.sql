-- 001: the spatial model, people, resources, incidents with their event and audit trail, the walking
-- network and the offline basemap. SRID 4326 (WGS84) everywhere; GiST index on every geometry; every stored
-- polygon must be valid (invalid input is rejected with ST_IsValidReason at the API, never silently fixed).
CREATE EXTENSION IF NOT EXISTS postgis;

-- The street (街道) itself: one row per street the installation serves. Official figures from the source
-- document are kept apart from figures computed from the data, so the UI can show both honestly.
CREATE TABLE streets (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{9}$'),
  name text NOT NULL,
  name_en text NOT NULL,
  district text NOT NULL,
  city text NOT NULL,
  area_km2_official double precision,
  households_official integer,
  residents_official integer,
  is_sample boolean NOT NULL DEFAULT true,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);

CREATE TABLE communities (
  id serial PRIMARY KEY,
  street_code text NOT NULL REFERENCES streets(code),
  code text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{12}$'),
  name text NOT NULL,
  name_en text NOT NULL,
  -- true when the name is invented for the sample (the source names nine of the twelve)
  name_is_sample boolean NOT NULL DEFAULT false,
  center_area_m2 double precision,
  center_meets_standard boolean NOT NULL DEFAULT false,
  leader_id integer,      -- street leader who covers it (包片), FK added below
  secretary_id integer,   -- community Party secretary, FK added below
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX communities_geom_idx ON communities USING gist (geom);

-- Grid codes follow the national unit-grid convention: community code (12 digits) + 3-digit grid serial.
CREATE TABLE grids (
  id serial PRIMARY KEY,
  community_id integer NOT NULL REFERENCES communities(id),
  code text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{15}$'),
  name text NOT NULL,
  worker_id integer,      -- the grid worker (网格员), FK added below
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX grids_geom_idx ON grids USING gist (geom);
CREATE INDEX grids_community_idx ON grids (community_id);

CREATE TABLE compounds (
  id serial PRIMARY KEY,
  community_id integer NOT NULL REFERENCES communities(id),
  name text NOT NULL,
  geom geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR ST_IsValid(geom))
);
CREATE INDEX compounds_geom_idx ON compounds USING gist (geom);

CREATE TABLE buildings (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  community_id integer REFERENCES communities(id),
  grid_id integer REFERENCES grids(id),
  compound_id integer REFERENCES compounds(id),
  name text,
  address text,
  use text NOT NULL DEFAULT 'residential'
    CHECK (use IN ('residential', 'mixed', 'office', 'public', 'commercial', 'school', 'industrial', 'other')),
  floors smallint NOT NULL DEFAULT 1 CHECK (floors BETWEEN 1 AND 120),
  households integer NOT NULL DEFAULT 0 CHECK (households >= 0),
  residents integer NOT NULL DEFAULT 0 CHECK (residents >= 0),
  party_members integer NOT NULL DEFAULT 0 CHECK (party_members >= 0),
  head_id integer,        -- building head (楼门长), FK added below
  source text NOT NULL DEFAULT 'sample',   -- 'sample' | 'osm' | 'import:<file>'
  source_id text,
  geom geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX buildings_geom_idx ON buildings USING gist (geom);
CREATE INDEX buildings_grid_idx ON buildings (grid_id);
CREATE INDEX buildings_community_idx ON buildings (community_id);

-- People of the responsibility chain (五级力量下沉) and dispatchable volunteers. Names and phones are
-- personal information (PIPL): the API masks them unless the role allows.
CREATE TABLE people (
  id serial PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('street_leader', 'community_secretary', 'community_staff', 'grid_worker',
                                      'building_head', 'volunteer', 'cadre')),
  name text NOT NULL,
  phone text,
  party_member boolean NOT NULL DEFAULT false,
  community_id integer REFERENCES communities(id),
  grid_id integer REFERENCES grids(id),
  building_id integer REFERENCES buildings(id),
  on_duty boolean NOT NULL DEFAULT false,
  position geometry(Point, 4326),
  position_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX people_role_idx ON people (role);
CREATE INDEX people_grid_idx ON people (grid_id);
CREATE INDEX people_position_idx ON people USING gist (position);

ALTER TABLE communities ADD CONSTRAINT communities_leader_fk FOREIGN KEY (leader_id) REFERENCES people(id);
ALTER TABLE communities ADD CONSTRAINT communities_secretary_fk FOREIGN KEY (secretary_id) REFERENCES people(id);
ALTER TABLE grids ADD CONSTRAINT grids_worker_fk FOREIGN KEY (worker_id) REFERENCES people(id);
ALTER TABLE buildings ADD CONSTRAINT buildings_head_fk FOREIGN KEY (head_id) REFERENCES people(id);

-- Party organisation: 13 organisations, 38 branches; member counts per branch (no member roll is kept).
CREATE TABLE party_branches (
  id serial PRIMARY KEY,
  org_name text NOT NULL,
  name text NOT NULL,
  community_id integer REFERENCES communities(id),
  members integer NOT NULL CHECK (members >= 0)
);

-- Sensitive groups (PIPL §28: sensitive personal information). Rows exist for case work; outside the
-- roles allowed to see them only aggregates per grid/community leave the server.
CREATE TABLE care_subjects (
  id serial PRIMARY KEY,
  building_id integer NOT NULL REFERENCES buildings(id),
  grid_id integer REFERENCES grids(id),
  group_code text NOT NULL CHECK (group_code IN ('elderly_alone', 'disabled', 'low_income', 'unemployed',
                                                  'released_prisoner', 'drug_rehab', 'special_care')),
  name text NOT NULL,
  phone text,
  note text
);
CREATE INDEX care_subjects_grid_idx ON care_subjects (grid_id);

CREATE TABLE facilities (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  type text NOT NULL CHECK (type IN ('party_service_center', 'community_center', 'culture_sports',
                                     'elderly_daycare', 'clinic', 'school', 'kindergarten', 'market')),
  name text NOT NULL,
  community_id integer REFERENCES communities(id),
  area_m2 double precision,
  meets_standard boolean,
  source text NOT NULL DEFAULT 'sample',
  geom geometry(Point, 4326) NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX facilities_geom_idx ON facilities USING gist (geom);
CREATE INDEX facilities_type_idx ON facilities (type);

-- Parking resources. availability: JSON array of windows when a time-shared lot is open to residents,
-- e.g. [{"days":[1,2,3,4,5],"from":"17:30","to":"08:00"},{"days":[6,7],"from":"00:00","to":"24:00"}]
-- (ISO weekdays, local time Asia/Shanghai; a window whose "to" is before "from" runs past midnight).
CREATE TABLE parking_lots (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  community_id integer REFERENCES communities(id),
  kind text NOT NULL CHECK (kind IN ('public', 'residential', 'time_shared', 'street')),
  capacity integer NOT NULL CHECK (capacity > 0),
  occupied integer NOT NULL DEFAULT 0,
  availability jsonb,
  owner text,
  geom geometry(Point, 4326) NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (occupied BETWEEN 0 AND capacity)
);
CREATE INDEX parking_lots_geom_idx ON parking_lots USING gist (geom);

-- Violation points (双违) and 创文/创卫 inspection points.
-- Status flow: found → notified → rectifying → rectified | demolished → verified.
CREATE TABLE violations (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('illegal_construction', 'illegal_occupation', 'civilization_inspection',
                                     'sanitation_inspection')),
  status text NOT NULL DEFAULT 'found'
    CHECK (status IN ('found', 'notified', 'rectifying', 'rectified', 'demolished', 'verified')),
  community_id integer REFERENCES communities(id),
  grid_id integer REFERENCES grids(id),
  description text NOT NULL DEFAULT '',
  found_at timestamptz NOT NULL DEFAULT now(),
  geom geometry(Point, 4326) NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX violations_geom_idx ON violations USING gist (geom);

-- Incidents and the closed loop (PRODUCT.md §5). Allowed status changes live in a table so the rule is
-- enforced in the database too (trigger below), not only in the service.
CREATE TABLE incident_categories (
  code text PRIMARY KEY,
  name_zh text NOT NULL,
  name_en text NOT NULL
);
INSERT INTO incident_categories (code, name_zh, name_en) VALUES
  ('public_sentiment', '民情收集', 'Public sentiment'),
  ('appeal', '诉求上达', 'Appeals'),
  ('care', '关爱帮扶', 'Care and assistance'),
  ('mediation', '矛盾调解', 'Dispute mediation'),
  ('errand', '事项代办', 'Errands'),
  ('environment', '市容环保', 'City appearance and environment'),
  ('safety', '安全监督', 'Safety supervision'),
  ('security', '综治技防', 'Public security and technical prevention'),
  ('emergency', '应急管理', 'Emergency management'),
  ('parking', '智慧停车', 'Parking'),
  ('party', '党员管理', 'Party member tasks');

CREATE TABLE incident_transitions (
  from_status text NOT NULL,
  to_status text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
INSERT INTO incident_transitions (from_status, to_status) VALUES
  ('reported', 'accepted'), ('reported', 'rejected'),
  ('accepted', 'assigned'),
  ('assigned', 'assigned'), ('assigned', 'accepted'), ('assigned', 'in_progress'),
  ('in_progress', 'resolved'), ('in_progress', 'assigned'),
  ('resolved', 'verified'), ('resolved', 'in_progress'),
  ('verified', 'closed');

CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  category text NOT NULL REFERENCES incident_categories(code),
  severity text NOT NULL CHECK (severity IN ('small', 'big')),
  status text NOT NULL DEFAULT 'reported'
    CHECK (status IN ('reported', 'accepted', 'rejected', 'assigned', 'in_progress', 'resolved', 'verified', 'closed')),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
  address text,
  source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'socket', 'open311', 'simulator', 'sample', 'import')),
  reporter_name text,
  reporter_phone text,
  community_id integer NOT NULL REFERENCES communities(id),
  grid_id integer REFERENCES grids(id),
  geom geometry(Point, 4326) NOT NULL,
  assignee_id integer REFERENCES people(id),
  leader_id integer REFERENCES people(id),         -- 领导包案 for big matters
  plan text,                                        -- 大事有措施
  plan_due_at timestamptz,
  due_at timestamptz NOT NULL,
  escalation_level smallint NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
  escalated_at timestamptz,
  rework_count integer NOT NULL DEFAULT 0 CHECK (rework_count >= 0),
  resolved_by text,      -- actor id ("user:12", "person:345") of who reported it resolved
  verified_by text,      -- must differ from resolved_by
  reply text CHECK (reply IS NULL OR char_length(reply) <= 2000),   -- 件件有回音
  replied_at timestamptz,
  satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
  reported_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  assigned_at timestamptz,
  resolved_at timestamptz,
  verified_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  idempotency_key text UNIQUE,
  CHECK (verified_by IS NULL OR resolved_by IS NULL OR verified_by <> resolved_by)
);
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);
CREATE INDEX incidents_status_idx ON incidents (status);
CREATE INDEX incidents_reported_at_idx ON incidents (reported_at);
CREATE INDEX incidents_grid_idx ON incidents (grid_id);
CREATE INDEX incidents_community_idx ON incidents (community_id);
CREATE INDEX incidents_assignee_idx ON incidents (assignee_id) WHERE status IN ('assigned', 'in_progress');

CREATE FUNCTION incidents_guard_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status OR (NEW.status = 'assigned' AND NEW.assignee_id IS DISTINCT FROM OLD.assignee_id) THEN
    IF NOT EXISTS (SELECT 1 FROM incident_transitions t WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
      RAISE EXCEPTION 'invalid incident transition % -> %', OLD.status, NEW.status
        USING ERRCODE = 'P0001', HINT = 'INVALID_TRANSITION';
    END IF;
  END IF;
  IF NEW.version <> OLD.version + 1 THEN
    RAISE EXCEPTION 'incident % version must advance by one (% -> %)', OLD.id, OLD.version, NEW.version
      USING ERRCODE = 'P0001', HINT = 'STALE_VERSION';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER incidents_guard_transition BEFORE UPDATE ON incidents
  FOR EACH ROW EXECUTE FUNCTION incidents_guard_transition();

-- Append-only event stream: every state change commits one row here in the same transaction; only
-- committed rows are pushed to clients, each with its id (ENGINEERING.md §3).
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL,               -- e.g. 'incident.reported', 'incident.assigned', 'parking.occupancy'
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  version integer,
  actor text NOT NULL,
  reason text,
  command_id text,
  payload jsonb NOT NULL
);
CREATE INDEX events_entity_idx ON events (entity_type, entity_id, id);
CREATE UNIQUE INDEX events_command_idx ON events (command_id) WHERE command_id IS NOT NULL;

-- Append-only audit log: every write and every read of sensitive data.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  entity_type text,
  entity_id text,
  reason text,
  detail jsonb,
  ip text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001', HINT = 'APPEND_ONLY';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Stored answers for retried commands (Idempotency-Key header / command id): same key → same answer.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- Users and sessions (roles: wall viewer, dispatcher, planner, leader, admin; grid worker scoped to a grid).
CREATE TABLE users (
  id serial PRIMARY KEY,
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,64}$'),
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker')),
  display_name text NOT NULL,
  person_id integer REFERENCES people(id),
  scope_grid_id integer REFERENCES grids(id),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id text PRIMARY KEY,              -- sha256 of the cookie token; the token itself is never stored
  user_id integer NOT NULL REFERENCES users(id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Walking network: nodes and edges from OSM ways, imported lines or the sample generator. Costs are in
-- seconds of walking; reverse_cost_s < 0 means the edge cannot be walked backwards (pgRouting convention).
CREATE TABLE walk_nodes (
  id bigint PRIMARY KEY,
  geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX walk_nodes_geom_idx ON walk_nodes USING gist (geom);

CREATE TABLE walk_edges (
  id bigserial PRIMARY KEY,
  source bigint NOT NULL REFERENCES walk_nodes(id),
  target bigint NOT NULL REFERENCES walk_nodes(id),
  kind text NOT NULL,               -- OSM highway value or sample kind: 'arterial', 'street', 'path', 'steps', …
  name text,
  length_m double precision NOT NULL CHECK (length_m >= 0),
  cost_s double precision NOT NULL,
  reverse_cost_s double precision NOT NULL,
  source_id text,
  geom geometry(LineString, 4326) NOT NULL
);
CREATE INDEX walk_edges_geom_idx ON walk_edges USING gist (geom);
CREATE INDEX walk_edges_source_idx ON walk_edges (source);
CREATE INDEX walk_edges_target_idx ON walk_edges (target);

-- Where each building meets the network: the nearest point on the nearest edge (not node).
CREATE TABLE building_access (
  building_id integer PRIMARY KEY REFERENCES buildings(id) ON DELETE CASCADE,
  edge_id bigint NOT NULL REFERENCES walk_edges(id) ON DELETE CASCADE,
  fraction double precision NOT NULL CHECK (fraction BETWEEN 0 AND 1),
  distance_m double precision NOT NULL,
  geom geometry(Point, 4326) NOT NULL
);

-- Offline basemap features served by our own server (roads, water, green space, rail).
CREATE TABLE basemap_features (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('road_major', 'road_minor', 'path', 'rail', 'water', 'green', 'landuse')),
  name text,
  geom geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom))
);
CREATE INDEX basemap_features_geom_idx ON basemap_features USING gist (geom);
