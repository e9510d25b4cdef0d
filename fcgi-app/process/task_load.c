/* task_load.c — dataset_load: a source table into a dataset, commit by
 * commit.
 *
 * Rows stream from the source (source_conn.h) straight into LOAD DATA LOCAL
 * INFILE through a reader callback: no file, no whole result in memory. One
 * commit is at most batch_size rows and one transaction, which also holds
 * the commit's record, the load job's watermark and a check that the job is
 * still this run's. A crash anywhere loses the open transaction only: the
 * next run starts at the last committed watermark, so nothing is lost and
 * nothing is loaded twice.
 *
 *   append     the rows are inserted; a record key already there is skipped
 *              (counted unchanged)
 *   upsert     the rows go to a temporary table, then INSERT … SELECT … ON
 *              DUPLICATE KEY UPDATE where each column takes the new value
 *              only when the new precombine value is not smaller: the larger
 *              one wins whatever the order of the input (within one commit
 *              too); without a precombine field the last row wins
 *   overwrite  the rows go to a new table, swapped in with one RENAME TABLE
 *              (atomic: readers see the old rows or the new ones, never an
 *              empty table)
 *
 * An incremental load (date_field) reads the rows past the watermark, the
 * pair (date_field, record key) of the last committed row, in that order, so
 * rows sharing a date_field value across two commits are neither skipped nor
 * read twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/arena.h"
#include "common/dataset_store.h"
#include "common/ids.h"
#include "common/load_job_store.h"
#include "common/log.h"
#include "common/source_uri.h"
#include "common/sql_account.h"
#include "process/formats.h"
#include "process/record.h"
#include "process/task.h"

#define LOAD_CONNECT_SECONDS 10
#define LOAD_COLUMNS_MAX 256
#define WHERE_MAX 16

struct load {
    struct task *t;
    struct arena arena;
    struct dataset_row ds;
    const char *mode, *table, *date_field, *load_job_id, *source_id;
    json_object *where;          /* equality filter on the source; owned */
    long long batch_size;
    int ncols;                   /* the dataset's columns: the first ncols selected */
    const char *cols[LOAD_COLUMNS_MAX];
    int key_col, date_col;       /* positions in the select list; date may be ncols (extra) */
    struct source_conn *src;
    /* Where the rows come from: the source (source_next), or a file read
     * by the engine's reader (next_file_row) */
    int (*next_row)(struct load *l, const char *const **values, const size_t **lengths);
    struct load_file *file;
    char *wm_value, *wm_key;     /* watermark: where the source read starts */
    /* feeding one commit */
    bool eof, failed;
    long long in_chunk;
    char *line;                  /* the current row as LOAD DATA text */
    size_t line_len, line_cap, line_off;
    char *last_value, *last_key; /* the last row fed: the commit's watermark */
    char msg[512];
    /* totals */
    long long inserted, updated, unchanged, deleted, commits, deleted_now;
};

/* ---- the LOAD DATA text of a row ---- */

static int line_reserve(struct load *l, size_t more)
{
    if (l->line_len + more <= l->line_cap)
        return 0;
    size_t cap = l->line_cap ? l->line_cap : 4096;
    while (cap < l->line_len + more)
        cap *= 2;
    char *p = realloc(l->line, cap);
    if (p == NULL)
        return -1;
    l->line = p;
    l->line_cap = cap;
    return 0;
}

/* Tab-separated, backslash-escaped, \N for NULL, one row a line. */
static int line_add_value(struct load *l, const char *v, size_t len, bool first)
{
    if (line_reserve(l, 2 * len + 4) != 0)
        return -1;
    char *o = l->line + l->line_len;
    if (!first)
        *o++ = '\t';
    if (v == NULL) {
        *o++ = '\\';
        *o++ = 'N';
    } else {
        for (size_t i = 0; i < len; i++) {
            char c = v[i];
            switch (c) {
            case '\\': *o++ = '\\'; *o++ = '\\'; break;
            case '\t': *o++ = '\\'; *o++ = 't'; break;
            case '\n': *o++ = '\\'; *o++ = 'n'; break;
            case '\r': *o++ = '\\'; *o++ = 'r'; break;
            case '\0': *o++ = '\\'; *o++ = '0'; break;
            default: *o++ = c;
            }
        }
    }
    l->line_len = (size_t)(o - l->line);
    return 0;
}

static void keep(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? strdup(v) : NULL;
}

static int next_source_row(struct load *l, const char *const **values, const size_t **lengths)
{
    return source_next(l->src, values, lengths, l->msg, sizeof(l->msg));
}

/* Formats the next source row into l->line; 1 = a row, 0 = the end, -1 = error. */
static int next_line(struct load *l)
{
    const char *const *values;
    const size_t *lengths;
    int rc = l->next_row(l, &values, &lengths);
    if (rc != 1)
        return rc;
    l->line_len = l->line_off = 0;
    for (int i = 0; i < l->ncols; i++)
        if (line_add_value(l, values[i], lengths[i], i == 0) != 0)
            return -1;
    if (line_reserve(l, 1) != 0)
        return -1;
    l->line[l->line_len++] = '\n';
    if (l->date_field != NULL) {
        keep(&l->last_value, values[l->date_col]);
        keep(&l->last_key, values[l->key_col]);
    }
    return 1;
}

/* LOAD DATA's reader: rows until the commit has batch_size of them. */
static long feed(void *ctx, char *buf, unsigned int len)
{
    struct load *l = ctx;
    size_t out = 0;
    while (out < len) {
        if (l->line_off < l->line_len) {
            size_t n = l->line_len - l->line_off;
            if (n > len - out)
                n = len - out;
            memcpy(buf + out, l->line + l->line_off, n);
            l->line_off += n;
            out += n;
            continue;
        }
        if (l->eof || l->in_chunk >= l->batch_size)
            break;
        if (*l->t->cancel) {
            snprintf(l->msg, sizeof(l->msg), "stopped");
            l->failed = true;
            return -1;
        }
        int rc = next_line(l);
        if (rc < 0) {
            if (l->msg[0] == '\0')
                snprintf(l->msg, sizeof(l->msg), "out of memory");
            l->failed = true;
            return -1;
        }
        if (rc == 0) {
            l->eof = true;
            break;
        }
        l->in_chunk++;
    }
    return (long)out;
}

/* ---- statements over the dataset's names ---- */

static const char *load_data_sql(struct load *l, const char *table)
{
    size_t cap = 400 + (size_t)l->ncols * 70, n = 0;
    char *sql = arena_alloc(&l->arena, cap);
    n += (size_t)snprintf(sql, cap,
                          "LOAD DATA LOCAL INFILE 'quarry-stream' INTO TABLE %s CHARACTER SET "
                          "utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES "
                          "TERMINATED BY '\\n' (",
                          table);
    for (int i = 0; i < l->ncols; i++)
        n += (size_t)snprintf(sql + n, cap - n, "%s`%s`", i ? ", " : "", l->cols[i]);
    snprintf(sql + n, cap - n, ")");
    return sql;
}

static const char *column_list(struct load *l)
{
    size_t cap = 16 + (size_t)l->ncols * 70, n = 0;
    char *s = arena_alloc(&l->arena, cap);
    for (int i = 0; i < l->ncols; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s`%s`", i ? ", " : "", l->cols[i]);
    return s;
}

/* INSERT … SELECT … ON DUPLICATE KEY UPDATE, the precombine column last
 * (MariaDB assigns left to right, and the test reads its old value). */
static const char *merge_sql(struct load *l, const char *target)
{
    const char *cols = column_list(l), *pre = l->ds.precombine_field;
    size_t cap = 400 + strlen(cols) * 2 + (size_t)l->ncols * (600 + 3 * strlen(target)), n = 0;
    char *sql = arena_alloc(&l->arena, cap), wins[400];
    /* The target's columns are named with its table: the stage has the
     * same names, and unqualified they are ambiguous. */
    if (pre != NULL)
        snprintf(wins, sizeof(wins), "(VALUES(`%s`) >= %s.`%s` OR %s.`%s` IS NULL)", pre, target,
                 pre, target, pre);
    else
        snprintf(wins, sizeof(wins), "TRUE");
    n += (size_t)snprintf(sql, cap,
                          "INSERT INTO %s (%s) SELECT %s FROM quarry_stage ON DUPLICATE KEY "
                          "UPDATE ",
                          target, cols, cols);
    bool first = true;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < l->ncols; i++) {
            const char *c = l->cols[i];
            bool is_pre = pre != NULL && strcmp(c, pre) == 0;
            if (strcmp(c, l->ds.record_key_field) == 0 || is_pre != (pass == 1))
                continue;
            n += (size_t)snprintf(sql + n, cap - n, "%s%s.`%s` = IF(%s, VALUES(`%s`), %s.`%s`)",
                                  first ? "" : ", ", target, c, wins, c, target, c);
            first = false;
        }
    if (first) /* the key is the only column */
        snprintf(sql + n, cap - n, "%s.`%s` = %s.`%s`", target, l->ds.record_key_field, target,
                 l->ds.record_key_field);
    return sql;
}

/* ---- one commit ---- */

/* "Records: 3  Duplicates: 1  Warnings: 0" */
static long long info_number(const char *info, const char *label)
{
    const char *p = strstr(info, label);
    return p ? strtoll(p + strlen(label), NULL, 10) : 0;
}

static enum db_status still_ours(struct load *l)
{
    long long attempts = 0;
    enum db_status st = db_query_int(
        l->t->db,
        "SELECT attempts FROM jobs WHERE id = ? AND status IN ('RUNNING', "
        "'CANCELLATION_REQUESTED') FOR UPDATE",
        DB_PARAMS(P_STR(l->t->job_id)), &attempts);
    if (st == DB_OK && attempts != l->t->attempts)
        st = DB_NO_ROW;
    return st;
}

static char *watermark_json(struct load *l)
{
    if (l->date_field == NULL || l->last_value == NULL)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "date_field", json_object_new_string(l->date_field));
    json_object_object_add(o, "value", json_object_new_string(l->last_value));
    json_object_object_add(o, "record_key",
                           l->last_key ? json_object_new_string(l->last_key) : NULL);
    char *text = arena_strdup(&l->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

/* The commit's record, the watermark and the progress, in the open
 * transaction. Correct when run again after a conflict: the job's processed
 * count is set from base, not added to. */
static enum db_status commit_record(struct load *l, long long base, long long inserted,
                                    long long updated, long long unchanged, long long deleted)
{
    struct task *t = l->t;
    struct dataset_commit c = {
        .dataset_id = l->ds.id,
        .job_id = t->job_id,
        .load_job_id = l->load_job_id,
        .mode = l->mode,
        .watermark = watermark_json(l),
        .inserted = inserted,
        .updated = updated,
        .deleted = deleted,
        .unchanged = unchanged,
    };
    enum db_status st = dataset_commit_insert(t->db, &c);
    if (st == DB_OK && l->load_job_id != NULL && l->last_value != NULL)
        st = load_job_set_watermark(t->db, l->load_job_id, l->last_value, l->last_key);
    if (st != DB_OK)
        return st;
    t->processed = base + inserted + updated + unchanged;
    /* Progress is written in the commit's transaction: a throttled test run
     * sleeps here, so a kill lands mid-commit. */
    if (!t->progress(t))
        return DB_NO_ROW;
    return DB_OK;
}

/* What a commit that went through adds to the load's sums. */
static void commit_done(struct load *l, long long inserted, long long updated,
                        long long unchanged, long long deleted)
{
    l->inserted += inserted;
    l->updated += updated;
    l->unchanged += unchanged;
    l->deleted += deleted;
    l->commits++;
    if (l->last_value != NULL) {
        keep(&l->wm_value, l->last_value);
        keep(&l->wm_key, l->last_key);
    }
}

static const char *target_name(struct load *l);

/* A merge of the staged rows, or an overwrite's record, as one try of a
 * transaction (db_transaction runs it again when it lost a conflict: the
 * stage stays, the swap is done). */
enum merge_kind {
    MERGE_RECORD, /* only the record of an overwrite */
    MERGE_UPSERT, /* the staged rows update the dataset's */
    MERGE_APPEND, /* the staged rows are inserted; a key already there is skipped */
};
struct merge_try {
    struct load *l;
    enum merge_kind kind;
    long long base; /* the job's processed count before this commit */
    long long inserted, updated, unchanged, deleted;
};

static enum db_status check_warnings(struct load *l, unsigned int skip_code);

static enum db_status merge_once(struct db *db, void *arg)
{
    struct merge_try *m = arg;
    struct load *l = m->l;
    long long affected = 0;
    enum db_status st = still_ours(l);
    if (st == DB_OK && m->kind == MERGE_APPEND) {
        /* INSERT IGNORE skips a key already there (warning 1062), as LOAD
         * DATA LOCAL did; the values were checked when they were staged. */
        const char *cols = column_list(l);
        const char *sql =
            arena_printf(&l->arena, "INSERT IGNORE INTO %s (%s) SELECT %s FROM quarry_stage",
                         target_name(l), cols, cols);
        st = db_exec_text(db, sql, &affected);
        if (st == DB_OK)
            st = check_warnings(l, 1062 /* ER_DUP_ENTRY: a key already there */);
        if (st != DB_OK)
            return st;
        m->inserted = affected;
        m->unchanged = l->in_chunk - affected;
    }
    if (st == DB_OK && m->kind == MERGE_UPSERT) {
        st = db_exec_text(db, merge_sql(l, target_name(l)), &affected);
        if (st != DB_OK)
            return st;
        /* "Duplicates" counts the rows the update changed (a row whose
         * precombine lost is not); affected rows count 1 per insert and 2
         * per changed row. */
        long long records = info_number(db_last_info(db), "Records: ");
        long long changed = info_number(db_last_info(db), "Duplicates: ");
        m->inserted = affected - 2 * changed;
        m->updated = changed;
        m->unchanged = records - m->inserted - changed;
    }
    if (st == DB_OK)
        st = commit_record(l, m->base, m->inserted, m->updated, m->unchanged, m->deleted);
    return st;
}

static int take_count(void *ctx, const struct db_row *row)
{
    *(long long *)ctx = db_row_int(row, 0);
    return 1;
}

static enum db_status count_rows(struct load *l, const char *table, long long *n)
{
    struct db_stmt *s = NULL;
    const char *sql = arena_printf(&l->arena, "SELECT COUNT(*) FROM %s", table);
    enum db_status st = db_stmt_prepare(l->t->db, sql, &s);
    if (st == DB_OK)
        st = db_stmt_query(s, DB_NO_PARAMS, take_count, n);
    db_stmt_close(s);
    return st;
}

static const char *target_name(struct load *l)
{
    return arena_printf(&l->arena, "`%s`.`%s`", l->ds.schema_name, l->ds.name);
}

/* LOAD DATA LOCAL turns bad values into warnings (and truncates them): a
 * warning other than skip_code fails the commit with its text. */
static enum db_status check_warnings(struct load *l, unsigned int skip_code)
{
    char text[300];
    if (db_first_warning(l->t->db, skip_code, text, sizeof(text)) == 0)
        return DB_OK;
    snprintf(l->msg, sizeof(l->msg), "a value does not fit the dataset: %s", text);
    l->failed = true;
    return DB_ERROR;
}

/* One commit of an append or an upsert: its rows are read from the source
 * into a stage first (a temporary table of this session with the dataset's
 * columns and no keys, so that one commit may hold a key twice), outside
 * the transaction; the transaction then moves them into the dataset with
 * the commit's record. On a cluster that transaction may lose a conflict
 * (two loads of one dataset on two nodes meet on its counters): it is run
 * again from the stage, which a source read once could not be. An append
 * skips a record key already in the dataset (counted unchanged). */
static enum db_status commit_staged(struct load *l, enum merge_kind kind)
{
    struct db *db = l->t->db;
    long long staged = 0;
    char sql[300];
    enum db_status st = db_exec_text(db, "DROP TEMPORARY TABLE IF EXISTS quarry_stage", NULL);
    snprintf(sql, sizeof(sql), "CREATE TEMPORARY TABLE quarry_stage SELECT * FROM %s LIMIT 0",
             target_name(l));
    if (st == DB_OK)
        st = db_exec_text(db, sql, NULL);
    if (st == DB_OK)
        st = db_load_data(db, load_data_sql(l, "quarry_stage"), feed, l, &staged);
    if (st != DB_OK || l->in_chunk == 0)
        return st;
    st = check_warnings(l, 0);
    if (st != DB_OK)
        return st;
    struct merge_try m = {.l = l, .kind = kind, .base = l->t->processed};
    st = db_transaction(db, DB_REPEATABLE_READ, merge_once, &m);
    if (st == DB_OK)
        commit_done(l, m.inserted, m.updated, m.unchanged, 0);
    return st;
}

static enum db_status commit_append(struct load *l)
{
    return commit_staged(l, MERGE_APPEND);
}

static enum db_status commit_upsert(struct load *l)
{
    return commit_staged(l, MERGE_UPSERT);
}

/* The whole source into a new table, swapped in at the end. */
static enum db_status load_overwrite(struct load *l)
{
    struct db *db = l->t->db;
    char hex[33], sql[400];
    long long affected = 0, before = 0, after = 0;
    size_t o = 0;
    (void)affected;
    for (const char *p = l->ds.id; *p && o < 32; p++)
        if (*p != '-')
            hex[o++] = *p;
    hex[o] = '\0';
    const char *target = target_name(l);
    const char *fresh = arena_printf(&l->arena, "`%s`.`quarry_new_%s`", l->ds.schema_name, hex);
    const char *old = arena_printf(&l->arena, "`%s`.`quarry_old_%s`", l->ds.schema_name, hex);
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s, %s", fresh, old);
    enum db_status st = db_exec_text(db, sql, NULL);
    snprintf(sql, sizeof(sql), "CREATE TABLE %s LIKE %s", fresh, target);
    if (st == DB_OK)
        st = db_exec_text(db, sql, NULL);
    l->batch_size = 1LL << 62; /* one stream: the new table is invisible until the swap */
    if (st == DB_OK)
        st = db_load_data(db, load_data_sql(l, fresh), feed, l, &after);
    if (st == DB_OK)
        st = check_warnings(l, 1062); /* a key twice in the source: the first wins */
    if (st == DB_OK)
        st = count_rows(l, target, &before);
    l->deleted_now = before;
    if (st == DB_OK) {
        snprintf(sql, sizeof(sql), "RENAME TABLE %s TO %s, %s TO %s", target, old, fresh, target);
        st = db_exec_text(db, sql, &affected);
    }
    if (st == DB_OK) {
        snprintf(sql, sizeof(sql), "DROP TABLE %s", old);
        st = db_exec_text(db, sql, NULL);
    }
    /* The swap is done (and is its own commit: RENAME is DDL); the record
     * follows. A crash between the two leaves the new rows without their
     * record, and the next overwrite replaces them again. */
    struct merge_try m = {.l = l, .kind = MERGE_RECORD, .base = l->t->processed};
    m.inserted = after;
    m.deleted = l->deleted_now;
    if (st == DB_OK)
        st = db_transaction(db, DB_REPEATABLE_READ, merge_once, &m);
    if (st == DB_OK)
        commit_done(l, after, 0, 0, l->deleted_now);
    return st;
}

/* ---- the run ---- */

/* The SELECT on the source: the dataset's columns (and the watermark
 * column when the dataset does not have it), the filter, the rows past the
 * watermark in watermark order. */
static int build_select(struct load *l, char *sql, size_t cap, const char **params, int *np)
{
    char q[80], m1[16], m2[16], m3[16];
    json_object *where = l->where;
    size_t n = (size_t)snprintf(sql, cap, "SELECT ");
    for (int i = 0; i < l->ncols; i++)
        n += (size_t)snprintf(sql + n, cap - n, "%s%s", i ? ", " : "",
                              source_quote(l->src, l->cols[i], q, sizeof(q)));
    if (l->date_field != NULL && l->date_col == l->ncols)
        n += (size_t)snprintf(sql + n, cap - n, ", %s",
                              source_quote(l->src, l->date_field, q, sizeof(q)));
    n += (size_t)snprintf(sql + n, cap - n, " FROM %s",
                          source_quote(l->src, l->table, q, sizeof(q)));
    *np = 0;
    const char *glue = " WHERE ";
    if (where != NULL && json_object_is_type(where, json_type_object)) {
        json_object_object_foreach(where, key, val)
        {
            if (!source_identifier_valid(key) || *np >= WHERE_MAX)
                return -1;
            if (val == NULL) {
                n += (size_t)snprintf(sql + n, cap - n, "%s%s IS NULL", glue,
                                      source_quote(l->src, key, q, sizeof(q)));
            } else {
                params[(*np)++] = json_object_is_type(val, json_type_boolean)
                                      ? (json_object_get_boolean(val) ? "1" : "0")
                                      : json_object_get_string(val);
                n += (size_t)snprintf(sql + n, cap - n, "%s%s = %s", glue,
                                      source_quote(l->src, key, q, sizeof(q)),
                                      source_marker(l->src, *np, m1, sizeof(m1)));
            }
            glue = " AND ";
        }
    }
    if (l->date_field != NULL) {
        char d[80], k[80];
        source_quote(l->src, l->date_field, d, sizeof(d));
        source_quote(l->src, l->ds.record_key_field, k, sizeof(k));
        n += (size_t)snprintf(sql + n, cap - n, "%s%s IS NOT NULL", glue, d);
        if (l->wm_value != NULL) {
            params[(*np)++] = l->wm_value;
            source_marker(l->src, *np, m1, sizeof(m1));
            params[(*np)++] = l->wm_value;
            source_marker(l->src, *np, m2, sizeof(m2));
            params[(*np)++] = l->wm_key;
            source_marker(l->src, *np, m3, sizeof(m3));
            n += (size_t)snprintf(sql + n, cap - n, " AND (%s > %s OR (%s = %s AND %s > %s))", d,
                                  m1, d, m2, k, m3);
        }
        n += (size_t)snprintf(sql + n, cap - n, " ORDER BY %s, %s", d, k);
    }
    return n < cap ? 0 : -1;
}

static int load_columns(struct load *l)
{
    json_object *cols = json_tokener_parse(l->ds.columns);
    l->key_col = l->date_col = -1;
    for (size_t i = 0; cols && i < json_object_array_length(cols) && i < LOAD_COLUMNS_MAX; i++) {
        json_object *c = json_object_array_get_idx(cols, i), *name;
        if (!json_object_object_get_ex(c, "name", &name))
            continue;
        const char *n = arena_strdup(&l->arena, json_object_get_string(name));
        if (strcmp(n, l->ds.record_key_field) == 0)
            l->key_col = l->ncols;
        if (l->date_field && strcmp(n, l->date_field) == 0)
            l->date_col = l->ncols;
        l->cols[l->ncols++] = n;
    }
    json_object_put(cols);
    if (l->date_field != NULL && l->date_col < 0)
        l->date_col = l->ncols; /* read beside the dataset's columns, not loaded */
    return l->key_col >= 0 && l->ncols > 0 ? 0 : -1;
}

static json_object *summary(struct load *l)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dataset_id", json_object_new_string(l->ds.id));
    json_object_object_add(o, "mode", json_object_new_string(l->mode));
    json_object_object_add(o, "commits", json_object_new_int64(l->commits));
    json_object_object_add(o, "rows_inserted", json_object_new_int64(l->inserted));
    json_object_object_add(o, "rows_updated", json_object_new_int64(l->updated));
    json_object_object_add(o, "rows_unchanged", json_object_new_int64(l->unchanged));
    json_object_object_add(o, "rows_deleted", json_object_new_int64(l->deleted));
    json_object_object_add(o, "watermark",
                           l->wm_value ? json_object_new_string(l->wm_value) : NULL);
    return o;
}

/* The dataset a load job names, created from the source's columns when it
 * does not exist yet (the seed's jobs write a Hudi table into being). */
static int find_or_create_dataset(struct load *l, const struct load_job_row *j)
{
    struct task *t = l->t;
    char msg[256], id[UUID_LEN + 1], schema_name[SQL_SCHEMA_LEN + 1], q[80];
    const char *const *values;
    const size_t *lengths;
    enum db_status st = j->dataset_id ? dataset_get(t->db, &l->arena, j->dataset_id, &l->ds)
                                      : dataset_get_by_name(t->db, &l->arena, t->user_id,
                                                            j->dataset_name, &l->ds);
    if (st == DB_OK) {
        if (strcmp(l->ds.user_id, t->user_id) != 0)
            return -1;
        return j->dataset_id ? 0 : (load_job_set_dataset(t->db, j->id, l->ds.id) == DB_OK ? 0 : -1);
    }
    if (st != DB_NO_ROW) {
        snprintf(t->error, sizeof(t->error), "the dataset cannot be read");
        return -1;
    }
    /* The source's columns, from a query that returns none. */
    const char *probe = arena_printf(&l->arena, "SELECT * FROM %s WHERE 1 = 0",
                                     source_quote(l->src, l->table, q, sizeof(q)));
    enum source_error why = source_query(l->src, probe, NULL, 0, msg, sizeof(msg));
    if (why != SOURCE_OK) {
        snprintf(t->error, sizeof(t->error), "the source refused the read (%s): %s",
                 source_error_name(why), msg);
        return -1;
    }
    int n = source_ncolumns(l->src);
    struct dataset_column *cols = arena_alloc(&l->arena, sizeof(*cols) * (size_t)(n + 1));
    const char *key = j->record_key_field, *guess = NULL;
    json_object *list = json_object_new_array();
    for (int i = 0; i < n; i++) {
        const char *name = arena_strdup(&l->arena, source_column_name(l->src, i));
        cols[i] = (struct dataset_column){name, source_type_name(source_column_type(l->src, i))};
        if (guess == NULL && (strcmp(name, "id") == 0 || strcmp(name, "_id") == 0))
            guess = name;
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string(name));
        json_object_object_add(c, "type", json_object_new_string(cols[i].type));
        json_object_array_add(list, c);
    }
    while (source_next(l->src, &values, &lengths, msg, sizeof(msg)) == 1)
        ;
    if (key == NULL)
        key = guess ? guess : n > 0 ? cols[0].name : NULL;
    const char *pre = j->precombine_field ? j->precombine_field : j->date_field;
    bool key_ok = false, pre_ok = pre == NULL;
    for (int i = 0; i < n; i++) {
        key_ok = key_ok || strcmp(cols[i].name, key) == 0;
        pre_ok = pre_ok || strcmp(cols[i].name, pre) == 0;
        if (!source_identifier_valid(cols[i].name))
            key_ok = false;
    }
    if (!pre_ok)
        pre = NULL;
    if (!key_ok) {
        json_object_put(list);
        snprintf(t->error, sizeof(t->error),
                 "the dataset cannot be made from %s: no record key column, or a column name "
                 "that is not letters, digits and _",
                 l->table);
        return -1;
    }
    id_uuid4(id);
    sql_schema_name(t->user_id, schema_name);
    struct dataset_row d = {
        .id = id, .user_id = t->user_id, .name = j->dataset_name, .schema_name = schema_name,
        .record_key_field = key, .precombine_field = pre, .table_type = "COPY_ON_WRITE",
        .columns = arena_strdup(&l->arena,
                                json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN)),
        .created_at = NULL, .updated_at = NULL,
    };
    json_object_put(list);
    char now[DB_TIME_LEN + 1];
    time_db(time_now_ms(), now);
    d.created_at = d.updated_at = now;
    st = dataset_create(t->db, &d, cols, n);
    if (st == DB_DUPLICATE) /* made meanwhile by its owner: use it */
        st = dataset_get_by_name(t->db, &l->arena, t->user_id, j->dataset_name, &l->ds);
    else if (st == DB_OK)
        st = dataset_get(t->db, &l->arena, id, &l->ds);
    if (st == DB_OK)
        st = load_job_set_dataset(t->db, j->id, l->ds.id);
    if (st != DB_OK) {
        snprintf(t->error, sizeof(t->error), "the dataset cannot be created: %s",
                 db_last_error(t->db));
        return -1;
    }
    log_info("job %s: dataset %s created from %s", t->job_id, l->ds.id, l->table);
    return 0;
}

/* One read of the source past the watermark, committed chunk by chunk. */
static enum db_status one_pass(struct load *l)
{
    struct task *t = l->t;
    char sql[16384];
    const char *params[WHERE_MAX + 3];
    int np = 0;
    l->eof = false;
    if (build_select(l, sql, sizeof(sql), params, &np) != 0) {
        snprintf(l->msg, sizeof(l->msg), "the load's filter is malformed");
        l->failed = true;
        return DB_ERROR;
    }
    enum source_error why = source_query(l->src, sql, params, np, l->msg, sizeof(l->msg));
    if (why != SOURCE_OK) {
        snprintf(t->error, sizeof(t->error), "the source refused the read (%s): %s",
                 source_error_name(why), l->msg);
        l->failed = true;
        return DB_ERROR;
    }
    if (strcmp(l->mode, "overwrite") == 0)
        return load_overwrite(l);
    bool upsert = strcmp(l->mode, "upsert") == 0;
    enum db_status st;
    do {
        l->in_chunk = 0;
        st = upsert ? commit_upsert(l) : commit_append(l);
    } while (st == DB_OK && !l->eof && l->in_chunk > 0);
    return st;
}

/* A stream run waits out its polling interval; false when it must stop. */
static bool wait_poll(struct load *l, long long seconds)
{
    double until = time_mono() + (double)seconds;
    while (time_mono() < until) {
        if (*l->t->cancel)
            return false;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return !*l->t->cancel;
}

/* A stream run past its budget queues its successor (before the time limit
 * would fail it) and ends; the successor starts at the same watermark. */
static void hand_over(struct load *l)
{
    struct task *t = l->t;
    char id[UUID_LEN + 1];
    bool won = false;
    id_uuid4(id);
    const char *config = json_object_to_json_string_ext(t->config, JSON_C_TO_STRING_PLAIN);
    if (load_job_continue(t->db, l->load_job_id, t->user_id, t->job_id, id, config, &won) ==
            DB_OK &&
        won)
        log_info("job %s: stream handed over to job %s", t->job_id, id);
}

static int run_load(struct load *l)
{
    struct task *t = l->t;
    struct load_job_row j;
    json_object *filter = NULL;
    bool stream = false;
    long long poll = 0;
    enum source_error why;
    enum db_status st;
    l->load_job_id = task_config_string(t, "load_job_id");
    if (l->load_job_id != NULL) {
        st = load_job_get(t->db, &l->arena, l->load_job_id, &j);
        if (st != DB_OK || strcmp(j.user_id, t->user_id) != 0) {
            snprintf(t->error, sizeof(t->error), "the load job no longer exists");
            return TASK_FAILED;
        }
        l->mode = j.write_mode;
        l->table = j.source_table;
        l->date_field = j.date_field;
        l->batch_size = j.batch_size;
        l->source_id = j.source_id;
        stream = strcmp(j.job_type, "stream") == 0;
        poll = j.polling_interval_seconds;
        if (j.source_filter != NULL)
            filter = json_tokener_parse(j.source_filter);
    } else {
        l->mode = task_config_string(t, "mode");
        l->table = task_config_string(t, "table");
        l->date_field = task_config_string(t, "date_field");
        l->batch_size = task_config_int(t, "batch_size", 10000);
        l->source_id = task_config_string(t, "source_id");
        if (t->config != NULL && json_object_object_get_ex(t->config, "where", &filter))
            json_object_get(filter);
    }
    l->where = filter;
    if (l->mode == NULL || l->table == NULL || !source_identifier_valid(l->table) ||
        (l->date_field && !source_identifier_valid(l->date_field)) || l->batch_size < 1) {
        snprintf(t->error, sizeof(t->error), "the load is malformed");
        return TASK_FAILED;
    }
    if (task_open_source(t, l->source_id, LOAD_CONNECT_SECONDS, 0, &l->src, &why, l->msg,
                         sizeof(l->msg)) != 0) {
        snprintf(t->error, sizeof(t->error), "the source cannot be used (%s): %s",
                 source_error_name(why), l->msg);
        return TASK_FAILED;
    }
    if (l->load_job_id != NULL) {
        if (find_or_create_dataset(l, &j) != 0) {
            if (t->error[0] == '\0')
                snprintf(t->error, sizeof(t->error), "the dataset no longer exists");
            return TASK_FAILED;
        }
    } else {
        const char *id = task_config_string(t, "dataset_id");
        st = dataset_get(t->db, &l->arena, id ? id : "", &l->ds);
        if (st != DB_OK || strcmp(l->ds.user_id, t->user_id) != 0) {
            snprintf(t->error, sizeof(t->error), "the dataset no longer exists");
            return TASK_FAILED;
        }
    }
    if (load_columns(l) != 0) {
        snprintf(t->error, sizeof(t->error), "the dataset's columns are malformed");
        return TASK_FAILED;
    }
    if (l->load_job_id != NULL && l->date_field != NULL && strcmp(l->mode, "overwrite") != 0) {
        const char *value = NULL, *key = NULL;
        if (load_job_watermark(t->db, &l->arena, l->load_job_id, &value, &key) != DB_OK) {
            snprintf(t->error, sizeof(t->error), "the load job's watermark cannot be read");
            return TASK_FAILED;
        }
        keep(&l->wm_value, value);
        keep(&l->wm_key, key);
    }
    log_info("job %s: loading %s into dataset %s (%s%s%s%s)", t->job_id, l->table, l->ds.id,
             l->mode, stream ? ", stream" : "", l->wm_value ? ", past " : "",
             l->wm_value ? l->wm_value : "");
    /* A stream run gives way before the dispatcher's time limit. */
    double budget = (double)t->cfg->job_timeout_seconds * 0.9 - (double)poll - 10.0;
    double started = time_mono();
    for (;;) {
        st = one_pass(l);
        if (st != DB_OK || !stream)
            break;
        if (!t->progress(t) || !wait_poll(l, poll))
            break;
        if (budget > 0 && time_mono() - started > budget) {
            hand_over(l);
            break;
        }
    }
    t->total = t->processed;
    t->result = summary(l);
    if (st == DB_OK)
        return TASK_OK;
    if (st == DB_NO_ROW)
        snprintf(t->error, sizeof(t->error), "the job is no longer this run's");
    else if (l->failed && t->error[0] == '\0')
        snprintf(t->error, sizeof(t->error), "the load stopped after %lld commits: %s",
                 l->commits, l->msg);
    else if (t->error[0] == '\0')
        snprintf(t->error, sizeof(t->error), "the load stopped after %lld commits: %s",
                 l->commits, db_last_error(t->db));
    return TASK_FAILED;
}

/* What every load holds, whatever its source, and the load itself. */
static void load_free(struct load *l)
{
    free(l->line);
    free(l->wm_value);
    free(l->wm_key);
    free(l->last_value);
    free(l->last_key);
    arena_free(&l->arena);
    free(l);
}

int task_dataset_load(struct task *t)
{
    struct load *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        snprintf(t->error, sizeof(t->error), "out of memory");
        return TASK_FAILED;
    }
    l->t = t;
    l->next_row = next_source_row;
    arena_init(&l->arena, 0);
    int rc = run_load(l);
    db_exec_text(t->db, "DROP TEMPORARY TABLE IF EXISTS quarry_stage", NULL);
    source_close(l->src);
    json_object_put(l->where);
    load_free(l);
    return rc;
}

/* ---- a file into a dataset (a pipeline's dataset destination) ---- */

struct load_file {
    const struct reader_ops *reader;
    void *state;
    struct rec_env *env;
    struct rec_arena *arena;
    const char *names[LOAD_COLUMNS_MAX]; /* the dataset's columns, interned */
    size_t hints[LOAD_COLUMNS_MAX];
    const char *values[LOAD_COLUMNS_MAX];
    size_t lengths[LOAD_COLUMNS_MAX];
    long long rows;
};

/* The next record of the file as the dataset's columns: a column the
 * record lacks is NULL, a boolean is 1 or 0 (TINYINT(1)). */
static int next_file_row(struct load *l, const char *const **values, const size_t **lengths)
{
    struct load_file *f = l->file;
    struct record rec = {.arena = f->arena};
    int rs;
    do {
        rec_arena_reset(f->arena);
        rs = f->reader->next(f->state, &rec);
    } while (rs == READ_REJECTED);
    if (rs == READ_EOF)
        return 0;
    if (rs != READ_RECORD) {
        snprintf(l->msg, sizeof(l->msg), "the output cannot be read: %s", rec_env_error(f->env));
        return -1;
    }
    f->rows++;
    for (int i = 0; i < l->ncols; i++) {
        long k = rec_find(&rec, f->names[i], &f->hints[i]);
        const struct rec_field *fd = k < 0 ? NULL : &rec.fields[k];
        if (fd == NULL || fd->type == REC_NULL) {
            f->values[i] = NULL;
            f->lengths[i] = 0;
        } else if (fd->type == REC_BOOLEAN) {
            f->values[i] = fd->len == 4 && memcmp(fd->val, "true", 4) == 0 ? "1" : "0";
            f->lengths[i] = 1;
        } else {
            f->values[i] = fd->val;
            f->lengths[i] = fd->len;
        }
    }
    if (f->values[l->key_col] == NULL) {
        snprintf(l->msg, sizeof(l->msg), "record %lld of the output has no %s (the dataset's "
                 "record key)", f->rows, l->ds.record_key_field);
        return -1;
    }
    *values = f->values;
    *lengths = f->lengths;
    return 1;
}

/* The destination named by name and not there yet: made from the output,
 * its columns typed by the engine's inference over the whole file (the one
 * of GET /files/{id}/schema), as a load job makes its dataset from the
 * source's columns. The record key is the one asked for, else a column id
 * or _id, else the first column. */
static int create_from_output(struct load *l, const struct load_target *target, const char *path,
                              const char *format)
{
    struct task *t = l->t;
    char err[512], id[UUID_LEN + 1], schema_name[SQL_SCHEMA_LEN + 1], now[DB_TIME_LEN + 1];
    json_object *config = json_object_new_object(), *schema = NULL, *cols_json = NULL;
    json_object_object_add(config, "format", json_object_new_string(format));
    struct engine_job job = {.input_path = path, .input_name_hint = "output",
                             .processing_config = config};
    json_object *inferred = engine_infer_schema(&job, 0, err, sizeof(err));
    json_object_put(config);
    int rc = -1, n = 0;
    if (inferred == NULL || !json_object_object_get_ex(inferred, "schema", &schema) ||
        json_object_object_length(schema) == 0) {
        snprintf(t->error, sizeof(t->error), "the dataset %s cannot be made from the output: %s",
                 target->name, inferred == NULL ? err : "it has no columns");
        goto out;
    }
    size_t max = (size_t)json_object_object_length(schema);
    struct dataset_column *cols = arena_alloc(&l->arena, sizeof(*cols) * (max + 1));
    const char *key = NULL, *guess = NULL, *pre = NULL;
    cols_json = json_object_new_array();
    json_object_object_foreach(schema, name, info)
    {
        json_object *type = NULL;
        json_object_object_get_ex(info, "type", &type);
        const char *canonical = dataset_type_canonical(type ? json_object_get_string(type) : NULL);
        if (!source_identifier_valid(name) || n >= LOAD_COLUMNS_MAX) {
            snprintf(t->error, sizeof(t->error), "the dataset %s cannot be made from the output: "
                     "its column %.64s is not a name of letters, digits and _ (rename it)",
                     target->name, name);
            goto out;
        }
        cols[n] = (struct dataset_column){arena_strdup(&l->arena, name),
                                          canonical ? canonical : "string"};
        if (target->record_key != NULL && strcmp(name, target->record_key) == 0)
            key = cols[n].name;
        if (target->precombine != NULL && strcmp(name, target->precombine) == 0)
            pre = cols[n].name;
        if (guess == NULL && (strcmp(name, "id") == 0 || strcmp(name, "_id") == 0))
            guess = cols[n].name;
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string(cols[n].name));
        json_object_object_add(c, "type", json_object_new_string(cols[n].type));
        json_object_array_add(cols_json, c);
        n++;
    }
    if (target->record_key != NULL && key == NULL) {
        snprintf(t->error, sizeof(t->error), "the dataset %s cannot be made: the output has no "
                 "column %s (record_key_field)", target->name, target->record_key);
        goto out;
    }
    if (target->precombine != NULL && pre == NULL) {
        snprintf(t->error, sizeof(t->error), "the dataset %s cannot be made: the output has no "
                 "column %s (precombine_field)", target->name, target->precombine);
        goto out;
    }
    if (key == NULL)
        key = guess ? guess : cols[0].name;
    id_uuid4(id);
    sql_schema_name(t->user_id, schema_name);
    time_db(time_now_ms(), now);
    struct dataset_row d = {
        .id = id, .user_id = t->user_id, .name = target->name, .schema_name = schema_name,
        .record_key_field = key, .precombine_field = pre, .table_type = "COPY_ON_WRITE",
        .columns = arena_strdup(&l->arena,
                                json_object_to_json_string_ext(cols_json, JSON_C_TO_STRING_PLAIN)),
        .created_at = now, .updated_at = now,
    };
    enum db_status st = dataset_create(t->db, &d, cols, n);
    if (st == DB_DUPLICATE) /* made meanwhile by its owner: use it */
        st = dataset_get_by_name(t->db, &l->arena, t->user_id, target->name, &l->ds);
    else if (st == DB_OK)
        st = dataset_get(t->db, &l->arena, id, &l->ds);
    if (st != DB_OK) {
        snprintf(t->error, sizeof(t->error), "the dataset %s cannot be created: %s",
                 target->name, db_last_error(t->db));
        goto out;
    }
    log_info("job %s: dataset %s (%s) created from its output", t->job_id, l->ds.id, l->ds.name);
    rc = 0;
out:
    json_object_put(cols_json);
    json_object_put(inferred);
    return rc;
}

/* The dataset a destination names: by id, or by name (made when there is
 * none); a record key or precombine field asked for must be its own. */
static int destination_dataset(struct load *l, const struct load_target *target, const char *path,
                               const char *format)
{
    struct task *t = l->t;
    enum db_status st =
        target->dataset_id ? dataset_get(t->db, &l->arena, target->dataset_id, &l->ds)
        : target->name    ? dataset_get_by_name(t->db, &l->arena, t->user_id, target->name, &l->ds)
                          : DB_NO_ROW;
    if (st == DB_OK && strcmp(l->ds.user_id, t->user_id) != 0)
        st = DB_NO_ROW;
    if (st == DB_NO_ROW && target->dataset_id == NULL && target->name != NULL)
        return create_from_output(l, target, path, format);
    if (st != DB_OK) {
        snprintf(t->error, sizeof(t->error), st == DB_NO_ROW
                                                 ? "the destination dataset no longer exists"
                                                 : "the destination dataset cannot be read");
        return -1;
    }
    if (target->record_key != NULL && strcmp(target->record_key, l->ds.record_key_field) != 0) {
        snprintf(t->error, sizeof(t->error), "the dataset's record key is %s, not %s",
                 l->ds.record_key_field, target->record_key);
        return -1;
    }
    if (target->precombine != NULL &&
        (l->ds.precombine_field == NULL || strcmp(target->precombine, l->ds.precombine_field) != 0)) {
        snprintf(t->error, sizeof(t->error), "the dataset's precombine field is %s, not %s",
                 l->ds.precombine_field ? l->ds.precombine_field : "none", target->precombine);
        return -1;
    }
    return 0;
}

int task_load_file(struct task *t, const struct load_target *target, const char *path,
                   const char *format)
{
    const char *mode = target->mode;
    struct load *l = calloc(1, sizeof(*l));
    struct load_file *f = calloc(1, sizeof(*f));
    const struct format *fmt = formats_lookup(format);
    int rc = TASK_FAILED;
    if (l == NULL || f == NULL) {
        free(l);
        free(f);
        snprintf(t->error, sizeof(t->error), "out of memory");
        return TASK_FAILED;
    }
    l->t = t;
    l->file = f;
    l->next_row = next_file_row;
    l->mode = mode;
    l->batch_size = 10000;
    arena_init(&l->arena, 0);
    f->reader = fmt ? fmt->reader : NULL;
    f->env = rec_env_new(NULL);
    f->arena = rec_arena_new();
    if (f->reader == NULL || f->env == NULL || f->arena == NULL) {
        snprintf(t->error, sizeof(t->error), "the output (%s) cannot be read back",
                 format ? format : "?");
        goto out;
    }
    enum db_status st;
    if (destination_dataset(l, target, path, format) != 0)
        goto out;
    if (load_columns(l) != 0) {
        snprintf(t->error, sizeof(t->error), "the dataset's columns are malformed");
        goto out;
    }
    for (int i = 0; i < l->ncols; i++)
        if ((f->names[i] = rec_intern(f->env, l->cols[i], strlen(l->cols[i]))) == NULL) {
            snprintf(t->error, sizeof(t->error), "out of memory");
            goto out;
        }
    struct reader_args args = {.path = path, .env = f->env};
    if (f->reader->open(&f->state, &args) != ENGINE_OK) {
        f->state = NULL;
        snprintf(t->error, sizeof(t->error), "the output cannot be read: %s",
                 rec_env_error(f->env));
        goto out;
    }
    log_info("job %s: loading its output into dataset %s (%s)", t->job_id, l->ds.id, mode);
    t->processed = t->total = 0;
    if (strcmp(mode, "overwrite") == 0) {
        st = load_overwrite(l);
    } else {
        bool upsert = strcmp(mode, "upsert") == 0;
        do {
            l->in_chunk = 0;
            st = upsert ? commit_upsert(l) : commit_append(l);
        } while (st == DB_OK && !l->eof && l->in_chunk > 0);
    }
    t->total = t->processed;
    t->result = summary(l);
    if (st == DB_OK)
        rc = TASK_OK;
    else if (st == DB_NO_ROW)
        snprintf(t->error, sizeof(t->error), "the job is no longer this run's");
    else
        snprintf(t->error, sizeof(t->error), "the load into the dataset stopped after %lld "
                 "commits: %s", l->commits, l->failed ? l->msg : db_last_error(t->db));
out:
    db_exec_text(t->db, "DROP TEMPORARY TABLE IF EXISTS quarry_stage", NULL);
    if (f->state != NULL)
        f->reader->close(f->state);
    rec_arena_free(f->arena);
    rec_env_free(f->env);
    free(f);
    load_free(l);
    return rc;
}
