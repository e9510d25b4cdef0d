-- Load jobs name their dataset, which the first run creates from the
-- source's columns when it does not exist yet (the seed creates its Hudi
-- table on first write); the record key and precombine field to create it
-- with are kept beside it. The table had no rows yet: it is made anew.
DROP TABLE load_jobs;
CREATE TABLE load_jobs (
  id                       CHAR(36)     NOT NULL PRIMARY KEY,
  user_id                  CHAR(36)     NOT NULL,
  job_name                 VARCHAR(255) NOT NULL,
  job_type                 VARCHAR(8)   NOT NULL,
  description              TEXT         NULL,
  source_id                CHAR(36)     NOT NULL,
  source_table             VARCHAR(128) NOT NULL,
  source_filter            LONGTEXT     NULL,
  date_field               VARCHAR(64)  NULL,
  dataset_name             VARCHAR(64)  NOT NULL,
  dataset_id               CHAR(36)     NULL,
  record_key_field         VARCHAR(64)  NULL,
  precombine_field         VARCHAR(64)  NULL,
  write_mode               VARCHAR(16)  NOT NULL,
  batch_size               BIGINT       NOT NULL,
  polling_interval_seconds BIGINT       NOT NULL,
  schedule                 LONGTEXT     NULL,
  enabled                  TINYINT(1)   NOT NULL DEFAULT 1,
  watermark_value          TEXT         NULL,
  watermark_key            TEXT         NULL,
  current_job_id           CHAR(36)     NULL,
  last_run_at              DATETIME(3)  NULL,
  created_at               DATETIME(3)  NOT NULL,
  updated_at               DATETIME(3)  NOT NULL,
  UNIQUE KEY load_jobs_user_name (user_id, job_name),
  KEY load_jobs_source (source_id),
  KEY load_jobs_dataset (dataset_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
