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
     "uploaded_at date-time, processed_at date-time?, processing_metadata? object?"},
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
     "status enum:healthy|unhealthy, database enum:up|down, version string"},
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
};

const size_t doc_nschemas = sizeof(doc_schemas) / sizeof(doc_schemas[0]);
