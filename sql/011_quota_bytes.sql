-- The bytes a user holds, for the storage quota (user_quota_bytes), kept by
-- triggers in list_counts as list 'bytes', owner the user, one row per part:
--   files    direct uploads (files.file_size)
--   inputs   job inputs uploaded through a signed URL (a job made from a
--            direct upload's file counts once, as the file)
--   uploads  resumable uploads still being written, at their declared length
-- A quota check then reads three rows, not every file, job and upload of the
-- user. A resumable upload past its expiry counts until retention removes it
-- (within a minute).

LOCK TABLES files WRITE, jobs WRITE, uploads WRITE, list_counts WRITE;

INSERT INTO list_counts (list, owner, part, n)
  SELECT 'bytes', user_id, 'files', SUM(file_size) FROM files GROUP BY user_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'bytes', user_id, 'inputs', SUM(input_size_bytes) FROM jobs
  WHERE file_id IS NULL AND input_size_bytes IS NOT NULL GROUP BY user_id;
INSERT INTO list_counts (list, owner, part, n)
  SELECT 'bytes', user_id, 'uploads', SUM(upload_length) FROM uploads
  WHERE status = 'UPLOADING' GROUP BY user_id;

DELIMITER //

CREATE TRIGGER files_bytes_insert AFTER INSERT ON files FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('bytes', NEW.user_id, 'files', NEW.file_size)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n)//

CREATE TRIGGER files_bytes_delete AFTER DELETE ON files FOR EACH ROW
  INSERT INTO list_counts (list, owner, part, n) VALUES ('bytes', OLD.user_id, 'files', -OLD.file_size)
  ON DUPLICATE KEY UPDATE n = n + VALUES(n)//

CREATE TRIGGER files_bytes_update AFTER UPDATE ON files FOR EACH ROW
BEGIN
  IF NOT (OLD.file_size <=> NEW.file_size) THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('bytes', NEW.user_id, 'files', NEW.file_size - OLD.file_size)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER jobs_bytes_insert AFTER INSERT ON jobs FOR EACH ROW
BEGIN
  IF NEW.file_id IS NULL AND NEW.input_size_bytes IS NOT NULL THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('bytes', NEW.user_id, 'inputs', NEW.input_size_bytes)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER jobs_bytes_delete AFTER DELETE ON jobs FOR EACH ROW
BEGIN
  IF OLD.file_id IS NULL AND OLD.input_size_bytes IS NOT NULL THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('bytes', OLD.user_id, 'inputs', -OLD.input_size_bytes)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER jobs_bytes_update AFTER UPDATE ON jobs FOR EACH ROW
BEGIN
  DECLARE was BIGINT DEFAULT IF(OLD.file_id IS NULL, COALESCE(OLD.input_size_bytes, 0), 0);
  DECLARE now_ BIGINT DEFAULT IF(NEW.file_id IS NULL, COALESCE(NEW.input_size_bytes, 0), 0);
  IF was <> now_ THEN
    INSERT INTO list_counts (list, owner, part, n) VALUES ('bytes', NEW.user_id, 'inputs', now_ - was)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER uploads_bytes_insert AFTER INSERT ON uploads FOR EACH ROW
BEGIN
  IF NEW.status = 'UPLOADING' THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('bytes', NEW.user_id, 'uploads', NEW.upload_length)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER uploads_bytes_delete AFTER DELETE ON uploads FOR EACH ROW
BEGIN
  IF OLD.status = 'UPLOADING' THEN
    INSERT INTO list_counts (list, owner, part, n)
    VALUES ('bytes', OLD.user_id, 'uploads', -OLD.upload_length)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

CREATE TRIGGER uploads_bytes_update AFTER UPDATE ON uploads FOR EACH ROW
BEGIN
  DECLARE was BIGINT DEFAULT IF(OLD.status = 'UPLOADING', OLD.upload_length, 0);
  DECLARE now_ BIGINT DEFAULT IF(NEW.status = 'UPLOADING', NEW.upload_length, 0);
  IF was <> now_ THEN
    INSERT INTO list_counts (list, owner, part, n) VALUES ('bytes', NEW.user_id, 'uploads', now_ - was)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
  END IF;
END//

DELIMITER ;

UNLOCK TABLES;
