-- 155: which registered Open311 client (open311_clients) filed each service request, so a client's api_key
-- reads the full fields of its own requests and only the public fields of everyone else's (SECURITY.md,
-- Open311). A row is written in the report's own transaction (the intake's afterInsert hook), so a request
-- and its owner commit together. Requests filed by sessions or other channels have no row.
CREATE TABLE open311_client_requests (
  incident_id bigint PRIMARY KEY REFERENCES incidents(id),
  client_id integer NOT NULL REFERENCES open311_clients(id)
);
CREATE INDEX open311_client_requests_client_idx ON open311_client_requests (client_id);
