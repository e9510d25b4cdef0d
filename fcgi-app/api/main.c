/* quarry-api: the FastCGI worker. spawn-fcgi hands it the listening socket
 * as fd 0; multiwatch keeps N of them alive. By default (api_threads = 1)
 * each worker serves one request at a time with its own database
 * connection, opened after the fork. With api_threads = T > 1 a worker runs
 * T threads, each with everything a request touches of its own (struct app:
 * database connection and statement cache, token cache, issuers; an arena;
 * its FCGX_Request), each accepting on the shared socket and serving the
 * requests nginx sends on a connection it keeps open (fastcgi_keep_conn). */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <mysql.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/admin.h"
#include "api/app.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/request.h"
#include "api/response.h"
#include "api/routes.h"
#include "api/session.h"
#include "common/log.h"

/* Requests slower than this are logged even when they succeed. */
#define SLOW_REQUEST_MS 500
/* Verified tokens remembered per worker (a few hundred bytes each). */
#define TOKEN_CACHE_SLOTS 1024

/* True when the route's handler reads the query (and declares its keys). */
static bool route_reads_query(const struct route *route)
{
    for (size_t i = 0; i < api_nquery_handlers; i++)
        if (api_query_handlers[i] == route->handler)
            return true;
    return false;
}

static void dispatch(struct request *req)
{
    const struct route *route = NULL;
    switch (router_match(api_routes, api_nroutes, req->arena, req->method, req->path, &route,
                         req->params, REQUEST_MAX_PARAMS, &req->nparams)) {
    case ROUTE_NO_PATH:
        req->route = "unmatched";
        respond_error(req, 404, "NOT_FOUND", "Not found", NULL);
        return;
    case ROUTE_NO_METHOD:
        req->route = "unmatched";
        respond_error(req, 405, "METHOD_NOT_ALLOWED", "Method not allowed", NULL);
        return;
    case ROUTE_FOUND:
        break;
    }
    req->route = route->pattern;
    if (route->access == ROUTE_INTERNAL && request_param(req, "QUARRY_INTERNAL") == NULL) {
        respond_error(req, 404, "NOT_FOUND", "Not found", NULL);
        return;
    }
    if (route->access == ROUTE_USER || route->access == ROUTE_ADMIN ||
        route->access == ROUTE_WORKER) {
        if (session_authenticate(req) != 0)
            return;
        if (req->is_service && route->access != ROUTE_WORKER) {
            respond_error(req, 403, "FORBIDDEN",
                          "A service account may only report and read progress", NULL);
            return;
        }
        if (route->access == ROUTE_ADMIN && !req->user.is_superuser) {
            respond_error(req, 403, "FORBIDDEN", "Administrator rights are required", NULL);
            return;
        }
    }
    /* A route that takes no query declares none: any key is refused. */
    if (*req->query != '\0' && route->access != ROUTE_INTERNAL && !route_reads_query(route) &&
        request_query(req, NULL, 0, NULL, NULL) != 0)
        return;
    route->handler(req);
    if (!req->responded) {
        log_error("handler for %s answered nothing", route->pattern);
        respond_error(req, 500, "INTERNAL_ERROR", "Internal error", NULL);
    }
}

/* Reads what a handler left unread of the body (one that answered before
 * reading it, e.g. a 401), so that nginx has nothing more to send when the
 * connection is closed. */
static void drain_body(struct request *req)
{
    char sink[16384];
    while (FCGX_GetStr(sink, sizeof(sink), req->fcgx->in) > 0)
        ;
}

static void serve(struct app *app, FCGX_Request *fcgx, struct arena *arena)
{
    struct request req = {0};
    req.fcgx = fcgx;
    req.app = app;
    req.arena = arena;
    req.started_ms = time_now_ms();
    req.method = request_param(&req, "REQUEST_METHOD");
    req.request_id = request_param(&req, "REQUEST_ID");
    if (req.request_id == NULL || *req.request_id == '\0')
        req.request_id = "-";
    log_set_request(req.request_id);
    /* The raw URI, so that a percent-encoded '/' inside a segment stays inside it. */
    const char *uri = request_param(&req, "REQUEST_URI");
    if (uri == NULL)
        uri = request_param(&req, "DOCUMENT_URI");
    if (uri == NULL)
        uri = "/";
    const char *q = strchr(uri, '?');
    req.path = q ? arena_strndup(arena, uri, (size_t)(q - uri)) : uri;
    req.query = q ? q + 1 : "";
    if (req.method == NULL)
        respond_error(&req, 400, "BAD_REQUEST", "Malformed request", NULL);
    else
        dispatch(&req);
    json_object_put(req.query_values);
    drain_body(&req);
    /* nginx's access log has every request with its id; the API adds a line
     * only for the ones worth a look, so the hot path makes no extra write. */
    long long took = time_now_ms() - req.started_ms;
    if (req.status >= 400 || took >= SLOW_REQUEST_MS)
        log_info("%s %s %d %lldms", req.method ? req.method : "-", req.route ? req.route : "-",
                 req.status, took);
    metrics_request_done(&req);
    log_set_request(NULL);
}

/* SIGTERM, or SIGQUIT (what multiwatch sends its workers at stop), makes the
 * accept return, so the worker finishes its request and exits normally (and
 * LeakSanitizer can look). */
static atomic_bool stopping;

static void on_terminate(int sig)
{
    (void)sig;
    atomic_store(&stopping, true);
    FCGX_ShutdownPending();
}

/* What one serving thread (or the one process) has of its own. */
static int app_open(struct app *app, const struct config *cfg, long long started_ms)
{
    char err[512];
    app->cfg = *cfg;
    app->started_ms = started_ms;
    app->tokens = token_cache_new(TOKEN_CACHE_SLOTS);
    if (issuers_load(app->cfg.issuers_file, &app->issuers, err, sizeof(err)) != 0) {
        log_error("issuers: %s", err);
        return -1;
    }
    app->verifier = (struct token_verifier){app->cfg.jwt_key, app->tokens, &app->issuers,
                                            app->cfg.token_leeway_seconds};
    app->db = db_open(&app->cfg);
    return app->db != NULL ? 0 : -1;
}

static void app_close(struct app *app)
{
    db_close(app->db);
    token_cache_free(app->tokens);
    issuers_free(&app->issuers);
}

/* ------------------------------------------------------------ threads */

/* Serves requests on libfcgi's own accept until it fails (shutdown): the
 * prefork worker. */
static void serve_prefork(struct app *app)
{
    FCGX_Request fcgx;
    if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return;
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    while (FCGX_Accept_r(&fcgx) >= 0) {
        serve(app, &fcgx, &arena);
        /* libfcgi closes a connection with shutdown() and then waits (up to
         * 2 s) for nginx to close its end first, keeping the worker idle for
         * a round trip through nginx on every request. The body has been read
         * to its end, so a plain close loses nothing: a detached request
         * closes without the wait. */
        FCGX_Detach(&fcgx);
        FCGX_Finish_r(&fcgx);
        arena_reset(&arena);
    }
    arena_free(&arena);
}

/* The threaded worker. nginx keeps its FastCGI connections open
 * (fastcgi_keep_conn) and may hold more of them than the worker has
 * threads, idle or queued behind the listening socket: a thread that
 * stayed with its connection would starve the others. So no thread owns a
 * connection. One poller thread waits on the listening socket and on every
 * kept connection that is idle; a connection with a request (or a new one,
 * accepted) goes into a FIFO queue, and the first free serving thread takes
 * it, reads and answers one request with libfcgi (FCGX_Accept_r on that
 * connection: FCGX_Request.ipcFd set beforehand), and gives the connection
 * back to the poller if nginx keeps it. New connections and requests on
 * kept ones queue in the order the poller sees them: a poller that left new
 * connections in the listening socket while kept ones had requests starved
 * them (9 s answers under load). */
#define KEPT_MAX 1024 /* connections a worker holds idle or queued */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t ready_cond;
    int ready[KEPT_MAX]; /* FIFO ring of connections with a request */
    int ready_head, nready;
    int idle[KEPT_MAX]; /* kept connections between requests */
    int nidle;
    bool stop;
    int wake[2]; /* a byte makes the poller look again */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .ready_cond = PTHREAD_COND_INITIALIZER,
          .wake = {-1, -1}};

struct server {
    struct app app;
    pthread_t thread;
};

static void pool_wake(void)
{
    char b = 1;
    if (write(pool.wake[1], &b, 1) < 0) {
        /* full pipe: the poller has a byte to read already */
    }
}

/* Under pool.lock. False when the queue is full (the caller closes fd). */
static bool pool_push_ready(int fd)
{
    if (pool.nready == KEPT_MAX)
        return false;
    pool.ready[(pool.ready_head + pool.nready) % KEPT_MAX] = fd;
    pool.nready++;
    pthread_cond_signal(&pool.ready_cond);
    return true;
}

static void *poller_main(void *arg)
{
    (void)arg;
    static struct pollfd fds[KEPT_MAX + 2];
    for (;;) {
        pthread_mutex_lock(&pool.lock);
        if (pool.stop) {
            pthread_mutex_unlock(&pool.lock);
            break;
        }
        int nidle = pool.nidle;
        for (int i = 0; i < nidle; i++)
            fds[2 + i] = (struct pollfd){.fd = pool.idle[i], .events = POLLIN};
        pthread_mutex_unlock(&pool.lock);
        fds[0] = (struct pollfd){.fd = 0, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = pool.wake[0], .events = POLLIN};
        if (poll(fds, (nfds_t)(nidle + 2), -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error("poll: %s", strerror(errno));
            break;
        }
        if (fds[1].revents != 0) {
            char sink[256];
            while (read(pool.wake[0], sink, sizeof(sink)) > 0)
                ;
        }
        pthread_mutex_lock(&pool.lock);
        /* Only this thread removes from idle (others append), so the first
         * nidle entries are the ones polled: take the ready ones out. */
        int kept = 0;
        for (int i = 0; i < pool.nidle; i++) {
            short ev = i < nidle ? fds[2 + i].revents : 0;
            int fd = pool.idle[i];
            if (ev == 0)
                pool.idle[kept++] = fd;
            else if (!(ev & POLLIN) || !pool_push_ready(fd))
                close(fd); /* nginx closed it, or no room */
        }
        pool.nidle = kept;
        pthread_mutex_unlock(&pool.lock);
        if (fds[0].revents & POLLIN) {
            /* The socket is non-blocking: another worker may have won. */
            int fd = accept4(0, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                pthread_mutex_lock(&pool.lock);
                bool queued = pool_push_ready(fd);
                pthread_mutex_unlock(&pool.lock);
                if (!queued)
                    close(fd);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                       errno != ECONNABORTED) {
                log_error("accept: %s", strerror(errno));
                break;
            }
        }
    }
    /* The serving threads end too (the socket broke, or the stop). */
    pthread_mutex_lock(&pool.lock);
    pool.stop = true;
    pthread_cond_broadcast(&pool.ready_cond);
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* Takes a connection with a request from the queue; -1 at stop. */
static int pool_take(void)
{
    pthread_mutex_lock(&pool.lock);
    while (pool.nready == 0 && !pool.stop)
        pthread_cond_wait(&pool.ready_cond, &pool.lock);
    int fd = -1;
    if (!pool.stop) {
        fd = pool.ready[pool.ready_head];
        pool.ready_head = (pool.ready_head + 1) % KEPT_MAX;
        pool.nready--;
    }
    pthread_mutex_unlock(&pool.lock);
    return fd;
}

/* A kept connection goes back to the poller for its next request. */
static void pool_give_back(int fd)
{
    pthread_mutex_lock(&pool.lock);
    bool kept = !pool.stop && pool.nidle < KEPT_MAX;
    if (kept)
        pool.idle[pool.nidle++] = fd;
    pthread_mutex_unlock(&pool.lock);
    if (kept)
        pool_wake();
    else
        close(fd);
}

static void *server_main(void *arg)
{
    struct server *s = arg;
    mysql_thread_init();
    FCGX_Request fcgx;
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    if (FCGX_InitRequest(&fcgx, 0, 0) == 0) {
        for (int fd; (fd = pool_take()) >= 0;) {
            /* libfcgi reads the request from this connection. Should it
             * fail (nginx closed it), libfcgi closes it and tries the
             * non-blocking listening socket: a new connection waiting
             * there is served, none is an error. */
            fcgx.ipcFd = fd;
            fcgx.keepConnection = 1; /* or Accept_r's first Finish_r closes it */
            if (FCGX_Accept_r(&fcgx) < 0) {
                fcgx.ipcFd = -1;
                continue;
            }
            serve(&s->app, &fcgx, &arena);
            if (!fcgx.keepConnection)
                FCGX_Detach(&fcgx); /* closed without libfcgi's wait, as prefork */
            FCGX_Finish_r(&fcgx);
            if (fcgx.ipcFd >= 0) {
                int kept = fcgx.ipcFd;
                fcgx.ipcFd = -1;
                pool_give_back(kept);
            }
            arena_reset(&arena);
        }
        FCGX_Free(&fcgx, 0);
    }
    arena_free(&arena);
    mysql_thread_end();
    return NULL;
}

static int run_threads(const struct config *cfg, long long started_ms)
{
    int n = (int)cfg->api_threads, started = 0, rc = 0;
    bool poller = false;
    pthread_t poller_id;
    struct server *servers = calloc((size_t)n, sizeof(*servers));
    if (servers == NULL) {
        log_error("out of memory");
        return 1;
    }
    /* Only this thread takes the stop signals (sigtimedwait below). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int flags = fcntl(0, F_GETFL);
    if (pipe2(pool.wake, O_CLOEXEC | O_NONBLOCK) != 0 || flags < 0 ||
        fcntl(0, F_SETFL, flags | O_NONBLOCK) != 0) {
        log_error("cannot set up the listening socket: %s", strerror(errno));
        rc = 1;
        goto out;
    }
    /* Opened one after the other here: issuers_load may initialise curl. */
    for (int i = 0; i < n; i++)
        if (app_open(&servers[i].app, cfg, started_ms) != 0) {
            log_error("cannot initialise thread %d", i);
            rc = 1;
            n = i + 1;
            goto out;
        }
    for (; started < n; started++)
        if (pthread_create(&servers[started].thread, NULL, server_main, &servers[started]) != 0) {
            log_error("cannot start thread %d", started);
            rc = 1;
            break;
        }
    if (rc == 0 && pthread_create(&poller_id, NULL, poller_main, NULL) != 0) {
        log_error("cannot start the poller");
        rc = 1;
    }
    poller = rc == 0;
    if (poller)
        log_info("worker ready (%d threads)", started);
    /* Until a stop signal (or one that came before the mask), or until the
     * poller has ended on its own (the socket broke). */
    while (poller && !atomic_load(&stopping)) {
        struct timespec second = {1, 0};
        if (sigtimedwait(&stop, NULL, &second) > 0)
            break;
        pthread_mutex_lock(&pool.lock);
        bool ended = pool.stop;
        pthread_mutex_unlock(&pool.lock);
        if (ended)
            break;
    }
    log_info("worker stopping");
    /* Threads busy with a request finish it; the others end now. */
    pthread_mutex_lock(&pool.lock);
    pool.stop = true;
    pthread_cond_broadcast(&pool.ready_cond);
    pthread_mutex_unlock(&pool.lock);
    if (poller) {
        pool_wake();
        pthread_join(poller_id, NULL);
    }
    for (int i = 0; i < started; i++)
        pthread_join(servers[i].thread, NULL);
    for (int i = 0; i < pool.nidle; i++)
        close(pool.idle[i]);
    for (int i = 0; i < pool.nready; i++)
        close(pool.ready[(pool.ready_head + i) % KEPT_MAX]);
out:
    for (int i = 0; i < 2; i++)
        if (pool.wake[i] >= 0)
            close(pool.wake[i]);
    for (int i = 0; i < n; i++)
        app_close(&servers[i].app);
    free(servers);
    return rc;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc > 1 && strcmp(argv[1], "admin") == 0)
        return admin_main(argc - 1, argv + 1);
    if (argc > 1)
        return openapi_main(argc, argv);
    log_init("quarry-api");
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_terminate; /* no SA_RESTART: accept() must be interrupted */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    if (sodium_init() < 0) {
        log_error("libsodium failed to initialise");
        return 1;
    }
    struct config cfg;
    if (config_load(&cfg, err, sizeof(err)) != 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    /* Before any thread: mysql_init would otherwise do it, racing. */
    if (mysql_library_init(0, NULL, NULL) != 0 || FCGX_Init() != 0) {
        log_error("cannot initialise");
        return 1;
    }
    long long started_ms = time_now_ms();
    int rc = 0;
    if (cfg.api_threads > 1) {
        rc = run_threads(&cfg, started_ms);
    } else {
        struct app app;
        memset(&app, 0, sizeof(app));
        if (app_open(&app, &cfg, started_ms) != 0) {
            log_error("cannot initialise");
            rc = 1;
        } else {
            log_info("worker ready");
            serve_prefork(&app);
            log_info("worker stopping");
        }
        app_close(&app);
    }
    sodium_memzero(&cfg, sizeof(cfg));
    mysql_library_end();
    return rc;
}
