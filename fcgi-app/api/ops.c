/* Operations: GET /metrics (Prometheus text 0.0.4, public so that a scraper
 * needs no token; it shows counts, never user data) and GET
 * /monitoring/system-status (JSON, for any signed-in user). Both read the
 * same snapshot: the workers of this host, jobs by status, the queue, the
 * dispatchers' heartbeats and the database. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "api/job_store.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "common/addr_list.h"
#include "common/ids.h"
#include "common/job_queue.h"
#include "common/log.h"


/* As quarry-jobd judges its peers: three missed polls, and never under 3 s. */
#define HEARTBEAT_STALE_POLLS 3
#define HEARTBEAT_STALE_FLOOR_MS 3000
#define MAX_DISPATCHERS 32

struct dispatcher_seen {
    char host[256];
    long pid;
    long long running;
    char heartbeat[ISO_TIME_LEN + 1];
    double age_seconds;
};

struct snapshot {
    bool db_up;
    long long jobs[JOB_STATUS__MAX];
    long long queued;
    double oldest_queued_seconds; /* -1: nothing queued */
    struct dispatcher_seen dispatchers[MAX_DISPATCHERS];
    int ndispatchers, dispatchers_alive;
    long long db_connections; /* -1: unknown */
};

/* Keeps the first MAX_DISPATCHERS dispatchers (the freshest). */
static int take_dispatcher(void *ctx, const struct dispatcher_row *row)
{
    struct snapshot *s = ctx;
    if (s->ndispatchers == MAX_DISPATCHERS)
        return 1;
    struct dispatcher_seen *d = &s->dispatchers[s->ndispatchers++];
    snprintf(d->host, sizeof(d->host), "%s", row->host);
    d->pid = row->pid;
    d->running = row->running;
    if (row->heartbeat == NULL || !time_db_to_iso(row->heartbeat, d->heartbeat))
        d->heartbeat[0] = '\0';
    d->age_seconds = row->age_seconds;
    return 0;
}

/* Reads what the database knows. A database that is down leaves zeros and db_up false. */
static void snapshot_take(struct request *req, struct snapshot *s)
{
    struct db *db = req->app->db;
    memset(s, 0, sizeof(*s));
    s->oldest_queued_seconds = -1;
    s->db_connections = -1;
    s->db_up = db_ping(db) == DB_OK;
    if (!s->db_up)
        return;
    enum db_status st = job_count_by_status(db, s->jobs);
    if (st == DB_OK)
        st = job_queue_depth(db, &s->queued, &s->oldest_queued_seconds);
    if (st == DB_OK)
        st = dispatcher_list(db, take_dispatcher, s);
    if (st == DB_OK)
        st = db_server_connections(db, &s->db_connections);
    if (st != DB_OK) {
        log_warn("system status: %s", db_last_error(db));
        s->db_up = st != DB_UNAVAILABLE;
    }
    long long stale_ms = req->app->cfg.jobd_poll_ms * HEARTBEAT_STALE_POLLS;
    if (stale_ms < HEARTBEAT_STALE_FLOOR_MS)
        stale_ms = HEARTBEAT_STALE_FLOOR_MS;
    for (int i = 0; i < s->ndispatchers; i++)
        if (s->dispatchers[i].age_seconds * 1000.0 <= (double)stale_ms)
            s->dispatchers_alive++;
}

static void write_gauge(FILE *out, const char *name, const char *help, double value)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.15g\n", name, help, name, name, value);
}

/* A gauge with one sample per dispatcher, labelled with its host and pid:
 * the age of its heartbeat, or the jobs it runs. */
static void write_dispatcher_gauge(FILE *out, const char *name, const char *help,
                                   const struct snapshot *s, bool age)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (int i = 0; i < s->ndispatchers; i++) {
        const struct dispatcher_seen *d = &s->dispatchers[i];
        fprintf(out, "%s{host=\"", name);
        metrics_label_value(out, d->host);
        if (age)
            fprintf(out, "\",pid=\"%ld\"} %.3f\n", d->pid, d->age_seconds);
        else
            fprintf(out, "\",pid=\"%ld\"} %lld\n", d->pid, d->running);
    }
}

/* quarry-intake's counters on this host (it writes them to run_dir after
 * each batch; intake/intake.c), when it runs here. */
static void copy_intake_metrics(FILE *out, const char *run_dir)
{
    char path[600], buf[8192];
    snprintf(path, sizeof(path), "%s/intake.prom", run_dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && total < (64u << 10)) {
        fwrite(buf, 1, n, out);
        total += n;
    }
    fclose(f);
}

void ops_metrics(struct request *req)
{
    /* Only from the addresses of metrics_allow (loopback by default): the
     * page names every route and the queue's state. */
    if (!addr_list_match(req->app->cfg.metrics_allow, request_param(req, "REMOTE_ADDR"))) {
        respond_error(req, 403, "FORBIDDEN", "Metrics are not served to this address", NULL);
        return;
    }
    struct snapshot s;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
        return;
    }
    snapshot_take(req, &s);
    if (metrics_write_http(out, req) != 0)
        log_warn("metrics: request counters are not available");
    write_gauge(out, "quarry_api_workers", "API worker processes alive on this host.",
                metrics_workers_alive());
    write_gauge(out, "quarry_api_uptime_seconds", "Seconds since this host's API pool started.",
                metrics_pool_uptime(req));
    write_gauge(out, "quarry_database_up", "Whether the database answers (1) or not (0).",
                s.db_up);
    if (s.db_connections >= 0)
        write_gauge(out, "quarry_database_connections",
                    "Connections open on the database server (Threads_connected).",
                    (double)s.db_connections);
    if (s.db_up) {
        fputs("# HELP quarry_jobs Jobs by status.\n# TYPE quarry_jobs gauge\n", out);
        for (int i = 0; i < JOB_STATUS__MAX; i++)
            fprintf(out, "quarry_jobs{status=\"%s\"} %lld\n", job_status_name(i), s.jobs[i]);
        write_gauge(out, "quarry_queue_depth", "Jobs waiting for a dispatcher (QUEUED).",
                    (double)s.queued);
        write_gauge(out, "quarry_queue_oldest_seconds",
                    "Age of the oldest queued job in seconds (0 when none).",
                    s.oldest_queued_seconds > 0 ? s.oldest_queued_seconds : 0);
        write_gauge(out, "quarry_dispatchers_alive",
                    "Dispatchers whose heartbeat is recent enough.", s.dispatchers_alive);
        write_dispatcher_gauge(out, "quarry_dispatcher_heartbeat_age_seconds",
                               "Seconds since each dispatcher's last heartbeat.", &s, true);
        write_dispatcher_gauge(out, "quarry_dispatcher_running_jobs",
                               "Jobs each dispatcher runs.", &s, false);
    }
    copy_intake_metrics(out, req->app->cfg.run_dir);
    fputs("# HELP quarry_build_info The running version.\n# TYPE quarry_build_info gauge\n", out);
    fprintf(out, "quarry_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
    if (fclose(out) != 0 || text == NULL) {
        free(text);
        respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
        return;
    }
    respond_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

/* Seconds with millisecond precision, printed as such (not as 17 digits). */
static json_object *seconds_json(double seconds)
{
    char text[32];
    snprintf(text, sizeof(text), "%.3f", seconds);
    return json_object_new_double_s(seconds, text);
}

void ops_system_status(struct request *req)
{
    struct snapshot s;
    snapshot_take(req, &s);
    json_object *o = json_object_new_object();
    const char *status = !s.db_up ? "unhealthy" : s.dispatchers_alive == 0 ? "degraded" : "healthy";
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "uptime_seconds", seconds_json(metrics_pool_uptime(req)));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));

    json_object *workers = json_object_new_object();
    json_object_object_add(workers, "alive", json_object_new_int(metrics_workers_alive()));
    json_object_object_add(workers, "pid", json_object_new_int((int)getpid()));
    json_object_object_add(o, "workers", workers);

    json_object *jobs = json_object_new_object();
    long long total = 0;
    for (int i = 0; i < JOB_STATUS__MAX; i++) {
        char key[32];
        snprintf(key, sizeof(key), "%s", job_status_name(i));
        for (char *p = key; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        json_object_object_add(jobs, key, json_object_new_int64(s.jobs[i]));
        total += s.jobs[i];
    }
    json_object_object_add(jobs, "total", json_object_new_int64(total));
    json_object_object_add(jobs, "queue_depth", json_object_new_int64(s.queued));
    json_object_object_add(jobs, "oldest_queued_seconds",
                           s.oldest_queued_seconds >= 0
                               ? seconds_json(s.oldest_queued_seconds)
                               : NULL);
    json_object_object_add(o, "jobs", jobs);

    json_object *disp = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(disp, "alive", json_object_new_boolean(s.dispatchers_alive > 0));
    json_object_object_add(disp, "count_alive", json_object_new_int(s.dispatchers_alive));
    json_object_object_add(disp, "last_heartbeat",
                           s.ndispatchers > 0 && s.dispatchers[0].heartbeat[0]
                               ? json_object_new_string(s.dispatchers[0].heartbeat)
                               : NULL);
    json_object_object_add(disp, "heartbeat_age_seconds",
                           s.ndispatchers > 0 ? seconds_json(s.dispatchers[0].age_seconds)
                                              : NULL);
    for (int i = 0; i < s.ndispatchers; i++) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "host", json_object_new_string(s.dispatchers[i].host));
        json_object_object_add(d, "pid", json_object_new_int64(s.dispatchers[i].pid));
        json_object_object_add(d, "running", json_object_new_int64(s.dispatchers[i].running));
        json_object_object_add(d, "last_heartbeat",
                               s.dispatchers[i].heartbeat[0]
                                   ? json_object_new_string(s.dispatchers[i].heartbeat)
                                   : NULL);
        json_object_object_add(d, "heartbeat_age_seconds",
                               seconds_json(s.dispatchers[i].age_seconds));
        json_object_array_add(list, d);
    }
    json_object_object_add(disp, "dispatchers", list);
    json_object_object_add(o, "dispatcher", disp);

    json_object *dbo = json_object_new_object();
    json_object_object_add(dbo, "up", json_object_new_boolean(s.db_up));
    json_object_object_add(dbo, "connections",
                           s.db_connections >= 0 ? json_object_new_int64(s.db_connections) : NULL);
    json_object_object_add(dbo, "reconnects",
                           json_object_new_int64((long long)db_reconnects(req->app->db)));
    json_object_object_add(o, "database", dbo);
    respond_json_put(req, 200, o);
}

const struct route_doc ops_metrics_doc = {
    .handler = ops_metrics,
    .summary = "Prometheus metrics of this host's API pool and the queue",
    .description = "Served only to the client addresses of `metrics_allow` (loopback by "
                   "default); others get `403 FORBIDDEN`.",
    .status = 200,
    .answer = "text",
    .answers = "403",
};

const struct route_doc ops_system_status_doc = {
    .handler = ops_system_status,
    .summary = "Workers, queue, dispatchers and database at a glance",
    .status = 200,
    .answer = "SystemStatus",
};
