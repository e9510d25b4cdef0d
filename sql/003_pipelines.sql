-- Pipelines (the ETL seed's "ETL jobs"): named job definitions, their runs
-- (executions), schedules, a dependency DAG, error rows and data-quality checks.
-- An execution and a quality check each own a jobs row: the dispatcher claims,
-- runs, cancels, times out and recovers it like any job.

CREATE TABLE pipelines (
  id                     CHAR(36)     NOT NULL PRIMARY KEY,
  user_id                CHAR(36)     NOT NULL,
  job_name               VARCHAR(255) NOT NULL,
  job_type               VARCHAR(16)  NOT NULL,
  description            TEXT         NULL,
  -- FILE, DATABASE, DATASET, or NULL: the output of the parent execution
  source_type            VARCHAR(16)  NULL,
  source_config          LONGTEXT     NOT NULL,
  transformation_rules   LONGTEXT     NOT NULL,
  processing_steps       LONGTEXT     NOT NULL,
  -- what the engine runs: the rules compiled, then processing_steps
  compiled_steps         LONGTEXT     NOT NULL,
  processing_config      LONGTEXT     NOT NULL,
  destination            LONGTEXT     NOT NULL,
  output_format          VARCHAR(16)  NOT NULL,
  -- {"type":"cron","expression","timezone"} or {"type":"interval","interval_seconds"}
  schedule               LONGTEXT     NULL,
  -- the next slot to fire; the dispatcher claims it with a guarded UPDATE
  next_fire_at           DATETIME(3)  NULL,
  is_active              TINYINT(1)   NOT NULL DEFAULT 1,
  -- kept by the end of each execution, so lists need no aggregate
  runs_finished          BIGINT       NOT NULL DEFAULT 0,
  runs_succeeded         BIGINT       NOT NULL DEFAULT 0,
  last_execution_id      CHAR(36)     NULL,
  last_execution_status  VARCHAR(16)  NULL,
  last_execution_records BIGINT       NULL,
  last_execution_at      DATETIME(3)  NULL,
  created_at             DATETIME(3)  NOT NULL,
  updated_at             DATETIME(3)  NOT NULL,
  KEY pipelines_user (user_id, created_at),
  KEY pipelines_due (next_fire_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE pipeline_executions (
  id                    CHAR(36)    NOT NULL PRIMARY KEY,
  pipeline_id           CHAR(36)    NOT NULL,
  user_id               CHAR(36)    NOT NULL,
  job_id                CHAR(36)    NOT NULL,
  status                VARCHAR(16) NOT NULL,
  trigger_type          VARCHAR(16) NOT NULL,
  parameters            LONGTEXT    NOT NULL,
  -- the parent execution whose end queued this one (dependency triggers)
  upstream_execution_id CHAR(36)    NULL,
  -- the schedule slot it fired for; one execution per slot
  scheduled_for         DATETIME(3) NULL,
  fired_by              VARCHAR(255) NULL,
  start_time            DATETIME(3) NULL,
  end_time              DATETIME(3) NULL,
  records_processed     BIGINT      NOT NULL DEFAULT 0,
  records_successful    BIGINT      NOT NULL DEFAULT 0,
  records_failed        BIGINT      NOT NULL DEFAULT 0,
  performance_metrics   LONGTEXT    NULL,
  error_message         TEXT        NULL,
  created_at            DATETIME(3) NOT NULL,
  UNIQUE KEY executions_slot (pipeline_id, scheduled_for),
  UNIQUE KEY executions_job (job_id),
  KEY executions_pipeline (pipeline_id, created_at),
  KEY executions_user_status (user_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE pipeline_dependencies (
  id                    CHAR(36)    NOT NULL PRIMARY KEY,
  user_id               CHAR(36)    NOT NULL,
  parent_id             CHAR(36)    NOT NULL,
  child_id              CHAR(36)    NOT NULL,
  dependency_type       VARCHAR(24) NOT NULL,
  description           TEXT        NULL,
  -- the parent execution the child's last auto-trigger used (each parent
  -- execution takes part in at most one trigger of the child)
  consumed_execution_id CHAR(36)    NULL,
  created_at            DATETIME(3) NOT NULL,
  UNIQUE KEY dependencies_edge (child_id, parent_id),
  KEY dependencies_parent (parent_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE pipeline_errors (
  id               CHAR(36)     NOT NULL PRIMARY KEY,
  execution_id     CHAR(36)     NOT NULL,
  pipeline_id      CHAR(36)     NOT NULL,
  user_id          CHAR(36)     NOT NULL,
  error_type       VARCHAR(32)  NOT NULL,
  error_severity   VARCHAR(8)   NOT NULL,
  error_code       VARCHAR(64)  NOT NULL,
  error_message    TEXT         NOT NULL,
  line             BIGINT       NULL,
  col              VARCHAR(255) NULL,
  occurred_at      DATETIME(3)  NOT NULL,
  is_resolved      TINYINT(1)   NOT NULL DEFAULT 0,
  resolved_at      DATETIME(3)  NULL,
  resolved_by      VARCHAR(255) NULL,
  resolution_notes TEXT         NULL,
  KEY pipeline_errors_execution (execution_id, occurred_at),
  KEY pipeline_errors_user (user_id, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE quality_checks (
  id             CHAR(36)    NOT NULL PRIMARY KEY,
  user_id        CHAR(36)    NOT NULL,
  entity_type    VARCHAR(64) NOT NULL,
  entity_id      CHAR(36)    NOT NULL,
  job_id         CHAR(36)    NOT NULL,
  check_config   LONGTEXT    NOT NULL,
  status         VARCHAR(16) NOT NULL,
  total_records  BIGINT      NOT NULL DEFAULT 0,
  passed_records BIGINT      NOT NULL DEFAULT 0,
  failed_records BIGINT      NOT NULL DEFAULT 0,
  quality_score  DOUBLE      NULL,
  issues         LONGTEXT    NULL,
  details        LONGTEXT    NULL,
  error_message  TEXT        NULL,
  created_at     DATETIME(3) NOT NULL,
  finished_at    DATETIME(3) NULL,
  UNIQUE KEY quality_checks_job (job_id),
  KEY quality_checks_entity (user_id, entity_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The jobs row of an execution or a quality check names it.
ALTER TABLE jobs
  ADD COLUMN execution_id     CHAR(36) NULL,
  ADD COLUMN quality_check_id CHAR(36) NULL,
  ADD KEY jobs_execution (execution_id);
