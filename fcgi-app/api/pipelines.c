/* Pipelines (the ETL seed's "ETL jobs"): create, list, show, update,
 * activate, deactivate, delete. A pipeline is a definition; its runs are
 * executions (executions.c). POST /jobs with a job_name lands here too. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/file_store.h"
#include "common/dataset_store.h"
#include "common/source_store.h"
#include "common/source_uri.h"
#include "api/handlers.h"
#include "common/store.h"
#include "api/pipeline_rules.h"
#include "api/pipeline_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/validate.h"
#include "common/log.h"
#include "common/schedule.h"
#include "common/wake.h"
#include "process/engine.h"

/* ---------------------------------------------------------------- sources and destinations */

/* The kinds of source a pipeline reads and of destination it writes, each
 * with the check of its config. A check answers 422 naming the field, or
 * fills *stored with the config as it is kept (ids resolved; NULL: the
 * config as given). process/pipeline_source.c reads and writes them. */
struct io_kind {
    const char *name;
    int (*check)(struct request *req, json_object *config, json_object **stored);
};

static int check_file_source(struct request *req, json_object *config, json_object **stored);
static int check_database_source(struct request *req, json_object *config, json_object **stored);
static int check_dataset_source(struct request *req, json_object *config, json_object **stored);
static int check_file_destination(struct request *req, json_object *config, json_object **stored);
static int check_dataset_destination(struct request *req, json_object *config,
                                     json_object **stored);

static const struct io_kind source_kinds[] = {
    {"FILE", check_file_source},
    {"DATABASE", check_database_source},
    {"DATASET", check_dataset_source},
};

static const struct io_kind destination_kinds[] = {
    {"file", check_file_destination},
    {"dataset", check_dataset_destination},
};

static const char *const job_types[] = {"EXTRACT", "TRANSFORM", "LOAD", "FULL_ETL"};

static const struct io_kind *io_kind_find(const struct io_kind *kinds, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

static bool name_in(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

enum { FSRC_FILE_ID, FSRC_PATTERN, FSRC_DIRECTORY, FSRC__MAX };
static const struct field_spec file_source_fields[FSRC__MAX] = {
    [FSRC_FILE_ID] = {"file_id", FIELD_STRING, false, 36, 36},
    [FSRC_PATTERN] = {"file_pattern", FIELD_LINE, false, 1, 255},
    [FSRC_DIRECTORY] = {"directory", FIELD_LINE, false, 0, 1024},
};

/* FILE: an uploaded file of the caller (file_id), or the newest of the
 * caller's uploads whose name matches file_pattern when an execution starts.
 * `directory` is accepted and ignored: nothing reads server paths. */
static int check_file_source(struct request *req, json_object *config, json_object **stored)
{
    json_object *v[FSRC__MAX];
    *stored = NULL;
    if (request_fields_at(req, config, "source_config", file_source_fields, FSRC__MAX, v) != 0)
        return -1;
    if ((v[FSRC_FILE_ID] == NULL) == (v[FSRC_PATTERN] == NULL)) {
        respond_invalid(req, "source_config",
                        "source_config needs file_id (an uploaded file) or file_pattern "
                        "(matched against your uploaded file names), not both");
        return -1;
    }
    if (v[FSRC_FILE_ID] == NULL)
        return 0;
    const char *id = json_object_get_string(v[FSRC_FILE_ID]);
    struct file_row f;
    enum db_status st = id_is_uuid(id) ? file_get(req->app->db, req->arena, id, &f) : DB_NO_ROW;
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        return -1;
    }
    if (st == DB_NO_ROW || strcmp(f.user_id, req->user.id) != 0) {
        respond_invalid(req, "source_config.file_id", "source_config.file_id is not one of your files");
        return -1;
    }
    return 0;
}

/* The seed's Example 2 creates a DATABASE pipeline with no configuration:
 * it reads the caller's source of this name (the one POST /mongo/credentials
 * keeps), its default table. */
#define DEFAULT_SOURCE_NAME "default"

enum { DBSRC_SOURCE_ID, DBSRC_TABLE, DBSRC_COLLECTION, DBSRC_SQL, DBSRC_WHERE, DBSRC__MAX };
static const struct field_spec database_source_fields[DBSRC__MAX] = {
    [DBSRC_SOURCE_ID] = {"source_id", FIELD_STRING, false, 1, 64},
    [DBSRC_TABLE] = {"table", FIELD_LINE, false, 1, 64},
    [DBSRC_COLLECTION] = {"collection", FIELD_LINE, false, 1, 64},
    [DBSRC_SQL] = {"sql", FIELD_STRING, false, 1, 65536},
    [DBSRC_WHERE] = {"where", FIELD_OBJECT, false, 0, 0},
};

/* An equality filter {column: scalar or null}; -1 after answering. */
static int check_filter(struct request *req, json_object *filter, const char *path)
{
    int n = 0;
    json_object_object_foreach(filter, key, val)
    {
        const char *field = arena_printf(req->arena, "%s.%s", path, key);
        if (!source_identifier_valid(key)) {
            respond_invalid(req, field, "a filter column is letters, digits and _ (64 at most)");
            return -1;
        }
        if (val != NULL && (json_object_is_type(val, json_type_object) ||
                            json_object_is_type(val, json_type_array))) {
            respond_invalid(req, field,
                            "a filter value is a string, a number, a boolean or null (equality "
                            "only: operators such as $gt are not supported)");
            return -1;
        }
        if (++n > 16) {
            respond_invalid(req, path, "a filter has at most 16 columns");
            return -1;
        }
    }
    return 0;
}

/* DATABASE: one of the caller's stored sources (source_id, or their source
 * named "default"), its table (table or the seed's collection; default the
 * source's table) with an equality filter (where, or the seed's query
 * object), or a query (query or sql as text). */
static int check_database_source(struct request *req, json_object *config, json_object **stored)
{
    json_object *v[DBSRC__MAX], *query = NULL;
    struct source_row s;
    enum db_status st;
    *stored = NULL;
    if (request_fields_at(req, config, "source_config", database_source_fields, DBSRC__MAX, v) !=
        0)
        return -1;
    json_object_object_get_ex(config, "query", &query);
    const char *sql = v[DBSRC_SQL] ? json_object_get_string(v[DBSRC_SQL]) : NULL;
    json_object *filter = v[DBSRC_WHERE];
    if (query != NULL && json_object_is_type(query, json_type_string)) {
        if (json_object_get_string_len(query) == 0 || json_object_get_string_len(query) > 65536) {
            respond_invalid(req, "source_config.query", "source_config.query is 1 to 65536 bytes");
            return -1;
        }
        sql = json_object_get_string(query);
    } else if (query != NULL && json_object_is_type(query, json_type_object)) {
        if (filter != NULL) {
            respond_invalid(req, "source_config.query",
                            "source_config.query (a filter) and where say the same: give one");
            return -1;
        }
        filter = query;
    } else if (query != NULL) {
        respond_invalid(req, "source_config.query",
                        "source_config.query is a SQL query (text) or an equality filter (an "
                        "object)");
        return -1;
    }
    const char *filter_path = filter == query ? "source_config.query" : "source_config.where";
    if (filter != NULL && check_filter(req, filter, filter_path) != 0)
        return -1;
    const char *table = v[DBSRC_TABLE]      ? json_object_get_string(v[DBSRC_TABLE])
                        : v[DBSRC_COLLECTION] ? json_object_get_string(v[DBSRC_COLLECTION])
                                              : NULL;
    const char *table_field = v[DBSRC_TABLE] ? "source_config.table" : "source_config.collection";
    if (table != NULL && sql != NULL) {
        respond_invalid(req, "source_config.query",
                        "source_config names a table and a query: give one");
        return -1;
    }
    if (sql != NULL && filter != NULL) {
        respond_invalid(req, filter_path, "a filter applies to a table, not to a query");
        return -1;
    }
    if (table != NULL && !source_identifier_valid(table)) {
        respond_invalid(req, table_field,
                        "a table name is letters, digits and _ (64 at most, not starting with a "
                        "digit)");
        return -1;
    }
    if (v[DBSRC_SOURCE_ID] != NULL) {
        const char *id = json_object_get_string(v[DBSRC_SOURCE_ID]);
        st = id_is_uuid(id) ? source_get(req->app->db, req->arena, id, &s) : DB_NO_ROW;
        if (st == DB_OK && strcmp(s.user_id, req->user.id) != 0)
            st = DB_NO_ROW;
        if (st == DB_NO_ROW) {
            respond_invalid(req, "source_config.source_id",
                            "source_config.source_id is not one of your sources");
            return -1;
        }
    } else {
        st = source_get_by_name(req->app->db, req->arena, req->user.id, DEFAULT_SOURCE_NAME, &s);
        if (st == DB_NO_ROW) {
            respond_invalid(req, "source_config.source_id",
                            "source_config.source_id is required: the id of one of your "
                            "sources (POST /sources), unless you have a source named default");
            return -1;
        }
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    if (table == NULL && sql == NULL) {
        if (s.default_table == NULL || s.default_table[0] == '\0') {
            respond_invalid(req, "source_config.table",
                            "source_config needs a table (or a query): the source has no "
                            "default table");
            return -1;
        }
        table = s.default_table;
    }
    *stored = json_object_new_object();
    json_object_object_add(*stored, "source_id", json_object_new_string(s.id));
    if (table != NULL)
        json_object_object_add(*stored, "table", json_object_new_string(table));
    if (sql != NULL)
        json_object_object_add(*stored, "query", json_object_new_string(sql));
    if (filter != NULL)
        json_object_object_add(*stored, "where", json_object_get(filter));
    return 0;
}

/* The caller's dataset named by id or name (each under its field); 0, or -1
 * after answering 422 naming the field. */
static int own_dataset(struct request *req, json_object *id, json_object *name, const char *at,
                       struct dataset_row *d)
{
    enum db_status st;
    const char *field;
    if (id != NULL) {
        const char *text = json_object_get_string(id);
        field = arena_printf(req->arena, "%s.dataset_id", at);
        st = id_is_uuid(text) ? dataset_get(req->app->db, req->arena, text, d) : DB_NO_ROW;
        if (st == DB_OK && strcmp(d->user_id, req->user.id) != 0)
            st = DB_NO_ROW;
    } else if (name != NULL) {
        field = arena_printf(req->arena, "%s.dataset_name", at);
        st = dataset_get_by_name(req->app->db, req->arena, req->user.id,
                                 json_object_get_string(name), d);
    } else {
        respond_invalid(req, arena_printf(req->arena, "%s.dataset_id", at),
                        arena_printf(req->arena, "%s needs dataset_id or dataset_name (one of "
                                                 "your datasets)", at));
        return -1;
    }
    if (st == DB_NO_ROW) {
        respond_invalid(req, field, arena_printf(req->arena, "%s is not one of your datasets",
                                                 field));
        return -1;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    return 0;
}

enum { DSSRC_ID, DSSRC_NAME, DSSRC_DATASET, DSSRC__MAX };
static const struct field_spec dataset_source_fields[DSSRC__MAX] = {
    [DSSRC_ID] = {"dataset_id", FIELD_STRING, false, 1, 64},
    [DSSRC_NAME] = {"dataset_name", FIELD_LINE, false, 1, 64},
    [DSSRC_DATASET] = {"dataset", FIELD_LINE, false, 1, 64},
};

/* DATASET: one of the caller's datasets, by id or name (`dataset` is a
 * shorter dataset_name); kept as its id. */
static int check_dataset_source(struct request *req, json_object *config, json_object **stored)
{
    json_object *v[DSSRC__MAX];
    struct dataset_row d;
    *stored = NULL;
    if (request_fields_at(req, config, "source_config", dataset_source_fields, DSSRC__MAX, v) != 0)
        return -1;
    if (own_dataset(req, v[DSSRC_ID], v[DSSRC_NAME] ? v[DSSRC_NAME] : v[DSSRC_DATASET],
                    "source_config", &d) != 0)
        return -1;
    *stored = json_object_new_object();
    json_object_object_add(*stored, "dataset_id", json_object_new_string(d.id));
    json_object_object_add(*stored, "dataset_name", json_object_new_string(d.name));
    return 0;
}

enum {
    FDST_TYPE, FDST_FORMAT, FDST_WRITE_MODE, FDST_DATASET_ID, FDST_DATASET_NAME, FDST_DATASET,
    FDST_RECORD_KEY, FDST_PRECOMBINE, FDST__MAX
};
static const struct field_spec destination_fields[FDST__MAX] = {
    [FDST_TYPE] = {"type", FIELD_STRING, false, 1, 16},
    [FDST_FORMAT] = {"format", FIELD_STRING, false, 1, 16},
    [FDST_WRITE_MODE] = {"write_mode", FIELD_STRING, false, 1, 16},
    [FDST_DATASET_ID] = {"dataset_id", FIELD_STRING, false, 1, 64},
    [FDST_DATASET_NAME] = {"dataset_name", FIELD_LINE, false, 1, 64},
    [FDST_DATASET] = {"dataset", FIELD_LINE, false, 1, 64},
    [FDST_RECORD_KEY] = {"record_key_field", FIELD_LINE, false, 1, 64},
    [FDST_PRECOMBINE] = {"precombine_field", FIELD_LINE, false, 1, 64},
};

/* A file destination: each execution writes one file, downloadable like a job's output. */
static int check_file_destination(struct request *req, json_object *config, json_object **stored)
{
    json_object *mode;
    if (json_object_object_get_ex(config, "write_mode", &mode) && mode != NULL &&
        strcmp(json_object_get_string(mode), "overwrite") != 0) {
        respond_invalid(req, "destination.write_mode",
                        "destination.write_mode of a file destination is overwrite (each "
                        "execution writes its own file); append and upsert are for datasets");
        return -1;
    }
    *stored = json_object_new_object();
    json_object_object_add(*stored, "write_mode", json_object_new_string("overwrite"));
    return 0;
}

static const char *const write_modes[] = {"append", "overwrite", "upsert"};

/* A dataset destination: the output of each execution is loaded into one of
 * the caller's datasets in commits, as a load job loads (append, overwrite
 * or upsert, default upsert). An existing dataset is kept by its id, and
 * record_key_field and precombine_field, when given, must be its own; a
 * name that is none of the caller's datasets yet is made by the first
 * execution from its output (with those fields), as a load job makes its
 * dataset. */
static int check_dataset_destination(struct request *req, json_object *config,
                                     json_object **stored)
{
    json_object *v[FDST__MAX];
    struct dataset_row d;
    if (request_fields_at(req, config, "destination", destination_fields, FDST__MAX, v) != 0)
        return -1;
    const char *mode = v[FDST_WRITE_MODE] ? json_object_get_string(v[FDST_WRITE_MODE]) : "upsert";
    if (!name_in(write_modes, 3, mode)) {
        respond_invalid(req, "destination.write_mode",
                        "destination.write_mode of a dataset is append, overwrite or upsert");
        return -1;
    }
    json_object *name = v[FDST_DATASET_NAME] ? v[FDST_DATASET_NAME] : v[FDST_DATASET];
    const char *key = v[FDST_RECORD_KEY] ? json_object_get_string(v[FDST_RECORD_KEY]) : NULL;
    const char *pre = v[FDST_PRECOMBINE] ? json_object_get_string(v[FDST_PRECOMBINE]) : NULL;
    bool exists = true;
    if (v[FDST_DATASET_ID] == NULL && name != NULL) {
        const char *text = json_object_get_string(name);
        if (!source_identifier_valid(text) || strncmp(text, "quarry", 6) == 0) {
            respond_invalid(req, "destination.dataset_name",
                            "a dataset name is letters, digits and _ (64 at most, not starting "
                            "with a digit or quarry)");
            return -1;
        }
        enum db_status st = dataset_get_by_name(req->app->db, req->arena, req->user.id, text, &d);
        if (st != DB_OK && st != DB_NO_ROW) {
            respond_db_error(req, st);
            return -1;
        }
        exists = st == DB_OK;
    } else if (own_dataset(req, v[FDST_DATASET_ID], name, "destination", &d) != 0) {
        return -1;
    }
    if (!exists) {
        /* Made by the first execution: the fields name its columns. */
        if ((key && !source_identifier_valid(key)) || (pre && !source_identifier_valid(pre))) {
            respond_invalid(req, key && !source_identifier_valid(key)
                                     ? "destination.record_key_field"
                                     : "destination.precombine_field",
                            "a column name is letters, digits and _ (64 at most)");
            return -1;
        }
        *stored = json_object_new_object();
        json_object_object_add(*stored, "write_mode", json_object_new_string(mode));
        json_object_object_add(*stored, "dataset_id", NULL);
        json_object_object_add(*stored, "dataset_name", json_object_get(name));
        json_object_object_add(*stored, "record_key_field", key ? json_object_new_string(key) : NULL);
        json_object_object_add(*stored, "precombine_field", pre ? json_object_new_string(pre) : NULL);
        return 0;
    }
    if (key != NULL && strcmp(key, d.record_key_field) != 0) {
        respond_invalid(req, "destination.record_key_field",
                        arena_printf(req->arena, "the dataset's record key is %s",
                                     d.record_key_field));
        return -1;
    }
    if (pre != NULL && (d.precombine_field == NULL || strcmp(pre, d.precombine_field) != 0)) {
        respond_invalid(req, "destination.precombine_field",
                        d.precombine_field ? arena_printf(req->arena,
                                                          "the dataset's precombine field is %s",
                                                          d.precombine_field)
                                           : "the dataset has no precombine field");
        return -1;
    }
    *stored = json_object_new_object();
    json_object_object_add(*stored, "write_mode", json_object_new_string(mode));
    json_object_object_add(*stored, "dataset_id", json_object_new_string(d.id));
    json_object_object_add(*stored, "dataset_name", json_object_new_string(d.name));
    json_object_object_add(*stored, "record_key_field",
                           json_object_new_string(d.record_key_field));
    json_object_object_add(*stored, "precombine_field",
                           d.precombine_field ? json_object_new_string(d.precombine_field)
                                              : NULL);
    return 0;
}

/* ---------------------------------------------------------------- the definition */

struct pipeline_spec {
    const char *job_name, *job_type, *description, *source_type, *source_config,
        *transformation_rules, *processing_steps, *compiled_steps, *processing_config,
        *destination, *output_format, *schedule, *next_fire_at;
    bool is_active;
};

enum {
    DEF_NAME, DEF_TYPE, DEF_DESCRIPTION, DEF_SOURCE_TYPE, DEF_SOURCE_CONFIG, DEF_RULES,
    DEF_STEPS, DEF_CONFIG, DEF_DESTINATION, DEF_OUTPUT_FORMAT, DEF_ACTIVE, DEF__MAX
};
static const struct field_spec definition_fields[DEF__MAX] = {
    [DEF_NAME] = {"job_name", FIELD_LINE, true, 1, 255},
    [DEF_TYPE] = {"job_type", FIELD_STRING, false, 1, 16},
    [DEF_DESCRIPTION] = {"description", FIELD_STRING, false, 0, 10000},
    [DEF_SOURCE_TYPE] = {"source_type", FIELD_STRING, false, 1, 16},
    [DEF_SOURCE_CONFIG] = {"source_config", FIELD_OBJECT, false, 0, 0},
    [DEF_RULES] = {"transformation_rules", FIELD_ARRAY, false, 0, 100},
    [DEF_STEPS] = {"processing_steps", FIELD_ARRAY, false, 0, 100},
    [DEF_CONFIG] = {"processing_config", FIELD_OBJECT, false, 0, 0},
    [DEF_DESTINATION] = {"destination", FIELD_OBJECT, false, 0, 0},
    [DEF_OUTPUT_FORMAT] = {"output_format", FIELD_STRING, false, 1, 16},
    [DEF_ACTIVE] = {"is_active", FIELD_BOOL, false, 0, 0},
};

static const char *json_text(struct request *req, json_object *v, const char *fallback)
{
    return v != NULL ? arena_strdup(req->arena, json_object_to_json_string_ext(
                                                    v, JSON_C_TO_STRING_PLAIN))
                     : fallback;
}

static const char *upper_copy(struct request *req, const char *s)
{
    char *u = arena_strdup(req->arena, s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

static int parse_source(struct request *req, json_object *const *v, struct pipeline_spec *out)
{
    json_object *config = v[DEF_SOURCE_CONFIG];
    out->source_type = NULL;
    out->source_config = json_text(req, config, "{}");
    if (v[DEF_SOURCE_TYPE] == NULL)
        return 0; /* no source: an execution reads the output of its parent */
    const char *name = json_object_get_string(v[DEF_SOURCE_TYPE]);
    const struct io_kind *kind =
        io_kind_find(source_kinds, sizeof(source_kinds) / sizeof(source_kinds[0]), name);
    if (kind == NULL) {
        respond_invalid(req, "source_type", "source_type must be FILE, DATABASE or DATASET");
        return -1;
    }
    json_object *empty = config == NULL ? json_object_new_object() : NULL, *stored = NULL;
    int rc = kind->check(req, config != NULL ? config : empty, &stored);
    json_object_put(empty);
    if (stored != NULL)
        out->source_config = json_text(req, stored, "{}");
    json_object_put(stored);
    out->source_type = kind->name;
    return rc;
}

static int parse_destination(struct request *req, json_object *const *v, struct pipeline_spec *out)
{
    json_object *d[FDST__MAX], *given = v[DEF_DESTINATION], *norm = NULL;
    json_object *dest = given != NULL ? json_object_get(given) : json_object_new_object();
    int rc = -1;
    if (request_fields_at(req, dest, "destination", destination_fields, FDST__MAX, d) != 0)
        goto out;
    const char *type = d[FDST_TYPE] ? json_object_get_string(d[FDST_TYPE]) : "file";
    const struct io_kind *kind = io_kind_find(
        destination_kinds, sizeof(destination_kinds) / sizeof(destination_kinds[0]), type);
    if (kind == NULL) {
        respond_invalid(req, "destination.type", "destination.type must be file or dataset");
        goto out;
    }
    if (kind->check(req, dest, &norm) != 0)
        goto out;
    /* A dataset is loaded from JSON Lines unless told otherwise: it keeps
     * types and nulls. */
    const char *format = d[FDST_FORMAT] ? json_object_get_string(d[FDST_FORMAT])
                         : v[DEF_OUTPUT_FORMAT] ? json_object_get_string(v[DEF_OUTPUT_FORMAT])
                         : strcmp(kind->name, "dataset") == 0 ? "jsonl"
                                                              : "csv";
    char msg[256];
    if (engine_validate_output_format(format, msg, sizeof(msg)) != 0) {
        respond_invalid(req, d[FDST_FORMAT] ? "destination.format" : "output_format", msg);
        goto out;
    }
    out->output_format = arena_strdup(req->arena, format);
    json_object *shown = json_object_new_object();
    json_object_object_add(shown, "type", json_object_new_string(kind->name));
    json_object_object_add(shown, "format", json_object_new_string(format));
    json_object_object_foreach(norm, key, val)
        json_object_object_add(shown, key, json_object_get(val));
    out->destination = json_text(req, shown, "{}");
    json_object_put(shown);
    rc = 0;
out:
    json_object_put(norm);
    json_object_put(dest);
    return rc;
}

static int parse_steps(struct request *req, json_object *const *v, struct pipeline_spec *out)
{
    char field[160], msg[300];
    json_object *compiled = json_object_new_array();
    int rc = -1;
    if (pipeline_rules_compile(v[DEF_RULES], compiled, field, sizeof(field), msg, sizeof(msg)) !=
        0) {
        respond_invalid(req, field, msg);
        goto out;
    }
    if (v[DEF_STEPS] != NULL) {
        if (engine_validate_steps(v[DEF_STEPS], field, sizeof(field), msg, sizeof(msg)) != 0) {
            respond_invalid(req, field, msg);
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(v[DEF_STEPS]); i++)
            json_object_array_add(compiled,
                                  json_object_get(json_object_array_get_idx(v[DEF_STEPS], i)));
    }
    if (v[DEF_CONFIG] != NULL &&
        engine_validate_config(v[DEF_CONFIG], field, sizeof(field), msg, sizeof(msg)) != 0) {
        respond_invalid(req, field, msg);
        goto out;
    }
    out->transformation_rules = json_text(req, v[DEF_RULES], "[]");
    out->processing_steps = json_text(req, v[DEF_STEPS], "[]");
    out->processing_config = json_text(req, v[DEF_CONFIG], "{}");
    out->compiled_steps = json_text(req, compiled, "[]");
    rc = 0;
out:
    json_object_put(compiled);
    return rc;
}

/* The schedule (absent or null: none) and, for an active pipeline, its next slot. */
static int parse_schedule(struct request *req, json_object *def, struct pipeline_spec *out)
{
    json_object *v = NULL;
    char field[64], msg[300], when[DB_TIME_LEN + 1];
    struct schedule s;
    long long next;
    out->schedule = NULL;
    out->next_fire_at = NULL;
    if (!json_object_object_get_ex(def, "schedule", &v) || v == NULL)
        return 0;
    if (schedule_parse(v, req->app->cfg.schedule_time_zone, &s, field, sizeof(field), msg,
                       sizeof(msg)) != 0) {
        respond_invalid(req, field, msg);
        return -1;
    }
    json_object *stored = schedule_to_json(&s);
    out->schedule = json_text(req, stored, NULL);
    json_object_put(stored);
    if (out->is_active && schedule_next(&s, time_now_ms(), 0, &next) == 0) {
        time_db(next, when);
        out->next_fire_at = arena_strdup(req->arena, when);
    }
    return 0;
}

/* Reads a whole definition (a create body, or a stored one with a PATCH
 * laid over it). 0, or -1 after answering 422 (or the database error). */
static int pipeline_spec_parse(struct request *req, json_object *def, struct pipeline_spec *out)
{
    json_object *v[DEF__MAX];
    if (request_fields(req, def, definition_fields, DEF__MAX, v) != 0)
        return -1;
    out->job_name = json_object_get_string(v[DEF_NAME]);
    out->job_type = v[DEF_TYPE] ? upper_copy(req, json_object_get_string(v[DEF_TYPE])) : "FULL_ETL";
    if (!name_in(job_types, sizeof(job_types) / sizeof(job_types[0]), out->job_type)) {
        respond_invalid(req, "job_type", "job_type must be EXTRACT, TRANSFORM, LOAD or FULL_ETL");
        return -1;
    }
    out->description = v[DEF_DESCRIPTION] ? json_object_get_string(v[DEF_DESCRIPTION]) : NULL;
    out->is_active = v[DEF_ACTIVE] ? json_object_get_boolean(v[DEF_ACTIVE]) : true;
    if (parse_source(req, v, out) != 0 || parse_steps(req, v, out) != 0 ||
        parse_destination(req, v, out) != 0 || parse_schedule(req, def, out) != 0)
        return -1;
    return 0;
}

static void spec_to_row(const struct pipeline_spec *s, struct pipeline *p)
{
    p->job_name = s->job_name;
    p->job_type = s->job_type;
    p->description = s->description;
    p->source_type = s->source_type;
    p->source_config = s->source_config;
    p->transformation_rules = s->transformation_rules;
    p->processing_steps = s->processing_steps;
    p->compiled_steps = s->compiled_steps;
    p->processing_config = s->processing_config;
    p->destination = s->destination;
    p->output_format = s->output_format;
    p->schedule = s->schedule;
    p->next_fire_at = s->next_fire_at;
    p->is_active = s->is_active;
}

/* ---------------------------------------------------------------- handlers */

int pipeline_load_own(struct request *req, const char *id, struct pipeline *p)
{
    enum db_status st =
        id_is_uuid(id) ? pipeline_get(req->app->db, req->arena, id, p) : DB_NO_ROW;
    return respond_unless_owned(req, st, st == DB_OK ? p->user_id : "", "PIPELINE_NOT_FOUND",
                                "pipeline");
}

static void respond_pipeline(struct request *req, int status, const char *id, const char *shown)
{
    struct pipeline p;
    enum db_status st = pipeline_get(req->app->db, req->arena, id, &p);
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return;
    }
    json_object *o = pipeline_to_json(&p);
    if (shown != NULL)
        json_object_object_add(o, "status", json_object_new_string(shown));
    respond_json_put(req, status, o);
}

void pipelines_create_from(struct request *req, json_object *body)
{
    struct pipeline_spec spec;
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1];
    if (pipeline_spec_parse(req, body, &spec) != 0)
        return;
    id_uuid4(id);
    time_db(time_now_ms(), now);
    struct pipeline p = {0};
    spec_to_row(&spec, &p);
    p.id = id;
    p.user_id = req->user.id;
    p.created_at = p.updated_at = now;
    enum db_status st = pipeline_insert(req->app->db, &p);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    if (p.next_fire_at != NULL)
        jobd_wake(req->app->cfg.jobd_socket); /* the scheduler learns of the new slot */
    log_info("pipeline created id=%s type=%s source=%s", id, p.job_type,
             p.source_type ? p.source_type : "upstream");
    respond_pipeline(req, 201, id, "created"); /* the seed's status of a new job */
}

void pipelines_create(struct request *req)
{
    json_object *body = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    pipelines_create_from(req, body);
    json_object_put(body);
}

enum { PLIST_STATUS, PLIST__MAX };
static const struct field_spec pipeline_list_query[PLIST__MAX] = {
    [PLIST_STATUS] = {"status", FIELD_STRING, false, 1, 16},
};

void pipelines_list(struct request *req)
{
    json_object *v[PLIST__MAX];
    struct page page = PAGE_BY_TIME_ID;
    if (request_query(req, pipeline_list_query, PLIST__MAX, v, &page) != 0)
        return;
    struct pipeline_list_query q = {req->user.id, -1, page.skip, page.limit, page.after};
    if (v[PLIST_STATUS] != NULL) {
        const char *s = json_object_get_string(v[PLIST_STATUS]);
        q.active = strcmp(s, "active") == 0 ? 1 : strcmp(s, "inactive") == 0 ? 0 : -2;
        if (q.active == -2) {
            respond_invalid(req, "status", "status must be active or inactive");
            return;
        }
    }
    json_object *jobs;
    long long total = 0;
    const char *next = NULL;
    enum db_status st = pipeline_list(req->app->db, req->arena, &q, &jobs, &total, &next);
    respond_list_object(req, st, "jobs", jobs, total, &page, next);
}

void pipelines_get(struct request *req)
{
    struct pipeline p;
    if (pipeline_load_own(req, req->params[0], &p) == 0)
        respond_json_put(req, 200, pipeline_to_json(&p));
}

/* Lays the body's definition fields over the stored definition. */
static json_object *patched_definition(const struct pipeline *p, json_object *body)
{
    json_object *def = pipeline_definition(p);
    json_object_object_foreach(body, key, value)
    {
        if (json_object_object_get_ex(def, key, NULL))
            json_object_object_add(def, key, json_object_get(value));
    }
    return def;
}

void pipelines_update(struct request *req)
{
    struct pipeline p;
    struct pipeline_spec spec;
    json_object *body = NULL, *def = NULL;
    char now[DB_TIME_LEN + 1];
    if (request_json_body(req, &body) != 0)
        return;
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        goto out;
    def = patched_definition(&p, body);
    if (pipeline_spec_parse(req, def, &spec) != 0)
        goto out;
    spec_to_row(&spec, &p);
    time_db(time_now_ms(), now);
    p.updated_at = now;
    enum db_status st = pipeline_update_definition(req->app->db, &p);
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    if (p.next_fire_at != NULL)
        jobd_wake(req->app->cfg.jobd_socket);
    log_info("pipeline updated id=%s", p.id);
    respond_pipeline(req, 200, p.id, NULL);
out:
    json_object_put(def);
    json_object_put(body);
}

static void set_active(struct request *req, bool active)
{
    struct pipeline p;
    json_object *body = NULL;
    char now[DB_TIME_LEN + 1], when[DB_TIME_LEN + 1], field[64], msg[300];
    const char *next = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    json_object_put(body);
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    json_object *stored = active ? store_parsed_json(p.schedule, NULL) : NULL;
    struct schedule s;
    long long at;
    if (stored != NULL &&
        schedule_parse(stored, req->app->cfg.schedule_time_zone, &s, field, sizeof(field), msg,
                       sizeof(msg)) == 0 &&
        schedule_next(&s, time_now_ms(), 0, &at) == 0) {
        time_db(at, when);
        next = when;
    }
    json_object_put(stored);
    bool changed = false;
    time_db(time_now_ms(), now);
    enum db_status st = pipeline_set_active(req->app->db, p.id, active, next, now, &changed);
    if (st == DB_OK && !changed) {
        /* updated_at always moves: no row changed means it was deleted meanwhile. */
        respond_unless_owned(req, DB_NO_ROW, "", "PIPELINE_NOT_FOUND", "pipeline");
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    if (next != NULL)
        jobd_wake(req->app->cfg.jobd_socket);
    log_info("pipeline %s id=%s", active ? "activated" : "deactivated", p.id);
    respond_pipeline(req, 200, p.id, NULL);
}

void pipelines_activate(struct request *req)
{
    set_active(req, true);
}

void pipelines_deactivate(struct request *req)
{
    set_active(req, false);
}

enum { DELETE_FORCE, DELETE__MAX };
static const struct field_spec delete_query[DELETE__MAX] = {
    [DELETE_FORCE] = {"force", FIELD_STRING, false, 1, 5},
};

void pipelines_delete(struct request *req)
{
    struct pipeline p;
    json_object *v[DELETE__MAX];
    long long running = 0, children = 0;
    if (request_query(req, delete_query, DELETE__MAX, v, NULL) != 0)
        return;
    const char *force_text = v[DELETE_FORCE] ? json_object_get_string(v[DELETE_FORCE]) : "false";
    if (strcmp(force_text, "true") != 0 && strcmp(force_text, "false") != 0) {
        respond_invalid(req, "force", "force must be true or false");
        return;
    }
    bool force = strcmp(force_text, "true") == 0;
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    enum db_status st = pipeline_delete_blockers(req->app->db, p.id, &running, &children);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    if (!force && (running > 0 || children > 0)) {
        respond_error(req, 409, "CONFLICT",
                      running > 0 ? "The pipeline has an execution that has not finished; cancel "
                                    "it or delete with force=true"
                                  : "Other pipelines depend on this one; remove those "
                                    "dependencies or delete with force=true",
                      NULL);
        return;
    }
    st = pipeline_delete(req->app->db, p.id, force);
    if (st == DB_NO_ROW) {
        respond_error(req, 404, "PIPELINE_NOT_FOUND", "Pipeline not found", NULL);
        return;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    if (force && running > 0)
        jobd_wake(req->app->cfg.jobd_socket);
    log_info("pipeline deleted id=%s force=%d", p.id, force);
    respond_empty(req, 204);
}

/* ---------------------------------------------------------------- docs */

const struct route_doc pipelines_create_doc = {
    .handler = pipelines_create,
    .summary = "Define a pipeline (an ETL job): source, rules, steps, destination, schedule",
    .description =
        "source_type FILE reads an uploaded file of the caller (source_config.file_id) or the "
        "newest one whose name matches source_config.file_pattern when an execution starts; "
        "DATABASE reads a stored source (source_config.source_id, default the source named "
        "default) whole: its table (source_config.table, or the source's default table) "
        "with an equality filter (where), or a query (query); DATASET reads one of the "
        "caller's datasets (source_config.dataset_id or dataset_name); "
        "without source_type an execution reads its parent's output. transformation_rules "
        "(the ETL seed's rules) are compiled to engine steps, then processing_steps are added. "
        "The destination is a file (write_mode overwrite) in destination.format or "
        "output_format, or a dataset ({type: dataset, dataset_id or dataset_name, write_mode "
        "append, overwrite or upsert}) the output is loaded into, in commits (a dataset "
        "named and not there yet is made by the first execution). schedule is a cron expression or {type: cron, expression, timezone}; "
        "an active pipeline with a schedule runs at each slot. POST /jobs with a job_name "
        "does the same.",
    .status = 201,
    .answer = "Pipeline",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, definition_fields, DEF__MAX},
               {"source_config", file_source_fields, FSRC__MAX},
               {"source_config", database_source_fields, DBSRC__MAX},
               {"destination", destination_fields, FDST__MAX}},
    .example = "{\"job_name\":\"Customer Data ETL\",\"job_type\":\"FULL_ETL\","
               "\"description\":\"Extract, transform, and load customer data\","
               "\"source_type\":\"FILE\",\"source_config\":{\"file_pattern\":\"customers_*.csv\"},"
               "\"transformation_rules\":[{\"rule_type\":\"FIELD_MAPPING\","
               "\"source_field\":\"customer_name\",\"target_field\":\"name\","
               "\"transformation\":\"UPPERCASE\"}],\"schedule\":\"0 2 * * *\",\"is_active\":true}",
};

const struct route_doc pipelines_list_doc = {
    .handler = pipelines_list,
    .summary = "The caller's pipelines, newest first (status: active or inactive)",
    .status = 200,
    .answer = "PipelineList",
    .query = pipeline_list_query,
    .nquery = PLIST__MAX,
    .paged = true,
};

const struct route_doc pipelines_get_doc = {
    .handler = pipelines_get,
    .summary = "One pipeline",
    .status = 200,
    .answer = "Pipeline",
};

const struct route_doc pipelines_update_doc = {
    .handler = pipelines_update,
    .summary = "Change a pipeline: the given fields over its stored definition",
    .description = "The whole definition is checked again, as on create.",
    .status = 200,
    .answer = "Pipeline",
    .body = DOC_BODY_JSON,
    .partial = true,
    .fields = {{NULL, definition_fields, DEF__MAX},
               {"source_config", file_source_fields, FSRC__MAX},
               {"source_config", database_source_fields, DBSRC__MAX},
               {"destination", destination_fields, FDST__MAX}},
    .example = "{\"job_name\":\"Customer Data ETL (nightly)\",\"schedule\":\"30 3 * * *\"}",
};

const struct route_doc pipelines_delete_doc = {
    .handler = pipelines_delete,
    .summary = "Delete a pipeline with its executions, errors and dependencies",
    .description = "Refused (409) while an execution has not finished or other pipelines "
                   "depend on it, unless force=true (which cancels its unfinished executions).",
    .status = 204,
    .answers = "409",
    .query = delete_query,
    .nquery = DELETE__MAX,
};

const struct route_doc pipelines_activate_doc = {
    .handler = pipelines_activate,
    .summary = "Activate a pipeline: its schedule fires again",
    .status = 200,
    .answer = "Pipeline",
    .body = DOC_BODY_JSON,
};

const struct route_doc pipelines_deactivate_doc = {
    .handler = pipelines_deactivate,
    .summary = "Deactivate a pipeline: its schedule stops firing",
    .status = 200,
    .answer = "Pipeline",
    .body = DOC_BODY_JSON,
};
