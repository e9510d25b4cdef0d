-- Webhooks: subscriptions per user, deliveries (one per event and
-- subscription, the webhook-id of all its attempts), and every attempt.

CREATE TABLE webhooks (
  id            CHAR(36)      NOT NULL PRIMARY KEY,
  user_id       CHAR(36)      NOT NULL,
  url           VARCHAR(2048) NOT NULL,
  events        VARCHAR(255)  NOT NULL,  -- comma-separated event names (FIND_IN_SET)
  secret_sealed VARCHAR(256)  NOT NULL,  -- the whsec_ secret, sealed under secrets/webhook.key
  description   VARCHAR(255)  NULL,
  created_at    DATETIME(3)   NOT NULL,
  KEY webhooks_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_deliveries (
  id              CHAR(36)    NOT NULL PRIMARY KEY,
  webhook_id      CHAR(36)    NOT NULL,
  event           VARCHAR(32) NOT NULL,
  payload         MEDIUMTEXT  NOT NULL,   -- the body, signed as it is on every attempt
  status          VARCHAR(16) NOT NULL,   -- PENDING, SUCCEEDED, FAILED
  attempts        INT         NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NULL,       -- PENDING: when it is due (a claim leases it past the attempt)
  last_attempt_at DATETIME(3) NULL,
  last_status     INT         NULL,       -- the HTTP status of the last answer
  created_at      DATETIME(3) NOT NULL,
  retry_from      DATETIME(3) NOT NULL,   -- the retry window starts here (made, or redelivered by hand)
  finished_at     DATETIME(3) NULL,
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_webhook (webhook_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_attempts (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id      CHAR(36)     NOT NULL,
  attempt          INT          NOT NULL,
  started_at       DATETIME(3)  NOT NULL,
  finished_at      DATETIME(3)  NULL,     -- NULL while in flight
  duration_ms      BIGINT       NULL,
  response_status  INT          NULL,
  error            VARCHAR(512) NULL,
  response_excerpt VARCHAR(512) NULL,
  UNIQUE KEY webhook_attempts_delivery (delivery_id, attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
