/* Load jobs: the seed's batch and stream jobs (POST /jobs/batch/create,
 * /jobs/stream/create, GET /jobs/{id}/status, POST /jobs/{id}/start and
 * /stop; GET and DELETE /load-jobs natively). Each loads one source table
 * into one dataset, incrementally past a watermark; a run is a jobs row of
 * kind dataset_load that quarry-process claims from the queue. */
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/job_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/load_job_store.h"
#include "common/log.h"
#include "common/source_store.h"
#include "common/source_uri.h"
#include "common/wake.h"

#define RUNS_SHOWN 20

enum {
    LJ_NAME, LJ_SOURCE, LJ_TABLE, LJ_COLLECTION, LJ_QUERY, LJ_DATE_FIELD, LJ_DATASET,
    LJ_HUDI_TABLE, LJ_BASE_PATH, LJ_KEY, LJ_PRECOMBINE, LJ_MODE, LJ_BATCH, LJ_POLL, LJ_SCHEDULE,
    LJ_DESCRIPTION, LJ__MAX
};
static const struct field_spec load_job_fields[LJ__MAX] = {
    [LJ_NAME] = {"job_name", FIELD_LINE, true, 1, 255},
    [LJ_SOURCE] = {"source_id", FIELD_STRING, false, 36, 36},
    [LJ_TABLE] = {"table", FIELD_STRING, false, 1, 64},
    [LJ_COLLECTION] = {"collection", FIELD_STRING, false, 1, 64},
    [LJ_QUERY] = {"query", FIELD_OBJECT, false, 0, 0},
    [LJ_DATE_FIELD] = {"date_field", FIELD_STRING, false, 1, 64},
    [LJ_DATASET] = {"dataset", FIELD_STRING, false, 1, 64},
    [LJ_HUDI_TABLE] = {"hudi_table_name", FIELD_STRING, false, 1, 64},
    [LJ_BASE_PATH] = {"hudi_base_path", FIELD_LINE, false, 1, 512},
    [LJ_KEY] = {"record_key_field", FIELD_STRING, false, 1, 64},
    [LJ_PRECOMBINE] = {"precombine_field", FIELD_STRING, false, 1, 64},
    [LJ_MODE] = {"write_mode", FIELD_STRING, false, 1, 16},
    [LJ_BATCH] = {"batch_size", FIELD_INT, false, 1, 1000000},
    [LJ_POLL] = {"polling_interval_seconds", FIELD_INT, false, 1, 86400},
    [LJ_SCHEDULE] = {"schedule", FIELD_OBJECT, false, 0, 0},
    [LJ_DESCRIPTION] = {"description", FIELD_STRING, false, 0, 2000},
};

static int check_name(struct request *req, const char *field, const char *value)
{
    if (value != NULL && !source_identifier_valid(value)) {
        respond_invalid(req, field,
                        "a table or column name is letters, digits and _ (64 at most, not "
                        "starting with a digit)");
        return -1;
    }
    return 0;
}

static void create_load_job(struct request *req, const char *job_type)
{
    json_object *body = NULL, *v[LJ__MAX];
    struct source_row s;
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1];
    bool stream = strcmp(job_type, "stream") == 0;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, load_job_fields, LJ__MAX, v) != 0 ||
        sources_seed_source(req, body, &s) != 0)
        goto out;
    const char *table = v[LJ_TABLE]        ? field_text(v[LJ_TABLE])
                        : v[LJ_COLLECTION] ? field_text(v[LJ_COLLECTION])
                                           : s.default_table;
    const char *dataset = v[LJ_DATASET] ? field_text(v[LJ_DATASET]) : field_text(v[LJ_HUDI_TABLE]);
    const char *mode = v[LJ_MODE] ? field_text(v[LJ_MODE]) : "upsert";
    if (table == NULL) {
        respond_invalid(req, "collection", "the source table (table or collection) is required");
        goto out;
    }
    if (check_name(req, v[LJ_TABLE] ? "table" : "collection", table) != 0 ||
        check_name(req, "date_field", field_text(v[LJ_DATE_FIELD])) != 0 ||
        check_name(req, "record_key_field", field_text(v[LJ_KEY])) != 0 ||
        check_name(req, "precombine_field", field_text(v[LJ_PRECOMBINE])) != 0)
        goto out;
    if (dataset == NULL) {
        respond_invalid(req, "hudi_table_name", "the dataset (hudi_table_name or dataset) is required");
        goto out;
    }
    if (dataset_name_check(req, v[LJ_DATASET] ? "dataset" : "hudi_table_name", dataset) != 0)
        goto out;
    if (!dataset_mode_valid(mode) || (stream && strcmp(mode, "overwrite") == 0)) {
        respond_invalid(req, "write_mode",
                        stream ? "a stream job's write_mode is upsert or append"
                               : "write_mode must be append, overwrite or upsert");
        goto out;
    }
    if (v[LJ_QUERY] && !source_filter_valid(v[LJ_QUERY])) {
        respond_invalid(req, "query", "a filter is up to 16 column = value pairs (no operators)");
        goto out;
    }
    id_uuid4(id);
    time_db(time_now_ms(), now);
    struct load_job_row j = {
        .id = id,
        .user_id = req->user.id,
        .job_name = field_text(v[LJ_NAME]),
        .job_type = job_type,
        .description = field_text(v[LJ_DESCRIPTION]),
        .source_id = s.id,
        .source_table = table,
        .source_filter = v[LJ_QUERY]
                             ? json_object_to_json_string_ext(v[LJ_QUERY], JSON_C_TO_STRING_PLAIN)
                             : NULL,
        .date_field = field_text(v[LJ_DATE_FIELD]),
        .dataset_name = dataset,
        .record_key_field = field_text(v[LJ_KEY]),
        .precombine_field = field_text(v[LJ_PRECOMBINE]),
        .write_mode = mode,
        .batch_size = v[LJ_BATCH] ? json_object_get_int64(v[LJ_BATCH]) : 10000,
        .polling_interval_seconds = v[LJ_POLL] ? json_object_get_int64(v[LJ_POLL]) : 5,
        .schedule = v[LJ_SCHEDULE]
                        ? json_object_to_json_string_ext(v[LJ_SCHEDULE], JSON_C_TO_STRING_PLAIN)
                        : NULL,
        .created_at = now,
        .updated_at = now,
    };
    enum db_status st = load_job_insert(req->app->db, &j);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "You have a job of that name", "job_name");
        goto out;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("load job created id=%s type=%s", id, job_type);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "message", json_object_new_string(stream ? "Stream job created successfully"
                                                                       : "Batch job created successfully"));
    json_object_object_add(o, "job_id", json_object_new_string(id));
    json_object_object_add(o, "job_name", json_object_new_string(j.job_name));
    respond_json_put(req, 200, o);
out:
    json_object_put(body);
}

void load_jobs_create_batch(struct request *req)
{
    create_load_job(req, "batch");
}

void load_jobs_create_stream(struct request *req)
{
    create_load_job(req, "stream");
}

/* ------------------------------------------------------------ one job */

static int load_job_load_own(struct request *req, struct load_job_row *j)
{
    const char *id = req->params[0];
    enum db_status st = id_is_uuid(id) ? load_job_get(req->app->db, req->arena, id, j) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? j->user_id : "", "JOB_NOT_FOUND", "job");
}

/* A run's start or stop: the body is read (and dropped: it carries
 * nothing), then the caller's job named in the path is loaded. */
static int load_job_for_run(struct request *req, struct load_job_row *j)
{
    json_object *body = NULL;
    if (request_json_body(req, &body) != 0)
        return -1;
    json_object_put(body);
    return load_job_load_own(req, j);
}

/* The seed's answer to a start or stop. */
static void respond_run(struct request *req, const char *message, const char *execution_id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "message", json_object_new_string(message));
    json_object_object_add(o, "execution_id", json_object_new_string(execution_id));
    respond_json_put(req, 200, o);
}

static json_object *load_job_json(const struct load_job_row *j)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "job_id", json_object_new_string(j->id));
    json_object_object_add(o, "job_name", json_object_new_string(j->job_name));
    json_object_object_add(o, "job_type", json_object_new_string(j->job_type));
    json_object_object_add(o, "enabled", json_object_new_boolean(j->enabled));
    json_object_object_add(o, "created_at", store_time_json(j->created_at));
    json_object_object_add(o, "last_run", store_time_json(j->last_run_at));
    json_object_object_add(o, "description", store_text_json(j->description));
    json_object_object_add(o, "source_id", json_object_new_string(j->source_id));
    json_object_object_add(o, "source_table", json_object_new_string(j->source_table));
    json_object_object_add(o, "date_field", store_text_json(j->date_field));
    json_object_object_add(o, "dataset", json_object_new_string(j->dataset_name));
    json_object_object_add(o, "dataset_id", store_text_json(j->dataset_id));
    json_object_object_add(o, "write_mode", json_object_new_string(j->write_mode));
    json_object_object_add(o, "batch_size", json_object_new_int64(j->batch_size));
    json_object_object_add(o, "polling_interval_seconds",
                           json_object_new_int64(j->polling_interval_seconds));
    json_object_object_add(o, "schedule", store_parsed_json(j->schedule, NULL));
    json_object *wm = json_object_new_object();
    json_object_object_add(wm, "value", store_text_json(j->watermark_value));
    json_object_object_add(wm, "record_key", store_text_json(j->watermark_key));
    json_object_object_add(o, "watermark", wm);
    json_object_object_add(o, "current_execution_id", store_text_json(j->current_job_id));
    return o;
}

static const char *run_status_name(const char *status)
{
    enum job_status s = job_status_of_row(status);
    switch (s) {
    case JOB_PENDING:
    case JOB_QUEUED:
        return "queued";
    case JOB_RUNNING:
        return "running";
    case JOB_COMPLETED:
        return "completed";
    case JOB_CANCELLATION_REQUESTED:
        return "stopping";
    case JOB_CANCELLED:
        return "stopped";
    default:
        return "failed";
    }
}

static void add_run(void *ctx, const struct load_run *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "execution_id", json_object_new_string(r->job_id));
    json_object_object_add(o, "status", json_object_new_string(run_status_name(r->status)));
    json_object_object_add(o, "started_at", store_time_json(r->started_at));
    json_object_object_add(o, "completed_at", store_time_json(r->finished_at));
    json_object_object_add(o, "records_processed", json_object_new_int64(r->records_processed));
    json_object_object_add(o, "records_written", json_object_new_int64(r->records_written));
    json_object_object_add(o, "error", store_text_json(r->error_message));
    json_object_array_add(ctx, o);
}

void load_jobs_status(struct request *req)
{
    struct load_job_row j;
    struct load_metrics m;
    if (load_job_load_own(req, &j) != 0)
        return;
    json_object *runs = json_object_new_array();
    enum db_status st = load_job_runs(req->app->db, req->arena, j.id, RUNS_SHOWN, add_run, runs);
    if (st == DB_OK)
        st = load_job_metrics(req->app->db, j.id, &m);
    if (st != DB_OK) {
        json_object_put(runs);
        respond_db_error(req, st);
        return;
    }
    json_object *metrics = json_object_new_object();
    json_object_object_add(metrics, "total_executions", json_object_new_int64(m.total));
    json_object_object_add(metrics, "successful_executions", json_object_new_int64(m.succeeded));
    json_object_object_add(metrics, "failed_executions", json_object_new_int64(m.failed));
    json_object_object_add(metrics, "average_duration_seconds",
                           json_object_new_double(m.average_seconds));
    json_object_object_add(metrics, "total_records_processed", json_object_new_int64(m.records));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "job", load_job_json(&j));
    json_object_object_add(o, "executions", runs);
    json_object_object_add(o, "metrics", metrics);
    respond_json_put(req, 200, o);
}

void load_jobs_start(struct request *req)
{
    struct load_job_row j;
    char id[UUID_LEN + 1];
    bool busy = false;
    if (load_job_for_run(req, &j) != 0)
        return;
    json_object *config = json_object_new_object();
    json_object_object_add(config, "load_job_id", json_object_new_string(j.id));
    id_uuid4(id);
    enum db_status st =
        load_job_start(req->app->db, j.id, req->user.id, id,
                       json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN), &busy);
    json_object_put(config);
    if (busy) {
        respond_error(req, 409, "CONFLICT", "The job is already running; stop it first", NULL);
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("load job %s: run %s queued", j.id, id);
    respond_run(req, "Job started successfully", id);
}

void load_jobs_stop(struct request *req)
{
    struct load_job_row j;
    struct job run;
    char now[DB_TIME_LEN + 1];
    bool changed = false;
    if (load_job_for_run(req, &j) != 0)
        return;
    enum db_status st = j.current_job_id ? job_get(req->app->db, req->arena, j.current_job_id, &run)
                                         : DB_NO_ROW;
    if (st == DB_OK) {
        time_db(time_now_ms(), now);
        if (run.status == JOB_QUEUED)
            st = job_transition(req->app->db, run.id, JOB_QUEUED, JOB_CANCELLED, now, &changed);
        else if (run.status == JOB_RUNNING)
            st = job_transition(req->app->db, run.id, JOB_RUNNING, JOB_CANCELLATION_REQUESTED, now,
                                &changed);
    }
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        return;
    }
    if (!changed) {
        respond_error(req, 400, "INVALID_STATE", "The job is not running", NULL);
        return;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("load job %s: run %s stopped", j.id, run.id);
    respond_run(req, "Job stopped successfully", run.id);
}

/* ------------------------------------------------------------ native list */

enum { LIST_TYPE, LIST__MAX };
static const struct field_spec list_query[LIST__MAX] = {
    [LIST_TYPE] = {"job_type", FIELD_STRING, false, 1, 8},
};

static void add_load_job(void *ctx, const struct load_job_row *j)
{
    json_object_array_add(ctx, load_job_json(j));
}

/* job_type, when given, is batch or stream: 0, or -1 after answering 422. */
static int check_job_type(struct request *req, const char *type)
{
    if (type && strcmp(type, "batch") != 0 && strcmp(type, "stream") != 0) {
        respond_invalid(req, "job_type", "job_type is batch or stream");
        return -1;
    }
    return 0;
}

void load_jobs_list(struct request *req)
{
    json_object *v[LIST__MAX];
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (request_query(req, list_query, LIST__MAX, v, &page) != 0)
        return;
    const char *type = field_text(v[LIST_TYPE]);
    if (check_job_type(req, type) != 0)
        return;
    json_object *array = json_object_new_array();
    enum db_status st = load_job_list(req->app->db, req->arena, req->user.id, type, page.skip,
                                      page.limit, page.after, add_load_job, array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

void load_jobs_delete(struct request *req)
{
    struct load_job_row j;
    bool busy = false;
    if (load_job_load_own(req, &j) != 0)
        return;
    enum db_status st = load_job_delete(req->app->db, j.id, &busy);
    if (busy) {
        respond_error(req, 409, "CONFLICT", "The job is running; stop it first", NULL);
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    respond_empty(req, 204);
}

/* The seed's GET /jobs?job_type=batch|stream[&enabled=]: its list shape. */
void load_jobs_seed_list(struct request *req, const char *job_type, const char *enabled,
                         const struct page *page)
{
    long long total = 0;
    const char *next = NULL;
    if (check_job_type(req, job_type) != 0)
        return;
    if (enabled && strcmp(enabled, "true") != 0 && strcmp(enabled, "false") != 0) {
        respond_invalid(req, "enabled", "enabled is true or false");
        return;
    }
    json_object *array = json_object_new_array();
    enum db_status st = load_job_list(req->app->db, req->arena, req->user.id, job_type,
                                      page->skip, page->limit, page->after, add_load_job, array,
                                      &total, &next);
    /* Every load job is enabled (runs are started by hand): enabled=false lists none. */
    if (enabled && strcmp(enabled, "false") == 0) {
        json_object_put(array);
        array = json_object_new_array();
        total = 0;
        next = NULL;
    }
    respond_next(req, next);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "jobs", array);
    respond_list(req, st, o, total);
}

/* ------------------------------------------------------------ docs */

static const char load_job_description[] =
    "Loads one table of a source (source_id, else the caller's default source; table or "
    "collection, else the source's table) into a dataset (dataset or hudi_table_name), past "
    "the watermark of date_field (and record_key_field) on each run. query: up to 16 column = "
    "value pairs. A run is started by POST /jobs/{id}/start.";
/* What the batch and stream creates' docs share. */
#define LOAD_JOB_CREATE_DOC                                                                        \
    .description = load_job_description, .status = 200, .answer = "LoadJobCreated",                \
    .answers = "404 409", .body = DOC_BODY_JSON, .fields = {{NULL, load_job_fields, LJ__MAX}}

const struct route_doc load_jobs_create_batch_doc = {
    .handler = load_jobs_create_batch,
    .summary = "Create a batch load job (write_mode append, overwrite or upsert)",
    LOAD_JOB_CREATE_DOC,
    .example = "{\"job_name\":\"meetings_daily\",\"collection\":\"meetings\","
               "\"hudi_table_name\":\"meetings_lake\",\"date_field\":\"updated_at\","
               "\"record_key_field\":\"id\",\"precombine_field\":\"updated_at\","
               "\"write_mode\":\"upsert\",\"batch_size\":1000}",
};

const struct route_doc load_jobs_create_stream_doc = {
    .handler = load_jobs_create_stream,
    .summary = "Create a stream load job (write_mode upsert or append)",
    LOAD_JOB_CREATE_DOC,
    .example = "{\"job_name\":\"meetings_stream\",\"collection\":\"meetings\","
               "\"hudi_table_name\":\"meetings_live\",\"date_field\":\"updated_at\","
               "\"record_key_field\":\"id\",\"polling_interval_seconds\":5}",
};

const struct route_doc load_jobs_status_doc = {
    .handler = load_jobs_status,
    .summary = "A load job, its last runs and their sums",
    .status = 200,
    .answer = "LoadJobStatus",
};

const struct route_doc load_jobs_start_doc = {
    .handler = load_jobs_start,
    .summary = "Start a run of a load job (refused while one runs)",
    .status = 200,
    .answer = "LoadJobRun",
    .answers = "409",
    .body = DOC_BODY_JSON,
};

const struct route_doc load_jobs_stop_doc = {
    .handler = load_jobs_stop,
    .summary = "Stop a load job's run (cancelled when queued, asked to stop when running)",
    .status = 200,
    .answer = "LoadJobRun",
    .answers = "400",
    .body = DOC_BODY_JSON,
};

const struct route_doc load_jobs_list_doc = {
    .handler = load_jobs_list,
    .summary = "The caller's load jobs (job_type: batch or stream)",
    .status = 200,
    .answer = "LoadJob[]",
    .query = list_query,
    .nquery = LIST__MAX,
    .paged = true,
};

const struct route_doc load_jobs_delete_doc = {
    .handler = load_jobs_delete,
    .summary = "Delete a load job (refused while a run is going)",
    .status = 204,
    .answers = "409",
};
