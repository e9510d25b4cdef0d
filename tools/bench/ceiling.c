/* quarry-bench-ceiling: the smallest libfcgi responder, the ceiling Quarry's
 * API is measured against (tools/bench/api.sh). It is started like the API
 * pool (spawn-fcgi hands it the listening socket as fd 0, multiwatch keeps N
 * of them alive) and answers every request with a constant JSON body and the
 * API's own response head. Built, never installed: a normal stack never runs
 * it.
 *
 * By default it is today's design: one request at a time per process, each
 * FastCGI connection closed after its request the way quarry-api closes it.
 * What it costs is what the design costs; whatever an API endpoint costs
 * beyond it is that endpoint's own work.
 *
 * With QUARRY_CEILING_THREADS=N (N > 1) it is the other design the benchmark
 * weighs: N threads per process, each with its own FCGX_Request, accepting on
 * the shared socket and keeping a connection nginx asks to keep
 * (fastcgi_keep_conn on, an upstream keepalive pool) for the requests that
 * follow on it. */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char answer[] = "Status: 200 OK\r\n"
                             "Content-Type: application/json; charset=utf-8\r\n"
                             "Content-Length: 12\r\n"
                             "Cache-Control: no-store\r\n"
                             "X-Request-Id: -\r\n"
                             "\r\n"
                             "{\"ok\":true}\n";

/* As in quarry-api: SIGTERM (or multiwatch's SIGQUIT) ends the accept loop. */
static void on_terminate(int sig)
{
    (void)sig;
    FCGX_ShutdownPending();
}

/* Threads blocked in accept() are not woken by a signal to another thread:
 * a threaded responder (it holds nothing worth finishing) just exits. */
static void on_terminate_now(int sig)
{
    (void)sig;
    _exit(0);
}

static void *serve(void *arg)
{
    (void)arg;
    FCGX_Request fcgx;
    char sink[16384];
    if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&fcgx) >= 0) {
        FCGX_PutStr(answer, (int)sizeof(answer) - 1, fcgx.out);
        while (FCGX_GetStr(sink, sizeof(sink), fcgx.in) > 0)
            ;
        /* quarry-api's close: no wait for nginx to close its end first.
         * A kept connection is not closed at all: the next FCGX_Accept_r
         * reads the next request from it. */
        if (!fcgx.keepConnection)
            FCGX_Detach(&fcgx);
        FCGX_Finish_r(&fcgx);
    }
    return NULL;
}

int main(void)
{
    const char *t = getenv("QUARRY_CEILING_THREADS");
    int threads = t ? atoi(t) : 1;
    if (threads < 1 || threads > 1024)
        threads = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = threads > 1 ? on_terminate_now : on_terminate; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0)
        return 1;
    pthread_t ids[1024];
    for (int i = 1; i < threads; i++)
        if (pthread_create(&ids[i], NULL, serve, NULL) != 0)
            return 1;
    serve(NULL);
    return 0;
}
