#ifndef QUARRY_ERROR_CLASS_H
#define QUARRY_ERROR_CLASS_H
/* How a problem of an execution is classed in its error rows: the ETL
 * seed's error_type and error_severity (LOW, MEDIUM, HIGH, CRITICAL), from
 * the engine's row-level codes and severities and from a failed run's
 * message. One table each, so the mapping is documented in one place
 * (docs/pipelines.md repeats it). Pure. */

struct error_class {
    const char *type;     /* VALIDATION_ERROR, PARSING_ERROR, … */
    const char *severity; /* LOW, MEDIUM, HIGH, CRITICAL */
};

/* A row-level problem: the engine's code ("VALIDATION_EMAIL", "RAGGED_ROW")
 * and severity ("error" or "warning"). */
struct error_class error_class_of_row(const char *code, const char *severity);
/* A run that ended FAILED, by its error message. */
struct error_class error_class_of_run(const char *message);

#endif
