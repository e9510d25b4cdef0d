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
/* objects.c: nginx's auth_request for /objects/ (object_auth) and the upload
 * locations (token_auth: the bearer token and the quota, before the body) */
void object_auth(struct request *req);
void token_auth(struct request *req);
/* nginx failed to write an upload's body: 507 when the storage is full, else 500 */
void upload_failed(struct request *req);
/* status.c */
void status_get(struct request *req);
void status_cancel(struct request *req);
/* files.c: direct multipart uploads */
void files_upload(struct request *req);
void files_list(struct request *req);
void files_get(struct request *req);
void files_delete(struct request *req);
void files_update(struct request *req);
void files_process(struct request *req);
void files_schema(struct request *req);
/* clients.c, progress.c: tenants and the progress their workers report */
void clients_create(struct request *req);
void clients_list(struct request *req);
void clients_add_member(struct request *req);
void clients_list_members(struct request *req);
void clients_remove_member(struct request *req);
void clients_update_member(struct request *req);
void progress_report(struct request *req);
void progress_show(struct request *req);
/* pipelines.c: the ETL seed's "ETL jobs" */
void pipelines_create(struct request *req);
void pipelines_list(struct request *req);
void pipelines_get(struct request *req);
void pipelines_update(struct request *req);
void pipelines_activate(struct request *req);
void pipelines_deactivate(struct request *req);
void pipelines_schedule_preview(struct request *req);
void pipelines_delete(struct request *req);
/* executions.c */
void executions_start(struct request *req);
void executions_list(struct request *req);
void executions_get(struct request *req);
void executions_cancel(struct request *req);
/* dependencies.c */
void dependencies_add(struct request *req);
void dependencies_list(struct request *req);
void dependencies_remove(struct request *req);
void dependencies_check(struct request *req);
void dependencies_tree(struct request *req);
void dependencies_executable(struct request *req);
/* pipeline_errors.c */
void errors_of_execution(struct request *req);
void errors_summary(struct request *req);
void errors_resolve(struct request *req);
void errors_unresolve(struct request *req);
/* quality.c */
void quality_check(struct request *req);
void quality_get(struct request *req);
void quality_list(struct request *req);
/* sources.c: stored connections to source databases, and the seed's /mongo/… */
void sources_create(struct request *req);
void sources_list(struct request *req);
void sources_get(struct request *req);
void sources_delete(struct request *req);
void sources_test(struct request *req);
void sources_read(struct request *req);
void mongo_credentials(struct request *req);
void mongo_read(struct request *req);
void schema_generate(struct request *req);
void mongo_transform(struct request *req);
struct source_row;
struct dataset_row;
/* The source a seed call means: the body's source_id, else the caller's
 * "default" source (a mongodb:// URI is refused). 0, or -1 after answering. */
int sources_seed_source(struct request *req, json_object *body, struct source_row *s);
/* Loads the caller's source id, or answers 404 / 403 (-1). */
int source_load_own(struct request *req, const char *id, struct source_row *s);
/* A source's equality filter: up to 16 column = scalar pairs (the seed's
 * operators, {"$gt": …}, have no meaning here). */
bool source_filter_valid(json_object *where);
/* load_jobs.c: the seed's batch and stream jobs */
void load_jobs_create_batch(struct request *req);
void load_jobs_create_stream(struct request *req);
void load_jobs_status(struct request *req);
void load_jobs_start(struct request *req);
void load_jobs_stop(struct request *req);
void load_jobs_list(struct request *req);
void load_jobs_delete(struct request *req);
/* GET /jobs?job_type=…: the seed's list of its batch and stream jobs. */
void load_jobs_seed_list(struct request *req, const char *job_type, const char *enabled,
                         const struct page *page);
/* query.c: SQL over the caller's datasets, and the seed's /trino/… */
void query_run(struct request *req);
void trino_query(struct request *req);
void trino_health(struct request *req);
void trino_catalogs(struct request *req);
void trino_schemas(struct request *req);
void trino_tables(struct request *req);
void trino_describe(struct request *req);
/* datasets.c: tables Quarry owns, their loads, and the seed's /hudi/… */
void datasets_create(struct request *req);
void datasets_list(struct request *req);
void datasets_get(struct request *req);
void datasets_delete(struct request *req);
void datasets_load(struct request *req);
void datasets_export(struct request *req);
/* Shared by datasets.c and query.c: exports. A writer's format for an
 * export (NULL after answering 422 naming field); queue one (config taken)
 * and answer 202 with its job. */
const char *export_format(struct request *req, const char *field, const char *format);
void export_queue(struct request *req, const char *subject_id, json_object *config);
/* Loads the caller's dataset id, or answers 404 / 403 (-1). */
int dataset_load_own(struct request *req, const char *id, struct dataset_row *d);
/* The caller's dataset of that name, or -1 after answering 404
 * not_found_code ("Table not found") or the database error. */
int dataset_load_named(struct request *req, const char *name, const char *not_found_code,
                       struct dataset_row *d);
/* A name a new dataset may take: 0, or -1 after answering 422 naming field. */
int dataset_name_check(struct request *req, const char *field, const char *name);
/* A load's write mode: append, overwrite or upsert. */
bool dataset_mode_valid(const char *mode);
void hudi_table_create(struct request *req);
void hudi_tables(struct request *req);
void hudi_table_get(struct request *req);
/* service_accounts.c: worker programs of a client, the client-credentials grant */
void service_accounts_create(struct request *req);
void service_accounts_list(struct request *req);
void service_accounts_revoke(struct request *req);
void auth_token(struct request *req);
/* identities.c: subjects of external issuers */
void identities_list(struct request *req);
void identities_link(struct request *req);
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

/* Shared by the pipeline handler groups (and jobs.c for the seed's POST /jobs). */
struct pipeline;
/* POST /pipelines with its body already read (not consumed). */
void pipelines_create_from(struct request *req, json_object *body);
/* Loads the caller's pipeline or answers 404 PIPELINE_NOT_FOUND / 403; 0 or -1. */
int pipeline_load_own(struct request *req, const char *id, struct pipeline *p);
struct execution;
/* Loads the caller's execution or answers 404 EXECUTION_NOT_FOUND / 403; 0 or -1. */
int execution_load_own(struct request *req, const char *id, struct execution *e);

/* Shared by clients.c and progress.c. */
struct client;
/* Loads the client named by the path's {krn} if the caller is a member (or an
 * admin, or a service account of that client); otherwise answers 404
 * CLIENT_NOT_FOUND / 403 and returns -1. */
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
    files_process_doc, files_schema_doc, files_update_doc;
extern const struct route_doc clients_create_doc, clients_list_doc, clients_add_member_doc,
    clients_list_members_doc, clients_remove_member_doc, clients_update_member_doc,
    progress_report_doc, progress_show_doc;
extern const struct route_doc ops_metrics_doc, ops_system_status_doc, openapi_get_doc;
extern const struct route_doc webhooks_create_doc, webhooks_list_doc, webhooks_get_doc,
    webhooks_delete_doc, webhooks_deliveries_doc, webhooks_redeliver_doc;
extern const struct route_doc uploads_options_doc, uploads_create_doc, uploads_head_doc,
    uploads_get_doc, uploads_patch_doc, uploads_delete_doc;
extern const struct route_doc pipelines_create_doc, pipelines_list_doc, pipelines_get_doc,
    pipelines_update_doc, pipelines_delete_doc, pipelines_activate_doc, pipelines_deactivate_doc,
    pipelines_schedule_preview_doc;
extern const struct route_doc executions_start_doc, executions_list_doc, executions_get_doc,
    executions_cancel_doc;
extern const struct route_doc dependencies_add_doc, dependencies_list_doc, dependencies_remove_doc,
    dependencies_check_doc, dependencies_tree_doc, dependencies_executable_doc;
extern const struct route_doc errors_of_execution_doc, errors_summary_doc, errors_resolve_doc,
    errors_unresolve_doc;
extern const struct route_doc quality_check_doc, quality_get_doc, quality_list_doc;
extern const struct route_doc sources_create_doc, sources_list_doc, sources_get_doc,
    sources_delete_doc, sources_test_doc, sources_read_doc, mongo_credentials_doc, mongo_read_doc,
    schema_generate_doc, mongo_transform_doc;
extern const struct route_doc load_jobs_create_batch_doc, load_jobs_create_stream_doc,
    load_jobs_status_doc, load_jobs_start_doc, load_jobs_stop_doc, load_jobs_list_doc,
    load_jobs_delete_doc;
extern const struct route_doc query_run_doc, trino_query_doc, trino_health_doc, trino_catalogs_doc,
    trino_schemas_doc, trino_tables_doc, trino_describe_doc;
extern const struct route_doc datasets_create_doc, datasets_list_doc, datasets_get_doc,
    datasets_delete_doc, datasets_load_doc, datasets_export_doc, hudi_table_create_doc,
    hudi_tables_doc, hudi_table_get_doc;
extern const struct route_doc service_accounts_create_doc, service_accounts_list_doc,
    service_accounts_revoke_doc, auth_token_doc;
extern const struct route_doc identities_list_doc, identities_link_doc;

#endif
