-- What a list costs follows its page, not the table: every list has an
-- index that serves both its filter and its order, ending in the row's
-- unique id (the tie-breaker a cursor resumes after), and every total comes
-- from list_counts, kept by the triggers below, instead of a COUNT over the
-- rows. docs/api.md (Lists) says what the API makes of it.

-- jobs: a user's list, all or one status, newest first; the dispatcher's
-- PENDING expiry by creation time; retention by when a finished job's
-- objects became removable (a virtual column, NULL once there is nothing to
-- remove, so that the index holds only the jobs that still have objects).
ALTER TABLE jobs
  DROP KEY jobs_user_created,
  ADD KEY jobs_user_list (user_id, created_at, id),
  ADD KEY jobs_user_status_list (user_id, status, created_at, id),
  ADD KEY jobs_status_created (status, created_at),
  ADD COLUMN objects_held_since DATETIME(3) AS
    (IF(status IN ('COMPLETED', 'FAILED', 'CANCELLED')
        AND (input_object_key IS NOT NULL OR output_object_key IS NOT NULL),
        COALESCE(finished_at, updated_at), NULL)) VIRTUAL,
  ADD KEY jobs_objects_held (objects_held_since);

-- A job's line errors in line order, both severities (one severity: the
-- existing job_errors_job).
ALTER TABLE job_errors ADD KEY job_errors_job_line (job_id, line, id);

-- A client's progress records newest first, all or one creator's.
ALTER TABLE progress_records
  ADD KEY progress_client_list (client_id, created_at, id),
  ADD KEY progress_client_creator_list (client_id, created_by, created_at, id);

-- The totals of the lists: n rows of `list` for `owner` in `part`.
--   jobs            user_id  status     a user's jobs
--   jobs_by_status  status   0-3        every job, spread over 4 rows per
--                                        status (by the job id's first
--                                        character) so that no one row is
--                                        taken by every job's change of state
--   job_errors      job_id   severity   a job's stored line errors
--   files           user_id  ''         a user's direct uploads
--   progress        client   creator    a client's progress records
--   clients         ''       ''         every client
-- A list's total is the sum of its owner's rows: a handful, whatever the
-- number of rows listed. Rows are changed in key order within each
-- statement, so two transactions never take two of them in opposite orders.
CREATE TABLE list_counts (
  list  VARCHAR(24) NOT NULL,
  owner CHAR(36)    NOT NULL,
  part  VARCHAR(36) NOT NULL,
  n     BIGINT      NOT NULL,
  PRIMARY KEY (list, owner, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Counted and kept under one set of locks, so that nothing written between
-- the count and the triggers is lost or counted twice.
LOCK TABLES jobs WRITE, job_errors WRITE, files WRITE, progress_records WRITE, clients WRITE,
  list_counts WRITE;

INSERT INTO list_counts (list, owner, part, n)
  SELECT 'jobs', user_id, status, COUNT(*) FROM jobs GROUP BY user_id, status;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'jobs_by_status', status, ORD(id) % 4, COUNT(*) FROM jobs GROUP BY status, ORD(id) % 4;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'job_errors', job_id, severity, COUNT(*) FROM job_errors GROUP BY job_id, severity;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'files', user_id, '', COUNT(*) FROM files GROUP BY user_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'progress', client_id, created_by, COUNT(*) FROM progress_records
  GROUP BY client_id, created_by;
INSERT INTO list_counts (list, owner, part, n) SELECT 'clients', '', '', COUNT(*) FROM clients;

DELIMITER //

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('jobs', NEW.user_id, NEW.status, 1), ('jobs_by_status', NEW.status, ORD(NEW.id) % 4, 1)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n)//

CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n)
  VALUES ('jobs', OLD.user_id, OLD.status, -1), ('jobs_by_status', OLD.status, ORD(OLD.id) % 4, -1)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n)//

-- A change of state moves one from the old status to the new; the two rows
-- of each list are taken in key order (LEAST first).
CREATE TRIGGER jobs_count_update AFTER UPDATE ON jobs FOR EACH ROW
BEGIN
  IF OLD.status <> NEW.status THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('jobs', NEW.user_id, LEAST(OLD.status, NEW.status), IF(OLD.status < NEW.status, -1, 1)),
           ('jobs', NEW.user_id, GREATEST(OLD.status, NEW.status), IF(OLD.status < NEW.status, 1, -1)),
           ('jobs_by_status', LEAST(OLD.status, NEW.status), ORD(NEW.id) % 4,
            IF(OLD.status < NEW.status, -1, 1)),
           ('jobs_by_status', GREATEST(OLD.status, NEW.status), ORD(NEW.id) % 4,
            IF(OLD.status < NEW.status, 1, -1))
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER job_errors_count_insert AFTER INSERT ON job_errors FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('job_errors', NEW.job_id, NEW.severity, 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER job_errors_count_delete AFTER DELETE ON job_errors FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('job_errors', OLD.job_id, OLD.severity, -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER files_count_insert AFTER INSERT ON files FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('files', NEW.user_id, '', 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER files_count_delete AFTER DELETE ON files FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('files', OLD.user_id, '', -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER progress_count_insert AFTER INSERT ON progress_records FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('progress', NEW.client_id, NEW.created_by, 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER progress_count_delete AFTER DELETE ON progress_records FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('progress', OLD.client_id, OLD.created_by, -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

CREATE TRIGGER clients_count_insert AFTER INSERT ON clients FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('clients', '', '', 1)
  ON DUPLICATE KEY UPDATE n = n + 1//

CREATE TRIGGER clients_count_delete AFTER DELETE ON clients FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('clients', '', '', -1)
  ON DUPLICATE KEY UPDATE n = n - 1//

DELIMITER ;

UNLOCK TABLES;
