#ifndef QUARRY_PROGRESS_POST_H
#define QUARRY_PROGRESS_POST_H
/* The Pebbles progress message, as POST /clients/{krn}/progress takes it
 * and as quarry-intake reads it from a queue: {filename, counts:{done,
 * warn, failed}, total?, isLast?, errors?, warnings?, email?, clientKrn?},
 * its fields declared once, with their limits. */
#include <json-c/json.h>

#include "common/arena.h"
#include "common/progress_store.h"
#include "common/validate.h"

/* Its declared fields (checked by progress_post_read, documented by the
 * API's OpenAPI document): the message, its counts, an item of errors or
 * warnings ({line?, message}, or a bare message string). */
enum { POST_FILENAME, POST_COUNTS, POST_TOTAL, POST_IS_LAST, POST_ERRORS, POST_WARNINGS,
       POST_EMAIL, POST_CLIENT_KRN, POST__MAX };
extern const struct field_spec progress_post_fields[POST__MAX];
enum { COUNT_DONE, COUNT_WARN, COUNT_FAILED, COUNT__MAX };
extern const struct field_spec progress_count_fields[COUNT__MAX];
enum { MESSAGE_LINE, MESSAGE_TEXT, MESSAGE__MAX };
extern const struct field_spec progress_message_fields[MESSAGE__MAX];

/* What a message says beside the post itself. */
struct progress_post_extra {
    const char *email;      /* the member reported for; NULL when absent */
    const char *client_krn; /* clientKrn (queue messages name their client); NULL when absent */
};

/* Where a message is wrong: field ("counts.done", "errors[3]") and why. */
struct progress_post_error {
    const char *field;
    char message[256];
};

/* Reads body into post and extra (strings borrowed from body, arrays in a).
 * 0, or -1 with *err filled (its field in a). post's client_id, user_id
 * and keep are left for the caller. */
int progress_post_read(json_object *body, struct arena *a, struct progress_post *post,
                       struct progress_post_extra *extra, struct progress_post_error *err);

#endif
