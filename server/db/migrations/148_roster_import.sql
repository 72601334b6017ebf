-- Rosters imported from the street office's spreadsheets (issue 14 item 2, server/admin/roster-import.ts).
-- The smallest model that holds the four rolls:
--   team_name     the volunteer team (志愿服务队) a volunteer belongs to; the 67 teams are names on people, not a
--                 table of their own (nothing else refers to a team yet);
--   party_branch  the Party branch (党支部) a member belongs to, as written on the branch's roll; party_member
--                 stays the flag the map and the counts read.
-- Identity numbers (身份证号) are checked on import and never stored (SECURITY.md "Rosters").
ALTER TABLE people ADD COLUMN team_name text CHECK (team_name IS NULL OR length(team_name) BETWEEN 1 AND 60);
ALTER TABLE people ADD COLUMN party_branch text CHECK (party_branch IS NULL OR length(party_branch) BETWEEN 1 AND 60);
-- A roster row is the same person as a row on file with the same mobile number (digits only): the import's
-- lookup goes through this index.
CREATE INDEX people_phone_digits_idx ON people ((regexp_replace(phone, '[^0-9]', '', 'g')));
