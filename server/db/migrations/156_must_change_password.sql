-- A password someone else chose is only good for one thing: choosing your own (issue 14 item 1). Accounts
-- created by an administrator and passwords reset by one carry this flag until their person changes the
-- password (POST /api/auth/password); until then the session may only read /api/auth/me, change the password
-- or sign out (server/auth/password-change-gate.ts). Demo, provisioned and existing accounts start without it, and so do wall accounts (paired with a key; nobody
-- at a wall display types a password).
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
