/* libFuzzer target for what a pipeline definition parses: cron expressions
 * (and the search for their next slot), schedule objects, and
 * transformation_rules compiled to engine steps. The first byte picks one.
 * fuzz-link: fcgi-app/common/cron.c fcgi-app/common/schedule.c fcgi-app/api/pipeline_rules.c
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/pipeline_rules.h"
#include "common/cron.h"
#include "common/schedule.h"

static void fuzz_cron(const char *text)
{
    struct cron c;
    char err[160];
    long long next;
    if (cron_parse(text, &c, err, sizeof(err)) != 0)
        return;
    cron_next(&c, "UTC", 1767949200, &next);
    cron_next(&c, "Europe/Berlin", 1792879200, &next);
}

static void fuzz_json(const char *text, int which)
{
    char field[160], msg[300];
    json_object *v = json_tokener_parse(text);
    if (v == NULL)
        return;
    if (which == 1) {
        struct schedule s;
        long long next;
        if (schedule_parse(v, "UTC", &s, field, sizeof(field), msg, sizeof(msg)) == 0) {
            json_object_put(schedule_to_json(&s));
            schedule_next(&s, 1767949200000LL, 1767949100000LL, &next);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        json_object *steps = json_object_new_array();
        pipeline_rules_compile(v, steps, field, sizeof(field), msg, sizeof(msg));
        json_object_put(steps);
    }
    json_object_put(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0: fuzz_cron(text); break;
    case 1: fuzz_json(text, 1); break;
    default: fuzz_json(text, 2); break;
    }
    free(text);
    return 0;
}
