-- Direct uploads expire (the dispatcher's retention pass, fcgi-app/common/
-- purge_store.c) file_retention_hours after retention_from unless pinned.
-- retention_from is the upload, the last pin change or the last job queued on
-- the file, whichever is latest (a row inserted without it starts at its
-- upload); files_expiry lets the purge read only the unpinned rows past their
-- retention.
ALTER TABLE files
  ADD COLUMN pinned TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN retention_from DATETIME(3) NOT NULL DEFAULT (uploaded_at),
  ADD KEY files_expiry (pinned, retention_from);
UPDATE files SET retention_from = uploaded_at WHERE retention_from <> uploaded_at;
