#include "api/envelope.h"

#include "api/response.h"

void respond_envelope(struct request *req, int status, const char *message, json_object *data)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "success", json_object_new_boolean(1));
    json_object_object_add(o, "message", json_object_new_string(message));
    json_object_object_add(o, "data", data);
    respond_json_put(req, status, o);
}
