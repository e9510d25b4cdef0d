#ifndef QUARRY_API_DEPENDENCY_STORE_H
#define QUARRY_API_DEPENDENCY_STORE_H
/* The API's statements on pipeline dependencies: the DAG's edges (parent →
 * child: the child waits for the parent), their state, and the graph a user
 * owns for the cycle check and the tree. The auto-trigger that acts on them
 * when an execution ends is common/pipeline_queue.c's. */
#include <json-c/json.h>
#include <stdbool.h>

#include "common/arena.h"
#include "common/db.h"

/* One dependency of a child on a parent, with the parent's state. */
struct dependency_edge {
    const char *id, *parent_id, *parent_name, *parent_type, *child_id, *dependency_type,
        *description, *created_at;
    const char *last_status;   /* the parent's latest finished execution, or NULL */
    const char *latest_status; /* its latest execution, finished or not, or NULL */
    long long last_records;
    bool met;
    const char *reason; /* why not met (the seed's wording), or NULL */
};

struct dependency_report {
    struct dependency_edge *edges; /* in the arena */
    int total, met;
};

/* The dependencies of child with their state (met or why not). */
enum db_status dependency_report(struct db *db, struct arena *a, const char *child_id,
                                 struct dependency_report *out);
/* The pipelines that depend on parent_id (ids in the arena). */
enum db_status dependency_children(struct db *db, struct arena *a, const char *parent_id,
                                   const char ***ids, int *n);

/* Every edge of the user's graph, for the cycle check and the tree. */
struct graph_edge {
    const char *parent, *child, *type;
};
struct dependency_graph {
    const struct graph_edge *edges; /* n, in the arena */
    int n;
};
enum db_status dependency_graph_load(struct db *db, struct arena *a, const char *user_id,
                                     struct dependency_graph *g);

/* Adds parent → child in one transaction that first locks the user's row
 * (so two adds cannot close a cycle between them) and reloads the graph:
 * when the new edge would close a cycle, nothing is written and *cycle gets
 * it as a text "A → B → … → A" of pipeline names (in the arena). DB_DUPLICATE
 * when the edge exists. */
enum db_status dependency_add(struct db *db, struct arena *a, const char *user_id,
                              const char *id, const char *parent_id, const char *child_id,
                              const char *type, const char *description, const char **cycle);
/* Removes the edge whose id, or whose parent, is which, of child. *removed
 * receives the edge's id (in the arena) or NULL when there was none. */
enum db_status dependency_remove(struct db *db, struct arena *a, const char *child_id,
                                 const char *which, const char **removed);

/* Names and types of the user's pipelines, for the tree. */
struct pipeline_name {
    const char *id, *name, *type;
};
struct pipeline_names {
    const struct pipeline_name *items; /* n, in the arena */
    int n;
};
enum db_status pipeline_names_load(struct db *db, struct arena *a, const char *user_id,
                                   struct pipeline_names *out);

/* Active pipelines of the user with their dependency counts (met per
 * dependency_met), in creation order: fn for each. */
struct executable_row {
    const char *id, *name, *type;
    int total, met;
};
enum db_status dependency_executable(struct db *db, struct arena *a, const char *user_id,
                                     void (*fn)(void *ctx, const struct executable_row *r),
                                     void *ctx);

#endif
