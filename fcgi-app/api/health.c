/* GET /health: the process answers, and whether the database does. */
#include "api/handlers.h"
#include "api/response.h"
#include "api/route_doc.h"

void health_get(struct request *req)
{
    bool up = db_ping(req->app->db) == DB_OK;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(up ? "healthy" : "unhealthy"));
    json_object_object_add(o, "database", json_object_new_string(up ? "up" : "down"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    respond_json_put(req, up ? 200 : 503, o);
}

const struct route_doc health_get_doc = {
    .handler = health_get,
    .summary = "Whether the API and its database answer (no token)",
    .status = 200,
    .answer = "Health",
};
