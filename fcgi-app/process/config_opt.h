#ifndef QUARRY_CONFIG_OPT_H
#define QUARRY_CONFIG_OPT_H
/* config_opt.h — the keys of a reader's processing_config (json_flat.c,
 * read_xml.c, sheet.c): each check names the key in field and says what is
 * wrong in msg, for the caller's 422. A key that is absent or null leaves
 * *out as it was. Each returns 0, or -1 with field and msg set. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets field to name and msg to text. */
void opt_error(char *field, size_t field_len, const char *name, char *msg, size_t msg_len,
               const char *text);
/* The key's value, or NULL when it is absent or null. */
json_object *opt_value(json_object *config, const char *key);
/* The processing_config itself: 1 when it is absent (the defaults stand),
 * 0 when it is an object, -1 ("must be an object") otherwise. */
int opt_object(json_object *config, char *field, size_t field_len, char *msg, size_t msg_len);
/* The nesting limits of a reader: max_depth (0 to max_depth) into *depth
 * and max_record_bytes (1 to max_record) into *record. */
int opt_nesting(json_object *config, int max_depth, size_t max_record, int *depth,
                size_t *record, char *field, size_t field_len, char *msg, size_t msg_len);
/* An array of at most max strings of min_len to max_len bytes each into
 * *out; a bad array says array_msg (field key), a bad item item_msg (field
 * key[i]). */
int opt_strings(json_object *config, const char *key, size_t max, size_t min_len, size_t max_len,
                const char *array_msg, const char *item_msg, json_object **out, char *field,
                size_t field_len, char *msg, size_t msg_len);
/* true or false. */
int opt_bool(json_object *config, const char *key, bool *out, char *field, size_t field_len,
             char *msg, size_t msg_len);
/* An integer from min to max ("must be an integer between min and max"). */
int opt_int(json_object *config, const char *key, long long min, long long max, long long *out,
            char *field, size_t field_len, char *msg, size_t msg_len);

#endif
