-- External identities, service accounts and per-user rate limits.

-- A subject of an external issuer (its iss and sub), mapped to the Quarry user
-- its first valid token created, or to the account an admin linked it to.
CREATE TABLE external_identities (
  issuer     VARCHAR(255) NOT NULL,
  subject    VARCHAR(255) NOT NULL,
  user_id    CHAR(36)     NOT NULL,
  email      VARCHAR(254) NULL,
  created_at DATETIME(3)  NOT NULL,
  linked_at  DATETIME(3)  NULL,
  PRIMARY KEY (issuer, subject),
  KEY external_identities_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Worker programs of a client. The secret is kept as its SHA-256 (it is 32
-- random bytes: a slow hash adds nothing). Each account has a users row of
-- its own (no password) that its progress records are created by.
CREATE TABLE service_accounts (
  id          CHAR(36)     NOT NULL PRIMARY KEY,
  client_id   CHAR(36)     NOT NULL,
  user_id     CHAR(36)     NOT NULL,
  name        VARCHAR(128) NOT NULL,
  secret_hash CHAR(64)     NOT NULL,
  created_by  CHAR(36)     NOT NULL,
  created_at  DATETIME(3)  NOT NULL,
  revoked_at  DATETIME(3)  NULL,
  KEY service_accounts_client (client_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Fixed-window counters of the per-user limits: one row per user, limit
-- (and scope, e.g. an upload id) and window; Unix seconds. A user's rows
-- whose window has ended are deleted when one of theirs starts.
CREATE TABLE rate_counters (
  user_id      CHAR(36)     NOT NULL,
  bucket       VARCHAR(100) NOT NULL,
  window_start BIGINT       NOT NULL,
  window_end   BIGINT       NOT NULL,
  hits         INT          NOT NULL,
  PRIMARY KEY (user_id, bucket, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- quarry-intake: the message_id of every queue message applied, per client,
-- written in the transaction that applies it: a redelivery finds it and is
-- applied once. Rows older than intake_dedupe_hours are removed.
CREATE TABLE intake_messages (
  client_id  CHAR(36)     NOT NULL,
  message_id VARCHAR(255) NOT NULL,
  applied_at DATETIME(3)  NOT NULL,
  PRIMARY KEY (client_id, message_id),
  KEY intake_messages_applied (applied_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
