/* libFuzzer target for the SQL endpoint's lexical gate: whatever it lets
 * through is one statement no longer than its input, and running it again
 * on its own output lets that through too.
 * fuzz-link: fcgi-app/common/sql_guard.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/sql_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[256];
    if (size > SQL_GUARD_MAX)
        return 0;
    char *out = malloc(size + 1), *again = malloc(size + 1);
    if (out == NULL || again == NULL)
        abort();
    if (sql_guard_check((const char *)data, size, out, msg, sizeof(msg)) == SQL_GUARD_OK) {
        size_t n = strlen(out);
        if (n > size)
            abort();
        if (memchr(data, '\0', size) == NULL &&
            sql_guard_check(out, n, again, msg, sizeof(msg)) != SQL_GUARD_OK)
            abort();
    }
    free(out);
    free(again);
    return 0;
}
