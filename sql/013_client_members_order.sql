-- A client's members listed oldest first and paged by keyset
-- (GET /clients/{krn}/members): one index serves the page and its cursor.
ALTER TABLE client_members ADD KEY client_members_order (client_id, created_at, user_id);
