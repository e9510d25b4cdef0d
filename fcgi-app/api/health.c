/* GET /health: the process answers, whether the database does, and which
 * parts the stack's supervisor reports as not running as they should. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"

/* tools/quarry's supervisor rewrites <run_dir>/supervisor.state every
 * second, one line per part: "name state ...", state "up" when all is well.
 * Older than this, the supervisor itself is gone. */
#define SUPERVISOR_STATE "supervisor.state"
#define SUPERVISOR_STALE_SECONDS 10

/* Adds to parts (a JSON array) the name of every part the supervisor does
 * not report "up", and "supervisor" when its file is stale. No file (a host
 * whose parts systemd supervises) adds nothing. */
static void supervised_parts_down(const char *run_dir, json_object *parts)
{
    char path[600], line[256], name[32], state[16];
    snprintf(path, sizeof(path), "%s/%s", run_dir, SUPERVISOR_STATE);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && time(NULL) - st.st_mtime > SUPERVISOR_STALE_SECONDS)
        json_object_array_add(parts, json_object_new_string("supervisor"));
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%31s %15s", name, state) == 2 && name[0] != '#' &&
            strcmp(state, "up") != 0)
            json_object_array_add(parts, json_object_new_string(name));
    }
    fclose(f);
}

/* On a Galera node (wsrep_on), the node's own view: it serves only while
 * it is ready and in the primary component; a node cut off from the others
 * (non-Primary) refuses statements, and its pools answer 503 so that the
 * load balancer sends their requests elsewhere. NULL when not a node. */
static json_object *cluster_view(struct db *db, bool *serving)
{
    struct db_cluster c;
    *serving = true;
    if (db_cluster_state(db, &c) != DB_OK) {
        *serving = false;
        return NULL;
    }
    if (!c.is_node)
        return NULL;
    *serving = c.ready && strcmp(c.status, "Primary") == 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(c.status));
    json_object_object_add(o, "ready", json_object_new_boolean(c.ready));
    json_object_object_add(o, "state", json_object_new_string(c.state));
    json_object_object_add(o, "size", json_object_new_int64(c.size));
    return o;
}

void health_get(struct request *req)
{
    bool up = db_ping(req->app->db) == DB_OK, serving = up;
    json_object *cluster = up ? cluster_view(req->app->db, &serving) : NULL;
    json_object *down = json_object_new_array();
    supervised_parts_down(req->app->cfg.run_dir, down);
    const char *status = "healthy";
    if (!up || !serving)
        status = "unhealthy";
    else if (json_object_array_length(down) > 0)
        status = "degraded";
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "database", json_object_new_string(!up ? "down" : serving ? "up" : "unavailable"));
    if (cluster != NULL)
        json_object_object_add(o, "cluster", cluster);
    json_object_object_add(o, "degraded", down);
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    respond_json_put(req, up && serving ? 200 : 503, o);
}

const struct route_doc health_get_doc = {
    .handler = health_get,
    .summary = "Whether the API and its database answer (no token)",
    .status = 200,
    .answer = "Health",
};
