/* Sources: stored connections to MariaDB/MySQL and PostgreSQL servers
 * (POST/GET/DELETE /sources, test, read), and the Morphix seed's shapes of
 * the same (/mongo/credentials, /mongo/read, /schema/generate). Passwords
 * are sealed at once and never shown; connecting and reading happen in
 * quarry-process (tasks.h), never in this worker. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/tasks.h"
#include "common/log.h"
#include "common/sealed.h"
#include "common/source_store.h"
#include "common/source_uri.h"

#define TEST_WAIT_SECONDS 15
#define READ_WAIT_SECONDS 60
#define READ_LIMIT_MAX 10000
#define SAMPLE_MAX 100000
/* The seed keeps one set of credentials per user: it is this source. */
#define SEED_SOURCE_NAME "default"

static json_object *source_to_json(const struct source_row *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(s->id));
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "engine", json_object_new_string(s->engine));
    json_object_object_add(o, "host", json_object_new_string(s->host));
    json_object_object_add(o, "port", json_object_new_int64(s->port));
    json_object_object_add(o, "username", json_object_new_string(s->username));
    json_object_object_add(o, "database", json_object_new_string(s->database_name));
    json_object_object_add(o, "table", store_text_json(s->default_table));
    json_object_object_add(o, "has_password", json_object_new_boolean(s->password_box != NULL));
    json_object_object_add(o, "password_key_id", store_text_json(s->password_key_id));
    json_object_object_add(o, "created_at", store_time_json(s->created_at));
    json_object_object_add(o, "updated_at", store_time_json(s->updated_at));
    return o;
}

/* ------------------------------------------------------------ the spec */

/* The fields of a source, as POST /sources and the seed's credentials call
 * take them: a URI, or the parts (parts win over the URI's). */
enum {
    SRC_NAME, SRC_ENGINE, SRC_URI, SRC_MONGO_URI, SRC_HOST, SRC_PORT, SRC_USERNAME,
    SRC_PASSWORD, SRC_DATABASE, SRC_TABLE, SRC_COLLECTION, SRC__MAX
};
static const struct field_spec source_fields[SRC__MAX] = {
    [SRC_NAME] = {"name", FIELD_NAME, false, 1, SOURCE_NAME_MAX},
    [SRC_ENGINE] = {"engine", FIELD_STRING, false, 1, 16},
    [SRC_URI] = {"uri", FIELD_STRING, false, 1, 2048},
    [SRC_MONGO_URI] = {"mongo_uri", FIELD_STRING, false, 1, 2048},
    [SRC_HOST] = {"host", FIELD_LINE, false, 1, SOURCE_HOST_MAX},
    [SRC_PORT] = {"port", FIELD_INT, false, 1, 65535},
    [SRC_USERNAME] = {"username", FIELD_LINE, false, 1, SOURCE_NAME_MAX},
    [SRC_PASSWORD] = {"password", FIELD_STRING, false, 0, SOURCE_PASSWORD_MAX},
    [SRC_DATABASE] = {"database", FIELD_LINE, false, 1, SOURCE_NAME_MAX},
    [SRC_TABLE] = {"table", FIELD_STRING, false, 1, 64},
    [SRC_COLLECTION] = {"collection", FIELD_STRING, false, 1, 64},
};

/* Builds a new row (strings in the arena; a new id, created and updated
 * now) from the body; the password is sealed here and wiped. 0, or -1
 * after answering 422. */
static int source_from_body(struct request *req, json_object *body, const char *default_name,
                            struct source_row *s)
{
    json_object *v[SRC__MAX];
    struct source_uri uri;
    char msg[256], key_id[SEALED_KEY_ID_LEN + 1], box[SEALED_TEXT_MAX], err[256];
    enum source_engine engine = SOURCE_MARIADB;
    bool have_engine = false;
    int rc = -1;
    memset(&uri, 0, sizeof(uri));
    if (request_fields(req, body, source_fields, SRC__MAX, v) != 0)
        return -1;
    json_object *uri_text = v[SRC_URI] ? v[SRC_URI] : v[SRC_MONGO_URI];
    const char *uri_field = v[SRC_URI] ? "uri" : "mongo_uri";
    if (uri_text != NULL) {
        enum source_uri_status us = source_uri_parse(field_text(uri_text), &uri, msg, sizeof(msg));
        if (us != SOURCE_URI_OK) {
            respond_invalid(req, uri_field, msg);
            goto out;
        }
        engine = uri.engine;
        have_engine = true;
    }
    if (v[SRC_ENGINE] != NULL) {
        if (!source_engine_parse(field_text(v[SRC_ENGINE]), &engine)) {
            respond_invalid(req, "engine", "engine must be mariadb, mysql or postgresql");
            goto out;
        }
        have_engine = true;
    }
    if (!have_engine) {
        respond_invalid(req, "engine",
                        "engine (mariadb, mysql or postgresql) or a uri is required");
        goto out;
    }
    const char *host = v[SRC_HOST] ? field_text(v[SRC_HOST]) : uri.host;
    const char *user = v[SRC_USERNAME] ? field_text(v[SRC_USERNAME]) : uri.username;
    const char *database = v[SRC_DATABASE] ? field_text(v[SRC_DATABASE]) : uri.database;
    const char *table = v[SRC_TABLE]        ? field_text(v[SRC_TABLE])
                        : v[SRC_COLLECTION] ? field_text(v[SRC_COLLECTION])
                                            : (uri.table[0] ? uri.table : NULL);
    const char *password = v[SRC_PASSWORD]    ? field_text(v[SRC_PASSWORD])
                           : uri.has_password ? uri.password
                                              : NULL;
    if (host == NULL || !source_host_valid(host)) {
        respond_invalid(req, "host", "host must be a host name or address");
        goto out;
    }
    if (user == NULL || user[0] == '\0') {
        respond_invalid(req, "username", "username is required");
        goto out;
    }
    if (database == NULL || database[0] == '\0') {
        respond_invalid(req, "database", "database is required");
        goto out;
    }
    if (table != NULL && !source_identifier_valid(table)) {
        respond_invalid(req, v[SRC_COLLECTION] && !v[SRC_TABLE] ? "collection" : "table",
                        "a table name is letters, digits and _ (64 at most)");
        goto out;
    }
    memset(s, 0, sizeof(*s));
    if (password != NULL) {
        if (sealed_seal(req->app->cfg.secrets_dir, password, key_id, box, err, sizeof(err)) != 0) {
            log_error("sources: cannot seal a password: %s", err);
            respond_error(req, 500, "INTERNAL_ERROR", "The password could not be stored", NULL);
            goto out;
        }
        s->password_key_id = arena_strdup(req->arena, key_id);
        s->password_box = arena_strdup(req->arena, box);
    }
    s->name = v[SRC_NAME] ? field_text(v[SRC_NAME]) : default_name;
    s->engine = source_engine_name(engine);
    s->port = v[SRC_PORT]  ? json_object_get_int64(v[SRC_PORT])
              : uri.port ? uri.port
                         : source_engine_default_port(engine);
    /* The URI's parts live on this stack: the row keeps copies. */
    s->host = arena_strdup(req->arena, host);
    s->username = arena_strdup(req->arena, user);
    s->database_name = arena_strdup(req->arena, database);
    s->default_table = arena_strdup(req->arena, table);
    s->user_id = req->user.id;
    char *id = arena_alloc(req->arena, UUID_LEN + 1),
         *now = arena_alloc(req->arena, DB_TIME_LEN + 1);
    id_uuid4(id);
    time_db(time_now_ms(), now);
    s->id = id;
    s->created_at = s->updated_at = now;
    rc = 0;
out:
    sodium_memzero(uri.password, sizeof(uri.password));
    return rc;
}

/* ------------------------------------------------------------ CRUD */

void sources_create(struct request *req)
{
    json_object *body = NULL;
    struct source_row s;
    if (request_json_body(req, &body) != 0)
        return;
    if (source_from_body(req, body, SEED_SOURCE_NAME, &s) != 0)
        goto out;
    const char *id = s.id;
    enum db_status st = source_insert(req->app->db, &s);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "You have a source of that name", "name");
        goto out;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("source created id=%s engine=%s", id, s.engine);
    st = source_get(req->app->db, req->arena, id, &s);
    if (st != DB_OK)
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
    else
        respond_json_put(req, 201, source_to_json(&s));
out:
    json_object_put(body);
}

static void add_source(void *ctx, const struct source_row *s)
{
    json_object_array_add(ctx, source_to_json(s));
}

void sources_list(struct request *req)
{
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0)
        return;
    json_object *array = json_object_new_array();
    enum db_status st = source_list(req->app->db, req->arena, req->user.id, page.skip, page.limit,
                                    page.after, add_source, array, &total, &next);
    respond_next(req, next);
    respond_list(req, st, array, total);
}

int source_load_own(struct request *req, const char *id, struct source_row *s)
{
    enum db_status st = id_is_uuid(id) ? source_get(req->app->db, req->arena, id, s) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? s->user_id : "", "SOURCE_NOT_FOUND",
                                "source");
}

void sources_get(struct request *req)
{
    struct source_row s;
    if (source_load_own(req, req->params[0], &s) == 0)
        respond_json_put(req, 200, source_to_json(&s));
}

void sources_delete(struct request *req)
{
    struct source_row s;
    bool in_use = false;
    if (source_load_own(req, req->params[0], &s) != 0)
        return;
    enum db_status st = source_delete(req->app->db, s.id, &in_use);
    if (in_use) {
        respond_error(req, 409, "CONFLICT", "A load job reads this source; delete it first", NULL);
        return;
    }
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "SOURCE_NOT_FOUND", "Source not found", NULL);
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    log_info("source deleted id=%s", s.id);
    respond_empty(req, 204);
}

/* ------------------------------------------------------------ test, read */

void sources_test(struct request *req)
{
    struct source_row s;
    json_object *result = NULL;
    if (source_load_own(req, req->params[0], &s) != 0)
        return;
    if (task_call(req, "source_test", s.id, json_object_new_object(), TEST_WAIT_SECONDS,
                  &result) != 0)
        return;
    json_object_object_add(result, "source_id", json_object_new_string(s.id));
    respond_json_put(req, 200, result);
}

/* What a failed read means for the caller: the server could not be used
 * (502), or the table or query was wrong (422). */
static void respond_source_failure(struct request *req, json_object *result, const char *field)
{
    json_object *reason = NULL, *message = NULL;
    json_object_object_get_ex(result, "reason", &reason);
    json_object_object_get_ex(result, "message", &message);
    const char *why = reason ? json_object_get_string(reason) : "error";
    const char *text = arena_printf(req->arena, "The source %s: %s",
                                    strcmp(why, "unknown_table") == 0 ? "has no such table or column"
                                    : strcmp(why, "query") == 0       ? "refused the query"
                                                                      : "cannot be used",
                                    message ? json_object_get_string(message) : why);
    if (strcmp(why, "unknown_table") == 0 || strcmp(why, "query") == 0)
        respond_error(req, 422, "SOURCE_QUERY_FAILED", text, field);
    else
        respond_error(req, 502, "SOURCE_UNAVAILABLE", text, NULL);
}

static bool result_ok(json_object *result)
{
    json_object *ok = NULL;
    return json_object_object_get_ex(result, "ok", &ok) && json_object_get_boolean(ok);
}

/* The read's fields, as /sources/{id}/read and the seed's /mongo/read take
 * them: a table (collection) with an equality filter (the seed's query
 * object), or a SELECT (sql), and a limit. */
enum { READ_TABLE, READ_COLLECTION, READ_SQL, READ_QUERY, READ_WHERE, READ_LIMIT, READ_SOURCE,
       READ__MAX };
static const struct field_spec read_fields[READ__MAX] = {
    [READ_TABLE] = {"table", FIELD_STRING, false, 1, 64},
    [READ_COLLECTION] = {"collection", FIELD_STRING, false, 1, 64},
    [READ_SQL] = {"sql", FIELD_STRING, false, 1, 65536},
    [READ_QUERY] = {"query", FIELD_OBJECT, false, 0, 0},
    [READ_WHERE] = {"where", FIELD_OBJECT, false, 0, 0},
    [READ_LIMIT] = {"limit", FIELD_INT, false, 1, READ_LIMIT_MAX},
    [READ_SOURCE] = {"source_id", FIELD_STRING, false, 36, 36},
};

bool source_filter_valid(json_object *where)
{
    int n = 0;
    json_object_object_foreach(where, key, val)
    {
        if (!source_identifier_valid(key) || ++n > 16 ||
            (val != NULL && (json_object_is_type(val, json_type_object) ||
                             json_object_is_type(val, json_type_array))))
            return false;
    }
    return true;
}

/* What a task reads: sql when given, else a table (table_v, else
 * collection_v, else the source's) added to config. 0, or -1 after
 * answering 422 (naming collection when only that was given). */
static int read_what(struct request *req, json_object *table_v, json_object *collection_v,
                     json_object *sql_v, const struct source_row *s, json_object *config)
{
    json_object *table = table_v ? table_v : collection_v;
    const char *name = table ? json_object_get_string(table) : s->default_table;
    if (sql_v != NULL) {
        json_object_object_add(config, "sql", json_object_get(sql_v));
    } else if (name == NULL || !source_identifier_valid(name)) {
        respond_invalid(req, collection_v && !table_v ? "collection" : "table",
                        "a table (letters, digits and _, 64 at most) or sql is required");
        return -1;
    } else {
        json_object_object_add(config, "table", json_object_new_string(name));
    }
    return 0;
}

/* Builds the task's config from the body; 0, or -1 after answering. */
static int read_config(struct request *req, json_object *body, const struct source_row *s,
                       json_object *config)
{
    json_object *v[READ__MAX];
    if (request_fields(req, body, read_fields, READ__MAX, v) != 0)
        return -1;
    json_object *where = v[READ_WHERE] ? v[READ_WHERE] : v[READ_QUERY];
    if (read_what(req, v[READ_TABLE], v[READ_COLLECTION], v[READ_SQL], s, config) != 0)
        return -1;
    if (where != NULL) {
        if (!source_filter_valid(where)) {
            respond_invalid(req, v[READ_WHERE] ? "where" : "query",
                            "a filter is up to 16 column = value pairs (letters, digits and _ "
                            "in names; strings, numbers, booleans or null as values)");
            return -1;
        }
        json_object_object_add(config, "where", json_object_get(where));
    }
    json_object_object_add(config, "limit",
                           json_object_new_int64(v[READ_LIMIT] ? json_object_get_int64(v[READ_LIMIT])
                                                               : 100));
    return 0;
}

/* The rows the body asks for, read by quarry-process: 0 with *result
 * (owned by the caller), or -1 after answering. */
static int read_result(struct request *req, const struct source_row *s, json_object *body,
                       json_object **result)
{
    json_object *config = json_object_new_object(), *v;
    if (read_config(req, body, s, config) != 0) {
        json_object_put(config);
        return -1;
    }
    if (task_call(req, "source_read", s->id, config, READ_WAIT_SECONDS, result) != 0)
        return -1;
    if (!result_ok(*result)) {
        respond_source_failure(req, *result, json_object_object_get_ex(body, "sql", &v) ? "sql"
                                                                                       : "table");
        json_object_put(*result);
        return -1;
    }
    return 0;
}

/* The keys (NULL-terminated) that the task's result has, added to answer
 * in that order. */
static void copy_keys(json_object *answer, json_object *result, const char *const *keys)
{
    json_object *v;
    for (; *keys != NULL; keys++)
        if (json_object_object_get_ex(result, *keys, &v))
            json_object_object_add(answer, *keys, json_object_get(v));
}

static void read_source(struct request *req, const struct source_row *s, json_object *body)
{
    json_object *result = NULL;
    if (read_result(req, s, body, &result) != 0)
        return;
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "status", json_object_new_string("ok"));
    json_object_object_add(answer, "source_id", json_object_new_string(s->id));
    copy_keys(answer, result, (const char *const[]){"columns", "data", "count", NULL});
    json_object_put(result);
    respond_json_put(req, 200, answer);
}

void sources_read(struct request *req)
{
    json_object *body = NULL;
    struct source_row s;
    if (request_json_body(req, &body) != 0)
        return;
    if (source_load_own(req, req->params[0], &s) == 0)
        read_source(req, &s, body);
    json_object_put(body);
}

/* ------------------------------------------------------------ the seed's shapes */

/* The source a seed call means: source_id when given, else the caller's
 * "default" source (the one /mongo/credentials keeps). */
int sources_seed_source(struct request *req, json_object *body, struct source_row *s)
{
    json_object *v = NULL, *uri = NULL;
    struct source_uri parsed;
    char msg[256];
    if (json_object_object_get_ex(body, "mongo_uri", &uri) &&
        json_object_is_type(uri, json_type_string) &&
        source_uri_parse(json_object_get_string(uri), &parsed, msg, sizeof(msg)) ==
            SOURCE_URI_MONGODB) {
        sodium_memzero(&parsed, sizeof(parsed));
        respond_invalid(req, "mongo_uri", msg);
        return -1;
    }
    sodium_memzero(&parsed, sizeof(parsed));
    if (json_object_object_get_ex(body, "source_id", &v) &&
        json_object_is_type(v, json_type_string))
        return source_load_own(req, json_object_get_string(v), s);
    enum db_status st =
        source_get_by_name(req->app->db, req->arena, req->user.id, SEED_SOURCE_NAME, s);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "SOURCE_NOT_FOUND",
                      "No credentials stored: POST /mongo/credentials or /sources first", NULL);
        return -1;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    return 0;
}

void mongo_credentials(struct request *req)
{
    json_object *body = NULL;
    struct source_row s;
    const char *stored = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    if (source_from_body(req, body, SEED_SOURCE_NAME, &s) != 0)
        goto out;
    enum db_status st = source_put_by_name(req->app->db, req->arena, &s, &stored);
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("source stored id=%s engine=%s (seed credentials)", stored, s.engine);
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "status", json_object_new_string("ok"));
    json_object_object_add(answer, "user_id", json_object_new_string(req->user.id));
    json_object_object_add(answer, "source_id", json_object_new_string(stored));
    respond_json_put(req, 200, answer);
out:
    json_object_put(body);
}

void mongo_read(struct request *req)
{
    json_object *body = NULL;
    struct source_row s;
    if (request_json_body(req, &body) != 0)
        return;
    if (sources_seed_source(req, body, &s) == 0)
        read_source(req, &s, body);
    json_object_put(body);
}

enum { GEN_TABLE, GEN_COLLECTION, GEN_SAMPLE, GEN_SOURCE, GEN_SQL, GEN__MAX };
static const struct field_spec generate_fields[GEN__MAX] = {
    [GEN_TABLE] = {"table", FIELD_STRING, false, 1, 64},
    [GEN_COLLECTION] = {"collection", FIELD_STRING, false, 1, 64},
    [GEN_SAMPLE] = {"sample_size", FIELD_INT, false, 1, SAMPLE_MAX},
    [GEN_SOURCE] = {"source_id", FIELD_STRING, false, 36, 36},
    [GEN_SQL] = {"sql", FIELD_STRING, false, 1, 65536},
};

void schema_generate(struct request *req)
{
    json_object *body = NULL, *v[GEN__MAX], *result = NULL, *x;
    struct source_row s;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, generate_fields, GEN__MAX, v) != 0 ||
        sources_seed_source(req, body, &s) != 0)
        goto out;
    json_object *config = json_object_new_object();
    if (read_what(req, v[GEN_TABLE], v[GEN_COLLECTION], v[GEN_SQL], &s, config) != 0) {
        json_object_put(config);
        goto out;
    }
    json_object_object_add(config, "sample_size",
                           json_object_new_int64(v[GEN_SAMPLE] ? json_object_get_int64(v[GEN_SAMPLE])
                                                               : 1000));
    if (task_call(req, "schema_generate", s.id, config, READ_WAIT_SECONDS, &result) != 0)
        goto out;
    if (!result_ok(result)) {
        respond_source_failure(req, result, v[GEN_SQL] ? "sql" : "table");
        json_object_put(result);
        goto out;
    }
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "status", json_object_new_string("ok"));
    copy_keys(answer, result,
              (const char *const[]){"schema", "summary", "sample_info", "source_columns", NULL});
    if (json_object_object_get_ex(answer, "sample_info", &x) &&
        json_object_is_type(x, json_type_object))
        json_object_object_add(x, "database", json_object_new_string(s.database_name));
    json_object_object_add(answer, "source_id", json_object_new_string(s.id));
    json_object_put(result);
    respond_json_put(req, 200, answer);
out:
    json_object_put(body);
}

/* ------------------------------------------------------------ transform */

/* Whether v fits a schema type (the engine's names and the seed's). */
static bool value_fits(json_object *v, const char *type)
{
    const char *t = type ? type : "string";
    if (strcmp(t, "integer") == 0 || strcmp(t, "int") == 0 || strcmp(t, "bigint") == 0)
        return json_object_is_type(v, json_type_int);
    if (strcmp(t, "number") == 0 || strcmp(t, "double") == 0 || strcmp(t, "float") == 0)
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    if (strcmp(t, "boolean") == 0 || strcmp(t, "bool") == 0)
        return json_object_is_type(v, json_type_boolean);
    if (strcmp(t, "object") == 0 || strcmp(t, "array") == 0)
        return true;
    return json_object_is_type(v, json_type_string);
}

enum { TR_SCHEMA, TR_APPLY, TR_STRICT, TR_FLATTEN, TR__MAX };
static const struct field_spec transform_fields[TR__MAX] = {
    [TR_SCHEMA] = {"schema", FIELD_OBJECT, true, 0, 0},
    [TR_APPLY] = {"apply_schema", FIELD_BOOL, false, 0, 0},
    [TR_STRICT] = {"strict_schema", FIELD_BOOL, false, 0, 0},
    [TR_FLATTEN] = {"flatten_data", FIELD_BOOL, false, 0, 0},
};

#define TRANSFORM_ERRORS_MAX 100

/* One invalid field of record i, while errors holds fewer than the most. */
static void add_problem(json_object *errors, size_t i, const char *field, const char *problem)
{
    if (json_object_array_length(errors) >= TRANSFORM_ERRORS_MAX)
        return;
    json_object *e = json_object_new_object();
    json_object_object_add(e, "record", json_object_new_int64((int64_t)i));
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "error", json_object_new_string(problem));
    json_object_array_add(errors, e);
}

/* The seed's /mongo/transform: a read whose rows are checked against a
 * schema ({field: {type, nullable?}}): a row with a missing required field,
 * a value of another type, or (strict_schema) a field the schema does not
 * name is invalid. apply_schema keeps the schema's fields only. Source rows
 * are flat already, so flatten_data changes nothing. */
void mongo_transform(struct request *req)
{
    json_object *body = NULL, *v[TR__MAX], *result = NULL, *data = NULL;
    struct source_row s;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, transform_fields, TR__MAX, v) != 0 ||
        sources_seed_source(req, body, &s) != 0 || read_result(req, &s, body, &result) != 0)
        goto out;
    bool apply = v[TR_APPLY] ? json_object_get_boolean(v[TR_APPLY]) : true;
    bool strict = v[TR_STRICT] ? json_object_get_boolean(v[TR_STRICT]) : false;
    json_object *schema = v[TR_SCHEMA], *out = json_object_new_array(),
                *errors = json_object_new_array();
    long long valid = 0, total = 0;
    json_object_object_get_ex(result, "data", &data);
    for (size_t i = 0; data && i < json_object_array_length(data); i++) {
        json_object *row = json_object_array_get_idx(data, i), *kept = json_object_new_object();
        bool ok = true;
        total++;
        json_object_object_foreach(schema, field, spec)
        {
            json_object *val = NULL, *t = NULL, *nullable = NULL;
            if (json_object_is_type(spec, json_type_object)) {
                json_object_object_get_ex(spec, "type", &t);
                json_object_object_get_ex(spec, "nullable", &nullable);
            } else if (json_object_is_type(spec, json_type_string)) {
                t = spec;
            }
            bool present = json_object_object_get_ex(row, field, &val) && val != NULL;
            const char *problem = NULL;
            if (!present && nullable && !json_object_get_boolean(nullable))
                problem = "required";
            else if (present && !value_fits(val, t ? json_object_get_string(t) : NULL))
                problem = arena_printf(req->arena, "expected %s",
                                       t ? json_object_get_string(t) : "string");
            if (problem) {
                ok = false;
                add_problem(errors, i, field, problem);
            }
            json_object_object_add(kept, field, present ? json_object_get(val) : NULL);
        }
        if (strict) {
            json_object_object_foreach(row, key, unused)
            {
                (void)unused;
                if (!json_object_object_get_ex(schema, key, NULL)) {
                    ok = false;
                    add_problem(errors, i, key, "not in the schema");
                }
            }
        }
        valid += ok;
        if (apply) {
            json_object_array_add(out, kept);
        } else {
            json_object_put(kept);
            json_object_array_add(out, json_object_get(row));
        }
    }
    json_object *stats = json_object_new_object();
    json_object_object_add(stats, "total_records", json_object_new_int64(total));
    json_object_object_add(stats, "valid_records", json_object_new_int64(valid));
    json_object_object_add(stats, "invalid_records", json_object_new_int64(total - valid));
    json_object_object_add(stats, "validation_errors", errors);
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "status", json_object_new_string("ok"));
    json_object_object_add(answer, "data", out);
    json_object_object_add(answer, "statistics", stats);
    respond_json_put(req, 200, answer);
    json_object_put(result);
out:
    json_object_put(body);
}

/* ------------------------------------------------------------ docs */

const struct route_doc sources_create_doc = {
    .handler = sources_create,
    .summary = "Store a connection to a MariaDB, MySQL or PostgreSQL database",
    .description = "A uri (mariadb://, mysql:// or postgresql://user:password@host:port/"
                   "database[/table]) or the parts; parts win over the URI's. The password is "
                   "sealed at once and never shown. Nothing connects until a test or a read.",
    .status = 201,
    .answer = "Source",
    .answers = "409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, source_fields, SRC__MAX}},
    .example = "{\"name\":\"warehouse\",\"engine\":\"postgresql\",\"host\":\"db.example.com\","
               "\"port\":5432,\"username\":\"reader\",\"password\":\"s3cret\","
               "\"database\":\"sales\",\"table\":\"orders\"}",
};

const struct route_doc sources_list_doc = {
    .handler = sources_list,
    .summary = "The caller's sources",
    .status = 200,
    .answer = "Source[]",
    .paged = true,
};

const struct route_doc sources_get_doc = {
    .handler = sources_get,
    .summary = "One source (without its password)",
    .status = 200,
    .answer = "Source",
};

const struct route_doc sources_delete_doc = {
    .handler = sources_delete,
    .summary = "Delete a source (refused while a load job reads it)",
    .status = 204,
    .answers = "409",
};

const struct route_doc sources_test_doc = {
    .handler = sources_test,
    .summary = "Try to connect to a source and run SELECT 1",
    .description = "A source that cannot be used is still a 200: ok is false, reason and "
                   "message say why.",
    .status = 200,
    .answer = "SourceTest",
    .answers = "504",
};

const struct route_doc sources_read_doc = {
    .handler = sources_read,
    .summary = "Read rows of a source: a table with an equality filter, or a SELECT",
    .description = "table (or collection; the source's table by default) with where (or "
                   "query): up to 16 column = value pairs; or sql, one SELECT. limit: 100 by "
                   "default. source_id is ignored here (the path names the source). A table or "
                   "query the source refuses is a 422 (SOURCE_QUERY_FAILED), a server that "
                   "cannot be used a 502.",
    .status = 200,
    .answer = "SourceRows",
    .answers = "502 504",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, read_fields, READ__MAX}},
};

const struct route_doc mongo_credentials_doc = {
    .handler = mongo_credentials,
    .summary = "Store the caller's default source (the Morphix seed's credentials)",
    .description = "The fields of POST /sources; the source is named default and replaced when "
                   "stored again. mongo_uri is taken as uri, collection as table; a mongodb:// "
                   "URI is refused (422).",
    .status = 200,
    .answer = "SourceCredentials",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, source_fields, SRC__MAX}},
    .example = "{\"mongo_uri\":\"postgresql://reader:s3cret@db.example.com:5432/shop\","
               "\"collection\":\"meetings\"}",
};

const struct route_doc mongo_read_doc = {
    .handler = mongo_read,
    .summary = "Read rows of the default source, or of source_id (the Morphix seed's read)",
    .description = "The fields of POST /sources/{id}/read.",
    .status = 200,
    .answer = "SourceRows",
    .answers = "404 502 504",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, read_fields, READ__MAX}},
};

const struct route_doc schema_generate_doc = {
    .handler = schema_generate,
    .summary = "Infer the schema of a sample of a source's rows (sample_size, default 1000)",
    .status = 200,
    .answer = "GeneratedSchema",
    .answers = "404 502 504",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, generate_fields, GEN__MAX}},
};

const struct route_doc mongo_transform_doc = {
    .handler = mongo_transform,
    .summary = "Read rows of a source and check them against a schema",
    .description = "schema is {field: {type, nullable}} or {field: type}. A row with a "
                   "missing non-nullable field, a value of another type, or (strict_schema) a "
                   "field the schema does not name is invalid. apply_schema (default true) "
                   "keeps the schema's fields only; flatten_data changes nothing (source rows "
                   "are flat). The read takes the fields of POST /mongo/read.",
    .status = 200,
    .answer = "TransformResult",
    .answers = "404 502 504",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, transform_fields, TR__MAX}, {NULL, read_fields, READ__MAX}},
};
