#include "jobd/dispatcher.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ids.h"
#include "common/job_queue.h"
#include "common/log.h"
#include "jobd/outcome.h"
#include "jobd/retention.h"
#include "jobd/scheduler.h"
#include "jobd/spawn.h"
#include "jobd/wake_listen.h"
#include "jobd/webhook_sender.h"

/* A dispatcher is presumed dead after this many poll intervals without a
 * heartbeat, but never sooner than the floor: a short poll must not make a
 * slow database look like a dead dispatcher. */
#define HEARTBEAT_STALE_POLLS 3
#define HEARTBEAT_STALE_FLOOR_MS 3000
/* How long a stopping dispatcher keeps trying to write outcomes after the
 * grace period before it leaves them to the next start's recovery. */
#define SHUTDOWN_EXTRA_SECONDS 10.0
#define DB_WARN_INTERVAL_SECONDS 10.0
/* Jobs handled per recovery or cancel pass; the rest wait for the next pass. */
#define BATCH_MAX 256

/* One process the dispatcher watches. */
struct child {
    char id[UUID_LEN + 1];
    long long attempts;
    pid_t pid;
    bool adopted;    /* started by an earlier dispatcher on this host: no waitpid */
    bool exited;     /* gone; its outcome is not written yet */
    int wait_status; /* from waitpid, or -1 when unknown (adopted) */
    double started;  /* time_mono() */
    double deadline; /* time_mono() of the time limit; 0 = none */
    long long limit_seconds;
    enum jobd_stop stop;
    double term_sent; /* time_mono() of the SIGTERM; 0 = not sent */
    bool killed;
};

struct dispatcher {
    const struct config *cfg;
    struct db *db;
    char host[256];
    long pid;
    int signal_fd, wake_fd;
    struct child *children;
    int nchildren, capacity;
    bool recovered; /* start-up recovery done */
    bool stopping;
    double stop_deadline;
    double next_heartbeat, next_orphan_check, next_retention, next_db_warn;
    long long next_slot_ms; /* the earliest schedule slot ahead (scheduler clock), 0: none */
    struct webhook_sender *hooks; /* NULL when webhooks cannot be sent (logged) */
};

/* A job listed for recovery or cancel, copied out of the row callback:
 * statements cannot run while another one's rows are being fetched. */
struct listed_job {
    char id[UUID_LEN + 1];
    enum job_status status;
    char worker_host[64];
    long long attempts;
    long worker_pid;
    double running_seconds;
    long long limit_seconds;
};

struct job_list {
    struct listed_job jobs[BATCH_MAX];
    int n;
    long long timeout_seconds; /* for limit_seconds */
};

/* ---- small helpers ---- */

static long long stale_ms(const struct config *cfg)
{
    long long ms = cfg->jobd_poll_ms * HEARTBEAT_STALE_POLLS;
    return ms < HEARTBEAT_STALE_FLOOR_MS ? HEARTBEAT_STALE_FLOOR_MS : ms;
}

static double poll_seconds(const struct config *cfg)
{
    return cfg->jobd_poll_ms > 0 ? (double)cfg->jobd_poll_ms / 1000.0 : 1.0;
}

/* Database failures are logged once per interval, not once per tick. */
static void db_trouble(struct dispatcher *d, const char *what)
{
    double now = time_mono();
    if (now < d->next_db_warn)
        return;
    d->next_db_warn = now + DB_WARN_INTERVAL_SECONDS;
    log_error("%s: database unavailable (%s); retrying", what, db_last_error(d->db));
}

static void describe_wait(int status, char *buf, size_t len)
{
    if (status == -1)
        snprintf(buf, len, "is gone (exit status unknown)");
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(buf, len, "ended (wait status %d)", status);
}

static struct child *child_add(struct dispatcher *d)
{
    if (d->nchildren == d->capacity) {
        int cap = d->capacity > 0 ? d->capacity * 2 : 8;
        struct child *p = realloc(d->children, (size_t)cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        d->children = p;
        d->capacity = cap;
    }
    struct child *c = &d->children[d->nchildren++];
    memset(c, 0, sizeof(*c));
    return c;
}

static void child_remove(struct dispatcher *d, int i)
{
    d->children[i] = d->children[--d->nchildren];
}

static struct child *child_by_id(struct dispatcher *d, const char *id)
{
    for (int i = 0; i < d->nchildren; i++)
        if (strcmp(d->children[i].id, id) == 0)
            return &d->children[i];
    return NULL;
}

static void child_stop(struct child *c, enum jobd_stop why)
{
    c->stop = why;
    if (c->term_sent > 0 || c->exited)
        return;
    spawn_signal(c->pid, SIGTERM);
    c->term_sent = time_mono();
    log_info("job %s: sent SIGTERM to pid %d (%s)", c->id, (int)c->pid, jobd_stop_name(why));
}

static void child_set_deadline(struct child *c, long long limit, double already_running)
{
    c->limit_seconds = limit;
    c->deadline = limit > 0 ? time_mono() + fmax(0.0, (double)limit - already_running) : 0;
}

/* ---- ending runs ---- */

/* FAILED with message, unless a cancel was requested meanwhile: then the
 * user's wish wins and the job ends CANCELLED. *ended says whether either
 * happened (the process may have ended the job itself). */
static enum db_status fail_or_cancel(struct dispatcher *d, const struct child *c,
                                     const char *message, bool *ended)
{
    struct job_end cancelled = {.status = JOB_CANCELLED};
    struct job_end failed = {.status = JOB_FAILED, .error_message = message};
    enum db_status st =
        job_finish(d->db, c->id, c->attempts, JOB_FROM_CANCEL_REQUESTED, &cancelled, ended);
    if (st == DB_OK && !*ended)
        st = job_finish(d->db, c->id, c->attempts, JOB_FROM_RUNNING, &failed, ended);
    return st;
}

static const char *recovery_name(enum job_recovery r)
{
    switch (r) {
    case JOB_RECOVERED_QUEUED:
        return "put back in the queue";
    case JOB_RECOVERED_FAILED:
        return "failed (no attempts left)";
    case JOB_RECOVERED_CANCELLED:
        return "cancelled";
    case JOB_RECOVERED_NONE:
    default:
        return "left alone (it changed meanwhile)";
    }
}

/* The one rule for a run that died without writing its end (outcome.c):
 * re-queued up to job_max_attempts, then FAILED, with reason. *ended says
 * whether the job ended (FAILED or CANCELLED): only then is its output
 * removed, as recover_listed does; a re-queued job may already run again
 * elsewhere and writes its output anew. */
static enum db_status recover_child(struct dispatcher *d, const struct child *c,
                                    const char *reason, bool *ended)
{
    enum job_status status;
    long long attempts = 0;
    enum db_status st = job_current_status(d->db, c->id, &status, &attempts);
    if (st == DB_NO_ROW)
        return DB_OK;
    if (st != DB_OK || attempts != c->attempts)
        return st;
    struct job_active job = {.id = c->id, .status = status, .attempts = attempts};
    enum job_recovery result;
    st = job_recover_lost(d->db, &job, d->cfg->job_max_attempts, reason, &result);
    *ended = st == DB_OK &&
             (result == JOB_RECOVERED_FAILED || result == JOB_RECOVERED_CANCELLED);
    if (st == DB_OK && result != JOB_RECOVERED_NONE)
        log_info("job %s: %s after attempt %lld: %s", c->id, reason, attempts,
                 recovery_name(result));
    return st;
}

static enum db_status apply_outcome(struct dispatcher *d, const struct child *c)
{
    struct jobd_outcome o;
    struct job_end cancelled = {.status = JOB_CANCELLED};
    bool won = false, ended = false;
    enum db_status st = DB_OK;
    jobd_outcome_for(c->wait_status, c->stop, c->limit_seconds, &o);
    switch (o.action) {
    case JOBD_CANCEL:
        st = job_finish(d->db, c->id, c->attempts, JOB_FROM_ACTIVE, &cancelled, &ended);
        break;
    case JOBD_FAIL:
        st = fail_or_cancel(d, c, o.message, &ended);
        break;
    case JOBD_REQUEUE:
        st = job_requeue(d->db, c->id, c->attempts, NULL, &won);
        if (st == DB_OK && !won)
            st = job_finish(d->db, c->id, c->attempts, JOB_FROM_CANCEL_REQUESTED, &cancelled,
                            &ended);
        break;
    case JOBD_RECOVER:
        st = recover_child(d, c, o.message, &ended);
        break;
    }
    /* A run the dispatcher ended has no output worth keeping: a killed
     * process leaves its temporary file behind. */
    if (st == DB_OK && ended)
        retention_remove_objects(d->cfg->storage_dir, "output", c->id);
    return st;
}

static void log_settled(struct dispatcher *d, const struct child *c)
{
    char how[64];
    enum job_status status;
    describe_wait(c->wait_status, how, sizeof(how));
    bool known = job_current_status(d->db, c->id, &status, NULL) == DB_OK;
    log_info("job %s: pid %d %s after %.1f s%s%s; job is %s", c->id, (int)c->pid, how,
             time_mono() - c->started, c->stop != JOBD_STOP_NONE ? ", stopped for " : "",
             c->stop != JOBD_STOP_NONE ? jobd_stop_name(c->stop) : "",
             known ? job_status_name(status) : "unknown");
}

static void settle_exited(struct dispatcher *d)
{
    for (int i = 0; i < d->nchildren;) {
        struct child *c = &d->children[i];
        if (!c->exited) {
            i++;
            continue;
        }
        if (apply_outcome(d, c) != DB_OK) {
            db_trouble(d, "ending a job");
            return; /* kept: tried again on the next tick */
        }
        log_settled(d, c);
        child_remove(d, i);
    }
}

/* ---- watching processes ---- */

static void reap(struct dispatcher *d)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        bool known = false;
        for (int i = 0; i < d->nchildren; i++) {
            struct child *c = &d->children[i];
            if (!c->adopted && c->pid == pid) {
                c->exited = true;
                c->wait_status = status;
                known = true;
            }
        }
        if (!known)
            log_warn("reaped pid %d that ran no job", (int)pid);
    }
}

static void check_adopted(struct dispatcher *d)
{
    for (int i = 0; i < d->nchildren; i++) {
        struct child *c = &d->children[i];
        if (c->adopted && !c->exited && !spawn_is_worker(c->pid, d->cfg->process_bin, c->id)) {
            c->exited = true;
            c->wait_status = -1;
        }
    }
}

static void enforce_limits(struct dispatcher *d)
{
    double now = time_mono();
    double grace = (double)d->cfg->cancel_grace_seconds;
    for (int i = 0; i < d->nchildren; i++) {
        struct child *c = &d->children[i];
        if (c->exited)
            continue;
        if (c->term_sent == 0 && c->deadline > 0 && now >= c->deadline) {
            log_info("job %s: time limit of %lld s reached", c->id, c->limit_seconds);
            child_stop(c, JOBD_STOP_TIMEOUT);
        }
        if (c->term_sent > 0 && !c->killed && now - c->term_sent >= grace) {
            spawn_signal(c->pid, SIGKILL);
            c->killed = true;
            log_info("job %s: sent SIGKILL to pid %d after %.0f s of grace", c->id, (int)c->pid,
                     grace);
        }
    }
}

/* ---- cancels ---- */

static int collect_id(void *ctx, const char *id)
{
    struct job_list *list = ctx;
    if (list->n < BATCH_MAX && strlen(id) == UUID_LEN)
        memcpy(list->jobs[list->n++].id, id, UUID_LEN + 1);
    return 0;
}

static void act_on_cancels(struct dispatcher *d)
{
    static struct job_list list;
    list.n = 0;
    if (job_cancel_requested_list(d->db, d->host, collect_id, &list) != DB_OK) {
        db_trouble(d, "listing cancels");
        return;
    }
    for (int i = 0; i < list.n; i++) {
        struct child *c = child_by_id(d, list.jobs[i].id);
        if (c != NULL) {
            if (c->stop != JOBD_STOP_CANCEL && !c->exited) {
                log_info("job %s: cancel requested", c->id);
                child_stop(c, JOBD_STOP_CANCEL);
            } else if (c->exited) {
                c->stop = JOBD_STOP_CANCEL;
            }
            continue;
        }
        /* Ours by its row, but no process of ours runs it (it ended between
         * two ticks, or it was lost): nothing left to stop. */
        struct job_end cancelled = {.status = JOB_CANCELLED};
        bool won = false;
        if (job_finish(d->db, list.jobs[i].id, -1, JOB_FROM_CANCEL_REQUESTED, &cancelled, &won) !=
            DB_OK) {
            db_trouble(d, "cancelling a job");
            return;
        }
        if (won) {
            log_info("job %s: cancelled (no process was running it)", list.jobs[i].id);
            retention_remove_objects(d->cfg->storage_dir, "output", list.jobs[i].id);
        }
    }
}

/* ---- claiming ---- */

static void start_claimed(struct dispatcher *d, struct job_claim *claim)
{
    long long limit = jobd_time_limit(d->cfg->job_timeout_seconds, claim->processing_config);
    pid_t pid = 0;
    int err = spawn_worker(d->cfg->process_bin, claim->id, &pid);
    struct child *c = err == 0 ? child_add(d) : NULL;
    if (err == 0 && c == NULL) {
        /* Out of memory for the table: stop the process we cannot watch. */
        spawn_signal(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        err = ENOMEM;
    }
    if (err != 0) {
        char message[640];
        snprintf(message, sizeof(message), "cannot start quarry-process (%s): %s",
                 d->cfg->process_bin, strerror(err));
        struct job_end failed = {.status = JOB_FAILED, .error_message = message};
        log_error("job %s: %s", claim->id, message);
        if (job_finish(d->db, claim->id, claim->attempts, JOB_FROM_ACTIVE, &failed, NULL) != DB_OK)
            db_trouble(d, "failing a job that could not start");
        return;
    }
    memcpy(c->id, claim->id, sizeof(c->id));
    c->attempts = claim->attempts;
    c->pid = pid;
    c->started = time_mono();
    child_set_deadline(c, limit, 0);
    log_info("job %s: spawned quarry-process pid %d (attempt %lld, time limit %lld s)", c->id,
             (int)pid, c->attempts, limit);
    if (job_set_worker_pid(d->db, c->id, c->attempts, (long)pid) != DB_OK)
        db_trouble(d, "recording a worker pid");
}

static void claim_jobs(struct dispatcher *d)
{
    while (!d->stopping && d->nchildren < d->cfg->job_concurrency) {
        struct job_claim claim;
        enum db_status st = job_claim_next(d->db, d->host, (int)d->cfg->job_claim_spread, &claim);
        if (st == DB_NO_ROW)
            return;
        if (st != DB_OK) {
            db_trouble(d, "claiming a job");
            return;
        }
        log_info("job %s: claimed (attempt %lld)", claim.id, claim.attempts);
        start_claimed(d, &claim);
        free(claim.processing_config);
    }
}

/* ---- recovery ---- */

static int collect_active(void *ctx, const struct job_active *job)
{
    struct job_list *list = ctx;
    if (list->n >= BATCH_MAX || strlen(job->id) != UUID_LEN)
        return 0;
    struct listed_job *j = &list->jobs[list->n++];
    memcpy(j->id, job->id, UUID_LEN + 1);
    j->status = job->status;
    snprintf(j->worker_host, sizeof(j->worker_host), "%s",
             job->worker_host ? job->worker_host : "?");
    j->attempts = job->attempts;
    j->worker_pid = job->worker_pid;
    j->running_seconds = job->running_seconds;
    j->limit_seconds = jobd_time_limit(list->timeout_seconds, job->processing_config);
    return 0;
}

static enum db_status recover_listed(struct dispatcher *d, const struct listed_job *j,
                                     const char *why)
{
    struct job_active job = {.id = j->id, .status = j->status, .attempts = j->attempts};
    enum job_recovery result;
    enum db_status st = job_recover_lost(d->db, &job, d->cfg->job_max_attempts, why, &result);
    if (st != DB_OK)
        return st;
    log_info("job %s: %s (host %s) after %lld attempts: %s", j->id, why, j->worker_host,
             j->attempts, recovery_name(result));
    if (result == JOB_RECOVERED_FAILED || result == JOB_RECOVERED_CANCELLED)
        retention_remove_objects(d->cfg->storage_dir, "output", j->id);
    return DB_OK;
}

/* A process of an earlier dispatcher on this host still runs the job: watch
 * it instead of throwing its work away. */
static void adopt(struct dispatcher *d, const struct listed_job *j, pid_t pid)
{
    struct child *c = child_add(d);
    if (c == NULL) {
        spawn_signal(pid, SIGKILL); /* cannot watch it: recovery re-queues the job later */
        return;
    }
    memcpy(c->id, j->id, sizeof(c->id));
    c->attempts = j->attempts;
    c->pid = pid;
    c->adopted = true;
    c->started = time_mono() - j->running_seconds;
    child_set_deadline(c, j->limit_seconds, j->running_seconds);
    log_info("job %s: adopted running quarry-process pid %d (attempt %lld)", c->id, (int)pid,
             c->attempts);
    if (j->status == JOB_CANCELLATION_REQUESTED)
        child_stop(c, JOBD_STOP_CANCEL);
    if ((long)pid != j->worker_pid)
        job_set_worker_pid(d->db, c->id, c->attempts, (long)pid);
}

static int recover_own_jobs(struct dispatcher *d)
{
    static struct job_list list;
    list.n = 0;
    list.timeout_seconds = d->cfg->job_timeout_seconds;
    if (job_list_active_on_host(d->db, d->host, collect_active, &list) != DB_OK)
        return -1;
    for (int i = 0; i < list.n; i++) {
        const struct listed_job *j = &list.jobs[i];
        if (child_by_id(d, j->id) != NULL)
            continue;
        pid_t pid = 0;
        if (j->worker_pid > 0 && spawn_is_worker((pid_t)j->worker_pid, d->cfg->process_bin, j->id))
            pid = (pid_t)j->worker_pid;
        else
            pid = spawn_find_worker(d->cfg->process_bin, j->id);
        if (pid > 0)
            adopt(d, j, pid);
        else if (recover_listed(d, j, "its process is gone") != DB_OK)
            return -1;
    }
    return 0;
}

static int recover_orphans(struct dispatcher *d)
{
    static struct job_list list;
    list.n = 0;
    list.timeout_seconds = d->cfg->job_timeout_seconds;
    if (job_list_active_orphaned(d->db, d->host, stale_ms(d->cfg), collect_active, &list) != DB_OK)
        return -1;
    for (int i = 0; i < list.n; i++)
        if (recover_listed(d, &list.jobs[i], "its dispatcher stopped sending heartbeats") != DB_OK)
            return -1;
    return 0;
}

static int start_up(struct dispatcher *d)
{
    if (dispatcher_forget_others(d->db, d->host, d->pid) != DB_OK ||
        dispatcher_heartbeat(d->db, d->host, d->pid, 0) != DB_OK || recover_own_jobs(d) != 0 ||
        recover_orphans(d) != 0)
        return -1;
    log_info("dispatcher ready on %s: concurrency %lld, poll %lld ms, %d job(s) adopted", d->host,
             d->cfg->job_concurrency, d->cfg->jobd_poll_ms, d->nchildren);
    return 0;
}

/* ---- schedules ---- */

/* The scheduler's clock: the wall clock, moved by the test/ops knob. */
static long long scheduler_now_ms(const struct dispatcher *d)
{
    return time_now_ms() + d->cfg->scheduler_clock_offset_seconds * 1000;
}

/* Every tick fires what is due (a pass is two indexed queries when nothing
 * is); the wait until the next slot bounds the poll. */
static void fire_schedules(struct dispatcher *d)
{
    long long next = 0;
    if (scheduler_pass(d->db, d->cfg, d->host, scheduler_now_ms(d), &next) < 0) {
        db_trouble(d, "firing schedules");
        d->next_slot_ms = 0;
        return;
    }
    d->next_slot_ms = next;
}

/* ---- the loop ---- */

static void periodic(struct dispatcher *d)
{
    double now = time_mono();
    if (now >= d->next_heartbeat) {
        if (dispatcher_heartbeat(d->db, d->host, d->pid, d->nchildren) == DB_OK)
            d->next_heartbeat = now + poll_seconds(d->cfg);
        else
            db_trouble(d, "heartbeat");
    }
    if (now >= d->next_orphan_check) {
        /* Our own rows too: a claim whose commit answer was lost leaves a
         * RUNNING job on this host that no process of ours runs. */
        if (recover_own_jobs(d) == 0 && recover_orphans(d) == 0)
            d->next_orphan_check = now + (double)stale_ms(d->cfg) / 1000.0;
        else
            db_trouble(d, "recovering jobs of other dispatchers");
    }
    if (now >= d->next_retention) {
        d->next_retention = now + (double)(d->cfg->retention_interval_seconds > 0
                                               ? d->cfg->retention_interval_seconds
                                               : 60);
        if (retention_sweep(d->db, d->cfg) < 0)
            db_trouble(d, "retention");
    }
}

static void tick(struct dispatcher *d)
{
    reap(d);
    check_adopted(d);
    settle_exited(d);
    if (!d->recovered) {
        if (start_up(d) != 0) {
            db_trouble(d, "start-up recovery");
            return;
        }
        d->recovered = true;
    }
    if (!d->stopping) {
        act_on_cancels(d);
        periodic(d); /* before claiming: what recovery re-queues runs at once */
        fire_schedules(d);
    }
    enforce_limits(d);
    claim_jobs(d);
    if (!d->stopping && d->hooks != NULL && webhook_sender_tick(d->hooks) != 0)
        db_trouble(d, "webhook deliveries");
}

static void begin_stop(struct dispatcher *d, int sig)
{
    if (d->stopping)
        return;
    d->stopping = true;
    d->stop_deadline =
        time_mono() + (double)d->cfg->cancel_grace_seconds + SHUTDOWN_EXTRA_SECONDS;
    log_info("signal %d: stopping %d process(es) and re-queueing their jobs", sig, d->nchildren);
    for (int i = 0; i < d->nchildren; i++) {
        struct child *c = &d->children[i];
        /* One that already ended keeps the outcome of how it ended. */
        if (!c->exited)
            child_stop(c, c->stop == JOBD_STOP_NONE ? JOBD_STOP_SHUTDOWN : c->stop);
    }
}

static void read_signals(struct dispatcher *d)
{
    struct signalfd_siginfo si;
    while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
            begin_stop(d, (int)si.ssi_signo);
        /* SIGCHLD: reaped on every tick anyway. */
    }
}

/* Milliseconds until the next thing the loop must do on its own. */
static int next_timeout_ms(const struct dispatcher *d)
{
    double now = time_mono(), wait = poll_seconds(d->cfg);
    double grace = (double)d->cfg->cancel_grace_seconds;
    for (int i = 0; i < d->nchildren; i++) {
        const struct child *c = &d->children[i];
        if (c->exited)
            continue;
        if (c->term_sent == 0 && c->deadline > 0)
            wait = fmin(wait, c->deadline - now);
        if (c->term_sent > 0 && !c->killed)
            wait = fmin(wait, c->term_sent + grace - now);
        if (c->adopted || c->killed) /* no SIGCHLD for adopted ones: look often */
            wait = fmin(wait, 0.2);
    }
    if (!d->stopping)
        wait = fmin(wait, d->next_heartbeat - now);
    if (!d->stopping && d->next_slot_ms > 0)
        wait = fmin(wait, (double)(d->next_slot_ms - scheduler_now_ms(d)) / 1000.0);
    if (!d->stopping && d->hooks != NULL)
        wait = fmin(wait, webhook_sender_wait_seconds(d->hooks));
    return wait <= 0 ? 0 : (int)ceil(wait * 1000.0);
}

static int open_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

struct dispatcher *dispatcher_new(const struct config *cfg, struct db *db, const char *host)
{
    struct dispatcher *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->cfg = cfg;
    d->db = db;
    snprintf(d->host, sizeof(d->host), "%s", host);
    d->pid = (long)getpid();
    d->signal_fd = d->wake_fd = -1;
    d->hooks = webhook_sender_new(cfg, db);
    return d;
}

void dispatcher_free(struct dispatcher *d)
{
    if (d == NULL)
        return;
    if (d->signal_fd >= 0)
        close(d->signal_fd);
    wake_listen_close(d->wake_fd, d->cfg->jobd_socket);
    webhook_sender_free(d->hooks);
    free(d->children);
    free(d);
}

int dispatcher_run(struct dispatcher *d)
{
    d->signal_fd = open_signals();
    if (d->signal_fd < 0) {
        log_error("cannot set up signals: %s", strerror(errno));
        return -1;
    }
    d->wake_fd = wake_listen_open(d->cfg->jobd_socket);
    if (d->wake_fd < 0)
        log_warn("cannot bind the wake socket %s (%s): polling every %lld ms only",
                 d->cfg->jobd_socket, strerror(errno), d->cfg->jobd_poll_ms);
    for (;;) {
        tick(d);
        if (d->stopping && (d->nchildren == 0 || time_mono() > d->stop_deadline))
            break;
        struct pollfd fds[2] = {{d->signal_fd, POLLIN, 0}, {d->wake_fd, POLLIN, 0}};
        int nfds = d->wake_fd >= 0 ? 2 : 1, timeout = next_timeout_ms(d);
        int n = d->hooks != NULL ? webhook_sender_poll(d->hooks, fds, nfds, timeout)
                                 : poll(fds, (nfds_t)nfds, timeout);
        if (n < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            sleep(1);
        }
        if (n > 0 && (fds[0].revents & POLLIN))
            read_signals(d);
        if (n > 0 && d->wake_fd >= 0 && (fds[1].revents & POLLIN))
            wake_listen_drain(d->wake_fd);
    }
    if (d->nchildren > 0)
        log_warn("stopping with %d job(s) not written back: the next start recovers them",
                 d->nchildren);
    if (dispatcher_remove(d->db, d->host, d->pid) != DB_OK)
        log_warn("cannot remove this dispatcher's row: %s", db_last_error(d->db));
    log_info("dispatcher stopped");
    return 0;
}
