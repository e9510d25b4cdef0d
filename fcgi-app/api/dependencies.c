/* Dependencies between pipelines (a DAG per user): add, list, remove,
 * check, the tree of a pipeline's parents, and the pipelines that can run
 * now. Answers in the ETL seed's {success, message, data} envelope. When an
 * execution ends, the children it completes are queued by
 * common/pipeline_queue.c. */
#include <stdio.h>
#include <string.h>

#include "api/dependency_store.h"
#include "api/envelope.h"
#include "api/handlers.h"
#include "common/store.h"
#include "api/pipeline_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/log.h"

#define TREE_DEPTH_DEFAULT 5
#define TREE_DEPTH_MAX 20
/* Nodes in one tree answer at most (a wide DAG repeats shared parents). */
#define TREE_NODES_MAX 10000

static const char *const dependency_types[] = {"SUCCESS", "COMPLETION", "DATA_AVAILABILITY"};

enum { ADD_PARENT, ADD_TYPE, ADD_DESCRIPTION, ADD__MAX };
static const struct field_spec add_fields[ADD__MAX] = {
    [ADD_PARENT] = {"parent_job_id", FIELD_STRING, true, 1, 64},
    [ADD_TYPE] = {"dependency_type", FIELD_STRING, false, 1, 24},
    [ADD_DESCRIPTION] = {"description", FIELD_STRING, false, 0, 10000},
};

static json_object *edge_json(const char *id, const struct pipeline *parent,
                              const struct pipeline *child, const char *type,
                              const char *description)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dependency_id", json_object_new_string(id));
    json_object_object_add(o, "parent_job_id", json_object_new_string(parent->id));
    json_object_object_add(o, "parent_job_name", json_object_new_string(parent->job_name));
    json_object_object_add(o, "child_job_id", json_object_new_string(child->id));
    json_object_object_add(o, "child_job_name", json_object_new_string(child->job_name));
    json_object_object_add(o, "dependency_type", json_object_new_string(type));
    json_object_object_add(o, "description", store_text_json(description));
    return o;
}

void dependencies_add(struct request *req)
{
    struct pipeline child, parent;
    json_object *body = NULL, *v[ADD__MAX];
    char id[UUID_LEN + 1];
    const char *cycle = NULL;
    if (request_json_body(req, &body) != 0)
        return;
    if (request_fields(req, body, add_fields, ADD__MAX, v) != 0)
        goto out;
    const char *type = v[ADD_TYPE] ? json_object_get_string(v[ADD_TYPE]) : "SUCCESS";
    bool known = false;
    for (size_t i = 0; i < sizeof(dependency_types) / sizeof(dependency_types[0]); i++)
        known = known || strcmp(type, dependency_types[i]) == 0;
    if (!known) {
        respond_invalid(req, "dependency_type",
                        "dependency_type must be SUCCESS, COMPLETION or DATA_AVAILABILITY");
        goto out;
    }
    if (pipeline_load_own(req, req->params[0], &child) != 0)
        goto out;
    const char *parent_id = json_object_get_string(v[ADD_PARENT]);
    enum db_status st = id_is_uuid(parent_id)
                            ? pipeline_get(req->app->db, req->arena, parent_id, &parent)
                            : DB_NO_ROW;
    if (st != DB_OK && st != DB_NO_ROW) {
        respond_db_error(req, st);
        goto out;
    }
    if (st == DB_NO_ROW || strcmp(parent.user_id, req->user.id) != 0) {
        respond_invalid(req, "parent_job_id", "parent_job_id is not one of your pipelines");
        goto out;
    }
    const char *description =
        v[ADD_DESCRIPTION] ? json_object_get_string(v[ADD_DESCRIPTION]) : NULL;
    id_uuid4(id);
    st = dependency_add(req->app->db, req->arena, req->user.id, id, parent.id, child.id, type,
                        description, &cycle);
    if (st == DB_DUPLICATE) {
        respond_error(req, 409, "CONFLICT", "This dependency exists already", "parent_job_id");
        goto out;
    }
    if (st != DB_OK) {
        respond_db_error(req, st);
        goto out;
    }
    if (cycle != NULL) {
        respond_invalid(req, "parent_job_id",
                        arena_printf(req->arena,
                                     "This dependency would make a cycle: %s", cycle));
        goto out;
    }
    log_info("dependency %s: %s -> %s (%s)", id, parent.id, child.id, type);
    respond_envelope(req, 201, "Dependency added successfully",
                     edge_json(id, &parent, &child, type, description));
out:
    json_object_put(body);
}

static json_object *edge_state_json(const struct dependency_edge *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dependency_id", json_object_new_string(e->id));
    json_object_object_add(o, "parent_job_id", json_object_new_string(e->parent_id));
    json_object_object_add(o, "parent_job_name", json_object_new_string(e->parent_name));
    json_object_object_add(o, "dependency_type", json_object_new_string(e->dependency_type));
    json_object_object_add(o, "description", store_text_json(e->description));
    json_object_object_add(o, "is_met", json_object_new_boolean(e->met));
    json_object_object_add(o, "latest_status", store_text_json(e->latest_status));
    json_object_object_add(o, "created_at", store_time_json(e->created_at));
    return o;
}

void dependencies_list(struct request *req)
{
    struct pipeline p;
    struct dependency_report r;
    const char **children;
    int nchildren;
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    enum db_status st = dependency_report(req->app->db, req->arena, p.id, &r);
    if (st == DB_OK)
        st = dependency_children(req->app->db, req->arena, p.id, &children, &nchildren);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    json_object *parents = json_object_new_array(), *dependents = json_object_new_array();
    for (int i = 0; i < r.total; i++)
        json_object_array_add(parents, edge_state_json(&r.edges[i]));
    for (int i = 0; i < nchildren; i++)
        json_object_array_add(dependents, json_object_new_string(children[i]));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "job_id", json_object_new_string(p.id));
    json_object_object_add(data, "dependencies", parents);
    json_object_object_add(data, "total", json_object_new_int64(r.total));
    json_object_object_add(data, "dependent_job_ids", dependents);
    respond_envelope(req, 200,
                     arena_printf(req->arena, "Found %d dependencies", r.total), data);
}

void dependencies_remove(struct request *req)
{
    struct pipeline p;
    const char *removed = NULL;
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    enum db_status st = dependency_remove(req->app->db, req->arena, p.id, req->params[1], &removed);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    if (removed == NULL) {
        respond_error(req, 404, "DEPENDENCY_NOT_FOUND", "Dependency not found", NULL);
        return;
    }
    json_object *data = json_object_new_object();
    json_object_object_add(data, "dependency_id", json_object_new_string(removed));
    json_object_object_add(data, "child_job_id", json_object_new_string(p.id));
    respond_envelope(req, 200, "Dependency removed successfully", data);
}

void dependencies_check(struct request *req)
{
    struct pipeline p;
    struct dependency_report r;
    if (pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    enum db_status st = dependency_report(req->app->db, req->arena, p.id, &r);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    json_object *unmet = json_object_new_array();
    for (int i = 0; i < r.total; i++) {
        const struct dependency_edge *e = &r.edges[i];
        if (e->met)
            continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "parent_job_id", json_object_new_string(e->parent_id));
        json_object_object_add(o, "parent_job_name", json_object_new_string(e->parent_name));
        json_object_object_add(o, "dependency_type", json_object_new_string(e->dependency_type));
        json_object_object_add(o, "reason", json_object_new_string(e->reason));
        json_object_object_add(o, "latest_status", store_text_json(e->latest_status));
        json_object_array_add(unmet, o);
    }
    bool all = r.met == r.total;
    json_object *data = json_object_new_object();
    json_object_object_add(data, "dependencies_met", json_object_new_boolean(all));
    json_object_object_add(data, "total_dependencies", json_object_new_int64(r.total));
    json_object_object_add(data, "met_dependencies", json_object_new_int64(r.met));
    json_object_object_add(data, "unmet_dependencies", unmet);
    respond_envelope(req, 200, all ? "All dependencies met" : "Some dependencies not met", data);
}

/* ---- the tree of parents ---- */

struct tree {
    const struct dependency_graph *g;
    const struct pipeline_names *names;
    int max_depth, nodes;
    const char **seen; /* distinct pipelines in the tree */
    int nseen;
};

static int name_index(const struct pipeline_names *names, const char *id)
{
    for (int i = 0; i < names->n; i++)
        if (strcmp(names->items[i].id, id) == 0)
            return i;
    return -1;
}

static void tree_see(struct tree *t, const char *id)
{
    for (int i = 0; i < t->nseen; i++)
        if (strcmp(t->seen[i], id) == 0)
            return;
    t->seen[t->nseen++] = id;
}

static json_object *tree_node(struct tree *t, const char *id, const char *type, int depth)
{
    int k = name_index(t->names, id);
    json_object *o = json_object_new_object();
    t->nodes++;
    tree_see(t, id);
    if (type != NULL)
        json_object_object_add(o, "dependency_type", json_object_new_string(type));
    json_object_object_add(o, "job_id", json_object_new_string(id));
    json_object_object_add(o, "job_name",
                           json_object_new_string(k >= 0 ? t->names->items[k].name : id));
    json_object_object_add(o, "job_type",
                           json_object_new_string(k >= 0 ? t->names->items[k].type : "FULL_ETL"));
    json_object_object_add(o, "depth", json_object_new_int(depth));
    json_object *parents = json_object_new_array();
    for (int e = 0; depth < t->max_depth && e < t->g->n && t->nodes < TREE_NODES_MAX; e++)
        if (strcmp(t->g->edges[e].child, id) == 0)
            json_object_array_add(parents, tree_node(t, t->g->edges[e].parent,
                                                     t->g->edges[e].type, depth + 1));
    json_object_object_add(o, "parents", parents);
    return o;
}

enum { TREE_DEPTH, TREE__MAX };
static const struct field_spec tree_query[TREE__MAX] = {
    [TREE_DEPTH] = {"max_depth", FIELD_INT, false, 0, TREE_DEPTH_MAX},
};

void dependencies_tree(struct request *req)
{
    struct pipeline p;
    struct dependency_graph g;
    struct pipeline_names names;
    json_object *v[TREE__MAX];
    if (request_query(req, tree_query, TREE__MAX, v, NULL) != 0 ||
        pipeline_load_own(req, req->params[0], &p) != 0)
        return;
    enum db_status st = dependency_graph_load(req->app->db, req->arena, req->user.id, &g);
    if (st == DB_OK)
        st = pipeline_names_load(req->app->db, req->arena, req->user.id, &names);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return;
    }
    struct tree t = {&g, &names, TREE_DEPTH_DEFAULT, 0, NULL, 0};
    if (v[TREE_DEPTH] != NULL)
        t.max_depth = (int)json_object_get_int64(v[TREE_DEPTH]);
    t.seen = arena_alloc(req->arena, (size_t)(names.n + 1) * sizeof(*t.seen));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "root_job_id", json_object_new_string(p.id));
    json_object_object_add(data, "tree", tree_node(&t, p.id, NULL, 0));
    json_object_object_add(data, "total_jobs_in_tree", json_object_new_int(t.nseen));
    json_object_object_add(data, "max_depth", json_object_new_int(t.max_depth));
    respond_envelope(req, 200, "Dependency tree retrieved successfully", data);
}

/* ---- executable pipelines ---- */

static void add_executable(void *ctx, const struct executable_row *r)
{
    if (r->met != r->total)
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "job_id", json_object_new_string(r->id));
    json_object_object_add(o, "job_name", json_object_new_string(r->name));
    json_object_object_add(o, "job_type", json_object_new_string(r->type));
    json_object_object_add(o, "total_dependencies", json_object_new_int(r->total));
    json_object_array_add(ctx, o);
}

void dependencies_executable(struct request *req)
{
    json_object *list = json_object_new_array();
    enum db_status st =
        dependency_executable(req->app->db, req->arena, req->user.id, add_executable, list);
    if (st != DB_OK) {
        json_object_put(list);
        respond_db_error(req, st);
        return;
    }
    size_t n = json_object_array_length(list);
    json_object *data = json_object_new_object();
    json_object_object_add(data, "executable_jobs", list);
    json_object_object_add(data, "total", json_object_new_int64((long long)n));
    respond_envelope(req, 200, arena_printf(req->arena, "Found %zu executable jobs", n), data);
}

/* ---- docs ---- */

const struct route_doc dependencies_add_doc = {
    .handler = dependencies_add,
    .summary = "Make the pipeline depend on a parent pipeline",
    .description = "dependency_type SUCCESS (the default): the child runs after the parent's "
                   "successful execution; COMPLETION: after one that succeeded or failed; "
                   "DATA_AVAILABILITY: after a successful one that produced records. A "
                   "dependency that would close a cycle is a 422 naming it.",
    .status = 201,
    .answer = "DependencyAdded",
    .answers = "409",
    .body = DOC_BODY_JSON,
    .fields = {{NULL, add_fields, ADD__MAX}},
};

const struct route_doc dependencies_list_doc = {
    .handler = dependencies_list,
    .summary = "A pipeline's parents (each met or not) and the pipelines that depend on it",
    .status = 200,
    .answer = "DependencyList",
};

const struct route_doc dependencies_remove_doc = {
    .handler = dependencies_remove,
    .summary = "Remove a dependency (named by its id or by the parent pipeline's id)",
    .status = 200,
    .answer = "DependencyRemoved",
};

const struct route_doc dependencies_check_doc = {
    .handler = dependencies_check,
    .summary = "Whether the pipeline's dependencies are met, and which are not",
    .status = 200,
    .answer = "DependencyCheck",
};

const struct route_doc dependencies_tree_doc = {
    .handler = dependencies_tree,
    .summary = "The tree of the pipeline's parents (max_depth levels, default 5)",
    .status = 200,
    .answer = "DependencyTree",
    .query = tree_query,
    .nquery = TREE__MAX,
};

const struct route_doc dependencies_executable_doc = {
    .handler = dependencies_executable,
    .summary = "The caller's pipelines whose dependencies are all met",
    .status = 200,
    .answer = "Executable",
};
