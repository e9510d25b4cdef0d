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

/* ---- a full storage disk (507 INSUFFICIENT_STORAGE)
 * The storage file system has room for bytes more (statvfs, the space an
 * unprivileged writer may use; true when it cannot tell). The upload
 * locations ask before nginx spools a body: a body larger than the room
 * left is refused before a byte of it is written. */
bool object_storage_has_room(struct request *req, long long bytes);
/* Whether a write's errno says the disk (or the writer's quota) is full. */
bool object_errno_is_full(int err);
/* Answers a failed write of an upload: 507 INSUFFICIENT_STORAGE when err
 * says the storage is full, else 500 INTERNAL_ERROR with message. */
void respond_store_failure(struct request *req, int err, const char *message);

#endif
