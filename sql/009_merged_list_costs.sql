-- What the lists merged after 002_list_costs.sql cost follows their page,
-- as 002 made it for jobs: an index that serves each list's filter and
-- order (ending in the row's unique id), and totals kept by triggers
-- instead of a COUNT over the owner's rows. Lists a user keeps short
-- (pipelines, sources, service accounts, webhooks) keep their COUNT.

-- A pipeline's executions, newest first, all or one status.
ALTER TABLE pipeline_executions
  DROP KEY executions_pipeline,
  ADD KEY executions_pipeline_list (pipeline_id, created_at, id),
  ADD KEY executions_pipeline_status_list (pipeline_id, status, created_at, id);

-- An execution's errors in order of occurrence, all or one severity or
-- type; a pipeline's errors (deleted with it).
ALTER TABLE pipeline_errors
  DROP KEY pipeline_errors_execution,
  ADD KEY pipeline_errors_execution_list (execution_id, occurred_at, id),
  ADD KEY pipeline_errors_execution_severity (execution_id, error_severity, occurred_at, id),
  ADD KEY pipeline_errors_execution_type (execution_id, error_type, occurred_at, id),
  ADD KEY pipeline_errors_pipeline (pipeline_id);

-- A user's quality checks newest first, all or one entity's.
ALTER TABLE quality_checks
  DROP KEY quality_checks_entity,
  ADD KEY quality_checks_user_list (user_id, created_at, id),
  ADD KEY quality_checks_entity_list (user_id, entity_id, created_at, id);

-- A webhook's deliveries newest first (ties by id), all or one status.
ALTER TABLE webhook_deliveries
  DROP KEY webhook_deliveries_webhook,
  ADD KEY webhook_deliveries_list (webhook_id, created_at DESC, id),
  ADD KEY webhook_deliveries_status_list (webhook_id, status, created_at DESC, id);

-- Every external identity newest first (ties by issuer and subject).
ALTER TABLE external_identities
  ADD KEY external_identities_list (created_at DESC, issuer, subject);

-- A user's datasets newest first.
ALTER TABLE datasets ADD KEY datasets_user_list (user_id, created_at, id);

-- The commits of one run of a load (a load job's runs list their rows).
ALTER TABLE dataset_commits
  ADD KEY dataset_commits_job (job_id),
  ADD KEY dataset_commits_load_job (load_job_id);

-- The errors of an execution by severity, type and resolution: the total
-- of any filter of the execution's list, and its error_count, is the sum of
-- a handful of rows.
CREATE TABLE pipeline_error_counts (
  execution_id   CHAR(36)    NOT NULL,
  error_severity VARCHAR(8)  NOT NULL,
  error_type     VARCHAR(32) NOT NULL,
  is_resolved    TINYINT(1)  NOT NULL,
  n              BIGINT      NOT NULL,
  PRIMARY KEY (execution_id, error_severity, error_type, is_resolved)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A user's errors by day of occurrence (UTC), severity, type and
-- resolution: the summary of the last N days reads one row per day and kind
-- (and the rows of the first, partial day).
CREATE TABLE pipeline_error_days (
  user_id        CHAR(36)    NOT NULL,
  day            DATE        NOT NULL,
  error_severity VARCHAR(8)  NOT NULL,
  error_type     VARCHAR(32) NOT NULL,
  is_resolved    TINYINT(1)  NOT NULL,
  n              BIGINT      NOT NULL,
  PRIMARY KEY (user_id, day, error_severity, error_type, is_resolved)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A load job's runs (jobs of kind dataset_load whose subject it is): how
-- many, how many ended COMPLETED or FAILED, the sum and number of the
-- durations of the runs that have a start and an end, and the rows its
-- commits read.
CREATE TABLE load_job_totals (
  load_job_id   CHAR(36) NOT NULL PRIMARY KEY,
  runs          BIGINT   NOT NULL DEFAULT 0,
  succeeded     BIGINT   NOT NULL DEFAULT 0,
  failed        BIGINT   NOT NULL DEFAULT 0,
  timed_runs    BIGINT   NOT NULL DEFAULT 0,
  duration_us   BIGINT   NOT NULL DEFAULT 0,
  records       BIGINT   NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- New lists of list_counts (002):
--   executions        pipeline_id  status    a pipeline's executions
--   quality_checks    user_id      ''        a user's quality checks
--   quality_entity    entity_id    user_id   a user's checks of one entity
--   deliveries        webhook_id   status    a webhook's deliveries
--   identities        ''           ''        every external identity
--   dataset_commits   dataset_id   ''        a dataset's commits
--   dataset_rows      dataset_id   ''        a dataset's rows: only its loads write
--                                             them, each commit says how many it
--                                             inserted and deleted
--   datasets          user_id      ''        a user's datasets
LOCK TABLES datasets WRITE, pipeline_executions WRITE, pipeline_errors WRITE, quality_checks WRITE,
  webhook_deliveries WRITE, external_identities WRITE, dataset_commits WRITE, jobs WRITE,
  list_counts WRITE, pipeline_error_counts WRITE, pipeline_error_days WRITE,
  load_job_totals WRITE;

INSERT INTO list_counts (list, owner, part, n)
  SELECT 'executions', pipeline_id, status, COUNT(*) FROM pipeline_executions
  GROUP BY pipeline_id, status;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'quality_checks', user_id, '', COUNT(*) FROM quality_checks GROUP BY user_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'quality_entity', entity_id, user_id, COUNT(*) FROM quality_checks
  GROUP BY entity_id, user_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'deliveries', webhook_id, status, COUNT(*) FROM webhook_deliveries
  GROUP BY webhook_id, status;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'identities', '', '', COUNT(*) FROM external_identities;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'dataset_commits', dataset_id, '', COUNT(*) FROM dataset_commits GROUP BY dataset_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'dataset_rows', dataset_id, '', SUM(rows_inserted - rows_deleted) FROM dataset_commits
  GROUP BY dataset_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'datasets', user_id, '', COUNT(*) FROM datasets GROUP BY user_id;
INSERT INTO pipeline_error_counts (execution_id, error_severity, error_type, is_resolved, n)
  SELECT execution_id, error_severity, error_type, is_resolved, COUNT(*) FROM pipeline_errors
  GROUP BY execution_id, error_severity, error_type, is_resolved;
INSERT INTO pipeline_error_days (user_id, day, error_severity, error_type, is_resolved, n)
  SELECT user_id, DATE(occurred_at), error_severity, error_type, is_resolved, COUNT(*)
  FROM pipeline_errors GROUP BY user_id, DATE(occurred_at), error_severity, error_type, is_resolved;
INSERT INTO load_job_totals (load_job_id, runs, succeeded, failed, timed_runs, duration_us)
  SELECT subject_id, COUNT(*), SUM(status = 'COMPLETED'), SUM(status = 'FAILED'),
         SUM(started_at IS NOT NULL AND finished_at IS NOT NULL),
         COALESCE(SUM(TIMESTAMPDIFF(MICROSECOND, started_at, finished_at)), 0)
  FROM jobs WHERE kind = 'dataset_load' AND subject_id IS NOT NULL GROUP BY subject_id;
INSERT INTO load_job_totals (load_job_id, records)
  SELECT load_job_id, SUM(rows_inserted + rows_updated + rows_unchanged) FROM dataset_commits
  WHERE load_job_id IS NOT NULL GROUP BY load_job_id
  ON DUPLICATE KEY UPDATE records = VALUES(records);

DELIMITER //

CREATE TRIGGER executions_count_insert AFTER INSERT ON pipeline_executions FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('executions', NEW.pipeline_id, NEW.status, 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER executions_count_delete AFTER DELETE ON pipeline_executions FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('executions', OLD.pipeline_id, OLD.status, -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

-- The two rows taken in key order (LEAST first), as for jobs in 002.
CREATE TRIGGER executions_count_update AFTER UPDATE ON pipeline_executions FOR EACH ROW
BEGIN
  IF OLD.status <> NEW.status THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('executions', NEW.pipeline_id, LEAST(OLD.status, NEW.status),
            IF(OLD.status < NEW.status, -1, 1)),
           ('executions', NEW.pipeline_id, GREATEST(OLD.status, NEW.status),
            IF(OLD.status < NEW.status, 1, -1))
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER pipeline_errors_count_insert AFTER INSERT ON pipeline_errors FOR EACH ROW
BEGIN
  INSERT INTO pipeline_error_counts (execution_id, error_severity, error_type, is_resolved, n)
  VALUES (NEW.execution_id, NEW.error_severity, NEW.error_type, NEW.is_resolved, 1)
  ON DUPLICATE KEY UPDATE n = n + 1;
  INSERT INTO pipeline_error_days (user_id, day, error_severity, error_type, is_resolved, n)
  VALUES (NEW.user_id, DATE(NEW.occurred_at), NEW.error_severity, NEW.error_type,
          NEW.is_resolved, 1)
  ON DUPLICATE KEY UPDATE n = n + 1;
END//

CREATE TRIGGER pipeline_errors_count_delete AFTER DELETE ON pipeline_errors FOR EACH ROW
BEGIN
  INSERT INTO pipeline_error_counts (execution_id, error_severity, error_type, is_resolved, n)
  VALUES (OLD.execution_id, OLD.error_severity, OLD.error_type, OLD.is_resolved, -1)
  ON DUPLICATE KEY UPDATE n = n - 1;
  INSERT INTO pipeline_error_days (user_id, day, error_severity, error_type, is_resolved, n)
  VALUES (OLD.user_id, DATE(OLD.occurred_at), OLD.error_severity, OLD.error_type,
          OLD.is_resolved, -1)
  ON DUPLICATE KEY UPDATE n = n - 1;
END//

-- Resolving moves one error between two rows of each table (only
-- is_resolved differs: 0 before 1 in key order).
CREATE TRIGGER pipeline_errors_count_update AFTER UPDATE ON pipeline_errors FOR EACH ROW
BEGIN
  IF OLD.is_resolved <> NEW.is_resolved OR OLD.error_severity <> NEW.error_severity
     OR OLD.error_type <> NEW.error_type OR OLD.execution_id <> NEW.execution_id
     OR OLD.user_id <> NEW.user_id OR DATE(OLD.occurred_at) <> DATE(NEW.occurred_at) THEN
    INSERT INTO pipeline_error_counts (execution_id, error_severity, error_type, is_resolved, n)
    VALUES (OLD.execution_id, OLD.error_severity, OLD.error_type, OLD.is_resolved, -1),
           (NEW.execution_id, NEW.error_severity, NEW.error_type, NEW.is_resolved, 1)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    INSERT INTO pipeline_error_days (user_id, day, error_severity, error_type, is_resolved, n)
    VALUES (OLD.user_id, DATE(OLD.occurred_at), OLD.error_severity, OLD.error_type,
            OLD.is_resolved, -1),
           (NEW.user_id, DATE(NEW.occurred_at), NEW.error_severity, NEW.error_type,
            NEW.is_resolved, 1)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER quality_checks_count_insert AFTER INSERT ON quality_checks FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('quality_checks', NEW.user_id, '', 1), ('quality_entity', NEW.entity_id, NEW.user_id, 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER quality_checks_count_delete AFTER DELETE ON quality_checks FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('quality_checks', OLD.user_id, '', -1), ('quality_entity', OLD.entity_id, OLD.user_id, -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER deliveries_count_insert AFTER INSERT ON webhook_deliveries FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('deliveries', NEW.webhook_id, NEW.status, 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER deliveries_count_delete AFTER DELETE ON webhook_deliveries FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('deliveries', OLD.webhook_id, OLD.status, -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER deliveries_count_update AFTER UPDATE ON webhook_deliveries FOR EACH ROW
BEGIN
  IF OLD.status <> NEW.status THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('deliveries', NEW.webhook_id, LEAST(OLD.status, NEW.status),
            IF(OLD.status < NEW.status, -1, 1)),
           ('deliveries', NEW.webhook_id, GREATEST(OLD.status, NEW.status),
            IF(OLD.status < NEW.status, 1, -1))
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER identities_count_insert AFTER INSERT ON external_identities FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('identities', '', '', 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER identities_count_delete AFTER DELETE ON external_identities FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('identities', '', '', -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER dataset_commits_count_insert AFTER INSERT ON dataset_commits FOR EACH ROW
BEGIN
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('dataset_commits', NEW.dataset_id, '', 1),
         ('dataset_rows', NEW.dataset_id, '', NEW.rows_inserted - NEW.rows_deleted)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  IF NEW.load_job_id IS NOT NULL THEN
    INSERT INTO load_job_totals (load_job_id, records)
    VALUES (NEW.load_job_id, NEW.rows_inserted + NEW.rows_updated + NEW.rows_unchanged)
    ON DUPLICATE KEY UPDATE records = records + VALUES(records);
  END IF;
END//

CREATE TRIGGER dataset_commits_count_delete AFTER DELETE ON dataset_commits FOR EACH ROW
BEGIN
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('dataset_commits', OLD.dataset_id, '', -1),
         ('dataset_rows', OLD.dataset_id, '', OLD.rows_deleted - OLD.rows_inserted)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  IF OLD.load_job_id IS NOT NULL THEN
    INSERT INTO load_job_totals (load_job_id, records)
    VALUES (OLD.load_job_id, -(OLD.rows_inserted + OLD.rows_updated + OLD.rows_unchanged))
    ON DUPLICATE KEY UPDATE records = records + VALUES(records);
  END IF;
END//

CREATE TRIGGER datasets_count_insert AFTER INSERT ON datasets FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('datasets', NEW.user_id, '', 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER datasets_count_delete AFTER DELETE ON datasets FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('datasets', OLD.user_id, '', -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

-- A load job's runs: each row adds what it is now and takes back what it
-- was, so that a re-queue (a new start) or a late end stays exact. Only a
-- change of state, start or end touches the totals (not progress).
CREATE TRIGGER jobs_load_totals_insert AFTER INSERT ON jobs FOR EACH ROW
  IF NEW.kind = 'dataset_load' AND NEW.subject_id IS NOT NULL THEN
    INSERT INTO load_job_totals (load_job_id, runs, succeeded, failed, timed_runs, duration_us)
    VALUES (NEW.subject_id, 1, NEW.status = 'COMPLETED', NEW.status = 'FAILED',
            NEW.started_at IS NOT NULL AND NEW.finished_at IS NOT NULL,
            COALESCE(TIMESTAMPDIFF(MICROSECOND, NEW.started_at, NEW.finished_at), 0))
    ON DUPLICATE KEY UPDATE runs = runs + 1, succeeded = succeeded + VALUES(succeeded),
      failed = failed + VALUES(failed), timed_runs = timed_runs + VALUES(timed_runs),
      duration_us = duration_us + VALUES(duration_us);
  END IF//

CREATE TRIGGER jobs_load_totals_delete AFTER DELETE ON jobs FOR EACH ROW
  IF OLD.kind = 'dataset_load' AND OLD.subject_id IS NOT NULL THEN
    INSERT INTO load_job_totals (load_job_id, runs, succeeded, failed, timed_runs, duration_us)
    VALUES (OLD.subject_id, -1, -(OLD.status = 'COMPLETED'), -(OLD.status = 'FAILED'),
            -(OLD.started_at IS NOT NULL AND OLD.finished_at IS NOT NULL),
            -COALESCE(TIMESTAMPDIFF(MICROSECOND, OLD.started_at, OLD.finished_at), 0))
    ON DUPLICATE KEY UPDATE runs = runs - 1, succeeded = succeeded + VALUES(succeeded),
      failed = failed + VALUES(failed), timed_runs = timed_runs + VALUES(timed_runs),
      duration_us = duration_us + VALUES(duration_us);
  END IF//

CREATE TRIGGER jobs_load_totals_update AFTER UPDATE ON jobs FOR EACH ROW
  IF NEW.kind = 'dataset_load' AND NEW.subject_id IS NOT NULL
     AND (OLD.status <> NEW.status OR NOT (OLD.started_at <=> NEW.started_at)
          OR NOT (OLD.finished_at <=> NEW.finished_at)) THEN
    INSERT INTO load_job_totals (load_job_id, runs, succeeded, failed, timed_runs, duration_us)
    VALUES (NEW.subject_id, 0,
            (NEW.status = 'COMPLETED') - (OLD.status = 'COMPLETED'),
            (NEW.status = 'FAILED') - (OLD.status = 'FAILED'),
            (NEW.started_at IS NOT NULL AND NEW.finished_at IS NOT NULL)
              - (OLD.started_at IS NOT NULL AND OLD.finished_at IS NOT NULL),
            COALESCE(TIMESTAMPDIFF(MICROSECOND, NEW.started_at, NEW.finished_at), 0)
              - COALESCE(TIMESTAMPDIFF(MICROSECOND, OLD.started_at, OLD.finished_at), 0))
    ON DUPLICATE KEY UPDATE succeeded = succeeded + VALUES(succeeded),
      failed = failed + VALUES(failed), timed_runs = timed_runs + VALUES(timed_runs),
      duration_us = duration_us + VALUES(duration_us);
  END IF//

DELIMITER ;

UNLOCK TABLES;
