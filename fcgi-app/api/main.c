/* quarry-api: the FastCGI worker. spawn-fcgi hands it the listening socket
 * as fd 0; multiwatch keeps N of them alive. Each worker serves one request at
 * a time with its own database connection, opened after the fork. */
#include <fcgiapp.h>
#include <mysql.h>
#include <signal.h>
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

static struct app app;

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

static void serve(FCGX_Request *fcgx, struct arena *arena)
{
    struct request req = {0};
    req.fcgx = fcgx;
    req.app = &app;
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
static void on_terminate(int sig)
{
    (void)sig;
    FCGX_ShutdownPending();
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
    if (config_load(&app.cfg, err, sizeof(err)) != 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    app.db = db_open(&app.cfg);
    app.tokens = token_cache_new(TOKEN_CACHE_SLOTS);
    if (issuers_load(app.cfg.issuers_file, &app.issuers, err, sizeof(err)) != 0) {
        log_error("issuers: %s", err);
        return 1;
    }
    app.verifier = (struct token_verifier){app.cfg.jwt_key, app.tokens, &app.issuers,
                                           app.cfg.token_leeway_seconds};
    app.started_ms = time_now_ms();
    if (app.db == NULL || FCGX_Init() != 0) {
        log_error("cannot initialise");
        return 1;
    }
    FCGX_Request fcgx;
    if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return 1;
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    log_info("worker ready");
    while (FCGX_Accept_r(&fcgx) >= 0) {
        serve(&fcgx, &arena);
        /* libfcgi closes a connection with shutdown() and then waits (up to
         * 2 s) for nginx to close its end first, keeping the worker idle for
         * a round trip through nginx on every request. The body has been read
         * to its end, so a plain close loses nothing: a detached request
         * closes without the wait. */
        FCGX_Detach(&fcgx);
        FCGX_Finish_r(&fcgx);
        arena_reset(&arena);
    }
    log_info("worker stopping");
    arena_free(&arena);
    db_close(app.db);
    token_cache_free(app.tokens);
    issuers_free(&app.issuers);
    mysql_library_end();
    return 0;
}
