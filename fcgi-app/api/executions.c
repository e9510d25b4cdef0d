/* Executions: run a pipeline now, its history, one execution, cancel. The
 * run itself is a job: the dispatcher claims it and quarry-process runs the
 * pipeline's compiled steps (common/pipeline_queue.h). */
#include <stdio.h>
#include <string.h>

#include "api/dependency_store.h"
#include "api/execution_store.h"
#include "api/handlers.h"
#include "api/job_store.h"
#include "api/pipeline_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/log.h"
#include "common/pipeline_queue.h"
#include "common/wake.h"

int execution_load_own(struct request *req, const char *id, struct execution *e)
{
    enum db_status st = id_is_uuid(id) ? execution_get(req->app->db, req->arena, id, e) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? e->user_id : "", "EXECUTION_NOT_FOUND",
                                "execution");
}

/* The pipeline named by params[0] and its execution named by params[1]. */
static int load_pipeline_execution(struct request *req, struct pipeline *p, struct execution *e)
{
    if (pipeline_load_own(req, req->params[0], p) != 0 ||
        execution_load_own(req, req->params[1], e) != 0)
        return -1;
    if (strcmp(e->pipeline_id, p->id) != 0) {
        respond_error(req, 404, "EXECUTION_NOT_FOUND", "Execution not found", NULL);
        return -1;
    }
    return 0;
}

enum { EXEC_PARAMETERS, EXEC__MAX };
static const struct field_spec execute_fields[EXEC__MAX] = {
    [EXEC_PARAMETERS] = {"parameters", FIELD_OBJECT, false, 0, 0},
};

void executions_start(struct request *req)
{
    struct pipeline p;
    struct dependency_report deps;
    json_object *body = NULL, *v[EXEC__MAX];
    char execution_id[UUID_LEN + 1], job_id[UUID_LEN + 1];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, execute_fields, EXEC__MAX, v) != 0 ||
        pipeline_load_own(req, req->params[0], &p) != 0)
        goto out;
    enum db_status st = dependency_report(req->app->db, req->arena, p.id, &deps);
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    const char *parameters =
        v[EXEC_PARAMETERS]
            ? json_object_to_json_string_ext(v[EXEC_PARAMETERS], JSON_C_TO_STRING_PLAIN)
            : "{}";
    struct execution_request r = {p.id, "manual", parameters, NULL, NULL, NULL};
    st = pipeline_execution_queue(req->app->db, &r, execution_id, job_id);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        goto out;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("pipeline %s: execution %s queued (job %s)", p.id, execution_id, job_id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "execution_id", json_object_new_string(execution_id));
    json_object_object_add(o, "job_id", json_object_new_string(p.id));
    json_object_object_add(o, "batch_id", json_object_new_string(execution_id));
    json_object_object_add(o, "status", json_object_new_string("started"));
    json_object_object_add(o, "execution_status", json_object_new_string("PENDING"));
    json_object_object_add(o, "task_id", json_object_new_string(job_id));
    json_object_object_add(o, "dependencies_checked", json_object_new_boolean(1));
    json_object_object_add(o, "dependencies_met", json_object_new_int64(deps.met));
    json_object_object_add(o, "total_dependencies", json_object_new_int64(deps.total));
    respond_json_put(req, 202, o);
out:
    json_object_put(body);
}

enum { ELIST_STATUS, ELIST__MAX };
static const struct field_spec execution_list_query[ELIST__MAX] = {
    [ELIST_STATUS] = {"status", FIELD_STRING, false, 1, 16},
};

static const char *const execution_statuses[] = {"PENDING", "RUNNING", "SUCCESS", "FAILED",
                                                 "CANCELLED"};

void executions_list(struct request *req)
{
    struct pipeline p;
    struct page page = PAGE_BY_TIME_ID;
    json_object *v[ELIST__MAX];
    if (request_query(req, execution_list_query, ELIST__MAX, v, &page) != 0)
        return;
    struct execution_list_query q = {NULL, NULL, page.skip, page.limit, page.after};
    if (v[ELIST_STATUS] != NULL) {
        q.status = json_object_get_string(v[ELIST_STATUS]);
        bool known = false;
        for (size_t i = 0; i < sizeof(execution_statuses) / sizeof(execution_statuses[0]); i++)
            known = known || strcmp(q.status, execution_statuses[i]) == 0;
        if (!known) {
            respond_invalid(req, "status",
                            "status must be PENDING, RUNNING, SUCCESS, FAILED or CANCELLED");
            return;
        }
    }
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    q.pipeline_id = p.id;
    json_object *list;
    long long total = 0;
    const char *next = NULL;
    enum db_status st = execution_list(req->app->db, req->arena, &q, &list, &total, &next);
    respond_list_object(req, st, "executions", list, total, &page, next);
}

void executions_get(struct request *req)
{
    struct pipeline p;
    struct execution e;
    if (load_pipeline_execution(req, &p, &e) == 0)
        respond_json_put(req, 200, execution_to_json(&e, false));
}

void executions_cancel(struct request *req)
{
    struct pipeline p;
    struct execution e;
    struct job job;
    json_object *body = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    json_object_put(body);
    if (load_pipeline_execution(req, &p, &e) != 0)
        return;
    enum db_status st = job_get(req->app->db, req->arena, e.job_id, &job);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    if (job_cancel(req, &job, "INVALID_STATE") != 0)
        return;
    st = execution_get(req->app->db, req->arena, e.id, &e);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    respond_json_put(req, 200, execution_to_json(&e, false));
}

/* ---------------------------------------------------------------- docs */

const struct route_doc executions_start_doc = {
    .handler = executions_start,
    .summary = "Run a pipeline now: queues an execution",
    .description = "The answer counts the pipeline's dependencies met now; a manual run does "
                   "not wait for them. GET …/executions/{eid} follows it.",
    .status = 202,
    .answer = "ExecutionStarted",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, execute_fields, EXEC__MAX}},
    .example = "{\"parameters\":{\"run_date\":\"2026-01-09\"}}",
};

const struct route_doc executions_list_doc = {
    .handler = executions_list,
    .summary = "A pipeline's executions, newest first",
    .status = 200,
    .answer = "ExecutionList",
    .query = execution_list_query,
    .nquery = ELIST__MAX,
    .paged = true,
};

const struct route_doc executions_get_doc = {
    .handler = executions_get,
    .summary = "One execution of a pipeline",
    .status = 200,
    .answer = "Execution",
};

const struct route_doc executions_cancel_doc = {
    .handler = executions_cancel,
    .summary = "Cancel an execution (its job: cancelled, or asked to stop while it runs)",
    .status = 200,
    .answer = "Execution",
    .answers = "400 409",
    .body = DOC_BODY_JSON,
};
