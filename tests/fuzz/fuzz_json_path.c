/* fuzz_json_path.c — libFuzzer target for the JSONPath compiler
 * (json_path.c) and the JSON reader's walk with it (read_json.c).
 *
 * The first line is the expression; when it compiles, the rest is a JSON
 * document read with {"json_path": <expression>}. Oracle besides the
 * sanitizers: a compiled path has at most JPATH_MAX_STEPS steps, and its
 * names lie inside its own buffer and are no longer than the expression. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_reader.h"
#include "process/formats.h"
#include "process/json_path.h"

static void check_path(const struct jpath *p, size_t expr_len)
{
    if (p->n < 0 || p->n > JPATH_MAX_STEPS)
        abort();
    for (int i = 0; i < p->n; i++) {
        const struct jpath_step *st = &p->steps[i];
        if (st->kind != JPATH_MEMBER && st->kind != JPATH_DESCEND)
            continue;
        if (st->name < p->names || st->name + st->name_len >= p->names + sizeof(p->names) ||
            st->name_len > expr_len || st->name[st->name_len] != '\0')
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t expr_len = nl ? (size_t)(nl - data) : size;
    if (expr_len > JPATH_MAX_LEN + 16 || memchr(data, '\0', expr_len) != NULL)
        return 0;
    char expr[JPATH_MAX_LEN + 17], msg[256];
    memcpy(expr, data, expr_len);
    expr[expr_len] = '\0';
    static struct jpath path;
    if (jpath_compile(expr, &path, msg, sizeof(msg)) != 0) {
        if (msg[0] == '\0')
            abort();   /* a refusal always says why */
        return 0;
    }
    check_path(&path, expr_len);
    if (jpath_from_dotted(expr, &path) == 0)
        check_path(&path, expr_len);
    /* A valid expression in a valid config: the document is the rest. */
    json_object *cfg = json_object_new_object();
    json_object_object_add(cfg, "json_path", json_object_new_string_len(expr, (int)expr_len));
    const char *text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN);
    if (text == NULL) {   /* not valid UTF-8 for json-c's writer: nothing to read with */
        json_object_put(cfg);
        return 0;
    }
    char fdpath[64];
    size_t rest = nl ? size - expr_len - 1 : 0;
    int fd = fuzz_memfd(nl ? nl + 1 : data + size, rest, fdpath, sizeof(fdpath));
    fuzz_read(formats_reader("json"), fdpath, text, NULL, NULL);
    close(fd);
    json_object_put(cfg);
    return 0;
}
