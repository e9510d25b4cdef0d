-- Purge of old rows (the dispatcher's retention pass, fcgi-app/common/
-- purge_store.c): a range of each key reads only the rows past retention.
ALTER TABLE jobs ADD KEY jobs_finished (finished_at);
ALTER TABLE pipeline_errors ADD KEY pipeline_errors_occurred (occurred_at);
ALTER TABLE progress_records ADD KEY progress_updated (updated_at);
