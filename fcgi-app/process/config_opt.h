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
/* true or false. */
int opt_bool(json_object *config, const char *key, bool *out, char *field, size_t field_len,
             char *msg, size_t msg_len);
/* An integer from min to max ("must be an integer between min and max"). */
int opt_int(json_object *config, const char *key, long long min, long long max, long long *out,
            char *field, size_t field_len, char *msg, size_t msg_len);

#endif
