/* pipeline.c — engine_run: one reader, the job's steps, one writer.
 *
 *   validate config and steps -> pick the reader (config "format", else
 *   content sniffing with the name as a hint) -> init steps -> output
 *   columns (reader's, rewritten by each step) -> pick and open the writer
 *   -> stream records -> metadata -> close.
 *
 * Counting: total = rows read (rows the reader rejected included);
 * processed = rows handled (== total at the end); succeeded = rows written;
 * failed = rows rejected by the reader or failed by a step; warned = rows
 * with at least one warning. A row a filter or dedupe drops is processed
 * but neither succeeded nor failed. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/engine.h"
#include "process/formats.h"
#include "process/input.h"
#include "process/metadata.h"
#include "process/record.h"
#include "process/steps.h"

/* How often the cancel flag is looked at and progress is reported. */
#define CANCEL_EVERY 1024
#define PROGRESS_EVERY 65536

struct step_slot {
    const struct step_ops *ops;
    void *state;
};

struct run {
    const struct engine_job *job;
    const struct engine_callbacks *cb;
    struct engine_result *out;
    struct rec_env *env;
    struct rec_arena *arena;
    struct meta_stats *stats;
    const struct format *input_format;
    const struct reader_ops *reader;
    void *reader_state;
    struct step_slot *steps;
    size_t nsteps;
    const struct format *output_format;
    const struct writer_ops *writer;
    void *writer_state;
    struct rec_columns cols;
    size_t input_columns;   /* as the reader announced them (0: per record) */
};

static int pick_reader(struct run *r)
{
    int rc = input_format(r->job->input_path, r->job->processing_config,
                          r->job->input_name_hint, r->env, &r->input_format);
    if (rc == ENGINE_OK)
        r->reader = r->input_format->reader;
    return rc;
}

static int pick_writer(struct run *r)
{
    const char *want = steps_output_format(r->job->processing_steps);
    if (!want)
        want = r->job->output_format;
    if (!want)
        want = r->input_format->writer ? r->input_format->name : "csv";
    r->output_format = formats_lookup(want);
    r->writer = r->output_format ? r->output_format->writer : NULL;
    if (!r->writer) {
        char names[128];
        return rec_fail(r->env, ENGINE_BAD_CONFIG, "output format \"%s\" is not available (%s)",
                        want, formats_writer_names(names, sizeof(names)));
    }
    return ENGINE_OK;
}

static int init_steps(struct run *r)
{
    json_object *list = r->job->processing_steps;
    size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list)
                                                                   : 0;
    r->steps = calloc(n ? n : 1, sizeof(*r->steps));
    if (!r->steps)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *step = json_object_array_get_idx(list, i), *type, *params = NULL;
        json_object_object_get_ex(step, "type", &type);
        json_object_object_get_ex(step, "params", &params);
        const struct step_ops *ops = steps_find(json_object_get_string(type));
        int rc = ops->init(&r->steps[i].state, params, r->env);
        if (rc != ENGINE_OK)
            return rc;
        r->steps[i].ops = ops;
        r->nsteps = i + 1;
    }
    return ENGINE_OK;
}

/* The output columns: the reader's, rewritten by each step in order. This
 * is also where a step naming a column that does not exist fails. */
static int plan_columns(struct run *r)
{
    if (r->reader->columns) {
        int rc = r->reader->columns(r->reader_state, &r->cols);
        if (rc != ENGINE_OK)
            return rec_fail(r->env, rc, "out of memory");
        r->input_columns = r->cols.count;
    }
    if (meta_columns(r->stats, &r->cols))
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < r->nsteps; i++) {
        if (!r->steps[i].ops->columns)
            continue;
        int rc = r->steps[i].ops->columns(r->steps[i].state, &r->cols);
        if (rc != ENGINE_OK)
            return rec_env_status(r->env) != ENGINE_OK ? rec_env_status(r->env) : rc;
    }
    return ENGINE_OK;
}

static void report_progress(struct run *r)
{
    if (!r->cb || !r->cb->progress)
        return;
    long long bytes_read, bytes_total;
    rec_env_bytes(r->env, &bytes_read, &bytes_total);
    r->cb->progress(r->cb->ctx, r->out->processed, r->out->failed, r->out->warned, bytes_read,
                    bytes_total);
}

/* Runs one record through the steps from the first-th and, if kept, the
 * writer. A step that holds the record (sort) gives it back later, and it
 * goes on from the step after (drain_steps). */
static int handle_record(struct run *r, struct record *rec, size_t first)
{
    struct engine_result *out = r->out;
    bool warned = first > 0 && rec->warned;
    int verdict = STEP_KEEP;
    for (size_t i = first; i < r->nsteps; i++) {
        struct step_issue issue;
        issue.code = NULL;
        issue.column = NULL;
        rec->warned = warned;
        if (!r->steps[i].ops->keeps_values)
            rec->num_known = false;
        verdict = r->steps[i].ops->process(r->steps[i].state, rec, &issue);
        if (verdict == STEP_HOLD) {
            if (rec_env_status(r->env) != ENGINE_OK)
                return rec_env_status(r->env);
            return ENGINE_OK;   /* counted when it comes back */
        }
        if (verdict == STEP_FAIL) {
            if (rec_env_status(r->env) != ENGINE_OK)
                return rec_env_status(r->env);
            rec_report(r->env, rec->line, issue.column, "error", issue.code ? issue.code : "ERROR",
                       "%s", issue.message);
            out->failed++;
            break;
        }
        if (issue.code) {
            rec_report(r->env, rec->line, issue.column, "warning", issue.code, "%s",
                       issue.message);
            warned = true;
        }
        if (verdict == STEP_DROP)
            break;
    }
    out->warned += warned;
    if (verdict != STEP_KEEP)
        return ENGINE_OK;
    int rc = r->writer->write(r->writer_state, rec);
    if (rc != ENGINE_OK)
        return rc;
    out->succeeded++;
    return ENGINE_OK;
}

static int stream(struct run *r)
{
    struct engine_result *out = r->out;
    struct record rec = {.arena = r->arena};
    volatile int *cancel = r->cb ? r->cb->cancel : NULL;
    for (;;) {
        rec_arena_reset(r->arena);
        int rs = r->reader->next(r->reader_state, &rec);
        if (rs == READ_EOF)
            break;
        if (rs == READ_ERROR)
            return rec_env_status(r->env) != ENGINE_OK ? rec_env_status(r->env)
                                                      : rec_fail(r->env, ENGINE_BAD_INPUT,
                                                                 "the input could not be read");
        out->total++;
        if (rs == READ_REJECTED) {
            out->failed++;
        } else {
            if (meta_observe(r->stats, &rec))
                return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
            int rc = handle_record(r, &rec, 0);
            if (rc != ENGINE_OK)
                return rc;
        }
        out->processed = out->total;
        if (out->total % CANCEL_EVERY == 0) {
            if (cancel && *cancel)
                return rec_fail(r->env, ENGINE_CANCELLED, "cancelled");
            if (out->total % PROGRESS_EVERY == 0)
                report_progress(r);
        }
    }
    return ENGINE_OK;
}

/* After the input: the records the steps held (sort), each step's in
 * turn, through the steps after it. Cancel and progress as in stream(). */
static int drain_steps(struct run *r)
{
    struct record rec = {.arena = r->arena};
    volatile int *cancel = r->cb ? r->cb->cancel : NULL;
    for (size_t i = 0; i < r->nsteps; i++) {
        if (!r->steps[i].ops->drain)
            continue;
        for (long long n = 1;; n++) {
            if (cancel && *cancel)
                return rec_fail(r->env, ENGINE_CANCELLED, "cancelled");
            rec_arena_reset(r->arena);
            int got = r->steps[i].ops->drain(r->steps[i].state, &rec);
            if (got == 0)
                break;
            if (got < 0)
                return rec_env_status(r->env) != ENGINE_OK
                           ? rec_env_status(r->env)
                           : rec_fail(r->env, ENGINE_IO_ERROR, "a step failed");
            int rc = handle_record(r, &rec, i + 1);
            if (rc != ENGINE_OK)
                return rc;
            if (n % PROGRESS_EVERY == 0)
                report_progress(r);
        }
    }
    return ENGINE_OK;
}

static void build_metadata(struct run *r)
{
    json_object *meta = json_object_new_object();
    if (!meta)
        return;
    if (r->reader && r->reader_state && r->reader->metadata)
        r->reader->metadata(r->reader_state, meta);
    if (r->input_columns > 0 && !json_object_object_get_ex(meta, "columns_count", NULL))
        json_object_object_add(meta, "columns_count",
                               json_object_new_int64((int64_t)r->input_columns));
    if (r->stats)
        meta_emit(r->stats, meta);
    for (size_t i = 0; i < r->nsteps; i++)
        if (r->steps[i].ops->finish)
            r->steps[i].ops->finish(r->steps[i].state, meta);
    json_object_object_add(meta, "rows_total", json_object_new_int64(r->out->total));
    json_object_object_add(meta, "rows_written", json_object_new_int64(r->out->succeeded));
    json_object_object_add(meta, "rows_failed", json_object_new_int64(r->out->failed));
    json_object_object_add(meta, "rows_warned", json_object_new_int64(r->out->warned));
    json_object_object_add(meta, "row_problems", json_object_new_int64(rec_env_reported(r->env)));
    if (r->out->input_format[0])
        json_object_object_add(meta, "input_format", json_object_new_string(r->out->input_format));
    if (r->out->output_format[0])
        json_object_object_add(meta, "output_format",
                               json_object_new_string(r->out->output_format));
    json_object_object_add(meta, "output_columns", json_object_new_int64((int64_t)r->cols.count));
    r->out->metadata = meta;
}

static int run_job(struct run *r)
{
    char field[160], msg[300];
    const struct engine_job *job = r->job;
    if (!job || !job->input_path || !job->output_path)
        return rec_fail(r->env, ENGINE_BAD_CONFIG, "input and output paths are required");
    /* Steps' temporary files (sort) go beside the output: the job's own
     * directory, which the dispatcher removes when a run is killed. */
    char *copy = strdup(job->output_path);
    int trc = copy ? rec_env_set_tmpdir(r->env, dirname(copy)) : -1;
    free(copy);
    if (trc)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    if (engine_validate_config(job->processing_config, field, sizeof(field), msg, sizeof(msg)) ||
        engine_validate_steps(job->processing_steps, field, sizeof(field), msg, sizeof(msg)))
        return rec_fail(r->env, ENGINE_BAD_CONFIG, "%s: %s", field, msg);
    int rc = pick_reader(r);
    if (rc != ENGINE_OK)
        return rc;
    snprintf(r->out->input_format, sizeof(r->out->input_format), "%s", r->input_format->name);
    rc = pick_writer(r);
    if (rc != ENGINE_OK)
        return rc;
    snprintf(r->out->output_format, sizeof(r->out->output_format), "%s", r->output_format->name);
    meta_note_numbers(r->stats, r->writer->uses_num && r->reader->text_values);
    rc = init_steps(r);
    if (rc != ENGINE_OK)
        return rc;
    struct reader_args rargs = {
        .path = job->input_path,
        .name_hint = job->input_name_hint,
        .config = job->processing_config,
        .env = r->env,
    };
    rc = r->reader->open(&r->reader_state, &rargs);
    if (rc != ENGINE_OK) {
        r->reader_state = NULL;
        return rc;
    }
    rc = plan_columns(r);
    if (rc != ENGINE_OK)
        return rc;
    struct writer_args wargs = {
        .path = job->output_path,
        .columns = &r->cols,
        .config = job->processing_config,
        .options = steps_output_options(job->processing_steps),
        .env = r->env,
    };
    rc = r->writer->open(&r->writer_state, &wargs);
    if (rc != ENGINE_OK) {
        r->writer_state = NULL;
        return rc;
    }
    rc = stream(r);
    if (rc == ENGINE_OK)
        rc = drain_steps(r);
    int wrc = r->writer->close(r->writer_state);
    r->writer_state = NULL;
    return rc != ENGINE_OK ? rc : wrc;
}

int engine_run(const struct engine_job *job, const struct engine_callbacks *cb,
               struct engine_result *out)
{
    memset(out, 0, sizeof(*out));
    struct run r = {.job = job, .cb = cb, .out = out};
    int rc = ENGINE_NO_MEMORY;
    r.env = rec_env_new(cb);
    r.arena = rec_arena_new();
    r.stats = meta_new(false);
    if (!r.env || !r.arena || !r.stats) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        goto out;
    }
    rc = run_job(&r);
    if (rc != ENGINE_OK && rec_env_status(r.env) == ENGINE_OK)
        rec_fail(r.env, rc, "%s", engine_status_name(rc));
    if (rc != ENGINE_OK)
        snprintf(out->error, sizeof(out->error), "%s", rec_env_error(r.env));
    out->processed = out->total;
    report_progress(&r);
    build_metadata(&r);
out:
    if (r.writer_state)
        r.writer->close(r.writer_state);
    if (r.reader_state)
        r.reader->close(r.reader_state);
    for (size_t i = 0; i < r.nsteps; i++)
        r.steps[i].ops->free(r.steps[i].state);
    free(r.steps);
    rec_columns_free(&r.cols);
    meta_free(r.stats);
    rec_arena_free(r.arena);
    rec_env_free(r.env);
    /* A failed run leaves no partial output behind. */
    if (rc != ENGINE_OK && job && job->output_path)
        unlink(job->output_path);
    return rc;
}
