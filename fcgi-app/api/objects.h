#ifndef QUARRY_API_OBJECTS_H
#define QUARRY_API_OBJECTS_H
/* Signed object URLs (made by the API, checked for nginx) and object files in
 * the storage dir. */
#include <stdbool.h>

#include "api/request.h"

/* Full URL public_url/objects/<key>?expires=…[&max=…]&sig=…, in the arena.
 * max_bytes < 0 for downloads. */
char *object_url(struct request *req, const char *method, const char *object_key,
                 long long expires, long long max_bytes);
/* <storage_dir>/<key> in the arena; the key must be signing_key_is_safe(). */
char *object_path(struct request *req, const char *object_key);
/* Size of the stored object, or -1 when it is missing. */
long long object_size(struct request *req, const char *object_key);
/* Removes an object (and its now empty folder); missing is fine. */
void object_remove(struct request *req, const char *object_key);
/* Opens the body nginx spooled to a file (REQUEST_BODY_FILE) when it is one
 * of nginx's temp files in <storage_dir>/.tmp and holds exactly length
 * bytes: a descriptor the caller closes, or -1 (then read the FastCGI
 * stream). The uploads' locations spool it so that no worker holds a body. */
int object_spooled_body(struct request *req, long long length);

#endif
