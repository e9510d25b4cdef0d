#include "common/error_class.h"

#include <string.h>

/* Row-level codes by prefix; the first match wins. severity NULL: from the
 * engine's severity (error: MEDIUM, warning: LOW). */
static const struct {
    const char *prefix, *type, *severity;
} row_classes[] = {
    {"VALIDATION_", "VALIDATION_ERROR", NULL},
    {"CAST_ERROR", "TRANSFORMATION_ERROR", NULL},
    {"TOO_MANY_ERRORS", "PROCESSING_ERROR", "LOW"},
    {"OUT_OF_MEMORY", "SYSTEM_ERROR", "CRITICAL"},
    {"DEDUPE_LIMIT", "PROCESSING_ERROR", "HIGH"},
    {"REGEX_BUDGET", "PROCESSING_ERROR", "HIGH"},
    {"RAGGED_ROW", "PARSING_ERROR", NULL},
    {"UNTERMINATED_QUOTE", "PARSING_ERROR", NULL},
    {"LINE_TOO_LONG", "PARSING_ERROR", NULL},
    {"TOO_MANY_COLUMNS", "PARSING_ERROR", NULL},
    {"DUPLICATE_FIELD", "PARSING_ERROR", NULL},
    {"BAD_", "PARSING_ERROR", NULL},
    {"INVALID_", "PARSING_ERROR", NULL},
    {"VALUE_TRUNCATED", "PARSING_ERROR", NULL},
};

/* A failed run by what its message starts with (or, for the dispatcher's
 * messages, contains); the last row is the default. */
static const struct {
    const char *text, *type, *severity;
} run_classes[] = {
    {"source: ", "SOURCE_ERROR", "HIGH"},
    {"destination: ", "PROCESSING_ERROR", "HIGH"},
    {"the input object", "SOURCE_ERROR", "HIGH"},
    {"the job has no uploaded input", "SOURCE_ERROR", "HIGH"},
    {"bad input", "PARSING_ERROR", "HIGH"},
    {"bad config", "CONFIGURATION_ERROR", "HIGH"},
    {"time limit", "TIMEOUT_ERROR", "HIGH"},
    {"could not be read or written in the database", "DATABASE_ERROR", "CRITICAL"},
    {"i/o error", "SYSTEM_ERROR", "CRITICAL"},
    {"out of memory", "SYSTEM_ERROR", "CRITICAL"},
    {"killed by signal", "SYSTEM_ERROR", "CRITICAL"},
    {"abandoned after", "SYSTEM_ERROR", "CRITICAL"},
    {"cannot", "SYSTEM_ERROR", "CRITICAL"},
    {"", "PROCESSING_ERROR", "HIGH"},
};

struct error_class error_class_of_row(const char *code, const char *severity)
{
    const char *by_engine = severity != NULL && strcmp(severity, "warning") == 0 ? "LOW" : "MEDIUM";
    for (size_t i = 0; code != NULL && i < sizeof(row_classes) / sizeof(row_classes[0]); i++)
        if (strncmp(code, row_classes[i].prefix, strlen(row_classes[i].prefix)) == 0)
            return (struct error_class){row_classes[i].type,
                                        row_classes[i].severity ? row_classes[i].severity
                                                                : by_engine};
    return (struct error_class){"PROCESSING_ERROR", by_engine};
}

struct error_class error_class_of_run(const char *message)
{
    size_t n = sizeof(run_classes) / sizeof(run_classes[0]);
    for (size_t i = 0; message != NULL && i + 1 < n; i++) {
        const char *t = run_classes[i].text;
        /* The engine's and the resolver's messages start with their class;
         * the dispatcher's name it inside ("quarry-process was killed …"). */
        if (strncmp(message, t, strlen(t)) == 0 || strstr(message, t) != NULL)
            return (struct error_class){run_classes[i].type, run_classes[i].severity};
    }
    return (struct error_class){run_classes[n - 1].type, run_classes[n - 1].severity};
}
