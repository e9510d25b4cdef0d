/* The answers' schemas of the OpenAPI document (components.schemas), one
 * line of properties each: "name type" pairs separated by ", ". A '?' after
 * the name: the property may be absent; after the type: it may be null.
 * Types: string, integer, number, boolean, object, array, uuid, date-time,
 * uri, enum:a|b|c, a schema of this table by name (Job), and either as a list
 * (Job[], string[]). Request bodies are not here: they come from the
 * handlers' declared field tables. */
#include "api/openapi_schemas.h"

const struct doc_schema doc_schemas[] = {
    {"ErrorBody", "What went wrong; field names the input to blame",
     "code string, message string, timestamp date-time, field? string"},
    {"Error", "The one error shape of every refusal (detail repeats the message for FastAPI clients)",
     "error ErrorBody, detail string"},
    {"User", "An account",
     "id uuid, email string, username string?, full_name string?, is_active boolean, "
     "is_superuser? boolean, created_at date-time"},
    {"LoginUser", "Who logged in", "id uuid, email string, username string?, full_name string?"},
    {"Token", "A bearer token (OAuth2 password flow answer)",
     "access_token string, token_type enum:bearer, expires_in integer, user_id uuid, "
     "user LoginUser"},
    {"JobProgress", "How far a job is",
     "stage string?, total_records integer, processed_records integer, failed_records integer, "
     "warn_records integer, percentage number, estimated_completion date-time?"},
    {"Job", "An upload to process: PENDING -> QUEUED -> RUNNING -> COMPLETED | FAILED, or CANCELLED",
     "id uuid, user_id uuid, file_id? uuid?, file_name string, original_file_size_bytes integer, "
     "status enum:PENDING|QUEUED|RUNNING|COMPLETED|FAILED|CANCELLATION_REQUESTED|CANCELLED, "
     "processing_steps array, processing_config object, input_format string?, "
     "output_format string, created_at date-time, updated_at date-time, queued_at date-time?, "
     "started_at date-time?, finished_at date-time?, input_object_key string?, "
     "output_object_key string?, error_message string?, progress JobProgress, metrics? object?, "
     "processing_metadata? object?"},
    {"UploadUrl", "A signed URL to PUT the job's file to (nginx writes it)",
     "upload_url uri, method enum:PUT, object_key string, expires_at date-time, max_bytes integer"},
    {"DownloadUrl", "A signed URL to GET the job's result from",
     "download_url uri, expires_at date-time"},
    {"JobLineError", "A line the job refused (error) or let pass (warning)",
     "line integer, column? string?, severity enum:error|warning, code string, message string"},
    {"JobErrors", "A page of a job's line errors", "errors JobLineError[], total integer"},
    {"StatusProgress", "Batches and records of the status view",
     "totalBatches integer, completedBatches integer, totalRecords integer, "
     "processedRecords integer, totalLeads integer, processedLeads integer, percentage number"},
    {"StatusMetadata", "The upload of the status view",
     "fileName string, fileSize integer, startTime date-time?, estimatedCompletion date-time?"},
    {"StatusError", "Why a job failed", "code string, message string, timestamp date-time"},
    {"Status", "The front end's polling view of a job",
     "uploadId uuid, status enum:uploading|uploaded|processing|completed|error|cancelled, "
     "stage enum:file_upload|file_processing|batch_processing|completed, "
     "progress StatusProgress, metadata StatusMetadata, error? StatusError, "
     "createdAt date-time, updatedAt date-time, ttl integer"},
    {"StatusCancel", "A cancelled upload",
     "uploadId uuid, status enum:cancelled, message string, timestamp date-time"},
    {"File", "A directly uploaded file",
     "file_id uuid, filename string, file_type string, mime_type string, file_size integer, "
     "sha256? string, processing_status enum:PENDING|PROCESSING|COMPLETED|FAILED, "
     "records_processed integer, records_successful integer, records_failed integer, "
     "uploaded_at date-time, processed_at date-time?, processing_metadata? object?, "
     "pinned boolean, expires_at date-time?"},
    {"FileSchema", "A file's inferred schema",
     "file_id uuid, schema object, summary object, sample_info object"},
    {"Client", "A tenant, named by its KRN",
     "id uuid, krn string, name string, created_by uuid, created_at date-time, role? string?"},
    {"Member", "A user's membership of a client",
     "client_id uuid, krn string, user_id uuid, email string, role string, created_at date-time"},
    {"ProgressCounts", "Records done, passed with a warning, failed",
     "done integer, warn integer, failed integer"},
    {"ProgressMessage", "A line-level error or warning a worker reported",
     "line? integer?, message string"},
    {"ProgressRecord", "The progress of one file of a client, as its workers report it",
     "id uuid, clientKrn string, filename string, counts ProgressCounts, total integer?, "
     "isCompleted boolean, errorCount integer, warningCount integer, createdBy? uuid?, "
     "email? string?, createdAt date-time, updatedAt date-time, completedAt date-time?, "
     "errors? ProgressMessage[], warnings? ProgressMessage[], result? enum:created|updated"},
    {"Health", "Whether the process and the database answer",
     "status enum:healthy|unhealthy, database enum:up|down|unavailable, cluster? object, "
     "version string"},
    {"SystemStatus", "Workers, queue, dispatchers and database at a glance",
     "status string, uptime_seconds number, version string, workers object, jobs object, "
     "dispatcher object, database object"},
    {"Webhook", "A subscription of a URL to events (its secret is shown only when it is made)",
     "id uuid, url uri, events string[], description string?, created_at date-time"},
    {"WebhookCreated", "A new subscription, with its signing secret (shown this once)",
     "id uuid, url uri, events string[], description string?, created_at date-time, "
     "secret string"},
    {"WebhookAttempt", "One attempt of a delivery",
     "attempt integer, started_at date-time, finished_at date-time?, duration_ms integer?, "
     "response_status integer?, error string?, response_excerpt string?"},
    {"WebhookDelivery", "One event sent to one subscription: every attempt carries its id as webhook-id",
     "id uuid, event string, status enum:PENDING|SUCCEEDED|FAILED, payload WebhookEvent, "
     "created_at date-time, last_attempt_at date-time?, next_attempt_at date-time?, "
     "finished_at date-time?, attempts integer, last_status integer?, "
     "attempt_log WebhookAttempt[]"},
    {"WebhookEvent", "The body of a delivery: data is the job, the execution or the progress record",
     "type enum:job.completed|job.failed|job.cancelled|execution.succeeded|execution.failed|"
     "progress.completed, timestamp date-time, data object"},
    {"Upload", "A resumable (tus) upload: where it stands, and what it became once complete",
     "id uuid, status enum:UPLOADING|COMPLETED|EXPIRED, offset integer, length integer, "
     "filename string, job_id uuid?, file_id uuid?, created_at date-time, expires_at date-time, "
     "completed_at date-time?"},
    {"Pipeline", "A pipeline (the ETL seed's \"ETL job\"): a definition; its runs are executions. "
     "status is created in the answer that made it, then active or inactive",
     "id uuid, job_id uuid, user_id uuid, job_name string, "
     "job_type enum:EXTRACT|TRANSFORM|LOAD|FULL_ETL, description string?, source_type string?, "
     "source_config object, transformation_rules array, processing_steps array, "
     "processing_config object, destination object, schedule any, schedule_timezone? string, "
     "is_active boolean, output_format string, compiled_steps array, "
     "status enum:created|active|inactive, next_run_at date-time?, last_execution date-time?, "
     "last_execution_id uuid?, last_execution_status string?, success_rate number?, "
     "total_executions integer, created_at date-time, updated_at date-time"},
    {"PipelineList", "A page of the caller's pipelines, newest first",
     "jobs Pipeline[], total integer, limit integer, offset integer"},
    {"ExecutionStarted",
     "A queued execution: job_id is the pipeline's id, task_id the job that runs it",
     "execution_id uuid, job_id uuid, batch_id uuid, status enum:started, "
     "execution_status enum:PENDING, task_id uuid, dependencies_checked boolean, "
     "dependencies_met integer, total_dependencies integer"},
    {"ExecutionBrief", "An execution as a list shows it (job_id is the pipeline's id)",
     "execution_id uuid, job_id uuid, status enum:PENDING|RUNNING|SUCCESS|FAILED|CANCELLED, "
     "start_time date-time?, end_time date-time?, records_processed integer, "
     "records_successful integer, records_failed integer, duration_seconds number?, "
     "trigger string"},
    {"Execution", "One run of a pipeline; a running one shows its job's live counters",
     "execution_id uuid, job_id uuid, status enum:PENDING|RUNNING|SUCCESS|FAILED|CANCELLED, "
     "start_time date-time?, end_time date-time?, records_processed integer, "
     "records_successful integer, records_failed integer, pipeline_id uuid, task_id uuid?, "
     "batch_id uuid, duration_seconds number?, performance_metrics object?, trigger string, "
     "parameters object, upstream_execution_id uuid?, scheduled_for date-time?, "
     "error_message string?, error_count integer, progress_percentage number, "
     "output_format string?, download_path string?, created_at date-time"},
    {"ExecutionList", "A page of a pipeline's executions, newest first",
     "executions ExecutionBrief[], total integer, limit integer, offset integer"},
    {"DependencyEdge", "A dependency: the child pipeline runs after its parent",
     "dependency_id uuid, parent_job_id uuid, parent_job_name string, child_job_id uuid, "
     "child_job_name string, dependency_type enum:SUCCESS|COMPLETION|DATA_AVAILABILITY, "
     "description string?"},
    {"DependencyAdded", "The ETL seed's envelope around a new dependency",
     "success boolean, message string, data DependencyEdge"},
    {"DependencyState",
     "A parent of a pipeline and whether its last execution meets the dependency",
     "dependency_id uuid, parent_job_id uuid, parent_job_name string, "
     "dependency_type enum:SUCCESS|COMPLETION|DATA_AVAILABILITY, description string?, "
     "is_met boolean, latest_status string?, created_at date-time?"},
    {"DependencyListData", "A pipeline's parents and the pipelines that depend on it",
     "job_id uuid, dependencies DependencyState[], total integer, dependent_job_ids uuid[]"},
    {"DependencyList", "The ETL seed's envelope around a pipeline's dependencies",
     "success boolean, message string, data DependencyListData"},
    {"DependencyRemovedData", "The dependency removed", "dependency_id uuid, child_job_id uuid"},
    {"DependencyRemoved", "The ETL seed's envelope around a removed dependency",
     "success boolean, message string, data DependencyRemovedData"},
    {"UnmetDependency", "A parent whose last execution does not meet the dependency, and why",
     "parent_job_id uuid, parent_job_name string, "
     "dependency_type enum:SUCCESS|COMPLETION|DATA_AVAILABILITY, reason string, "
     "latest_status string?"},
    {"DependencyCheckData", "Whether every dependency of a pipeline is met",
     "dependencies_met boolean, total_dependencies integer, met_dependencies integer, "
     "unmet_dependencies UnmetDependency[]"},
    {"DependencyCheck", "The ETL seed's envelope around a dependency check",
     "success boolean, message string, data DependencyCheckData"},
    {"DependencyNode",
     "A pipeline in a dependency tree, with its parents (the root has no dependency_type)",
     "dependency_type? enum:SUCCESS|COMPLETION|DATA_AVAILABILITY, job_id uuid, job_name string, "
     "job_type string, depth integer, parents DependencyNode[]"},
    {"DependencyTreeData", "The tree of a pipeline's parents, max_depth levels deep",
     "root_job_id uuid, tree DependencyNode, total_jobs_in_tree integer, max_depth integer"},
    {"DependencyTree", "The ETL seed's envelope around a dependency tree",
     "success boolean, message string, data DependencyTreeData"},
    {"ExecutablePipeline", "A pipeline whose dependencies are all met",
     "job_id uuid, job_name string, job_type string, total_dependencies integer"},
    {"ExecutableData", "The pipelines that can run now",
     "executable_jobs ExecutablePipeline[], total integer"},
    {"Executable", "The ETL seed's envelope around the pipelines that can run now",
     "success boolean, message string, data ExecutableData"},
    {"PipelineError",
     "A row-level or run-level error of an execution (job_id is the pipeline's id)",
     "error_id uuid, job_execution_id uuid, job_id uuid, error_type string, "
     "error_severity enum:LOW|MEDIUM|HIGH|CRITICAL, error_code string, error_message string, "
     "line integer?, column string?, occurred_at date-time, is_resolved boolean, "
     "resolved_at date-time?, resolved_by string?, resolution_notes string?"},
    {"ExecutionErrorsData", "A page of an execution's errors",
     "errors PipelineError[], total_count integer, limit integer, offset integer"},
    {"ExecutionErrors",
     "The ETL seed's envelope around an execution's errors (X-Total-Count is sent too)",
     "success boolean, message string, data ExecutionErrorsData"},
    {"ErrorSummaryData", "The caller's errors of the last period_days, by severity and by type",
     "period_days integer, total_errors integer, resolved_errors integer, "
     "unresolved_errors integer, resolution_rate number, by_severity object, by_type object"},
    {"SchedulePreview", "A schedule as a pipeline would store it, and its next runs (UTC)",
     "schedule object?, next_runs date-time[]"},
    {"ErrorSummary", "The ETL seed's envelope around an error summary",
     "success boolean, message string, data ErrorSummaryData"},
    {"ErrorResolutionData", "An error's resolution",
     "error_id uuid, is_resolved boolean, resolved_at date-time?, resolved_by string?, "
     "resolution_notes string?"},
    {"ErrorResolution", "The ETL seed's envelope around an error's resolution",
     "success boolean, message string, data ErrorResolutionData"},
    {"QualityCheck", "A data-quality check of a file: running until its job ends",
     "check_id uuid, entity_type string, entity_id uuid, status enum:running|completed|failed, "
     "total_records integer, passed_records integer, failed_records integer, "
     "quality_score number?, issues array, details object?, check_config object, "
     "error_message string?, task_id uuid, created_at date-time, completed_at date-time?"},
    {"QualityCheckList", "A page of the caller's quality checks",
     "checks QualityCheck[], total integer, limit integer, offset integer"},
    {"Source", "A stored connection to a source database (its password is never shown)",
     "id uuid, name string, engine enum:mariadb|mysql|postgresql, host string, port integer, "
     "username string, database string, table string?, has_password boolean, "
     "password_key_id string?, created_at date-time, updated_at date-time"},
    {"SourceTest", "Whether the source answers: ok false says why (reason) in message",
     "ok boolean, message string, latency_ms? number, reason? string, source_id uuid"},
    {"SourceColumn", "A column of a source's answer", "name string, type string"},
    {"SourceRows", "Rows read from a source", "status enum:ok, source_id uuid, "
     "columns SourceColumn[], data object[], count integer"},
    {"SourceCredentials",
     "The stored default source of the caller (the Morphix seed's credentials)",
     "status enum:ok, user_id uuid, source_id uuid"},
    {"GeneratedSchema", "The schema the engine infers from a sample of a source's rows",
     "status enum:ok, schema object, summary object, sample_info object, "
     "source_columns SourceColumn[], source_id uuid"},
    {"TransformError", "Why a row does not fit the schema",
     "record integer, field string, error string"},
    {"TransformStatistics", "How many rows fit the schema (the first 100 problems listed)",
     "total_records integer, valid_records integer, invalid_records integer, "
     "validation_errors TransformError[]"},
    {"TransformResult", "Rows read from a source, checked against a schema",
     "status enum:ok, data object[], statistics TransformStatistics"},
    {"LoadJobCreated", "A new batch or stream load job",
     "status enum:ok, message string, job_id uuid, job_name string"},
    {"LoadWatermark", "Where the next run of a load job starts",
     "value string?, record_key string?"},
    {"LoadJob", "A load of one source table into one dataset, incrementally past a watermark",
     "job_id uuid, job_name string, job_type enum:batch|stream, enabled boolean, "
     "created_at date-time?, last_run date-time?, description string?, source_id uuid, "
     "source_table string, date_field string?, dataset string, dataset_id uuid?, "
     "write_mode enum:append|overwrite|upsert, batch_size integer, "
     "polling_interval_seconds integer, schedule object?, watermark LoadWatermark, "
     "current_execution_id uuid?"},
    {"LoadRun", "One run of a load job",
     "execution_id uuid, status enum:queued|running|completed|stopping|stopped|failed, "
     "started_at date-time?, completed_at date-time?, records_processed integer, "
     "records_written integer, error string?"},
    {"LoadJobMetrics", "A load job's runs in sum",
     "total_executions integer, successful_executions integer, failed_executions integer, "
     "average_duration_seconds number, total_records_processed integer"},
    {"LoadJobStatus", "A load job, its last 20 runs and their sums",
     "status enum:ok, job LoadJob, executions LoadRun[], metrics LoadJobMetrics"},
    {"LoadJobRun", "A load job's run started or stopped",
     "status enum:ok, message string, execution_id uuid"},
    {"QueryResult",
     "A query's rows, as arrays in the order of columns (truncated: max_rows cut it)",
     "columns string[], data array[], rows_returned integer, truncated boolean, "
     "execution_time_ms number, query_id uuid"},
    {"TrinoQueryResult", "A query's rows in the Trino seed's shape (error is null)",
     "status enum:ok, query string, columns string[], data array[], rows_returned integer, "
     "truncated boolean, execution_time_ms number, query_id uuid, error string?"},
    {"TrinoHealth", "Whether the SQL engine answers the caller's account",
     "status enum:ok, message string, catalogs_count integer"},
    {"TrinoCatalog", "A catalog: hive, the caller's datasets",
     "catalog_name string, connector_name string"},
    {"TrinoCatalogs", "The catalogs", "status enum:ok, catalogs TrinoCatalog[]"},
    {"TrinoSchema", "A schema: default, the caller's datasets", "catalog string, schema string"},
    {"TrinoSchemas", "The schemas of the catalog",
     "status enum:ok, catalog string, schemas TrinoSchema[]"},
    {"TrinoTable", "A table: one of the caller's datasets",
     "catalog string, schema string, table string, table_type string"},
    {"TrinoTables", "A page of the caller's tables (X-Total-Count is sent too)",
     "status enum:ok, catalog string, schema string, tables TrinoTable[]"},
    {"TrinoColumn", "A column with its SQL type", "name string, type string"},
    {"TrinoTableDescription", "A table's columns",
     "status enum:ok, catalog string, schema string, table string, columns TrinoColumn[]"},
    {"DatasetColumn", "A declared column of a dataset",
     "name string, type enum:string|integer|number|boolean|date|datetime|object|array"},
    {"Dataset", "A table Quarry owns in the caller's database (totals when they could be read)",
     "id uuid, name string, table_name string, database enum:default, schema_name string, "
     "record_key_field string, precombine_field string?, partition_field string?, "
     "table_type enum:COPY_ON_WRITE, base_path string?, columns DatasetColumn[], "
     "created_at date-time, total_records? integer, total_size_bytes? integer"},
    {"DatasetCommit", "One committed load of a dataset",
     "commit_id integer, committed_at date-time, mode string, rows_inserted integer, "
     "rows_updated integer, rows_deleted integer, rows_unchanged integer, "
     "execution_id uuid?, load_job_id uuid?, watermark object?"},
    {"DatasetInfo", "A dataset with its schema and its last 100 commits (status: the seed's "
     "/hudi/table/{name} only)",
     "id uuid, name string, table_name string, database enum:default, schema_name string, "
     "record_key_field string, precombine_field string?, partition_field string?, "
     "table_type enum:COPY_ON_WRITE, base_path string?, columns DatasetColumn[], "
     "created_at date-time, total_records? integer, total_size_bytes? integer, schema object, "
     "commits DatasetCommit[], total_commits integer, total_files integer, status? enum:ok"},
    {"HudiTableCreated", "A dataset made through the Hudi seed's path",
     "status enum:ok, message string, table_name string, database enum:default, dataset_id uuid"},
    {"HudiTable", "A dataset as the Hudi seed lists it",
     "id uuid, table_name string, database enum:default, table_type enum:COPY_ON_WRITE, "
     "total_records? integer, total_size_bytes? integer"},
    {"HudiTables", "A page of the caller's datasets (X-Total-Count is sent too)",
     "status enum:ok, tables HudiTable[]"},
    {"ServiceAccount",
     "A worker program of a client: it gets tokens with the client-credentials grant",
     "id uuid, client_id uuid, name string, clientKrn string, created_by uuid, "
     "created_at date-time?, revoked_at date-time?, is_active boolean"},
    {"ServiceAccountCreated", "A new service account, with its secret (shown this once)",
     "id uuid, client_id uuid, name string, clientKrn string, created_by uuid, "
     "created_at date-time?, revoked_at date-time?, is_active boolean, client_secret string"},
    {"ServiceToken", "A service account's bearer token: it opens its client's progress only",
     "access_token string, token_type enum:bearer, expires_in integer, scope enum:progress, "
     "clientKrn string"},
    {"Identity", "A subject of an external issuer and the account it acts as",
     "issuer string, subject string, user_id uuid, email string?, created_at date-time, "
     "linked_at date-time?"},
    {"IdentityLink", "A subject linked to an account: its next token acts as that account",
     "issuer string, subject string, user User"},
};

const size_t doc_nschemas = sizeof(doc_schemas) / sizeof(doc_schemas[0]);
