-- Sources, datasets and SQL (the Morphix seed): stored connections to
-- external databases, datasets (tables Quarry owns, one MariaDB database per
-- user), the commits that loaded them, and the batch and stream jobs that
-- load a dataset from a source.

-- A connection to a MariaDB/MySQL or PostgreSQL server. The password is
-- sealed (libsodium secretbox) under the key named by password_key_id.
CREATE TABLE sources (
  id              CHAR(36)     NOT NULL PRIMARY KEY,
  user_id         CHAR(36)     NOT NULL,
  name            VARCHAR(128) NOT NULL,
  engine          VARCHAR(16)  NOT NULL,
  host            VARCHAR(255) NOT NULL,
  port            INT          NOT NULL,
  username        VARCHAR(128) NOT NULL,
  database_name   VARCHAR(128) NOT NULL,
  default_table   VARCHAR(128) NULL,
  password_key_id CHAR(16)     NULL,
  password_box    VARCHAR(1024) NULL,
  created_at      DATETIME(3)  NOT NULL,
  updated_at      DATETIME(3)  NOT NULL,
  UNIQUE KEY sources_user_name (user_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A dataset is the table <schema_name>.<name>; schema_name is the owner's
-- database. columns is the declared schema as JSON [{name, type}].
CREATE TABLE datasets (
  id               CHAR(36)     NOT NULL PRIMARY KEY,
  user_id          CHAR(36)     NOT NULL,
  name             VARCHAR(64)  NOT NULL,
  schema_name      VARCHAR(64)  NOT NULL,
  record_key_field VARCHAR(64)  NOT NULL,
  precombine_field VARCHAR(64)  NULL,
  partition_field  VARCHAR(64)  NULL,
  table_type       VARCHAR(16)  NOT NULL DEFAULT 'COPY_ON_WRITE',
  base_path        VARCHAR(512) NULL,
  columns          LONGTEXT     NOT NULL,
  created_at       DATETIME(3)  NOT NULL,
  updated_at       DATETIME(3)  NOT NULL,
  UNIQUE KEY datasets_user_name (user_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each load of a dataset, written in the same transaction as its rows.
CREATE TABLE dataset_commits (
  id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dataset_id      CHAR(36)    NOT NULL,
  job_id          CHAR(36)    NULL,
  load_job_id     CHAR(36)    NULL,
  mode            VARCHAR(16) NOT NULL,
  rows_inserted   BIGINT      NOT NULL DEFAULT 0,
  rows_updated    BIGINT      NOT NULL DEFAULT 0,
  rows_deleted    BIGINT      NOT NULL DEFAULT 0,
  rows_unchanged  BIGINT      NOT NULL DEFAULT 0,
  watermark       TEXT        NULL,
  committed_at    DATETIME(3) NOT NULL,
  KEY dataset_commits_dataset (dataset_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The seed's batch and stream jobs: a source table loaded into a dataset.
-- The watermark (the last committed date_field value and record key) moves
-- in the same transaction as the rows it covers.
CREATE TABLE load_jobs (
  id                 CHAR(36)     NOT NULL PRIMARY KEY,
  user_id            CHAR(36)     NOT NULL,
  job_name           VARCHAR(255) NOT NULL,
  job_type           VARCHAR(8)   NOT NULL,
  description        TEXT         NULL,
  source_id          CHAR(36)     NOT NULL,
  source_table       VARCHAR(128) NOT NULL,
  source_filter      LONGTEXT     NULL,
  date_field         VARCHAR(64)  NULL,
  dataset_id         CHAR(36)     NOT NULL,
  write_mode         VARCHAR(16)  NOT NULL,
  batch_size         BIGINT       NOT NULL,
  polling_interval_seconds BIGINT NOT NULL,
  schedule           LONGTEXT     NULL,
  enabled            TINYINT(1)   NOT NULL DEFAULT 1,
  watermark_value    TEXT         NULL,
  watermark_key      TEXT         NULL,
  current_job_id     CHAR(36)     NULL,
  last_run_at        DATETIME(3)  NULL,
  created_at         DATETIME(3)  NOT NULL,
  updated_at         DATETIME(3)  NOT NULL,
  UNIQUE KEY load_jobs_user_name (user_id, job_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What a jobs row runs: 'file' (the engine over an upload) or a task of
-- quarry-process (source_test, source_read, dataset_load, export), with
-- subject_id naming what it works for (a source, a load job, a dataset).
ALTER TABLE jobs
  ADD COLUMN kind       VARCHAR(24) NOT NULL DEFAULT 'file',
  ADD COLUMN subject_id CHAR(36)    NULL,
  ADD KEY jobs_subject (subject_id, created_at);
