#ifndef QUARRY_API_HANDLERS_H
#define QUARRY_API_HANDLERS_H
/* Every endpoint, by handler group. Each handler answers exactly once. */
#include "api/request.h"

/* auth.c */
void auth_register(struct request *req);
void auth_login(struct request *req);
void auth_me(struct request *req);
/* health.c */
void health_get(struct request *req);
/* jobs.c */
void jobs_create(struct request *req);
void jobs_list(struct request *req);
void jobs_get(struct request *req);
void jobs_upload_url(struct request *req);
void jobs_mark_uploaded(struct request *req);
void jobs_download_url(struct request *req);
void jobs_download(struct request *req);
void jobs_cancel(struct request *req);
void jobs_errors(struct request *req);
/* objects.c: nginx's auth_request for /objects/ */
void object_auth(struct request *req);
/* status.c */
void status_get(struct request *req);
void status_cancel(struct request *req);
/* files.c: direct multipart uploads */
void files_upload(struct request *req);
void files_list(struct request *req);
void files_get(struct request *req);
void files_delete(struct request *req);
void files_process(struct request *req);
void files_schema(struct request *req);
/* clients.c, progress.c: tenants and the progress their workers report */
void clients_create(struct request *req);
void clients_list(struct request *req);
void clients_add_member(struct request *req);
void progress_report(struct request *req);
void progress_show(struct request *req);
/* ops.c */
void ops_metrics(struct request *req);
void ops_system_status(struct request *req);
/* openapi.c */
void openapi_get(struct request *req);
/* uploads.c: resumable uploads (tus 1.0) */
void uploads_options(struct request *req);
void uploads_create(struct request *req);
void uploads_head(struct request *req);
void uploads_get(struct request *req);
void uploads_patch(struct request *req);
void uploads_delete(struct request *req);
/* webhooks.c: subscriptions and their deliveries (jobd sends them) */
void webhooks_create(struct request *req);
void webhooks_list(struct request *req);
void webhooks_get(struct request *req);
void webhooks_delete(struct request *req);
void webhooks_deliveries(struct request *req);
void webhooks_redeliver(struct request *req);

/* jobs.c, also for status.c's cancel. */
struct job;
/* Cancels: PENDING/QUEUED → CANCELLED, RUNNING → CANCELLATION_REQUESTED
 * (job->status then holds the new state). 0, or -1 after answering (400
 * cannot_code when the job is finished). */
int job_cancel(struct request *req, struct job *job, const char *cannot_code);

/* Shared by jobs.c and files.c: what a job is asked to do, as POST /jobs and
 * POST /files/{id}/process take it. Reads processing_steps,
 * processing_config and output_format from body (their declared types, then
 * the engine's checks of the steps and the config, then the format: "[]",
 * "{}" and "csv" when absent) into a new job of the caller's with a fresh id
 * and created_at; the caller sets the rest. The job's strings live in the
 * request's arena. 0, or -1 after answering 422. */
int job_spec_parse(struct request *req, json_object *body, struct job *job);
/* The most an upload of the job may hold: its declared size and a little
 * slack, never more than upload_max_bytes (jobs.c; uploads.c too). */
long long job_upload_cap(const struct request *req, const struct job *job);
/* job_spec_parse's declared fields (for the docs of both endpoints). */
enum { JOB_SPEC_STEPS, JOB_SPEC_CONFIG, JOB_SPEC_FORMAT, JOB_SPEC__MAX };
extern const struct field_spec job_spec_fields[JOB_SPEC__MAX];

/* Shared by clients.c and progress.c. */
struct client;
/* Loads the client named by the path's {krn} if the caller is a member (or an
 * admin); otherwise answers 404 CLIENT_NOT_FOUND / 403 and returns -1. */
int client_load_member(struct request *req, struct client *c);

/* What the OpenAPI document says of each endpoint (api/route_doc.h),
 * declared in the handler's file beside its field tables. */
struct route_doc;
extern const struct route_doc auth_register_doc, auth_login_doc, auth_me_doc;
extern const struct route_doc health_get_doc;
extern const struct route_doc jobs_create_doc, jobs_list_doc, jobs_get_doc, jobs_upload_url_doc,
    jobs_mark_uploaded_doc, jobs_download_url_doc, jobs_download_doc, jobs_cancel_doc,
    jobs_errors_doc;
extern const struct route_doc status_get_doc, status_cancel_doc;
extern const struct route_doc files_upload_doc, files_list_doc, files_get_doc, files_delete_doc,
    files_process_doc, files_schema_doc;
extern const struct route_doc clients_create_doc, clients_list_doc, clients_add_member_doc,
    progress_report_doc, progress_show_doc;
extern const struct route_doc ops_metrics_doc, ops_system_status_doc, openapi_get_doc;
extern const struct route_doc webhooks_create_doc, webhooks_list_doc, webhooks_get_doc,
    webhooks_delete_doc, webhooks_deliveries_doc, webhooks_redeliver_doc;
extern const struct route_doc uploads_options_doc, uploads_create_doc, uploads_head_doc,
    uploads_get_doc, uploads_patch_doc, uploads_delete_doc;

#endif
