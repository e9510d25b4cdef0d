/* json_record.h — writes one record as a JSON object; shared by the JSON and
 * JSON Lines writers. Keys are escaped once per column and cached. */
#ifndef QUARRY_PROCESS_JSON_RECORD_H
#define QUARRY_PROCESS_JSON_RECORD_H

#include "process/outbuf.h"
#include "process/record.h"

struct json_keys;

/* Ownership: the caller frees the cache with json_keys_free(). */
struct json_keys *json_keys_new(void);
void json_keys_free(struct json_keys *keys);

/* Appends {"name":value,...} for rec. Returns 0, or -1 when out of memory. */
int json_record_write(struct outbuf *ob, struct json_keys *keys, const struct record *rec);

#endif
