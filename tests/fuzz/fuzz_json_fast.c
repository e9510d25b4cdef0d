/* fuzz_json_fast.c — differential libFuzzer target for json_fast.c, the
 * JSON Lines reader's scanner of flat objects.
 *
 * The first byte chooses whether "d" is a date field; the rest is one line.
 * When the scanner takes the line, json-c (with the reader's flags) must
 * accept it too, as an object, and the record json_flat.c makes from
 * json-c's object must be the record it makes from the scanner's members:
 * the same names in the same order, the same types and the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/json_fast.h"
#include "process/json_flat.h"

static json_object *parse_like_the_reader(json_tokener *tok, const char *p, size_t len)
{
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, p, (int)len);
    if (json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1);
    return json_tokener_get_error(tok) == json_tokener_success ? o : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    const char *line = (const char *)data + 1;
    size_t len = size - 1;
    struct jfast s = {0};
    enum jfast_result fr = jfast_parse(&s, line, len);
    if (fr == JFAST_NO_MEMORY)
        abort();
    if (fr != JFAST_OBJECT) {
        jfast_free(&s);
        return 0;
    }

    json_tokener *tok = json_tokener_new_ex(JFLAT_PARSE_DEPTH);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = parse_like_the_reader(tok, line, len);
    if (!o || !json_object_is_type(o, json_type_object))
        abort();   /* the scanner took a line json-c refuses */

    json_object *config = json_tokener_parse((data[0] & 1) ? "{\"date_fields\":[\"d\"]}" : "{}");
    struct jflat_options opt;
    char field[64], msg[256];
    if (jflat_options_parse(config, &opt, field, sizeof(field), msg, sizeof(msg)))
        abort();
    struct rec_env *env = rec_env_new(NULL);
    struct jflat *fast = jflat_new(env, &opt), *slow = jflat_new(env, &opt);
    if (!env || !fast || !slow)
        abort();
    struct record a = {0}, b = {0};
    a.line = b.line = 1;
    int ra = jflat_record_members(fast, s.m, s.n, &a);
    if (ra != JFLAT_USE_JSONC) {
        int rb = jflat_record(slow, o, &b);
        if (ra != rb)
            abort();
        if (ra == ENGINE_OK) {
            if (a.nfields != b.nfields)
                abort();
            for (size_t i = 0; i < a.nfields; i++) {
                const struct rec_field *x = &a.fields[i], *y = &b.fields[i];
                if (x->name != y->name || x->type != y->type || x->len != y->len ||
                    (x->len && memcmp(x->val, y->val, x->len) != 0))
                    abort();
            }
        }
    }
    jflat_free(fast);
    jflat_free(slow);
    rec_env_free(env);
    json_object_put(config);
    json_object_put(o);
    json_tokener_free(tok);
    jfast_free(&s);
    return 0;
}
