-- The supervisor role (issue 16): between committee and admin, given by an admin only (self-registration
-- still takes committee or admin, compat).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('committee', 'supervisor', 'admin'));
