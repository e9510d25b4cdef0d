#include "common/dataset_store.h"

#include "common/store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/ids.h"
#include "common/sql_account.h"
#include "common/store.h"

#define DATASET_COLUMNS                                                                            \
    "id, user_id, name, schema_name, record_key_field, precombine_field, partition_field,"       \
    " table_type, base_path, columns, created_at, updated_at"

static const struct {
    const char *name, *canonical;
} type_names[] = {
    {"string", "string"},     {"varchar", "string"},    {"text", "string"},
    {"char", "string"},       {"integer", "integer"},   {"int", "integer"},
    {"bigint", "integer"},    {"long", "integer"},      {"smallint", "integer"},
    {"number", "number"},     {"double", "number"},     {"float", "number"},
    {"decimal", "number"},    {"real", "number"},       {"boolean", "boolean"},
    {"bool", "boolean"},      {"date", "date"},         {"datetime", "datetime"},
    {"timestamp", "datetime"}, {"object", "object"},    {"array", "array"},
    {"json", "object"},
};

const char *dataset_type_canonical(const char *name)
{
    for (size_t i = 0; name && i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (strcasecmp(name, type_names[i].name) == 0)
            return type_names[i].canonical;
    return NULL;
}

const char *dataset_sql_type(const char *type, bool key)
{
    if (strcmp(type, "integer") == 0)
        return "BIGINT";
    if (strcmp(type, "number") == 0)
        return "DOUBLE";
    if (strcmp(type, "boolean") == 0)
        return "TINYINT(1)";
    if (strcmp(type, "date") == 0)
        return "DATE";
    if (strcmp(type, "datetime") == 0)
        return "DATETIME(6)";
    if (strcmp(type, "string") == 0 || strcmp(type, "object") == 0 || strcmp(type, "array") == 0)
        return key ? "VARCHAR(255)" : "LONGTEXT";
    return NULL;
}

/* A row of DATASET_COLUMNS into a struct dataset_row added to the rows (ctx). */
static int take_dataset(void *ctx, const struct db_row *row)
{
    struct dataset_row *d = store_rows_add(ctx);
    const char **const text[] = {
        &d->id, &d->user_id, &d->name, &d->schema_name, &d->record_key_field, &d->precombine_field,
        &d->partition_field, &d->table_type, &d->base_path, &d->columns, &d->created_at,
        &d->updated_at};
    store_row_read(ctx, row, text, sizeof(text) / sizeof(text[0]), NULL, 0);
    return 0;
}

int dataset_columns_read(struct arena *a, const char *columns, struct dataset_column **cols)
{
    json_object *list = columns != NULL ? json_tokener_parse(columns) : NULL;
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    int got = 0;
    *cols = arena_alloc(a, sizeof(**cols) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(list, i), *name, *type;
        if (!json_object_object_get_ex(c, "name", &name) ||
            !json_object_object_get_ex(c, "type", &type))
            continue;
        (*cols)[got++] = (struct dataset_column){arena_strdup(a, json_object_get_string(name)),
                                                 arena_strdup(a, json_object_get_string(type))};
    }
    json_object_put(list);
    return got;
}

static bool is_key(const struct dataset_row *d, const char *name)
{
    return strcmp(name, d->record_key_field) == 0 ||
           (d->precombine_field && strcmp(name, d->precombine_field) == 0) ||
           (d->partition_field && strcmp(name, d->partition_field) == 0);
}

/* CREATE TABLE text: every name was checked by the caller. */
static char *create_sql(struct arena *a, const struct dataset_row *d,
                        const struct dataset_column *cols, int ncols)
{
    size_t cap = 256 + (size_t)ncols * 100, n = 0;
    char *sql = arena_alloc(a, cap);
    n += (size_t)snprintf(sql + n, cap - n, "CREATE TABLE `%s`.`%s` (", d->schema_name, d->name);
    for (int i = 0; i < ncols; i++) {
        const char *type = dataset_sql_type(cols[i].type, is_key(d, cols[i].name));
        bool not_null = strcmp(cols[i].name, d->record_key_field) == 0;
        n += (size_t)snprintf(sql + n, cap - n, "%s`%s` %s%s", i ? ", " : "", cols[i].name, type,
                              not_null ? " NOT NULL" : "");
    }
    n += (size_t)snprintf(sql + n, cap - n, ", PRIMARY KEY (`%s`)", d->record_key_field);
    if (d->partition_field && strcmp(d->partition_field, d->record_key_field) != 0)
        n += (size_t)snprintf(sql + n, cap - n, ", KEY `quarry_partition` (`%s`)",
                              d->partition_field);
    snprintf(sql + n, cap - n, ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    return sql;
}

enum db_status dataset_create(struct db *db, const struct dataset_row *d,
                              const struct dataset_column *cols, int ncols)
{
    struct arena a;
    char drop[200];
    arena_init(&a, 0);
    enum db_status st = sql_schema_ensure(db, d->user_id);
    if (st == DB_OK) {
        /* The name is taken first (the row), so two racing creates cannot
         * both make a table. */
        st = db_exec(db,
                     "INSERT INTO datasets (" DATASET_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                     " ?, ?, ?, ?)",
                     DB_PARAMS(P_STR(d->id), P_STR(d->user_id), P_STR(d->name),
                               P_STR(d->schema_name), P_STR(d->record_key_field),
                               P_STR(d->precombine_field), P_STR(d->partition_field),
                               P_STR(d->table_type), P_STR(d->base_path), P_STR(d->columns),
                               P_STR(d->created_at), P_STR(d->updated_at)),
                     NULL);
    }
    if (st == DB_OK) {
        /* A table left by a dataset whose row is gone (a crash mid-drop). */
        snprintf(drop, sizeof(drop), "DROP TABLE IF EXISTS `%s`.`%s`", d->schema_name, d->name);
        st = db_exec_once(db, drop, DB_NO_PARAMS, NULL);
        if (st == DB_OK)
            st = db_exec_once(db, create_sql(&a, d, cols, ncols), DB_NO_PARAMS, NULL);
        if (st != DB_OK)
            db_exec(db, "DELETE FROM datasets WHERE id = ?", DB_PARAMS(P_STR(d->id)), NULL);
    }
    arena_free(&a);
    return st;
}

/* By id, by owner and name, and the owner's list newest first, ties by id,
 * read in the order of datasets_user_list (sql/009_merged_list_costs.sql)
 * from where the page starts (store_keyset_rows, as jobs are); list_counts
 * keeps the total. */
static const struct store_named datasets =
    STORE_NAMED(struct dataset_row, DATASET_COLUMNS, "datasets", "datasets", take_dataset);

enum db_status dataset_get(struct db *db, struct arena *a, const char *id, struct dataset_row *out)
{
    return store_named_get(db, a, &datasets, id, out);
}

enum db_status dataset_get_by_name(struct db *db, struct arena *a, const char *user_id,
                                   const char *name, struct dataset_row *out)
{
    return store_named_by_name(db, a, &datasets, user_id, name, out);
}

enum db_status dataset_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                            long long limit, const char *const *after,
                            void (*fn)(void *ctx, const struct dataset_row *d), void *ctx,
                            long long *total, const char **next)
{
    struct store_rows rows = STORE_ROWS(a, struct dataset_row);
    enum db_status st =
        store_named_page(db, &datasets, user_id, skip, limit, after, &rows, total, next);
    for (size_t i = 0; st == DB_OK && i < rows.n; i++)
        fn(ctx, (struct dataset_row *)rows.items + i);
    return st;
}

/* The rows of a dataset are written by its loads only (the users' SQL
 * accounts read): their number is what its commits inserted less what they
 * deleted, kept in list_counts by a trigger on dataset_commits
 * (sql/009_merged_list_costs.sql). A COUNT read the whole table. */
enum db_status dataset_stats(struct db *db, const struct dataset_row *d, long long *records,
                             long long *bytes)
{
    *records = *bytes = 0;
    enum db_status st = store_count(db, "dataset_rows", d->id, NULL, records);
    if (st != DB_OK)
        return st;
    st = db_query_int(db,
                      "SELECT COALESCE(DATA_LENGTH + INDEX_LENGTH, 0) FROM information_schema.TABLES"
                      " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                      DB_PARAMS(P_STR(d->schema_name), P_STR(d->name)), bytes);
    return st == DB_NO_ROW ? DB_OK : st;
}

enum db_status dataset_drop(struct db *db, const struct dataset_row *d, bool *in_use)
{
    long long users = 0;
    char sql[200];
    *in_use = false;
    enum db_status st = db_query_int(db, "SELECT COUNT(*) FROM load_jobs WHERE dataset_id = ?",
                                     DB_PARAMS(P_STR(d->id)), &users);
    if (st != DB_OK)
        return st;
    if (users > 0) {
        *in_use = true;
        return DB_OK;
    }
    /* The rows first: a table without its row is dropped by the next
     * create of that name, a row without its table would be a broken dataset. */
    st = db_begin(db);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM dataset_commits WHERE dataset_id = ?",
                     DB_PARAMS(P_STR(d->id)), NULL);
    if (st == DB_OK)
        st = db_exec(db, "DELETE FROM datasets WHERE id = ?", DB_PARAMS(P_STR(d->id)), NULL);
    st = db_end(db, st);
    if (st != DB_OK)
        return st;
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS `%s`.`%s`", d->schema_name, d->name);
    return db_exec_once(db, sql, DB_NO_PARAMS, NULL);
}

enum db_status dataset_commit_insert(struct db *db, const struct dataset_commit *c)
{
    return db_exec(db,
                   "INSERT INTO dataset_commits (dataset_id, job_id, load_job_id, mode,"
                   " rows_inserted, rows_updated, rows_deleted, rows_unchanged, watermark,"
                   " committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
                   DB_PARAMS(P_STR(c->dataset_id), P_STR(c->job_id), P_STR(c->load_job_id),
                             P_STR(c->mode), P_INT(c->inserted), P_INT(c->updated),
                             P_INT(c->deleted), P_INT(c->unchanged), P_STR(c->watermark)),
                   NULL);
}

/* A row of the commit columns into a struct dataset_commit added to the rows (ctx). */
static int take_commit(void *ctx, const struct db_row *row)
{
    struct dataset_commit *c = store_rows_add(ctx);
    const char **const text[] = {
        &c->dataset_id, &c->job_id, &c->load_job_id, &c->mode, &c->watermark, &c->committed_at};
    long long *const ints[] = {&c->id, &c->inserted, &c->updated, &c->deleted, &c->unchanged};
    STORE_ROW_READ(ctx, row, text, ints);
    return 0;
}

enum db_status dataset_commit_list(struct db *db, struct arena *a, const char *dataset_id,
                                   long long limit,
                                   void (*fn)(void *ctx, const struct dataset_commit *c),
                                   void *ctx, long long *total)
{
    struct store_rows rows = STORE_ROWS(a, struct dataset_commit);
    bool more;
    /* The total from list_counts (sql/009_merged_list_costs.sql): a COUNT
     * read every commit of the dataset. */
    enum db_status st = store_count(db, "dataset_commits", dataset_id, NULL, total);
    if (st == DB_OK)
        st = store_page_rows(db,
                             "SELECT dataset_id, job_id, load_job_id, mode, watermark, committed_at,"
                             " id, rows_inserted, rows_updated, rows_deleted, rows_unchanged"
                             " FROM dataset_commits WHERE dataset_id = ? ORDER BY id DESC"
                             " LIMIT ? OFFSET ?",
                             DB_PARAMS(P_STR(dataset_id)), 0, limit, take_commit, &rows, &more);
    for (size_t i = 0; st == DB_OK && i < rows.n; i++)
        fn(ctx, (struct dataset_commit *)rows.items + i);
    return st;
}
