#include "process/job.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/db.h"
#include "common/ids.h"
#include "common/job_queue.h"
#include "common/log.h"
#include "process/engine.h"
#include "process/pipeline_source.h"
#include "process/sandbox.h"
#include "process/task.h"

/* Progress goes to the row at most this often (4 times a second). */
#define PROGRESS_INTERVAL_SECONDS 0.25
/* Line errors are written in batches of this many, one transaction each. */
#define ERROR_BATCH 64
/* The longest pause between two tries at writing a job's end. */
#define FINISH_BACKOFF_MAX_S 4.0
/* Any other database error of the end's write is tried again this long: a
 * cluster that loses a node aborts the transactions of its survivors in
 * transient ways, and the write is guarded by the run's attempt. */
#define FINISH_ERROR_RETRY_S 60.0
/* How long a run waits for the database before it starts (a failover). */
#define PREPARE_RETRY_S 30.0

struct pending_error {
    long long line;
    bool has_column;
    char column[256], severity[16], code[72], message[1024];
};

struct job_run {
    const struct config *cfg;
    struct db *db;
    const char *id;
    const char *execution_id; /* the pipeline execution this job runs, or NULL */
    struct task *pipeline;    /* its source and destination stages, or NULL */
    long long attempts;
    double started;
    double last_progress;
    bool lost; /* the row stopped being this run's: stop without writing */
    long long errors_kept;
    struct pending_error pending[ERROR_BATCH];
    int npending;
};

/* Set from the SIGTERM handler; the engine polls it. */
static volatile int job_cancel;
static volatile sig_atomic_t job_terminated;

static void on_term(int sig)
{
    (void)sig;
    job_terminated = 1;
    job_cancel = 1;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a throttle sleep ends at once when the signal comes. */
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* ---- line errors ---- */

static void flush_errors(struct job_run *run)
{
    struct job_line_error batch[ERROR_BATCH];
    if (run->npending == 0)
        return;
    for (int i = 0; i < run->npending; i++) {
        const struct pending_error *p = &run->pending[i];
        batch[i] = (struct job_line_error){p->line, p->has_column ? p->column : NULL, p->severity,
                                           p->code, p->message};
    }
    /* Losing a batch loses detail, never counts: those live on the job. */
    if (job_error_insert(run->db, run->id, run->execution_id, batch, run->npending) != DB_OK)
        log_warn("job %s: %d line errors not stored: %s", run->id, run->npending,
                 db_last_error(run->db));
    run->npending = 0;
}

static void on_line_error(void *ctx, long long line, const char *column, const char *severity,
                          const char *code, const char *message)
{
    struct job_run *run = ctx;
    if (run->errors_kept >= run->cfg->max_line_errors)
        return;
    struct pending_error *p = &run->pending[run->npending++];
    run->errors_kept++;
    p->line = line;
    p->has_column = column != NULL;
    snprintf(p->column, sizeof(p->column), "%s", column ? column : "");
    snprintf(p->severity, sizeof(p->severity), "%s", severity ? severity : "error");
    snprintf(p->code, sizeof(p->code), "%s", code ? code : "ERROR");
    snprintf(p->message, sizeof(p->message), "%s", message ? message : "");
    if (run->npending == ERROR_BATCH)
        flush_errors(run);
}

/* ---- progress ---- */

static void throttle(const struct config *cfg)
{
    if (cfg->process_throttle_ms <= 0 || job_cancel)
        return;
    struct timespec ts = {(time_t)(cfg->process_throttle_ms / 1000),
                          (long)(cfg->process_throttle_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* SIGTERM interrupts it */
}

static void on_progress(void *ctx, long long processed, long long failed, long long warned,
                        long long bytes_read, long long bytes_total)
{
    struct job_run *run = ctx;
    double now = time_mono();
    if (now - run->last_progress >= PROGRESS_INTERVAL_SECONDS && !run->lost) {
        run->last_progress = now;
        struct job_progress p = {.stage = "batch_processing",
                                 .processed = processed,
                                 .failed = failed,
                                 .warned = warned};
        /* Bytes read ahead before the first record are no progress: a run that
         * fails before reading one (a bad column, an unreadable header) stays 0. */
        if (bytes_total > 0 && bytes_read > 0 && processed > 0) {
            p.percentage = 100.0 * (double)bytes_read / (double)bytes_total;
            if (p.percentage > 100.0)
                p.percentage = 100.0;
            double elapsed = now - run->started;
            if (p.percentage >= 1.0) {
                double left = elapsed * (100.0 - p.percentage) / p.percentage;
                p.estimated_completion_ms = time_now_ms() + (long long)(left * 1000.0);
            }
        }
        flush_errors(run);
        enum db_status st = job_progress_update(run->db, run->id, run->attempts, &p);
        if (st == DB_NO_ROW) {
            log_warn("job %s: no longer this run's (attempt %lld): stopping", run->id,
                     run->attempts);
            run->lost = true;
            job_cancel = 1;
        } else if (st != DB_OK) {
            log_warn("job %s: progress not written: %s", run->id, db_last_error(run->db));
        }
    }
    throttle(run->cfg);
}

/* ---- paths ---- */

/* A key names a file under the storage dir: relative, no "..", no "//". */
static bool key_is_safe(const char *key)
{
    if (key == NULL || key[0] == '\0' || key[0] == '/')
        return false;
    for (const char *p = key; *p; p++) {
        if ((unsigned char)*p < 0x20)
            return false;
        bool segment_start = p == key || p[-1] == '/';
        if (segment_start && (p[0] == '/' || (p[0] == '.' && (p[1] == '/' || p[1] == '\0')) ||
                              (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))))
            return false;
    }
    return true;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Removes the temporary files of earlier runs of the job that were killed
 * (".<name>.<pid>.tmp"); the finished output has no leading dot. */
static void remove_stale_temporaries(const char *dir)
{
    char path[1400];
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] != '.' || n < 5 || strcmp(e->d_name + n - 4, ".tmp") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* ---- ending ---- */

static char *metrics_json(const struct job_run *run, const struct engine_result *res,
                          long long input_bytes, long long output_bytes)
{
    struct rusage ru;
    double wall = time_mono() - run->started;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    json_object *m = json_object_new_object();
    if (m == NULL)
        return NULL;
    json_object_object_add(m, "records_per_second",
                           json_object_new_double(wall > 0 ? (double)res->total / wall : 0));
    json_object_object_add(m, "peak_rss_kb", json_object_new_int64(ru.ru_maxrss));
    json_object_object_add(m, "cpu_seconds", json_object_new_double(cpu));
    json_object_object_add(m, "wall_seconds", json_object_new_double(wall));
    json_object_object_add(m, "input_bytes", json_object_new_int64(input_bytes));
    json_object_object_add(m, "output_bytes", json_object_new_int64(output_bytes));
    char *text = strdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
    json_object_put(m);
    return text;
}

/* The work is done: a database that is away (a restart, a failover, an
 * outage of minutes) must not turn it into a failure. The end is retried
 * with a backoff that doubles up to FINISH_BACKOFF_MAX_S for as long as it
 * takes: the dispatcher's time limit (its SIGTERM) or its shutdown is the
 * bound; any other error for FINISH_ERROR_RETRY_S. The guarded update makes
 * a repeat safe. */
static enum db_status finish_with_retries(struct job_run *run, const struct job_end *end,
                                          bool *won)
{
    enum db_status st = job_finish(run->db, run->id, run->attempts, JOB_FROM_ACTIVE, end, won);
    double pause = 0.5, since = time_mono();
    /* A conflict that outlasted db_transaction's tries (a hot row on a
     * cluster) is waited out the same way. */
    for (long long tries = 1;
         (st == DB_UNAVAILABLE ||
          (st == DB_ERROR && (db_last_was_deadlock(run->db) ||
                              time_mono() - since < FINISH_ERROR_RETRY_S))) &&
         !job_terminated;
         tries++) {
        if (tries == 1 || tries % 10 == 0)
            log_warn("job %s: database unavailable (%s); retrying its end (%lld tries, %.0f s)",
                     run->id, db_last_error(run->db), tries, time_mono() - since);
        struct timespec ts = {(time_t)pause, (long)((pause - (double)(time_t)pause) * 1e9)};
        nanosleep(&ts, NULL);   /* SIGTERM interrupts it */
        if (job_terminated)
            break;
        pause = pause * 2 > FINISH_BACKOFF_MAX_S ? FINISH_BACKOFF_MAX_S : pause * 2;
        st = job_finish(run->db, run->id, run->attempts, JOB_FROM_ACTIVE, end, won);
    }
    if (st == DB_OK && time_mono() - since > 1.0)
        log_info("job %s: its end written after %.0f s without the database", run->id,
                 time_mono() - since);
    return st;
}

/* Writes the outcome; returns the process's exit code. */
static int finish(struct job_run *run, enum job_status status, const char *message,
                  const struct engine_result *res, const char *output_key, long long input_bytes,
                  long long output_bytes)
{
    char *metrics = metrics_json(run, res, input_bytes, output_bytes < 0 ? 0 : output_bytes);
    const char *metadata =
        res->metadata ? json_object_to_json_string_ext(res->metadata, JSON_C_TO_STRING_PLAIN)
                      : NULL;
    struct job_end end = {
        .status = status,
        .error_message = message,
        .has_counts = true,
        .total = res->total,
        .processed = res->processed,
        .succeeded = res->succeeded,
        .failed = res->failed,
        .warned = res->warned,
        .metrics = metrics,
        .processing_metadata = metadata,
        .output_object_key = output_key,
        .output_size_bytes = output_bytes,
    };
    bool won = false;
    flush_errors(run);
    enum db_status st = finish_with_retries(run, &end, &won);
    free(metrics);
    if (st != DB_OK) {
        log_error("job %s: cannot write its end (%s): %s", run->id, job_status_name(status),
                  db_last_error(run->db));
        return JOB_EXIT_DATABASE;
    }
    if (!won) {
        log_warn("job %s: ended %s but the row is no longer this run's", run->id,
                 job_status_name(status));
        return JOB_EXIT_LOST;
    }
    log_info("job %s: %s in %.2f s (%lld records, %lld failed, %lld warnings)%s%s", run->id,
             job_status_name(status), time_mono() - run->started, res->total, res->failed, res->warned,
             message ? ": " : "", message ? message : "");
    return JOB_EXIT_ENDED;
}

static int fail_early(struct job_run *run, const char *message)
{
    struct engine_result none;
    memset(&none, 0, sizeof(none));
    return finish(run, JOB_FAILED, message, &none, NULL, 0, -1);
}

/* ---- the run ---- */

static json_object *parse_or_null(const char *text)
{
    return text != NULL && text[0] != '\0' ? json_tokener_parse(text) : NULL;
}

static int run_engine(struct job_run *run, const struct job_row *row)
{
    const struct config *cfg = run->cfg;
    char input[1100], dir[1100], tmp[1400], final[1400], shown[256], name[256], key[400];
    char message[700];
    struct engine_result res;
    int code;

    memset(&res, 0, sizeof(res));
    if (!key_is_safe(row->input_object_key))
        return fail_early(run, "the job has no uploaded input");
    snprintf(input, sizeof(input), "%s/%s", cfg->storage_dir, row->input_object_key);
    long long input_bytes = file_size(input);
    if (input_bytes < 0) {
        snprintf(message, sizeof(message), "the input object %.400s is missing",
                 row->input_object_key);
        return fail_early(run, message);
    }
    snprintf(dir, sizeof(dir), "%s/output", cfg->storage_dir);
    make_dir(dir);
    snprintf(dir, sizeof(dir), "%s/output/%s", cfg->storage_dir, run->id);
    if (make_dir(dir) != 0) {
        snprintf(message, sizeof(message), "cannot create the output directory: %s",
                 strerror(errno));
        return fail_early(run, message);
    }
    /* The key (and the file) use the name's URL-safe form; the download
     * gives the name itself in Content-Disposition. */
    engine_output_name(row->file_name ? row->file_name : "output", row->output_format, shown,
                       sizeof(shown));
    engine_output_key_name(shown, name, sizeof(name));
    /* Named after this process: a run that lost its job (its dispatcher was
     * presumed dead) may still be writing its own next to it. */
    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    remove_stale_temporaries(dir);

    json_object *config = parse_or_null(row->processing_config);
    json_object *steps = parse_or_null(row->processing_steps);
    struct engine_job job = {
        .input_path = input,
        .input_name_hint = row->file_name,
        .output_path = tmp,
        .processing_config = config,
        .processing_steps = steps,
        .output_format = row->output_format,
    };
    struct engine_callbacks cb = {run, on_progress, on_line_error, &job_cancel};
    int status = job_cancel ? ENGINE_CANCELLED : engine_run(&job, &cb, &res);
    flush_errors(run);

    if (job_terminated || run->lost) {
        unlink(tmp);
        code = job_terminated ? JOB_EXIT_STOPPED : JOB_EXIT_LOST;
        log_info("job %s: stopped (%s) after %.2f s", run->id,
                 job_terminated ? "SIGTERM" : "taken over", time_mono() - run->started);
    } else if (status == ENGINE_OK) {
        /* The engine may have changed the format (convert_format): name the
         * file after what it wrote. */
        if (res.output_format[0] != '\0') {
            engine_output_name(row->file_name ? row->file_name : "output", res.output_format,
                               shown, sizeof(shown));
            engine_output_key_name(shown, name, sizeof(name));
        }
        snprintf(final, sizeof(final), "%s/%s", dir, name);
        snprintf(key, sizeof(key), "output/%s/%s", run->id, name);
        if (rename(tmp, final) != 0) {
            snprintf(message, sizeof(message), "cannot move the output into place: %s",
                     strerror(errno));
            unlink(tmp);
            code = finish(run, JOB_FAILED, message, &res, NULL, input_bytes, -1);
        } else if (run->pipeline != NULL &&
                   pipeline_destination_write(run->pipeline, final,
                                              res.output_format[0] ? res.output_format
                                                                   : row->output_format,
                                              message, sizeof(message)) != 0) {
            if (job_terminated || run->lost)
                code = job_terminated ? JOB_EXIT_STOPPED : JOB_EXIT_LOST;
            else
                code = finish(run, JOB_FAILED, message, &res, NULL, input_bytes, -1);
        } else {
            /* A dataset destination's load: its commits' summary. */
            if (run->pipeline != NULL && run->pipeline->result != NULL) {
                if (res.metadata == NULL)
                    res.metadata = json_object_new_object();
                json_object_object_add(res.metadata, "dataset", run->pipeline->result);
                run->pipeline->result = NULL;
            }
            code = finish(run, JOB_COMPLETED, NULL, &res, key, input_bytes, file_size(final));
        }
    } else {
        unlink(tmp);
        snprintf(message, sizeof(message), "%s%s%s", engine_status_name(status),
                 res.error[0] ? ": " : "", res.error);
        code = finish(run, JOB_FAILED, message, &res, NULL, input_bytes, -1);
    }
    json_object_put(res.metadata);
    json_object_put(config);
    json_object_put(steps);
    return code;
}

/* ---- a data-quality check ---- */

/* The check's settings from its row (JSON text, owned by the caller), or NULL. */
static int take_text_copy(void *ctx, const struct db_row *row)
{
    char **out = ctx;
    *out = row->values[0] ? strdup(row->values[0]) : NULL;
    return 1;
}

static int write_quality(struct job_run *run, const char *check_id, json_object *result)
{
    json_object *v;
    long long numbers[3] = {0, 0, 0};
    const char *keys[3] = {"total_records", "passed_records", "failed_records"};
    for (int i = 0; i < 3; i++)
        if (json_object_object_get_ex(result, keys[i], &v))
            numbers[i] = json_object_get_int64(v);
    double score = json_object_object_get_ex(result, "quality_score", &v) ? json_object_get_double(v)
                                                                           : 0;
    json_object *issues = NULL, *details = NULL;
    json_object_object_get_ex(result, "issues", &issues);
    json_object_object_get_ex(result, "details", &details);
    enum db_status st = db_exec(
        run->db,
        "UPDATE quality_checks SET total_records = ?, passed_records = ?, failed_records = ?,"
        " quality_score = ?, issues = ?, details = ? WHERE id = ? AND status = 'running'",
        DB_PARAMS(P_INT(numbers[0]), P_INT(numbers[1]), P_INT(numbers[2]), P_REAL(score),
                  P_STR(json_object_to_json_string_ext(issues, JSON_C_TO_STRING_PLAIN)),
                  P_STR(json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN)),
                  P_STR(check_id)),
        NULL);
    return st == DB_OK ? 0 : -1;
}

static int run_quality(struct job_run *run, const struct job_row *row)
{
    char input[1100], err[512];
    char *config_text = NULL;
    struct engine_result res;
    memset(&res, 0, sizeof(res));
    if (db_query(run->db, "SELECT check_config FROM quality_checks WHERE id = ?",
                 DB_PARAMS(P_STR(row->quality_check_id)), take_text_copy, &config_text) != DB_OK)
        return JOB_EXIT_DATABASE;
    if (!key_is_safe(row->input_object_key)) {
        free(config_text);
        return fail_early(run, "the job has no uploaded input");
    }
    snprintf(input, sizeof(input), "%s/%s", run->cfg->storage_dir, row->input_object_key);
    json_object *config = parse_or_null(config_text), *reading = parse_or_null(row->processing_config);
    free(config_text);
    json_object *v;
    struct quality_spec spec = {true, true, true, NULL, NULL};
    if (config != NULL) {
        if (json_object_object_get_ex(config, "completeness", &v))
            spec.completeness = json_object_get_boolean(v);
        if (json_object_object_get_ex(config, "accuracy", &v))
            spec.accuracy = json_object_get_boolean(v);
        if (json_object_object_get_ex(config, "consistency", &v))
            spec.consistency = json_object_get_boolean(v);
        json_object_object_get_ex(config, "rules", &spec.rules);
        json_object_object_get_ex(config, "key_columns", &spec.key_columns);
    }
    struct engine_job job = {.input_path = input, .input_name_hint = row->file_name,
                             .processing_config = reading};
    struct engine_callbacks cb = {run, on_progress, NULL, &job_cancel};
    int status = ENGINE_OK;
    json_object *result = engine_quality_check(&job, &spec, &cb, &status, err, sizeof(err));
    int code;
    if (job_terminated || run->lost) {
        code = job_terminated ? JOB_EXIT_STOPPED : JOB_EXIT_LOST;
    } else if (result == NULL) {
        char message[700];
        snprintf(message, sizeof(message), "%s: %s", engine_status_name(status), err);
        code = finish(run, JOB_FAILED, message, &res, NULL, 0, -1);
    } else if (write_quality(run, row->quality_check_id, result) != 0) {
        code = JOB_EXIT_DATABASE;
    } else {
        json_object_object_get_ex(result, "total_records", &v);
        res.total = res.processed = json_object_get_int64(v);
        json_object_object_get_ex(result, "passed_records", &v);
        res.succeeded = json_object_get_int64(v);
        res.failed = res.total - res.succeeded;
        code = finish(run, JOB_COMPLETED, NULL, &res, NULL, 0, -1);
    }
    json_object_put(result);
    json_object_put(config);
    json_object_put(reading);
    return code;
}

/* ---- tasks ---- */

static bool task_progress(struct task *t)
{
    struct job_run *run = t->progress_ctx;
    double now = time_mono();
    if (run->lost)
        return false;
    if (now - run->last_progress < PROGRESS_INTERVAL_SECONDS)
        return true;
    run->last_progress = now;
    struct job_progress p = {.stage = "batch_processing", .total = t->total,
                             .processed = t->processed, .failed = t->failed};
    if (t->total > 0)
        p.percentage = t->processed >= t->total ? 100.0 : 100.0 * (double)t->processed /
                                                              (double)t->total;
    enum db_status st = job_progress_update(run->db, run->id, run->attempts, &p);
    if (st == DB_NO_ROW) {
        log_warn("job %s: no longer this run's (attempt %lld): stopping", run->id, run->attempts);
        run->lost = true;
        job_cancel = 1;
        return false;
    }
    throttle(run->cfg);
    return true;
}

/* A task of quarry-process (task.h): its result becomes the job's
 * processing_metadata. */
static int run_task(struct job_run *run, const struct job_row *row)
{
    struct engine_result res;
    json_object *config = parse_or_null(row->processing_config);
    struct task t = {
        .cfg = run->cfg,
        .db = run->db,
        .job_id = run->id,
        .kind = row->kind,
        .subject_id = row->subject_id,
        .user_id = row->user_id,
        .attempts = run->attempts,
        .config = config,
        .cancel = &job_cancel,
        .progress = task_progress,
        .progress_ctx = run,
    };
    int status = task_run(&t);
    int code;
    memset(&res, 0, sizeof(res));
    res.total = t.total;
    res.processed = t.processed;
    res.failed = t.failed;
    res.succeeded = t.processed - t.failed;
    res.metadata = t.result;
    if (job_terminated || run->lost) {
        code = job_terminated ? JOB_EXIT_STOPPED : JOB_EXIT_LOST;
        log_info("job %s: %s stopped (%s) after %.2f s", run->id, row->kind,
                 job_terminated ? "SIGTERM" : "taken over", time_mono() - run->started);
    } else {
        bool wrote = status == TASK_OK && t.output_key[0] != '\0';
        code = finish(run, status == TASK_OK ? JOB_COMPLETED : JOB_FAILED,
                      status == TASK_OK ? NULL : t.error, &res, wrote ? t.output_key : NULL, 0,
                      wrote ? t.output_bytes : -1);
    }
    json_object_put(t.result);
    json_object_put(config);
    return code;
}

int job_main(int argc, char **argv)
{
    static struct config cfg;
    static struct job_run run;
    struct job_row row;
    char err[512];
    struct db *db = NULL;
    int code = JOB_EXIT_DATABASE;

    log_init("quarry-process");
    memset(&row, 0, sizeof(row));
    const char *id = argc >= 2 ? argv[argc - 1] : NULL;
    if (id == NULL || !id_is_uuid(id)) {
        fprintf(stderr, "usage: quarry-process job <job id>\n");
        return JOB_EXIT_USAGE;
    }
    if (config_load_settings(&cfg, err, sizeof(err)) != 0) {
        log_error("configuration: %s", err);
        return JOB_EXIT_USAGE;
    }
    /* Before anything of the job is read: no new privileges, the rlimits,
     * the seccomp filter (process/sandbox.c). */
    if (sandbox_enter(&cfg, err, sizeof(err)) != 0) {
        log_error("cannot start: %s", err);
        return JOB_EXIT_INTERNAL;
    }
    if (install_signals() != 0 || (db = db_open(&cfg)) == NULL) {
        log_error("cannot start: %s", strerror(errno));
        return JOB_EXIT_INTERNAL;
    }
    /* Dataset loads stream rows with LOAD DATA LOCAL (db_load_data). */
    db_allow_local_infile(db);
    /* A commit of a large load (the merge of an upsert) may take a while:
     * the process's bound is its time limit, not the connection's default. */
    db_set_io_timeout(db, cfg.job_timeout_seconds > 30 ? (unsigned int)cfg.job_timeout_seconds : 30);
    run = (struct job_run){.cfg = &cfg, .db = db, .id = id, .started = time_mono()};
    enum db_status st = job_load(db, id, &row);
    if (st == DB_NO_ROW || (st == DB_OK && row.status != JOB_RUNNING)) {
        log_warn("job %s: not RUNNING (%s): nothing to do", id,
                 st == DB_OK ? job_status_name(row.status) : "gone");
        code = JOB_EXIT_NOT_RUNNING;
        goto out;
    }
    if (st != DB_OK) {
        log_error("job %s: cannot load: %s", id, db_last_error(db));
        goto out;
    }
    run.attempts = row.attempts;
    /* Both writes are safe to repeat. A node lost under them (a failover:
     * seen when a Galera node was killed as a process started) is waited
     * out for up to PREPARE_RETRY_S while db_failover's next node takes
     * over, rather than failing a job that has not started. */
    st = job_errors_clear(db, id);
    if (st == DB_OK)
        st = job_file_mark_processing(db, id);
    for (double since = time_mono();
         st == DB_UNAVAILABLE && !job_terminated && time_mono() - since < PREPARE_RETRY_S;) {
        log_warn("job %s: database unavailable (%s); preparing again", id, db_last_error(db));
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        st = job_errors_clear(db, id);
        if (st == DB_OK)
            st = job_file_mark_processing(db, id);
    }
    if (st != DB_OK) {
        log_error("job %s: cannot prepare: %s", id, db_last_error(db));
        goto out;
    }
    if (row.kind != NULL && strcmp(row.kind, "file") != 0) {
        log_info("job %s: task %s (attempt %lld)", id, row.kind, row.attempts);
        code = run_task(&run, &row);
        goto out;
    }
    run.execution_id = row.execution_id;
    if (row.quality_check_id != NULL) {
        log_info("job %s: data-quality check %s (attempt %lld)", id, row.quality_check_id,
                 row.attempts);
        code = run_quality(&run, &row);
        goto out;
    }
    /* An execution's source and destination stages run as a task of the
     * job (the database source's reader, the export's writer, the load's
     * commits). */
    struct task stage = {
        .cfg = &cfg,
        .db = db,
        .job_id = id,
        .kind = "pipeline",
        .user_id = row.user_id,
        .attempts = row.attempts,
        .cancel = &job_cancel,
        .progress = task_progress,
        .progress_ctx = &run,
    };
    if (row.execution_id != NULL) {
        char message[600];
        run.pipeline = &stage;
        enum pipeline_input sr = pipeline_source_resolve(&stage, &row, message, sizeof(message));
        if (sr == INPUT_DATABASE) {
            log_error("job %s: cannot resolve its source: %s", id, db_last_error(db));
            goto out;
        }
        if (sr == INPUT_MISSING && (job_terminated || run.lost)) {
            /* Stopped while a source was being read: the dispatcher ends it. */
            code = job_terminated ? JOB_EXIT_STOPPED : JOB_EXIT_LOST;
            goto out;
        }
        if (sr == INPUT_MISSING) {
            code = fail_early(&run, message);
            goto out;
        }
    }
    log_info("job %s: processing %s (attempt %lld)", id, row.file_name ? row.file_name : "?",
             row.attempts);
    code = run_engine(&run, &row);
    json_object_put(stage.result);
out:
    job_row_free(&row);
    db_close(db);
    return code;
}
