/* Data quality: POST /data-quality/check scores a file (completeness,
 * accuracy, consistency). The check runs in quarry-process as a job; the
 * request waits for it up to quality_wait_ms and answers 200 with the
 * result (the seed's synchronous answer), or 202 with status "running" when
 * the file takes longer: GET /data-quality/checks/{id} has it then. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/file_store.h"
#include "api/handlers.h"
#include "api/quality_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/log.h"
#include "common/wake.h"
#include "process/engine.h"

#define QUALITY_POLL_MS 50

enum { QC_ENTITY_TYPE, QC_ENTITY_ID, QC_CONFIG, QC_PROCESSING, QC__MAX };
static const struct field_spec check_fields[QC__MAX] = {
    [QC_ENTITY_TYPE] = {"entity_type", FIELD_STRING, true, 1, 64},
    [QC_ENTITY_ID] = {"entity_id", FIELD_STRING, false, 1, 64},
    [QC_CONFIG] = {"check_config", FIELD_OBJECT, false, 0, 0},
    [QC_PROCESSING] = {"processing_config", FIELD_OBJECT, false, 0, 0},
};

enum { CC_COMPLETENESS, CC_ACCURACY, CC_CONSISTENCY, CC_RULES, CC_KEYS, CC__MAX };
static const struct field_spec config_fields[CC__MAX] = {
    [CC_COMPLETENESS] = {"completeness", FIELD_BOOL, false, 0, 0},
    [CC_ACCURACY] = {"accuracy", FIELD_BOOL, false, 0, 0},
    [CC_CONSISTENCY] = {"consistency", FIELD_BOOL, false, 0, 0},
    [CC_RULES] = {"rules", FIELD_ARRAY, false, 0, 100},
    [CC_KEYS] = {"key_columns", FIELD_ARRAY, false, 1, 100},
};

enum { RULE_COLUMN, RULE_RULE, RULE_NAME, RULE__MAX };
static const struct field_spec rule_fields[RULE__MAX] = {
    [RULE_COLUMN] = {"column", FIELD_STRING, true, 1, 255},
    [RULE_RULE] = {"rule", FIELD_STRING, true, 1, 32},
    [RULE_NAME] = {"name", FIELD_LINE, false, 1, 64},
};

/* The rules, each checked as the validate step it becomes. */
static int check_rules(struct request *req, json_object *rules)
{
    char path[64], field[160], msg[300];
    json_object *v[RULE__MAX];
    for (size_t i = 0; rules != NULL && i < json_object_array_length(rules); i++) {
        json_object *rule = json_object_array_get_idx(rules, i), *value;
        snprintf(path, sizeof(path), "check_config.rules[%zu]", i);
        if (!json_object_is_type(rule, json_type_object)) {
            respond_invalid(req, path, arena_printf(req->arena, "%s must be an object", path));
            return -1;
        }
        if (request_fields_at(req, rule, path, rule_fields, RULE__MAX, v) != 0)
            return -1;
        json_object *step = json_object_new_object(), *params = json_object_new_object();
        json_object *steps = json_object_new_array();
        json_object_object_add(params, "column", json_object_get(v[RULE_COLUMN]));
        json_object_object_add(params, "rule", json_object_get(v[RULE_RULE]));
        if (json_object_object_get_ex(rule, "value", &value))
            json_object_object_add(params, "value", json_object_get(value));
        json_object_object_add(step, "type", json_object_new_string("validate"));
        json_object_object_add(step, "params", params);
        json_object_array_add(steps, step);
        int rc = engine_validate_steps(steps, field, sizeof(field), msg, sizeof(msg));
        json_object_put(steps);
        if (rc != 0) {
            const char *member = strstr(field, ".params.");
            respond_invalid(req,
                            member ? arena_printf(req->arena, "%s.%s", path, member + 8) : path,
                            arena_printf(req->arena, "%s: %s", path, msg));
            return -1;
        }
    }
    return 0;
}

/* The check's settings as stored: every switch explicit (default on). */
static json_object *normalised_config(json_object *const *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "completeness",
                           json_object_new_boolean(c[CC_COMPLETENESS] == NULL ||
                                                   json_object_get_boolean(c[CC_COMPLETENESS])));
    json_object_object_add(o, "accuracy",
                           json_object_new_boolean(c[CC_ACCURACY] == NULL ||
                                                   json_object_get_boolean(c[CC_ACCURACY])));
    json_object_object_add(o, "consistency",
                           json_object_new_boolean(c[CC_CONSISTENCY] == NULL ||
                                                   json_object_get_boolean(c[CC_CONSISTENCY])));
    json_object_object_add(o, "rules",
                           c[CC_RULES] ? json_object_get(c[CC_RULES]) : json_object_new_array());
    if (c[CC_KEYS] != NULL)
        json_object_object_add(o, "key_columns", json_object_get(c[CC_KEYS]));
    return o;
}

/* Which file: entity_type is a file id, or "file" with entity_id. A dataset
 * is refused until this server has datasets. NULL after answering. */
static const char *entity_file_id(struct request *req, json_object *const *v)
{
    const char *type = json_object_get_string(v[QC_ENTITY_TYPE]);
    const char *id = v[QC_ENTITY_ID] ? json_object_get_string(v[QC_ENTITY_ID]) : NULL;
    if (id_is_uuid(type))
        return type;
    if (strcmp(type, "dataset") == 0) {
        respond_invalid(req, "entity_type",
                        "entity_type dataset is not available on this server (file is)");
        return NULL;
    }
    if (strcmp(type, "file") != 0 || id == NULL) {
        respond_invalid(req, id == NULL ? "entity_type" : "entity_type",
                        "entity_type must be a file id, or \"file\" with entity_id");
        return NULL;
    }
    return id;
}

static void respond_check(struct request *req, const char *id, int status)
{
    struct quality_check c;
    enum db_status st = quality_check_get(req->app->db, req->arena, id, &c);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    if (status == 0)
        status = strcmp(c.status, "running") == 0 ? 202 : 200;
    respond_json_put(req, status, quality_check_to_json(&c));
}

/* Waits (polling the row) until the check has ended or the wait is over. */
static void wait_for_check(struct request *req, const char *id)
{
    long long deadline = time_now_ms() + req->app->cfg.quality_wait_ms;
    struct quality_check c;
    while (time_now_ms() < deadline) {
        struct timespec ts = {0, QUALITY_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        if (quality_check_get(req->app->db, req->arena, id, &c) != DB_OK ||
            strcmp(c.status, "running") != 0)
            return;
    }
}

void quality_check(struct request *req)
{
    json_object *body = NULL, *v[QC__MAX], *c[CC__MAX], *config = NULL;
    char id[UUID_LEN + 1], job_id[UUID_LEN + 1];
    struct file_row f;
    char path[160], msg[300];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, check_fields, QC__MAX, v) != 0)
        goto out;
    json_object *given = v[QC_CONFIG] ? json_object_get(v[QC_CONFIG]) : json_object_new_object();
    int rc = request_fields_at(req, given, "check_config", config_fields, CC__MAX, c);
    if (rc == 0)
        rc = check_rules(req, c[CC_RULES]);
    if (rc == 0 && v[QC_PROCESSING] != NULL &&
        engine_validate_config(v[QC_PROCESSING], path, sizeof(path), msg, sizeof(msg)) != 0) {
        respond_invalid(req, path, msg);
        rc = -1;
    }
    if (rc == 0)
        config = normalised_config(c);
    json_object_put(given);
    const char *file_id = rc == 0 ? entity_file_id(req, v) : NULL;
    if (file_id == NULL)
        goto out;
    enum db_status st = id_is_uuid(file_id) ? file_get(req->app->db, req->arena, file_id, &f)
                                            : DB_NO_ROW;
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        goto out;
    }
    if (st == DB_NO_ROW || strcmp(f.user_id, req->user.id) != 0) {
        respond_error(req, 404, "FILE_NOT_FOUND", "File not found", NULL);
        goto out;
    }
    id_uuid4(id);
    id_uuid4(job_id);
    struct quality_check check = {0};
    check.id = id;
    check.user_id = req->user.id;
    check.entity_type = json_object_get_string(v[QC_ENTITY_TYPE]);
    check.entity_id = f.id;
    check.job_id = job_id;
    check.check_config = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN);
    st = quality_check_queue(
        req->app->db, &check, f.object_key, f.filename, f.file_size, f.file_type,
        v[QC_PROCESSING] ? json_object_to_json_string_ext(v[QC_PROCESSING], JSON_C_TO_STRING_PLAIN)
                         : "{}");
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    log_info("quality check %s of file %s queued (job %s)", id, f.id, job_id);
    wait_for_check(req, id);
    respond_check(req, id, 0);
out:
    json_object_put(config);
    json_object_put(body);
}

void quality_get(struct request *req)
{
    struct quality_check c;
    const char *id = req->params[0];
    enum db_status st =
        id_is_uuid(id) ? quality_check_get(req->app->db, req->arena, id, &c) : DB_NO_ROW;
    if (respond_unless_owned(req, st, st == DB_OK ? c.user_id : "", "CHECK_NOT_FOUND",
                             "quality check") == 0)
        respond_json_put(req, 200, quality_check_to_json(&c));
}

enum { QL_ENTITY, QL__MAX };
static const struct field_spec list_query[QL__MAX] = {
    [QL_ENTITY] = {"entity_id", FIELD_STRING, false, 36, 36},
};

void quality_list(struct request *req)
{
    json_object *v[QL__MAX];
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    if (request_query(req, list_query, QL__MAX, v, &page) != 0)
        return;
    json_object *array;
    const char *next = NULL;
    enum db_status st =
        quality_check_list(req->app->db, req->arena, req->user.id,
                           v[QL_ENTITY] ? json_object_get_string(v[QL_ENTITY]) : NULL, page.after,
                           page.skip, page.limit, &array, &total, &next);
    respond_list_object(req, st, "checks", array, total, &page, next);
}

/* ---------------------------------------------------------------- docs */

const struct route_doc quality_check_doc = {
    .handler = quality_check,
    .summary = "Score a file's data quality: completeness, accuracy, consistency, rules",
    .description = "entity_type is a file id, or \"file\" with entity_id. The check runs as a "
                   "job; the answer waits for it a while: 200 with the result, or 202 with "
                   "status running when the file takes longer (GET "
                   "/data-quality/checks/{id} has it then). Each rule is a validate step of "
                   "the engine on a column; every check is on unless set false.",
    .status = 200,
    .answer = "QualityCheck",
    .answers = "202 404",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, check_fields, QC__MAX},
               {"check_config", config_fields, CC__MAX},
               {"check_config.rules[]", rule_fields, RULE__MAX}},
};

const struct route_doc quality_get_doc = {
    .handler = quality_get,
    .summary = "One quality check",
    .status = 200,
    .answer = "QualityCheck",
};

const struct route_doc quality_list_doc = {
    .handler = quality_list,
    .summary = "The caller's quality checks (of one file with entity_id)",
    .status = 200,
    .answer = "QualityCheckList",
    .query = list_query,
    .nquery = QL__MAX,
    .paged = true,
};
