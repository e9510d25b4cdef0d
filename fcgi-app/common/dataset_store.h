#ifndef QUARRY_DATASET_STORE_H
#define QUARRY_DATASET_STORE_H
/* Every statement on datasets and their commits: the API creates, lists,
 * describes and drops datasets; quarry-process records each load's commit
 * in the transaction of its rows. A dataset's table is
 * `<schema_name>`.`<name>` (schema_name from sql_account.h); its names are
 * checked identifiers (source_identifier_valid), so the statements that
 * name the table (DDL, counts) quote them and carry no other user text. */
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

struct dataset_row {
    const char *id, *user_id, *name, *schema_name, *record_key_field, *precombine_field,
        *partition_field, *table_type, *base_path, *columns, *created_at, *updated_at;
};

/* A column as declared: name and its schema type (integer number boolean
 * date datetime string object array). */
struct dataset_column {
    const char *name, *type;
};

/* The columns of a row's columns text ([{name, type}], as stored), copied
 * into a: their count, and *cols the array (in a). An entry without a name
 * or a type is passed over; text that does not parse has none. */
int dataset_columns_read(struct arena *a, const char *columns, struct dataset_column **cols);
/* The MariaDB type a schema type is stored as; key columns (record key,
 * precombine, partition) need an indexable type. NULL for an unknown type. */
const char *dataset_sql_type(const char *type, bool key);
/* The schema type a declared name means ("varchar" -> "string", "bigint"
 * -> "integer", ...); NULL when unknown. */
const char *dataset_type_canonical(const char *name);

/* Creates the table (and the owner's database) and the row, the row last:
 * a table without a row is dropped again. DB_DUPLICATE when the user has a
 * dataset of that name. */
enum db_status dataset_create(struct db *db, const struct dataset_row *d,
                              const struct dataset_column *cols, int ncols);
enum db_status dataset_get(struct db *db, struct arena *a, const char *id, struct dataset_row *out);
enum db_status dataset_get_by_name(struct db *db, struct arena *a, const char *user_id,
                                   const char *name, struct dataset_row *out);
/* The user's datasets, newest first (ties by id), after the cursor after
 * (created_at, id) when it is not NULL; *total gets the count, *next the
 * cursor of the page's last dataset when more follow (else NULL). */
enum db_status dataset_list(struct db *db, struct arena *a, const char *user_id, long long skip,
                            long long limit, const char *const *after,
                            void (*fn)(void *ctx, const struct dataset_row *d), void *ctx,
                            long long *total, const char **next);
/* Exact row count and bytes on disk (data and indexes) of its table. */
enum db_status dataset_stats(struct db *db, const struct dataset_row *d, long long *records,
                             long long *bytes);
/* Drops the table and the rows (dataset, commits) unless a load job loads
 * it (*in_use, nothing done). */
enum db_status dataset_drop(struct db *db, const struct dataset_row *d, bool *in_use);

struct dataset_commit {
    long long id;
    const char *dataset_id, *job_id, *load_job_id, *mode, *watermark, *committed_at;
    long long inserted, updated, deleted, unchanged;
};
/* Records a commit; runs inside the caller's transaction (the rows'). */
enum db_status dataset_commit_insert(struct db *db, const struct dataset_commit *c);
/* The dataset's commits, newest first (at most limit). */
enum db_status dataset_commit_list(struct db *db, struct arena *a, const char *dataset_id,
                                   long long limit,
                                   void (*fn)(void *ctx, const struct dataset_commit *c),
                                   void *ctx, long long *total);

#endif
