#include "api/dependency_store.h"

#include <string.h>

#include "common/store.h"
#include "common/pipeline_queue.h"

/* At most this many edges (and pipelines) of one user are looked at. */
#define GRAPH_MAX 100000

/* ---- the report of one child ---- */

static const char *reason_of(const struct dependency_edge *e)
{
    if (e->last_status == NULL)
        return e->latest_status == NULL ? "Parent job has never been executed"
                                        : "Parent job has not finished an execution yet";
    if (strcmp(e->dependency_type, "COMPLETION") == 0)
        return "Parent job's latest execution was cancelled";
    if (strcmp(e->dependency_type, "DATA_AVAILABILITY") == 0 &&
        strcmp(e->last_status, "SUCCESS") == 0)
        return "Parent job's latest execution produced no data";
    return "Parent job's latest execution did not succeed";
}

/* A row of the report's columns into a struct dependency_edge added to the rows (ctx). */
static int take_edge(void *ctx, const struct db_row *row)
{
    struct store_rows *rows = ctx;
    struct dependency_edge *e = store_rows_add(rows);
    const char **const text[] = {&e->id,          &e->parent_id,       &e->parent_name,
                                 &e->parent_type, &e->child_id,        &e->dependency_type,
                                 &e->description, &e->created_at,      &e->last_status,
                                 &e->latest_status};
    long long *const ints[] = {&e->last_records};
    STORE_ROW_READ(rows, row, text, ints);
    e->met = dependency_met(e->dependency_type, e->last_status, e->last_records);
    e->reason = e->met ? NULL : reason_of(e);
    if (e->latest_status == NULL)
        e->latest_status = e->last_status;
    return rows->n >= GRAPH_MAX;
}

enum db_status dependency_report(struct db *db, struct arena *a, const char *child_id,
                                 struct dependency_report *out)
{
    struct store_rows rows = STORE_ROWS(a, struct dependency_edge);
    enum db_status st =
        db_query(db,
                 "SELECT d.id, d.parent_id, p.job_name, p.job_type, d.child_id,"
                 " d.dependency_type, d.description, d.created_at, p.last_execution_status,"
                 " (SELECT x.status FROM pipeline_executions x WHERE x.pipeline_id = d.parent_id"
                 " ORDER BY x.created_at DESC, x.id DESC LIMIT 1), p.last_execution_records"
                 " FROM pipeline_dependencies d JOIN pipelines p ON p.id = d.parent_id"
                 " WHERE d.child_id = ? ORDER BY d.created_at, d.id",
                 DB_PARAMS(P_STR(child_id)), take_edge, &rows);
    out->edges = rows.items;
    out->total = (int)rows.n;
    out->met = 0;
    for (int i = 0; i < out->total; i++)
        out->met += out->edges[i].met;
    return st;
}

/* One id column into a const char * added to the rows (ctx). */
static int take_child(void *ctx, const struct db_row *row)
{
    struct store_rows *rows = ctx;
    const char **id = store_rows_add(rows);
    const char **const text[] = {id};
    store_row_read(rows, row, text, 1, NULL, 0);
    return rows->n >= GRAPH_MAX;
}

enum db_status dependency_children(struct db *db, struct arena *a, const char *parent_id,
                                   const char ***ids, int *n)
{
    struct store_rows rows = STORE_ROWS(a, const char *);
    enum db_status st = db_query(db,
                                 "SELECT child_id FROM pipeline_dependencies WHERE parent_id = ?"
                                 " ORDER BY created_at, id",
                                 DB_PARAMS(P_STR(parent_id)), take_child, &rows);
    *ids = rows.items;
    *n = (int)rows.n;
    return st;
}

/* ---- the graph ---- */

static int take_graph_edge(void *ctx, const struct db_row *row)
{
    struct store_rows *rows = ctx;
    struct graph_edge *e = store_rows_add(rows);
    const char **const text[] = {&e->parent, &e->child, &e->type};
    store_row_read(rows, row, text, 3, NULL, 0);
    return rows->n >= GRAPH_MAX;
}

enum db_status dependency_graph_load(struct db *db, struct arena *a, const char *user_id,
                                     struct dependency_graph *g)
{
    struct store_rows rows = STORE_ROWS(a, struct graph_edge);
    enum db_status st = db_query(db,
                                 "SELECT parent_id, child_id, dependency_type"
                                 " FROM pipeline_dependencies WHERE user_id = ?"
                                 " ORDER BY created_at, id",
                                 DB_PARAMS(P_STR(user_id)), take_graph_edge, &rows);
    g->edges = rows.items;
    g->n = (int)rows.n;
    return st;
}

static int take_name(void *ctx, const struct db_row *row)
{
    struct store_rows *rows = ctx;
    struct pipeline_name *p = store_rows_add(rows);
    const char **const text[] = {&p->id, &p->name, &p->type};
    store_row_read(rows, row, text, 3, NULL, 0);
    return rows->n >= GRAPH_MAX;
}

enum db_status pipeline_names_load(struct db *db, struct arena *a, const char *user_id,
                                   struct pipeline_names *out)
{
    struct store_rows rows = STORE_ROWS(a, struct pipeline_name);
    enum db_status st = db_query(db, "SELECT id, job_name, job_type FROM pipelines WHERE user_id = ?",
                                 DB_PARAMS(P_STR(user_id)), take_name, &rows);
    out->items = rows.items;
    out->n = (int)rows.n;
    return st;
}

static const char *name_of(const struct pipeline_names *names, const char *id)
{
    for (int i = 0; i < names->n; i++)
        if (strcmp(names->items[i].id, id) == 0)
            return names->items[i].name;
    return id;
}

/* The path from `from` down to `to` along child edges, as names joined by
 * " → ", or NULL when there is none (breadth first, so the shortest). */
static const char *path_down(struct arena *a, const struct dependency_graph *g,
                             const struct pipeline_names *names, const char *from, const char *to)
{
    const char **queue = arena_alloc(a, (size_t)(g->n + 1) * sizeof(*queue));
    int *from_item = arena_alloc(a, (size_t)(g->n + 1) * sizeof(*from_item));
    int head = 0, tail = 0;
    queue[tail] = from, from_item[tail++] = -1;
    while (head < tail) {
        const char *at = queue[head];
        if (strcmp(at, to) == 0) {
            const char *text = name_of(names, at);
            for (int i = head; from_item[i] >= 0; i = from_item[i])
                text = arena_printf(a, "%s → %s", name_of(names, queue[from_item[i]]), text);
            return text;
        }
        for (int e = 0; e < g->n; e++) {
            if (strcmp(g->edges[e].parent, at) != 0)
                continue;
            bool seen = false;
            for (int k = 0; k < tail && !seen; k++)
                seen = strcmp(queue[k], g->edges[e].child) == 0;
            if (!seen && tail <= g->n)
                queue[tail] = g->edges[e].child, from_item[tail++] = head;
        }
        head++;
    }
    return NULL;
}

struct add_ctx {
    struct arena *a;
    const char *user_id, *id, *parent_id, *child_id, *type, *description;
    const char **cycle;
};

/* One try, inside the transaction; run again whole when it lost a conflict. */
static enum db_status add_once(struct db *db, void *arg)
{
    struct add_ctx *c = arg;
    struct arena *a = c->a;
    struct dependency_graph g;
    struct pipeline_names names;
    long long locked = 0;
    *c->cycle = NULL;
    /* The user's row written, not only locked: a Galera cluster certifies
     * the write (sql/014_cluster_locks.sql), so two adds on two nodes take
     * turns and the second sees the first's edge in its cycle check. */
    enum db_status st = db_exec(db, "UPDATE users SET lock_seq = lock_seq + 1 WHERE id = ?",
                                DB_PARAMS(P_STR(c->user_id)), &locked);
    if (st == DB_OK && locked != 1)
        st = DB_NO_ROW;
    if (st == DB_OK)
        st = dependency_graph_load(db, a, c->user_id, &g);
    if (st == DB_OK)
        st = pipeline_names_load(db, a, c->user_id, &names);
    if (st != DB_OK)
        return st;
    /* parent → child closes a cycle when the parent is reached from the child. */
    const char *back = strcmp(c->parent_id, c->child_id) == 0
                           ? name_of(&names, c->child_id)
                           : path_down(a, &g, &names, c->child_id, c->parent_id);
    if (back != NULL) {
        *c->cycle = arena_printf(a, "%s → %s", back, name_of(&names, c->child_id));
        return DB_NO_ROW; /* nothing to write: rolled back */
    }
    return db_exec(db,
                   "INSERT INTO pipeline_dependencies (id, user_id, parent_id, child_id,"
                   " dependency_type, description, created_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
                   DB_PARAMS(P_STR(c->id), P_STR(c->user_id), P_STR(c->parent_id),
                             P_STR(c->child_id), P_STR(c->type), P_STR(c->description)),
                   NULL);
}

enum db_status dependency_add(struct db *db, struct arena *a, const char *user_id,
                              const char *id, const char *parent_id, const char *child_id,
                              const char *type, const char *description, const char **cycle)
{
    struct add_ctx c = {a, user_id, id, parent_id, child_id, type, description, cycle};
    *cycle = NULL;
    enum db_status st = db_transaction(db, DB_REPEATABLE_READ, add_once, &c);
    return st == DB_NO_ROW && *cycle != NULL ? DB_OK : st;
}

static int take_removed(void *ctx, const struct db_row *row)
{
    char *out = ctx;
    if (row->values[0] != NULL && strlen(row->values[0]) == 36)
        memcpy(out, row->values[0], 37);
    return 1;
}

enum db_status dependency_remove(struct db *db, struct arena *a, const char *child_id,
                                 const char *which, const char **removed)
{
    char found[37] = "";
    *removed = NULL;
    enum db_status st = db_query(db,
                                 "SELECT id FROM pipeline_dependencies WHERE child_id = ?"
                                 " AND (id = ? OR parent_id = ?)",
                                 DB_PARAMS(P_STR(child_id), P_STR(which), P_STR(which)),
                                 take_removed, found);
    if (st != DB_OK || found[0] == '\0')
        return st;
    const char *id = arena_strdup(a, found);
    long long affected = 0;
    st = db_exec(db, "DELETE FROM pipeline_dependencies WHERE id = ?", DB_PARAMS(P_STR(id)),
                 &affected);
    if (st == DB_OK && affected == 1)
        *removed = id;
    return st;
}

/* ---- executable pipelines ---- */

struct executable_ctx {
    struct arena *arena;
    void (*fn)(void *ctx, const struct executable_row *r);
    void *ctx;
    struct executable_row cur;
    bool open;
};

static int take_executable(void *ctx, const struct db_row *row)
{
    struct executable_ctx *c = ctx;
    const char *const *v = row->values; /* id, name, type, dependency type, last status, records */
    if (c->open && strcmp(c->cur.id, v[0]) != 0) {
        c->fn(c->ctx, &c->cur);
        c->open = false;
    }
    if (!c->open) {
        c->cur = (struct executable_row){arena_strdup(c->arena, v[0]),
                                         arena_strdup(c->arena, v[1]),
                                         arena_strdup(c->arena, v[2]), 0, 0};
        c->open = true;
    }
    if (v[3] != NULL) {
        c->cur.total++;
        c->cur.met += dependency_met(v[3], v[4], db_row_int(row, 5));
    }
    return 0;
}

enum db_status dependency_executable(struct db *db, struct arena *a, const char *user_id,
                                     void (*fn)(void *ctx, const struct executable_row *r),
                                     void *ctx)
{
    struct executable_ctx c = {a, fn, ctx, {0}, false};
    enum db_status st =
        db_query(db,
                 "SELECT p.id, p.job_name, p.job_type, d.dependency_type,"
                 " q.last_execution_status, q.last_execution_records"
                 " FROM pipelines p LEFT JOIN pipeline_dependencies d ON d.child_id = p.id"
                 " LEFT JOIN pipelines q ON q.id = d.parent_id"
                 " WHERE p.user_id = ? AND p.is_active = 1 ORDER BY p.created_at, p.id",
                 DB_PARAMS(P_STR(user_id)), take_executable, &c);
    if (st == DB_OK && c.open)
        fn(ctx, &c.cur);
    return st;
}
