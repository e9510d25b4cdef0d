#include "api/metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/routes.h"
#include "common/ids.h"
#include "common/log.h"

#define METRICS_SLOTS 64   /* workers per host that can count at once */
#define METRICS_ROUTES 128 /* route table entries, the last for "unmatched" */

static const int status_codes[] = {200, 201, 202, 204, 302, 304, 400, 401, 403, 404,
                                   405, 409, 413, 415, 422, 429, 500, 502, 503};
#define NSTATUS (sizeof(status_codes) / sizeof(status_codes[0]))
/* Upper bounds of the latency buckets in ms; one more bucket holds the rest. */
static const long long bucket_ms[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
static const char *const bucket_le[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                        "0.5",   "1",    "2.5",   "5",    "10"};
#define NBUCKETS (sizeof(bucket_ms) / sizeof(bucket_ms[0]))

struct route_counts {
    _Atomic uint64_t status[NSTATUS + 1]; /* the last: any other status */
    _Atomic uint64_t bucket[NBUCKETS + 1]; /* not cumulative; the last: over the largest bound */
    _Atomic uint64_t sum_ms;
};

struct slot {
    _Atomic int32_t pid; /* 0: never claimed */
    int32_t unused;
    struct route_counts routes[METRICS_ROUTES];
};

struct metrics_file {
    uint64_t magic;
    uint64_t layout;
    struct slot slots[METRICS_SLOTS];
};

#define METRICS_MAGIC 0x315254454d595251ULL /* "QRYMETR1" */

/* One slot per process, shared by its threads (the counts are atomic);
 * the first request of any thread maps it, under init_lock. */
static struct metrics_file *shared;
static struct slot *mine;
static _Atomic int init_state; /* 0 not tried, 1 ready, -1 failed */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

/* A hash of everything the layout depends on: a new route table or a new
 * build with other bounds gets a file of its own instead of misreading. */
static uint64_t layout_hash(void)
{
    uint64_t h = 1469598103934665603ULL;
    uint64_t sizes[] = {METRICS_SLOTS, METRICS_ROUTES, NSTATUS, NBUCKETS, sizeof(struct slot)};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        h = (h ^ sizes[i]) * 1099511628211ULL;
    for (size_t i = 0; i < api_nroutes; i++) {
        for (const char *p = api_routes[i].method; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        for (const char *p = api_routes[i].pattern; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h;
}

/* A pid is a live quarry-api worker (not a stranger that reused the number). */
static bool worker_alive(int32_t pid)
{
    char path[64], comm[64] = "";
    if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
        return false;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true; /* no /proc: trust kill() */
    if (fgets(comm, sizeof(comm), f) == NULL)
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, "quarry-api") == 0;
}

static struct slot *claim_slot(struct metrics_file *m)
{
    int32_t me = (int32_t)getpid();
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < METRICS_SLOTS; i++) {
            struct slot *s = &m->slots[i];
            int32_t pid = atomic_load(&s->pid);
            if (pid == me)
                return s;
            /* First pass: the slots of dead workers (their counts carry on),
             * so that restarts reuse slots; second: never used ones. */
            if (pass == 0 ? (pid == 0 || worker_alive(pid)) : pid != 0)
                continue;
            if (atomic_compare_exchange_strong(&s->pid, &pid, me))
                return s;
        }
    }
    return NULL;
}

/* Maps the file, creating or sizing it under a lock. */
static struct metrics_file *map_file(const char *run_dir)
{
    char path[700];
    uint64_t layout = layout_hash();
    struct metrics_file *m = NULL;
    snprintf(path, sizeof(path), "%s/metrics-%016llx.shm", run_dir, (unsigned long long)layout);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("metrics: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
        goto out;
    if ((size_t)st.st_size != sizeof(*m) && ftruncate(fd, (off_t)sizeof(*m)) != 0)
        goto out;
    m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        m = NULL;
        goto out;
    }
    if (m->magic != METRICS_MAGIC || m->layout != layout) {
        memset(m, 0, sizeof(*m));
        m->layout = layout;
        m->magic = METRICS_MAGIC;
    }
out:
    if (m == NULL)
        log_warn("metrics: cannot map %s: %s", path, strerror(errno));
    flock(fd, LOCK_UN);
    close(fd); /* the mapping stays */
    return m;
}

static int metrics_map(const struct request *req)
{
    if (api_nroutes + 1 > METRICS_ROUTES) {
        log_warn("metrics: %zu routes do not fit the table of %d", api_nroutes, METRICS_ROUTES);
        return -1;
    }
    shared = map_file(req->app->cfg.run_dir);
    if (shared == NULL)
        return -1;
    mine = claim_slot(shared);
    if (mine == NULL)
        log_warn("metrics: all %d slots are taken by live workers; not counting", METRICS_SLOTS);
    return 1;
}

static int metrics_init(const struct request *req)
{
    int state = atomic_load(&init_state);
    if (state != 0)
        return state;
    pthread_mutex_lock(&init_lock);
    state = atomic_load(&init_state);
    if (state == 0) {
        state = metrics_map(req);
        atomic_store(&init_state, state);
    }
    pthread_mutex_unlock(&init_lock);
    return state;
}

/* The table index of the request's route; api_nroutes for anything unrouted. */
static size_t route_index(const struct request *req)
{
    if (req->route == NULL || req->method == NULL)
        return api_nroutes;
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    for (size_t i = 0; i < api_nroutes; i++)
        if (api_routes[i].pattern == req->route && strcmp(api_routes[i].method, method) == 0)
            return i;
    for (size_t i = 0; i < api_nroutes; i++)
        if (api_routes[i].pattern == req->route)
            return i;
    return api_nroutes;
}

void metrics_request_done(const struct request *req)
{
    if (metrics_init(req) != 1 || mine == NULL)
        return;
    struct route_counts *rc = &mine->routes[route_index(req)];
    size_t s = NSTATUS;
    for (size_t i = 0; i < NSTATUS; i++)
        if (status_codes[i] == req->status)
            s = i;
    long long ms = time_now_ms() - req->started_ms;
    if (ms < 0)
        ms = 0;
    size_t b = NBUCKETS;
    for (size_t i = 0; i < NBUCKETS && b == NBUCKETS; i++)
        if (ms <= bucket_ms[i])
            b = i;
    atomic_fetch_add_explicit(&rc->status[s], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rc->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rc->sum_ms, (uint64_t)ms, memory_order_relaxed);
}

void metrics_label_value(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void route_labels(FILE *out, size_t r)
{
    fputs("method=\"", out);
    metrics_label_value(out, r < api_nroutes ? api_routes[r].method : "other");
    fputs("\",route=\"", out);
    metrics_label_value(out, r < api_nroutes ? api_routes[r].pattern : "unmatched");
    fputc('"', out);
}

/* The sums over all slots of one route. */
struct route_sums {
    uint64_t status[NSTATUS + 1], bucket[NBUCKETS + 1], sum_ms, count;
};

static void sum_route(size_t r, struct route_sums *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < METRICS_SLOTS; i++) {
        struct route_counts *rc = &shared->slots[i].routes[r];
        for (size_t s = 0; s <= NSTATUS; s++)
            t->status[s] += atomic_load_explicit(&rc->status[s], memory_order_relaxed);
        for (size_t b = 0; b <= NBUCKETS; b++)
            t->bucket[b] += atomic_load_explicit(&rc->bucket[b], memory_order_relaxed);
        t->sum_ms += atomic_load_explicit(&rc->sum_ms, memory_order_relaxed);
    }
    /* The count is the buckets' sum, so +Inf always equals _count. */
    for (size_t b = 0; b <= NBUCKETS; b++)
        t->count += t->bucket[b];
}

int metrics_write_http(FILE *out, const struct request *req)
{
    if (metrics_init(req) != 1)
        return -1;
    size_t nroutes = api_nroutes + 1;
    struct route_sums *sums = calloc(nroutes, sizeof(*sums));
    if (sums == NULL)
        return -1;
    for (size_t r = 0; r < nroutes; r++)
        sum_route(r, &sums[r]);
    fputs("# HELP quarry_http_requests_total Requests answered by the API workers of this host,"
          " by route and status.\n# TYPE quarry_http_requests_total counter\n",
          out);
    for (size_t r = 0; r < nroutes; r++) {
        for (size_t s = 0; s <= NSTATUS; s++) {
            if (sums[r].status[s] == 0)
                continue;
            fputs("quarry_http_requests_total{", out);
            route_labels(out, r);
            if (s < NSTATUS)
                fprintf(out, ",status=\"%d\"} %llu\n", status_codes[s],
                        (unsigned long long)sums[r].status[s]);
            else
                fprintf(out, ",status=\"other\"} %llu\n", (unsigned long long)sums[r].status[s]);
        }
    }
    fputs("# HELP quarry_http_request_duration_seconds Time from a request's arrival at a worker"
          " to its answer, by route.\n# TYPE quarry_http_request_duration_seconds histogram\n",
          out);
    for (size_t r = 0; r < nroutes; r++) {
        if (sums[r].count == 0)
            continue;
        uint64_t cumulative = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cumulative += sums[r].bucket[b];
            fputs("quarry_http_request_duration_seconds_bucket{", out);
            route_labels(out, r);
            fprintf(out, ",le=\"%s\"} %llu\n", bucket_le[b], (unsigned long long)cumulative);
        }
        fputs("quarry_http_request_duration_seconds_bucket{", out);
        route_labels(out, r);
        fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)sums[r].count);
        fputs("quarry_http_request_duration_seconds_sum{", out);
        route_labels(out, r);
        fprintf(out, "} %.3f\n", (double)sums[r].sum_ms / 1000.0);
        fputs("quarry_http_request_duration_seconds_count{", out);
        route_labels(out, r);
        fprintf(out, "} %llu\n", (unsigned long long)sums[r].count);
    }
    int in_use = 0;
    for (int i = 0; i < METRICS_SLOTS; i++)
        if (atomic_load(&shared->slots[i].pid) != 0)
            in_use++;
    fprintf(out,
            "# HELP quarry_metrics_slots_used Counter slots claimed by API workers of this host"
            " (live or dead).\n# TYPE quarry_metrics_slots_used gauge\n"
            "quarry_metrics_slots_used %d\n",
            in_use);
    free(sums);
    return 0;
}

/* The parent and the comm of a process, from /proc/<pid>/stat. */
static int proc_stat(const char *pid, int *ppid, char *comm, size_t len,
                     unsigned long long *start_ticks)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The name is in parentheses and may itself hold ") ": the last one ends it. */
    char *name = strchr(buf, '('), *name_end = strrchr(buf, ')');
    if (name == NULL || name_end == NULL || name_end < name)
        return -1;
    snprintf(comm, len, "%.*s", (int)(name_end - name - 1), name + 1);
    char state;
    unsigned long long start = 0;
    /* Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime. */
    if (sscanf(name_end + 2,
               "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &state, ppid, &start) != 3)
        return -1;
    if (start_ticks != NULL)
        *start_ticks = start;
    return state == 'Z' ? -1 : 0; /* a zombie is not alive */
}

int metrics_workers_alive(void)
{
    int parent = (int)getppid(), alive = 0;
    if (parent <= 1)
        return 1;
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int ppid;
        char comm[64];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (proc_stat(e->d_name, &ppid, comm, sizeof(comm), NULL) == 0 && ppid == parent &&
            strcmp(comm, "quarry-api") == 0)
            alive++;
    }
    closedir(d);
    return alive > 0 ? alive : 1;
}

double metrics_pool_uptime(const struct request *req)
{
    double own = (double)(time_now_ms() - req->app->started_ms) / 1000.0;
    char parent[32], comm[64], line[256];
    int ppid;
    unsigned long long start_ticks, boot = 0;
    snprintf(parent, sizeof(parent), "%d", (int)getppid());
    if (getppid() <= 1 || proc_stat(parent, &ppid, comm, sizeof(comm), &start_ticks) != 0)
        return own;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return own;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "btime %llu", &boot) == 1)
            break;
    fclose(f);
    long ticks = sysconf(_SC_CLK_TCK);
    if (boot == 0 || ticks <= 0)
        return own;
    double started = (double)boot + (double)start_ticks / (double)ticks;
    double up = (double)time_now_ms() / 1000.0 - started;
    return up > own ? up : own;
}
