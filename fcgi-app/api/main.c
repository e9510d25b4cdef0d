/* quarry-api: the FastCGI worker. spawn-fcgi hands it the listening socket
 * as fd 0; multiwatch keeps N of them alive. By default (api_threads = 1)
 * each worker serves one request at a time with its own database
 * connection, opened after the fork. With api_threads = T > 1 a worker runs
 * T threads, each with everything a request touches of its own (struct app:
 * database connection and statement cache, token cache, issuers; an arena;
 * its FCGX_Request), each accepting on the shared socket and serving the
 * requests nginx sends on a connection it keeps open (fastcgi_keep_conn). */
#include <fcgiapp.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The threaded worker's stop: the main thread takes SIGTERM/SIGQUIT with
 * sigtimedwait, sets stopping and FCGX_ShutdownPending, and sends SIGUSR2 to the
 * serving threads until all have ended. A thread takes SIGUSR2 only while it
 * waits for a request (in FCGX_Accept_r: accept() on the shared socket, or a
 * read on a kept connection), which the signal interrupts; a request in
 * progress is finished first. */
#define WAKE_SIGNAL SIGUSR2

struct server {
    struct app app;
    pthread_t thread;
    atomic_bool done;
};

static void on_wake(int sig)
{
    (void)sig;
}

/* Serves requests until the accept fails (shutdown or a broken socket). */
static void serve_loop(struct app *app, bool threaded)
{
    FCGX_Request fcgx;
    if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return;
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, WAKE_SIGNAL);
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    for (;;) {
        if (threaded) {
            pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
            if (atomic_load(&stopping))
                break;
        }
        int rc = FCGX_Accept_r(&fcgx);
        if (threaded)
            pthread_sigmask(SIG_BLOCK, &wake, NULL);
        if (rc < 0)
            break;
        serve(app, &fcgx, &arena);
        /* libfcgi closes a connection with shutdown() and then waits (up to
         * 2 s) for nginx to close its end first, keeping the worker idle for
         * a round trip through nginx on every request. The body has been read
         * to its end, so a plain close loses nothing: a detached request
         * closes without the wait. A connection nginx keeps (threads only)
         * is not closed at all: the next FCGX_Accept_r reads the next
         * request from it. */
        if (!fcgx.keepConnection)
            FCGX_Detach(&fcgx);
        FCGX_Finish_r(&fcgx);
        arena_reset(&arena);
    }
    /* A connection still kept (a thread told to stop) closes at once. */
    FCGX_Detach(&fcgx);
    FCGX_Free(&fcgx, 1);
    arena_free(&arena);
}

static void *server_main(void *arg)
{
    struct server *s = arg;
    mysql_thread_init();
    serve_loop(&s->app, true);
    mysql_thread_end();
    atomic_store(&s->done, true);
    return NULL;
}

static int run_threads(const struct config *cfg, long long started_ms)
{
    int n = (int)cfg->api_threads, started = 0, rc = 0;
    struct server *servers = calloc((size_t)n, sizeof(*servers));
    if (servers == NULL) {
        log_error("out of memory");
        return 1;
    }
    /* The serving threads inherit a mask without the stop signals (sigwait
     * below takes them) and without the wake signal (serve_loop lets it in
     * while it waits). The wake handler has no SA_RESTART. */
    sigset_t stop, blocked;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGQUIT);
    blocked = stop;
    sigaddset(&blocked, WAKE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_wake;
    sigemptyset(&sa.sa_mask);
    sigaction(WAKE_SIGNAL, &sa, NULL);
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
    log_info("worker ready (%d threads)", started);
    /* Until a stop signal (or one that came before the mask), or until
     * every thread has ended on its own (the socket broke). */
    while (rc == 0 && !atomic_load(&stopping)) {
        struct timespec second = {1, 0};
        if (sigtimedwait(&stop, NULL, &second) > 0)
            break;
        int alive = 0;
        for (int i = 0; i < started; i++)
            alive += !atomic_load(&servers[i].done);
        if (alive == 0)
            break;
    }
    log_info("worker stopping");
    atomic_store(&stopping, true);
    FCGX_ShutdownPending();
    for (int i = 0; i < started; i++) {
        while (!atomic_load(&servers[i].done)) {
            pthread_kill(servers[i].thread, WAKE_SIGNAL);
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        pthread_join(servers[i].thread, NULL);
    }
out:
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
            serve_loop(&app, false);
            log_info("worker stopping");
        }
        app_close(&app);
    }
    sodium_memzero(&cfg, sizeof(cfg));
    mysql_library_end();
    return rc;
}
