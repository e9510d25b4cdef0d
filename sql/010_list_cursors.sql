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
