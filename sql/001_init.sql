-- Quarry schema, first migration. Applied once, in order, by `tools/quarry migrate`;
-- each applied file is recorded in schema_migrations.
-- Ids are UUID strings (lower-case, 36 chars). Times are UTC DATETIME(3).

CREATE TABLE users (
  id            CHAR(36)     NOT NULL PRIMARY KEY,
  email         VARCHAR(254) NOT NULL,
  username      VARCHAR(64)  NULL,
  full_name     VARCHAR(200) NULL,
  password_hash VARCHAR(255) NOT NULL,
  is_active     TINYINT(1)   NOT NULL DEFAULT 1,
  is_superuser  TINYINT(1)   NOT NULL DEFAULT 0,
  created_at    DATETIME(3)  NOT NULL,
  updated_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY users_email (email),
  UNIQUE KEY users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE jobs (
  id                       CHAR(36)     NOT NULL PRIMARY KEY,
  user_id                  CHAR(36)     NOT NULL,
  file_id                  CHAR(36)     NULL,
  file_name                VARCHAR(255) NOT NULL,
  original_file_size_bytes BIGINT       NOT NULL DEFAULT 0,
  status                   VARCHAR(32)  NOT NULL,
  processing_steps         LONGTEXT     NOT NULL,
  processing_config        LONGTEXT     NOT NULL,
  input_format             VARCHAR(16)  NULL,
  output_format            VARCHAR(16)  NOT NULL DEFAULT 'csv',
  created_at               DATETIME(3)  NOT NULL,
  updated_at               DATETIME(3)  NOT NULL,
  queued_at                DATETIME(3)  NULL,
  started_at               DATETIME(3)  NULL,
  finished_at              DATETIME(3)  NULL,
  input_object_key         VARCHAR(512) NULL,
  input_size_bytes         BIGINT       NULL,
  input_mime_type          VARCHAR(128) NULL,
  upload_url_expires_at    DATETIME(3)  NULL,
  output_object_key        VARCHAR(512) NULL,
  output_size_bytes        BIGINT       NULL,
  error_message            TEXT         NULL,
  stage                    VARCHAR(32)  NULL,
  total_records            BIGINT       NOT NULL DEFAULT 0,
  processed_records        BIGINT       NOT NULL DEFAULT 0,
  failed_records           BIGINT       NOT NULL DEFAULT 0,
  warn_records             BIGINT       NOT NULL DEFAULT 0,
  percentage               DOUBLE       NOT NULL DEFAULT 0,
  estimated_completion     DATETIME(3)  NULL,
  metrics                  LONGTEXT     NULL,
  processing_metadata      LONGTEXT     NULL,
  attempts                 INT          NOT NULL DEFAULT 0,
  worker_host              VARCHAR(255) NULL,
  worker_pid               INT          NULL,
  KEY jobs_user_created (user_id, created_at),
  KEY jobs_status_queued (status, queued_at),
  KEY jobs_file (file_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Line-level errors and warnings of a job: the first N in full (the counts on
-- the job stay exact whatever N is).
CREATE TABLE job_errors (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id     CHAR(36)    NOT NULL,
  line       BIGINT      NOT NULL,
  col        VARCHAR(255) NULL,
  severity   VARCHAR(8)  NOT NULL,
  code       VARCHAR(64) NOT NULL,
  message    TEXT        NOT NULL,
  KEY job_errors_job (job_id, severity, line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Files uploaded directly (multipart).
CREATE TABLE files (
  id                  CHAR(36)     NOT NULL PRIMARY KEY,
  user_id             CHAR(36)     NOT NULL,
  filename            VARCHAR(255) NOT NULL,
  object_key          VARCHAR(512) NOT NULL,
  file_type           VARCHAR(16)  NOT NULL,
  mime_type           VARCHAR(128) NOT NULL,
  file_size           BIGINT       NOT NULL,
  sha256              CHAR(64)     NOT NULL,
  processing_status   VARCHAR(16)  NOT NULL DEFAULT 'PENDING',
  records_processed   BIGINT       NOT NULL DEFAULT 0,
  records_successful  BIGINT       NOT NULL DEFAULT 0,
  records_failed      BIGINT       NOT NULL DEFAULT 0,
  processing_metadata LONGTEXT     NULL,
  uploaded_at         DATETIME(3)  NOT NULL,
  processed_at        DATETIME(3)  NULL,
  KEY files_user (user_id, uploaded_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Tenants and their members.
CREATE TABLE clients (
  id         CHAR(36)     NOT NULL PRIMARY KEY,
  krn        VARCHAR(255) NOT NULL,
  name       VARCHAR(255) NOT NULL,
  created_by CHAR(36)     NOT NULL,
  created_at DATETIME(3)  NOT NULL,
  UNIQUE KEY clients_krn (krn)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE client_members (
  client_id  CHAR(36)    NOT NULL,
  user_id    CHAR(36)    NOT NULL,
  role       VARCHAR(32) NOT NULL DEFAULT 'member',
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (client_id, user_id),
  KEY client_members_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Progress reported by external workers, one record per (client, filename).
CREATE TABLE progress_records (
  id           CHAR(36)     NOT NULL PRIMARY KEY,
  client_id    CHAR(36)     NOT NULL,
  filename     VARCHAR(512) NOT NULL,
  created_by   CHAR(36)     NOT NULL,
  done_count   BIGINT       NOT NULL DEFAULT 0,
  warn_count   BIGINT       NOT NULL DEFAULT 0,
  failed_count BIGINT       NOT NULL DEFAULT 0,
  total        BIGINT       NULL,
  is_completed TINYINT(1)   NOT NULL DEFAULT 0,
  error_count   BIGINT      NOT NULL DEFAULT 0,
  warning_count BIGINT      NOT NULL DEFAULT 0,
  created_at   DATETIME(3)  NOT NULL,
  updated_at   DATETIME(3)  NOT NULL,
  completed_at DATETIME(3)  NULL,
  UNIQUE KEY progress_client_file (client_id, filename),
  KEY progress_creator (created_by)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE progress_messages (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  progress_id CHAR(36)     NOT NULL,
  kind        VARCHAR(8)   NOT NULL,
  line        BIGINT       NULL,
  message     TEXT         NOT NULL,
  KEY progress_messages_record (progress_id, kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Dispatchers announce themselves here so that operators can see them.
CREATE TABLE dispatchers (
  host       VARCHAR(255) NOT NULL,
  pid        INT          NOT NULL,
  started_at DATETIME(3)  NOT NULL,
  heartbeat  DATETIME(3)  NOT NULL,
  running    INT          NOT NULL DEFAULT 0,
  PRIMARY KEY (host, pid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
