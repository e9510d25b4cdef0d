-- Keyset pages (after=<cursor>) for the lists a user keeps short: an index
-- that serves each list's filter and order, ending in the row's unique id,
-- so that a page after a cursor starts where the cursor points.

-- A user's pipelines newest first, all or active or not.
ALTER TABLE pipelines
  DROP KEY pipelines_user,
  ADD KEY pipelines_user_list (user_id, created_at, id),
  ADD KEY pipelines_user_active_list (user_id, is_active, created_at, id);

-- A user's sources newest first.
ALTER TABLE sources ADD KEY sources_user_list (user_id, created_at, id);

-- A user's load jobs newest first, all or one job_type (batch, stream).
ALTER TABLE load_jobs
  ADD KEY load_jobs_user_list (user_id, created_at, id),
  ADD KEY load_jobs_user_type_list (user_id, job_type, created_at, id);

-- A user's webhook subscriptions newest first.
ALTER TABLE webhooks
  DROP KEY webhooks_user,
  ADD KEY webhooks_user_list (user_id, created_at, id);

-- A client's service accounts oldest first.
ALTER TABLE service_accounts
  DROP KEY service_accounts_client,
  ADD KEY service_accounts_list (client_id, created_at, id);

-- External identities newest first, everyone's or one user's. A subject is
-- free text: each identity gets an id of its own, which ends the order and
-- the cursor.
ALTER TABLE external_identities ADD COLUMN id CHAR(36) NULL;
UPDATE external_identities SET id = UUID() WHERE id IS NULL;
ALTER TABLE external_identities
  MODIFY id CHAR(36) NOT NULL,
  ADD UNIQUE KEY external_identities_id (id),
  DROP KEY external_identities_list,
  ADD KEY external_identities_list (created_at, id),
  DROP KEY external_identities_user,
  ADD KEY external_identities_user_list (user_id, created_at, id);
