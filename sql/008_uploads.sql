-- Resumable uploads (tus 1.0, /api/v1/uploads): one row per upload, its
-- bytes in <storage>/uploads/<id>/data until it completes and becomes a
-- job's input or a new file. Expired rows and their bytes are removed by the
-- dispatcher's retention.

CREATE TABLE uploads (
  id            CHAR(36)      NOT NULL PRIMARY KEY,
  user_id       CHAR(36)      NOT NULL,
  upload_length BIGINT        NOT NULL,
  upload_offset BIGINT        NOT NULL DEFAULT 0,
  metadata      VARCHAR(4096) NULL,     -- Upload-Metadata as the client sent it
  filename      VARCHAR(255)  NOT NULL,
  job_id        CHAR(36)      NULL,     -- bound to a PENDING job; NULL: becomes a new file
  file_id       CHAR(36)      NULL,     -- the file it became
  sha256_state  VARCHAR(256)  NULL,     -- a new file's running SHA-256 (hex of libsodium's state)
  status        VARCHAR(16)   NOT NULL, -- UPLOADING, COMPLETED
  created_at    DATETIME(3)   NOT NULL,
  updated_at    DATETIME(3)   NOT NULL,
  expires_at    DATETIME(3)   NOT NULL,
  completed_at  DATETIME(3)   NULL,
  KEY uploads_expires (expires_at),
  KEY uploads_job (job_id),
  KEY uploads_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
