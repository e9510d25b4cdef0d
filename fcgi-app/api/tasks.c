#include "api/tasks.h"

#include <time.h>

#include "api/job_store.h"
#include "common/job_queue.h"
#include "api/response.h"
#include "common/log.h"
#include "common/wake.h"

/* How often the worker looks at the task's row while it waits: soon at
 * first (most tasks answer in tens of milliseconds), then less often, so
 * that a slow task (a busy machine, a distant source) costs a read per
 * TASK_POLL_MAX_MS rather than one per TASK_POLL_MS. */
#define TASK_POLL_MS 15
#define TASK_POLL_MAX_MS 100

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The wait is over: stop the task wherever it is, so that nothing works for
 * an answer nobody waits for. */
static void give_up(struct request *req, const char *id)
{
    char now[DB_TIME_LEN + 1];
    bool changed = false;
    time_db(time_now_ms(), now);
    job_transition(req->app->db, id, JOB_QUEUED, JOB_CANCELLED, now, &changed);
    if (!changed)
        job_transition(req->app->db, id, JOB_RUNNING, JOB_CANCELLATION_REQUESTED, now, &changed);
    jobd_wake(req->app->cfg.jobd_socket);
}

int task_call(struct request *req, const char *kind, const char *subject_id, json_object *config,
              int wait_seconds, json_object **result)
{
    char id[UUID_LEN + 1], now[DB_TIME_LEN + 1];
    enum job_status status = JOB_QUEUED;
    const char *text = NULL, *error = NULL;
    *result = NULL;
    id_uuid4(id);
    time_db(time_now_ms(), now);
    json_object_object_add(config, "timeout_seconds", json_object_new_int(wait_seconds));
    enum db_status st = job_queue_task(
        req->app->db, id, req->user.id, kind, subject_id,
        json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN), now);
    json_object_put(config);
    if (st != DB_OK) {
        respond_db_error(req, st);
        return -1;
    }
    jobd_wake(req->app->cfg.jobd_socket);
    double deadline = time_mono() + wait_seconds;
    long poll_ms = TASK_POLL_MS;
    for (;;) {
        st = job_task_state(req->app->db, req->arena, id, &status, &text, &error);
        if (st != DB_OK || status == JOB_COMPLETED || status == JOB_FAILED ||
            status == JOB_CANCELLED || time_mono() > deadline)
            break;
        nap_ms(poll_ms);
        poll_ms = poll_ms * 2 > TASK_POLL_MAX_MS ? TASK_POLL_MAX_MS : poll_ms * 2;
    }
    if (st != DB_OK) {
        respond_db_error(req, st == DB_NO_ROW ? DB_ERROR : st);
        return -1;
    }
    if (status == JOB_COMPLETED && text != NULL && (*result = json_tokener_parse(text)) != NULL)
        return 0;
    if (status == JOB_COMPLETED || status == JOB_FAILED) {
        log_error("task %s (%s) failed: %s", id, kind, error ? error : "no result");
        respond_error(req, 500, "INTERNAL_ERROR", "The task failed", NULL);
        return -1;
    }
    give_up(req, id);
    respond_error(req, 504, "TIMEOUT",
                  arena_printf(req->arena, "No answer within %d seconds", wait_seconds), NULL);
    return -1;
}
