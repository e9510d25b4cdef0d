/* Errors of executions: list one execution's (with filters), a summary of
 * the caller's recent errors, resolve and unresolve. Answers in the ETL
 * seed's {success, message, data} envelope. The rows are written by
 * quarry-process (row-level problems, classed by common/error_class.c) and
 * by the end of a failed execution (its run-level error). */
#include <stdio.h>
#include <string.h>

#include "api/envelope.h"
#include "api/error_store.h"
#include "api/execution_store.h"
#include "api/handlers.h"
#include "common/store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/log.h"

#define SUMMARY_DAYS_DEFAULT 7
#define SUMMARY_DAYS_MAX 3650

static const char *const severities[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};

enum { EQ_TYPE, EQ_SEVERITY, EQ_ERROR_SEVERITY, EQ_RESOLVED, EQ__MAX };
static const struct field_spec errors_query[EQ__MAX] = {
    [EQ_TYPE] = {"error_type", FIELD_STRING, false, 1, 32},
    [EQ_SEVERITY] = {"severity", FIELD_STRING, false, 1, 8},
    [EQ_ERROR_SEVERITY] = {"error_severity", FIELD_STRING, false, 1, 8},
    [EQ_RESOLVED] = {"is_resolved", FIELD_STRING, false, 1, 5},
};

void errors_of_execution(struct request *req)
{
    struct execution e;
    struct page page = PAGE_BY_TIME_ID;
    json_object *v[EQ__MAX];
    if (request_query(req, errors_query, EQ__MAX, v, &page) != 0)
        return;
    struct error_query q = {NULL, NULL, NULL, -1, page.skip, page.limit, page.after};
    q.error_type = v[EQ_TYPE] ? json_object_get_string(v[EQ_TYPE]) : NULL;
    json_object *sev = v[EQ_SEVERITY] ? v[EQ_SEVERITY] : v[EQ_ERROR_SEVERITY];
    q.severity = sev ? json_object_get_string(sev) : NULL;
    if (q.severity != NULL) {
        bool known = false;
        for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
            known = known || strcmp(q.severity, severities[i]) == 0;
        if (!known) {
            respond_invalid(req, v[EQ_SEVERITY] ? "severity" : "error_severity",
                            "severity must be LOW, MEDIUM, HIGH or CRITICAL");
            return;
        }
    }
    if (v[EQ_RESOLVED] != NULL) {
        const char *r = json_object_get_string(v[EQ_RESOLVED]);
        q.resolved = strcmp(r, "true") == 0 ? 1 : strcmp(r, "false") == 0 ? 0 : -2;
        if (q.resolved == -2) {
            respond_invalid(req, "is_resolved", "is_resolved must be true or false");
            return;
        }
    }
    if (execution_load_own(req, req->params[0], &e) != 0)
        return;
    q.execution_id = e.id;
    json_object *errors;
    long long total = 0;
    const char *next = NULL;
    enum db_status st = error_list(req->app->db, req->arena, &q, &errors, &total, &next);
    respond_next(req, next);
    if (st != DB_OK) {
        json_object_put(errors);
        respond_db_error(req, st);
        return;
    }
    json_object *data = json_object_new_object();
    json_object_object_add(data, "errors", errors);
    json_object_object_add(data, "total_count", json_object_new_int64(total));
    json_object_object_add(data, "limit", json_object_new_int64(page.limit));
    json_object_object_add(data, "offset", json_object_new_int64(page.skip));
    respond_header(req, "X-Total-Count", arena_printf(req->arena, "%lld", total));
    respond_envelope(req, 200,
                     arena_printf(req->arena, "Retrieved %lld errors for execution", total), data);
}

enum { SUM_DAYS, SUM__MAX };
static const struct field_spec summary_query[SUM__MAX] = {
    [SUM_DAYS] = {"days", FIELD_INT, false, 1, SUMMARY_DAYS_MAX},
};

void errors_summary(struct request *req)
{
    json_object *v[SUM__MAX];
    long long total = 0, resolved = 0;
    if (request_query(req, summary_query, SUM__MAX, v, NULL) != 0)
        return;
    long long days = v[SUM_DAYS] ? json_object_get_int64(v[SUM_DAYS]) : SUMMARY_DAYS_DEFAULT;
    json_object *by_severity = json_object_new_object(), *by_type = json_object_new_object();
    for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
        json_object_object_add(by_severity, severities[i], json_object_new_int64(0));
    enum db_status st = error_summary(req->app->db, req->user.id, days, by_severity, by_type,
                                      &total, &resolved);
    if (st != DB_OK) {
        json_object_put(by_severity);
        json_object_put(by_type);
        respond_db_error(req, st);
        return;
    }
    json_object *data = json_object_new_object();
    json_object_object_add(data, "period_days", json_object_new_int64(days));
    json_object_object_add(data, "total_errors", json_object_new_int64(total));
    json_object_object_add(data, "resolved_errors", json_object_new_int64(resolved));
    json_object_object_add(data, "unresolved_errors", json_object_new_int64(total - resolved));
    json_object_object_add(
        data, "resolution_rate",
        json_object_new_double(total > 0 ? (double)((resolved * 1000 + total / 2) / total) / 10.0
                                         : 0.0));
    json_object_object_add(data, "by_severity", by_severity);
    json_object_object_add(data, "by_type", by_type);
    respond_envelope(req, 200,
                     arena_printf(req->arena, "Error summary for last %lld days", days), data);
}

enum { RES_BY, RES_NOTES, RES__MAX };
static const struct field_spec resolve_fields[RES__MAX] = {
    [RES_BY] = {"resolved_by", FIELD_LINE, false, 1, 255},
    [RES_NOTES] = {"resolution_notes", FIELD_STRING, false, 0, 10000},
};

static void set_resolved(struct request *req, bool resolved)
{
    struct pipeline_error e;
    json_object *body = NULL, *v[RES__MAX];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, resolve_fields, RES__MAX, v) != 0)
        goto out;
    const char *id = req->params[0];
    enum db_status st = id_is_uuid(id) ? error_get(req->app->db, req->arena, id, &e) : DB_NO_ROW;
    if (respond_unless_owned(req, st, st == DB_OK ? e.user_id : "", "ERROR_NOT_FOUND", "error") !=
        0)
        goto out;
    const char *by = v[RES_BY] ? json_object_get_string(v[RES_BY]) : req->user.id;
    const char *notes = v[RES_NOTES] ? json_object_get_string(v[RES_NOTES]) : NULL;
    st = error_set_resolved(req->app->db, e.id, resolved, by, notes);
    if (st == DB_OK)
        st = error_get(req->app->db, req->arena, e.id, &e);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        goto out;
    }
    log_info("error %s %s", e.id, resolved ? "resolved" : "unresolved");
    json_object *data = json_object_new_object();
    json_object_object_add(data, "error_id", json_object_new_string(e.id));
    json_object_object_add(data, "is_resolved", json_object_new_boolean(e.is_resolved));
    json_object_object_add(data, "resolved_at", store_time_json(e.resolved_at));
    json_object_object_add(data, "resolved_by", store_text_json(e.resolved_by));
    json_object_object_add(data, "resolution_notes", store_text_json(e.resolution_notes));
    respond_envelope(req, 200, resolved ? "Error marked as resolved" : "Error marked as unresolved",
                     data);
out:
    json_object_put(body);
}

void errors_resolve(struct request *req)
{
    set_resolved(req, true);
}

void errors_unresolve(struct request *req)
{
    set_resolved(req, false);
}

/* ---------------------------------------------------------------- docs */

const struct route_doc errors_of_execution_doc = {
    .handler = errors_of_execution,
    .summary = "An execution's errors, with filters (severity or error_severity: LOW, MEDIUM, "
               "HIGH, CRITICAL; is_resolved: true or false)",
    .status = 200,
    .answer = "ExecutionErrors",
    .query = errors_query,
    .nquery = EQ__MAX,
    .paged = true,
};

const struct route_doc errors_summary_doc = {
    .handler = errors_summary,
    .summary = "The caller's errors of the last days (default 7), by severity and type",
    .status = 200,
    .answer = "ErrorSummary",
    .query = summary_query,
    .nquery = SUM__MAX,
};

const struct route_doc errors_resolve_doc = {
    .handler = errors_resolve,
    .summary = "Mark an error resolved (resolved_by defaults to the caller's id)",
    .status = 200,
    .answer = "ErrorResolution",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, resolve_fields, RES__MAX}},
};

const struct route_doc errors_unresolve_doc = {
    .handler = errors_unresolve,
    .summary = "Mark an error unresolved again",
    .description = "The body takes the fields of resolve (they are checked), but unresolving "
                   "clears resolved_at, resolved_by and resolution_notes.",
    .status = 200,
    .answer = "ErrorResolution",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, resolve_fields, RES__MAX}},
};
