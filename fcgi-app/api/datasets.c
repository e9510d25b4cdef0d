/* Datasets: tables Quarry owns, one MariaDB database per user (POST/GET/
 * DELETE /datasets, loads from a source), and the seed's Hudi shapes of the
 * same (/hudi/table/create, /hudi/tables, /hudi/table/{name}). A dataset's
 * rows are loaded by quarry-process (task dataset_load), commit by commit. */
#include <stdio.h>
#include <json-c/json_object_iterator.h>
#include <string.h>
#include <strings.h>

#include "api/handlers.h"
#include "api/job_store.h"
#include "common/job_queue.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/dataset_store.h"
#include "common/log.h"
#include "common/source_store.h"
#include "common/source_uri.h"
#include "common/sql_account.h"
#include "common/wake.h"
#include "process/formats.h"

#define DATASET_COLUMNS_MAX 256
#define COMMITS_SHOWN 100
/* Each user's database is "default" to the seed's clients. */
#define SEED_DATABASE "default"

/* ------------------------------------------------------------ the schema */

/* The declared schema as columns: {col: {type}} / {col: "type"} (the seed's
 * and /schema/generate's shape) or [{name, type}]. 0, or -1 after 422. */
static int parse_schema(struct request *req, json_object *schema, struct dataset_column *cols,
                        int *ncols)
{
    *ncols = 0;
    bool is_array = json_object_is_type(schema, json_type_array);
    size_t n = is_array ? json_object_array_length(schema)
                        : (size_t)json_object_object_length(schema);
    if (n == 0 || n > DATASET_COLUMNS_MAX) {
        respond_invalid(req, "schema", "the schema declares 1 to 256 columns");
        return -1;
    }
    struct json_object_iterator it, end;
    if (!is_array) {
        it = json_object_iter_begin(schema);
        end = json_object_iter_end(schema);
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *type = NULL;
        json_object *spec, *t = NULL, *nm = NULL;
        if (is_array) {
            spec = json_object_array_get_idx(schema, i);
            if (json_object_is_type(spec, json_type_object)) {
                json_object_object_get_ex(spec, "name", &nm);
                json_object_object_get_ex(spec, "type", &t);
                name = field_text(nm);
            }
        } else {
            name = json_object_iter_peek_name(&it);
            spec = json_object_iter_peek_value(&it);
            if (json_object_is_type(spec, json_type_string))
                t = spec;
            else if (json_object_is_type(spec, json_type_object))
                json_object_object_get_ex(spec, "type", &t);
            json_object_iter_next(&it);
        }
        type = t && json_object_is_type(t, json_type_string) ? dataset_type_canonical(field_text(t))
                                                             : NULL;
        const char *field = arena_printf(req->arena, "schema.%s", name ? name : "?");
        if (name == NULL || !source_identifier_valid(name)) {
            respond_invalid(req, field,
                            "a column name is letters, digits and _ (64 at most, not starting "
                            "with a digit)");
            return -1;
        }
        if (type == NULL) {
            respond_invalid(req, field,
                            "the type must be string, integer, number, boolean, date, datetime, "
                            "object or array");
            return -1;
        }
        for (int j = 0; j < *ncols; j++)
            if (strcasecmp(cols[j].name, name) == 0) {
                respond_invalid(req, field, "the column is declared twice");
                return -1;
            }
        cols[*ncols] = (struct dataset_column){arena_strdup(req->arena, name), type};
        *ncols += 1;
    }
    (void)end;
    return 0;
}

/* A key field the schema does not declare is added (the seed declares its
 * record key _id and precombine field beside the schema, not in it). */
static int add_field(struct request *req, const char *field, const char *name, const char *type,
                     struct dataset_column *cols, int *ncols)
{
    if (name == NULL)
        return 0;
    if (!source_identifier_valid(name)) {
        respond_invalid(req, field, "a column name is letters, digits and _ (64 at most)");
        return -1;
    }
    for (int j = 0; j < *ncols; j++)
        if (strcmp(cols[j].name, name) == 0)
            return 0;
    if (*ncols == DATASET_COLUMNS_MAX) {
        respond_invalid(req, "schema", "the schema declares 1 to 256 columns");
        return -1;
    }
    cols[(*ncols)++] = (struct dataset_column){name, type};
    return 0;
}

static json_object *columns_json(const struct dataset_column *cols, int ncols)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < ncols; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string(cols[i].name));
        json_object_object_add(c, "type", json_object_new_string(cols[i].type));
        json_object_array_add(a, c);
    }
    return a;
}

/* The stored columns as the seed's schema object {col: {type}}. */
static json_object *schema_json(struct request *req, const struct dataset_row *d)
{
    struct dataset_column *cols;
    int ncols = dataset_columns_read(req->arena, d->columns, &cols);
    json_object *schema = json_object_new_object();
    for (int i = 0; i < ncols; i++) {
        json_object *spec = json_object_new_object();
        json_object_object_add(spec, "type", json_object_new_string(cols[i].type));
        json_object_object_add(schema, cols[i].name, spec);
    }
    return schema;
}

/* ------------------------------------------------------------ create */

enum {
    DS_NAME, DS_TABLE_NAME, DS_KEY, DS_PRECOMBINE, DS_PARTITION, DS_SCHEMA, DS_BASE_PATH,
    DS_TABLE_TYPE, DS_DATABASE, DS__MAX
};
static const struct field_spec dataset_fields[DS__MAX] = {
    [DS_NAME] = {"name", FIELD_STRING, false, 1, 64},
    [DS_TABLE_NAME] = {"table_name", FIELD_STRING, false, 1, 64},
    [DS_KEY] = {"record_key_field", FIELD_STRING, true, 1, 64},
    [DS_PRECOMBINE] = {"precombine_field", FIELD_STRING, false, 1, 64},
    [DS_PARTITION] = {"partition_field", FIELD_STRING, false, 1, 64},
    [DS_SCHEMA] = {"schema", FIELD_OBJECT, false, 0, 0},
    [DS_BASE_PATH] = {"base_path", FIELD_LINE, false, 1, 512},
    [DS_TABLE_TYPE] = {"table_type", FIELD_STRING, false, 1, 32},
    [DS_DATABASE] = {"database", FIELD_STRING, false, 1, 64},
};

/* Creates the dataset the body declares; 0 with *out, or -1 after answering. */
static int create_dataset(struct request *req, json_object *body, struct dataset_row *out)
{
    json_object *v[DS__MAX], *schema = NULL;
    struct dataset_column *cols = arena_alloc(req->arena, sizeof(*cols) * (DATASET_COLUMNS_MAX + 1));
    int ncols = 0;
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1], schema_name[SQL_SCHEMA_LEN + 1];
    /* schema may be an array, which FIELD_OBJECT refuses: read it first. */
    json_object_object_get_ex(body, "schema", &schema);
    json_object *copy = json_object_new_object();
    json_object_object_foreach(body, key, val)
    {
        if (strcmp(key, "schema") != 0 || !json_object_is_type(val, json_type_array))
            json_object_object_add(copy, key, json_object_get(val));
    }
    int rc = request_fields(req, copy, dataset_fields, DS__MAX, v);
    if (rc != 0)
        goto out;
    rc = -1;
    json_object *name_v = v[DS_NAME] ? v[DS_NAME] : v[DS_TABLE_NAME];
    const char *name = field_text(name_v);
    const char *name_field = v[DS_NAME] ? "name" : "table_name";
    if (name == NULL) {
        respond_invalid(req, "name", "name (or table_name) is required");
        goto out;
    }
    if (dataset_name_check(req, name_field, name) != 0)
        goto out;
    if (v[DS_DATABASE] && strcmp(field_text(v[DS_DATABASE]), SEED_DATABASE) != 0) {
        respond_invalid(req, "database", "your datasets are all in the database \"default\"");
        goto out;
    }
    if (v[DS_TABLE_TYPE] && strcasecmp(field_text(v[DS_TABLE_TYPE]), "COPY_ON_WRITE") != 0) {
        respond_invalid(req, "table_type", "datasets are COPY_ON_WRITE tables");
        goto out;
    }
    if (schema == NULL || (!json_object_is_type(schema, json_type_object) &&
                           !json_object_is_type(schema, json_type_array))) {
        respond_invalid(req, "schema", "schema is required: {column: {type}} or [{name, type}]");
        goto out;
    }
    if (parse_schema(req, schema, cols, &ncols) != 0 ||
        add_field(req, "record_key_field", field_text(v[DS_KEY]), "string", cols, &ncols) != 0 ||
        add_field(req, "precombine_field", field_text(v[DS_PRECOMBINE]), "datetime", cols,
                  &ncols) != 0 ||
        add_field(req, "partition_field", field_text(v[DS_PARTITION]), "string", cols, &ncols) != 0)
        goto out;
    id_uuid4(id);
    time_db(time_now_ms(), now);
    sql_schema_name(req->user.id, schema_name);
    struct dataset_row d = {
        .id = id,
        .user_id = req->user.id,
        .name = name,
        .schema_name = schema_name,
        .record_key_field = field_text(v[DS_KEY]),
        .precombine_field = field_text(v[DS_PRECOMBINE]),
        .partition_field = field_text(v[DS_PARTITION]),
        .table_type = "COPY_ON_WRITE",
        .base_path = field_text(v[DS_BASE_PATH]),
        .created_at = now,
        .updated_at = now,
    };
    json_object *cols_json = columns_json(cols, ncols);
    d.columns = arena_strdup(req->arena, json_object_to_json_string_ext(cols_json,
                                                                        JSON_C_TO_STRING_PLAIN));
    json_object_put(cols_json);
    enum db_status st = dataset_create(req->app->db, &d, cols, ncols);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "You have a dataset of that name", name_field);
        goto out;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    log_info("dataset created id=%s columns=%d", id, ncols);
    st = dataset_get(req->app->db, req->arena, id, out);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        goto out;
    }
    rc = 0;
out:
    json_object_put(copy);
    return rc;
}

/* ------------------------------------------------------------ answers */

static json_object *dataset_to_json(struct request *req, const struct dataset_row *d,
                                    bool with_stats)
{
    json_object *o = json_object_new_object();
    long long records = 0, bytes = 0;
    json_object_object_add(o, "id", json_object_new_string(d->id));
    json_object_object_add(o, "name", json_object_new_string(d->name));
    json_object_object_add(o, "table_name", json_object_new_string(d->name));
    json_object_object_add(o, "database", json_object_new_string(SEED_DATABASE));
    json_object_object_add(o, "schema_name", json_object_new_string(d->schema_name));
    json_object_object_add(o, "record_key_field", json_object_new_string(d->record_key_field));
    json_object_object_add(o, "precombine_field", store_text_json(d->precombine_field));
    json_object_object_add(o, "partition_field", store_text_json(d->partition_field));
    json_object_object_add(o, "table_type", json_object_new_string(d->table_type));
    json_object_object_add(o, "base_path", store_text_json(d->base_path));
    json_object_object_add(o, "columns", json_tokener_parse(d->columns));
    json_object_object_add(o, "created_at", store_time_json(d->created_at));
    if (with_stats && dataset_stats(req->app->db, d, &records, &bytes) == DB_OK) {
        json_object_object_add(o, "total_records", json_object_new_int64(records));
        json_object_object_add(o, "total_size_bytes", json_object_new_int64(bytes));
    }
    return o;
}

static void add_commit(void *ctx, const struct dataset_commit *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "commit_id", json_object_new_int64(c->id));
    json_object_object_add(o, "committed_at", store_time_json(c->committed_at));
    json_object_object_add(o, "mode", json_object_new_string(c->mode));
    json_object_object_add(o, "rows_inserted", json_object_new_int64(c->inserted));
    json_object_object_add(o, "rows_updated", json_object_new_int64(c->updated));
    json_object_object_add(o, "rows_deleted", json_object_new_int64(c->deleted));
    json_object_object_add(o, "rows_unchanged", json_object_new_int64(c->unchanged));
    json_object_object_add(o, "execution_id", store_text_json(c->job_id));
    json_object_object_add(o, "load_job_id", store_text_json(c->load_job_id));
    json_object_object_add(o, "watermark", store_parsed_json(c->watermark, NULL));
    json_object_array_add(ctx, o);
}

/* The dataset with its stats and commit timeline; NULL after answering. */
static json_object *dataset_info(struct request *req, const struct dataset_row *d)
{
    json_object *o = dataset_to_json(req, d, true), *commits = json_object_new_array();
    long long total = 0;
    enum db_status st = dataset_commit_list(req->app->db, req->arena, d->id, COMMITS_SHOWN,
                                            add_commit, commits, &total);
    if (st != DB_OK) {
        json_object_put(o);
        json_object_put(commits);
        respond_db_error(req, st);
        return NULL;
    }
    json_object_object_add(o, "schema", schema_json(req, d));
    json_object_object_add(o, "commits", commits);
    json_object_object_add(o, "total_commits", json_object_new_int64(total));
    /* One table is the seed's one "file": MariaDB keeps it whole. */
    json_object_object_add(o, "total_files", json_object_new_int(1));
    return o;
}

/* ------------------------------------------------------------ native */

void datasets_create(struct request *req)
{
    json_object *body = NULL;
    struct dataset_row d;
    if (request_json_body(req, &body) != 0)
        return;
    if (create_dataset(req, body, &d) == 0)
        respond_json_put(req, 201, dataset_to_json(req, &d, true));
    json_object_put(body);
}

struct list_ctx {
    struct request *req;
    json_object *array;
    bool seed;
};

static void add_dataset(void *ctx, const struct dataset_row *d)
{
    struct list_ctx *c = ctx;
    json_object *o = dataset_to_json(c->req, d, true);
    if (c->seed) {
        /* The seed's list item: table_name, database, table_type, totals. */
        json_object *item = json_object_new_object(), *v;
        for (const char *const *k = (const char *const[]){"table_name", "database", "table_type",
                                                          "total_records", "total_size_bytes",
                                                          "id", NULL};
             *k; k++)
            if (json_object_object_get_ex(o, *k, &v))
                json_object_object_add(item, *k, json_object_get(v));
        json_object_put(o);
        o = item;
    }
    json_object_array_add(c->array, o);
}

void datasets_list(struct request *req)
{
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (query_page(req, &page) != 0)
        return;
    struct list_ctx c = {req, json_object_new_array(), false};
    enum db_status st = dataset_list(req->app->db, req->arena, req->user.id, page.skip, page.limit,
                                     page.after, add_dataset, &c, &total, &next);
    respond_next(req, next);
    respond_list(req, st, c.array, total);
}

/* Loads the caller's dataset named in the path, or answers 404 / 403. */
int dataset_load_own(struct request *req, const char *id, struct dataset_row *d)
{
    enum db_status st = id_is_uuid(id) ? dataset_get(req->app->db, req->arena, id, d) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? d->user_id : "", "DATASET_NOT_FOUND",
                                "dataset");
}

int dataset_load_named(struct request *req, const char *name, const char *not_found_code,
                       struct dataset_row *d)
{
    enum db_status st = source_identifier_valid(name)
                            ? dataset_get_by_name(req->app->db, req->arena, req->user.id, name, d)
                            : DB_NO_ROW;
    if (st == DB_NO_ROW) {
        respond_error(req, 404, not_found_code, "Table not found", NULL);
        return -1;
    }
    return respond_unless_ok(req, st);
}

void datasets_get(struct request *req)
{
    struct dataset_row d;
    if (dataset_load_own(req, req->params[0], &d) != 0)
        return;
    json_object *o = dataset_info(req, &d);
    if (o != NULL)
        respond_json_put(req, 200, o);
}

void datasets_delete(struct request *req)
{
    struct dataset_row d;
    bool in_use = false;
    if (dataset_load_own(req, req->params[0], &d) != 0)
        return;
    enum db_status st = dataset_drop(req->app->db, &d, &in_use);
    if (in_use) {
        respond_error(req, 409, "CONFLICT", "A load job writes this dataset; delete it first",
                      NULL);
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    log_info("dataset dropped id=%s", d.id);
    respond_empty(req, 204);
}

/* ------------------------------------------------------------ loads */

/* Queues a task of quarry-process of kind on subject_id with config (taken,
 * released here) and answers 202 with its job, whose id goes to id: 0, or
 * -1 after answering the database error. */
static int queue_task(struct request *req, const char *kind, const char *subject_id,
                      json_object *config, char id[UUID_LEN + 1])
{
    struct job job;
    char now[DB_TIME_LEN + 1];
    id_uuid4(id);
    time_db(time_now_ms(), now);
    enum db_status st =
        job_queue_task(req->app->db, id, req->user.id, kind, subject_id,
                       json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN), now);
    json_object_put(config);
    if (st == DB_OK)
        st = job_get(req->app->db, req->arena, id, &job);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return -1;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    respond_json_put(req, 202, job_to_json(&job));
    return 0;
}

int dataset_name_check(struct request *req, const char *field, const char *name)
{
    /* quarry… names are the service's own tables. */
    if (source_identifier_valid(name) && strncmp(name, "quarry", 6) != 0)
        return 0;
    respond_invalid(req, field,
                    "a dataset name is letters, digits and _ (64 at most, not starting with "
                    "a digit or quarry)");
    return -1;
}

bool dataset_mode_valid(const char *mode)
{
    return mode && (strcmp(mode, "append") == 0 || strcmp(mode, "overwrite") == 0 ||
                    strcmp(mode, "upsert") == 0);
}

enum { LOAD_SOURCE, LOAD_TABLE, LOAD_WHERE, LOAD_MODE, LOAD_DATE_FIELD, LOAD_BATCH, LOAD__MAX };
static const struct field_spec load_fields[LOAD__MAX] = {
    [LOAD_SOURCE] = {"source_id", FIELD_STRING, true, 36, 36},
    [LOAD_TABLE] = {"table", FIELD_STRING, false, 1, 64},
    [LOAD_WHERE] = {"where", FIELD_OBJECT, false, 0, 0},
    [LOAD_MODE] = {"mode", FIELD_STRING, false, 1, 16},
    [LOAD_DATE_FIELD] = {"date_field", FIELD_STRING, false, 1, 64},
    [LOAD_BATCH] = {"batch_size", FIELD_INT, false, 1, 1000000},
};

/* POST /datasets/{id}/load: one load of a source table into the dataset,
 * queued for quarry-process; answers 202 with the job that runs it. */
void datasets_load(struct request *req)
{
    json_object *body = NULL, *v[LOAD__MAX];
    struct dataset_row d;
    struct source_row s;
    char id[UUID_LEN + 1];
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, load_fields, LOAD__MAX, v) != 0 ||
        dataset_load_own(req, req->params[0], &d) != 0)
        goto out;
    const char *mode = v[LOAD_MODE] ? field_text(v[LOAD_MODE]) : "upsert";
    if (!dataset_mode_valid(mode)) {
        respond_invalid(req, "mode", "mode must be append, overwrite or upsert");
        goto out;
    }
    if (source_load_own(req, field_text(v[LOAD_SOURCE]), &s) != 0)
        goto out;
    const char *table = v[LOAD_TABLE] ? field_text(v[LOAD_TABLE]) : s.default_table;
    if (table == NULL || !source_identifier_valid(table)) {
        respond_invalid(req, "table", "a table (letters, digits and _, 64 at most) is required");
        goto out;
    }
    const char *date_field = field_text(v[LOAD_DATE_FIELD]);
    if (date_field && !source_identifier_valid(date_field)) {
        respond_invalid(req, "date_field", "a column name is letters, digits and _");
        goto out;
    }
    json_object *config = json_object_new_object();
    json_object_object_add(config, "dataset_id", json_object_new_string(d.id));
    json_object_object_add(config, "source_id", json_object_new_string(s.id));
    json_object_object_add(config, "table", json_object_new_string(table));
    json_object_object_add(config, "mode", json_object_new_string(mode));
    if (date_field)
        json_object_object_add(config, "date_field", json_object_new_string(date_field));
    if (v[LOAD_WHERE])
        json_object_object_add(config, "where", json_object_get(v[LOAD_WHERE]));
    json_object_object_add(config, "batch_size",
                           json_object_new_int64(v[LOAD_BATCH] ? json_object_get_int64(v[LOAD_BATCH])
                                                               : 10000));
    if (queue_task(req, "dataset_load", d.id, config, id) == 0)
        log_info("dataset %s: load job %s queued (%s)", d.id, id, mode);
out:
    json_object_put(body);
}

/* ------------------------------------------------------------ the seed's Hudi */

void hudi_table_create(struct request *req)
{
    json_object *body = NULL;
    struct dataset_row d;
    if (request_json_body(req, &body) != 0)
        return;
    if (create_dataset(req, body, &d) == 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string("ok"));
        json_object_object_add(o, "message", json_object_new_string("Table created successfully"));
        json_object_object_add(o, "table_name", json_object_new_string(d.name));
        json_object_object_add(o, "database", json_object_new_string(SEED_DATABASE));
        json_object_object_add(o, "dataset_id", json_object_new_string(d.id));
        respond_json_put(req, 200, o);
    }
    json_object_put(body);
}

enum { HUDI_DATABASE, HUDI__MAX };
static const struct field_spec hudi_query[HUDI__MAX] = {
    [HUDI_DATABASE] = {"database", FIELD_STRING, false, 1, 64},
};

/* ?database= must be the caller's one database when given. */
static int hudi_database(struct request *req, json_object **v, struct page *page)
{
    if (request_query(req, hudi_query, HUDI__MAX, v, page) != 0)
        return -1;
    if (v[HUDI_DATABASE] && strcmp(field_text(v[HUDI_DATABASE]), SEED_DATABASE) != 0) {
        respond_error(req, 404, "DATABASE_NOT_FOUND",
                      "Database not found: your datasets are in \"default\"", "database");
        return -1;
    }
    return 0;
}

void hudi_tables(struct request *req)
{
    json_object *v[HUDI__MAX];
    struct page page = PAGE_BY_TIME_ID;
    long long total = 0;
    const char *next = NULL;
    if (hudi_database(req, v, &page) != 0)
        return;
    struct list_ctx c = {req, json_object_new_array(), true};
    enum db_status st = dataset_list(req->app->db, req->arena, req->user.id, page.skip, page.limit,
                                     page.after, add_dataset, &c, &total, &next);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ok"));
    json_object_object_add(o, "tables", c.array);
    respond_next(req, next);
    respond_list(req, st, o, total);
}

void hudi_table_get(struct request *req)
{
    json_object *v[HUDI__MAX];
    struct dataset_row d;
    if (hudi_database(req, v, NULL) != 0 ||
        dataset_load_named(req, req->params[0], "DATASET_NOT_FOUND", &d) != 0)
        return;
    json_object *o = dataset_info(req, &d);
    if (o == NULL)
        return;
    json_object_object_add(o, "status", json_object_new_string("ok"));
    respond_json_put(req, 200, o);
}

/* ------------------------------------------------------------ exports */

/* A format some engine writer writes (csv, jsonl, json; parquet once the
 * engine has that writer), in its canonical name; NULL after answering 422. */
const char *export_format(struct request *req, const char *field, const char *format)
{
    const struct format *f = format ? formats_lookup(format) : NULL;
    char names[200];
    if (f == NULL || f->writer == NULL || strcmp(f->name, "xlsx") == 0) {
        respond_invalid(req, field,
                        arena_printf(req->arena, "the export format must be one of: %s "
                                                 "(xlsx aside)",
                                     formats_writer_names(names, sizeof(names))));
        return NULL;
    }
    return f->name;
}

/* Queues an export (a task of quarry-process) and answers 202 with its job. */
void export_queue(struct request *req, const char *subject_id, json_object *config)
{
    char id[UUID_LEN + 1];
    if (queue_task(req, "export", subject_id, config, id) == 0)
        log_info("export job %s queued", id);
}

enum { EXPORT_FORMAT, EXPORT__MAX };
static const struct field_spec export_fields[EXPORT__MAX] = {
    [EXPORT_FORMAT] = {"format", FIELD_STRING, true, 1, 16},
};

/* POST /datasets/{id}/export {format}: the whole dataset as a file, for a
 * signed download once its job is COMPLETED (GET /jobs/{id}/download). */
void datasets_export(struct request *req)
{
    json_object *body = NULL, *v[EXPORT__MAX];
    struct dataset_row d;
    const char *format;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, export_fields, EXPORT__MAX, v) == 0 &&
        (format = export_format(req, "format", field_text(v[EXPORT_FORMAT]))) != NULL &&
        dataset_load_own(req, req->params[0], &d) == 0) {
        json_object *config = json_object_new_object();
        json_object_object_add(config, "dataset_id", json_object_new_string(d.id));
        json_object_object_add(config, "format", json_object_new_string(format));
        export_queue(req, d.id, config);
    }
    json_object_put(body);
}

/* ------------------------------------------------------------ docs */

static const char dataset_description[] =
    "name (or table_name): letters, digits and _, not starting with quarry. schema declares "
    "1 to 256 columns as {column: {type}}, {column: type} or [{name, type}], each type "
    "string, integer, number, boolean, date, datetime, object or array; record_key_field, "
    "precombine_field and partition_field are added to it when it leaves them out. database "
    "is default and table_type COPY_ON_WRITE when given.";
/* What POST /datasets and the seed's /hudi/table/create docs share. */
#define DATASET_CREATE_DOC                                                                         \
    .description = dataset_description, .answers = "409", .body = DOC_BODY_JSON,                   \
    .fields = {{NULL, dataset_fields, DS__MAX}}

const struct route_doc datasets_create_doc = {
    .handler = datasets_create,
    .summary = "Create a dataset: a table in the caller's database",
    .status = 201,
    .answer = "Dataset",
    DATASET_CREATE_DOC,
    .example = "{\"name\":\"customers\",\"record_key_field\":\"customer_id\","
               "\"precombine_field\":\"updated_at\",\"schema\":{\"customer_id\":{\"type\":"
               "\"string\"},\"name\":{\"type\":\"string\"},\"amount\":{\"type\":\"number\"},"
               "\"updated_at\":{\"type\":\"datetime\"}}}",
};

const struct route_doc datasets_list_doc = {
    .handler = datasets_list,
    .summary = "The caller's datasets",
    .status = 200,
    .answer = "Dataset[]",
    .paged = true,
};

const struct route_doc datasets_get_doc = {
    .handler = datasets_get,
    .summary = "One dataset with its schema and commits",
    .status = 200,
    .answer = "DatasetInfo",
};

const struct route_doc datasets_delete_doc = {
    .handler = datasets_delete,
    .summary = "Drop a dataset (refused while a load job writes it)",
    .status = 204,
    .answers = "409",
};

const struct route_doc datasets_load_doc = {
    .handler = datasets_load,
    .summary = "Load a source table into the dataset: queues a job",
    .description = "mode upsert (the default; by the record key), append or overwrite; table: "
                   "the source's table by default; where: column = value pairs; date_field: "
                   "the column of the watermark. The job's rows are committed batch by batch.",
    .status = 202,
    .answer = "Job",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, load_fields, LOAD__MAX}},
};

const struct route_doc datasets_export_doc = {
    .handler = datasets_export,
    .summary = "Export the whole dataset to a file: queues a job",
    .description = "format: csv, json, jsonl or parquet. The file is downloadable from GET "
                   "/jobs/{id}/download once the job is COMPLETED.",
    .status = 202,
    .answer = "Job",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, export_fields, EXPORT__MAX}},
    .example = "{\"format\":\"csv\"}",
};

const struct route_doc hudi_table_create_doc = {
    .handler = hudi_table_create,
    .summary = "Create a dataset (the Hudi seed's table)",
    .status = 200,
    .answer = "HudiTableCreated",
    DATASET_CREATE_DOC,
    .example = "{\"table_name\":\"orders\",\"database\":\"default\","
               "\"record_key_field\":\"order_id\",\"precombine_field\":\"updated_at\","
               "\"table_type\":\"COPY_ON_WRITE\",\"schema\":{\"order_id\":{\"type\":\"string\"},"
               "\"total\":{\"type\":\"number\"},\"updated_at\":{\"type\":\"datetime\"}}}",
};

const struct route_doc hudi_tables_doc = {
    .handler = hudi_tables,
    .summary = "The caller's datasets (the Hudi seed's tables; database: default)",
    .status = 200,
    .answer = "HudiTables",
    .answers = "404",
    .query = hudi_query,
    .nquery = HUDI__MAX,
    .paged = true,
};

const struct route_doc hudi_table_get_doc = {
    .handler = hudi_table_get,
    .summary = "One dataset by name, with its schema and commits",
    .status = 200,
    .answer = "DatasetInfo",
    .query = hudi_query,
    .nquery = HUDI__MAX,
};
