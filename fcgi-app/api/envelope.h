#ifndef QUARRY_API_ENVELOPE_H
#define QUARRY_API_ENVELOPE_H
/* The ETL seed's answer envelope for dependencies and errors:
 * {"success": true, "message": "...", "data": {...}}. Failures keep the one
 * error shape of the API (respond_error). */
#include <json-c/json.h>

#include "api/request.h"

/* Sends {success:true, message, data} with status; takes data. */
void respond_envelope(struct request *req, int status, const char *message, json_object *data);

#endif
