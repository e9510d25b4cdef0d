/* quarry-bench-ceiling: the smallest prefork libfcgi responder, the ceiling
 * Quarry's API is measured against (tools/bench/api.sh). It is started like
 * the API pool (spawn-fcgi hands it the listening socket as fd 0, multiwatch
 * keeps N of them alive) and answers every request with a constant JSON body
 * and the API's own response head, closing each FastCGI connection the way
 * quarry-api does. What it costs is what the design costs; whatever an API
 * endpoint costs beyond it is that endpoint's own work. Built, never
 * installed: a normal stack never runs it. */
#include <fcgiapp.h>
#include <signal.h>
#include <string.h>

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

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_terminate; /* no SA_RESTART: accept() must be interrupted */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0)
        return 1;
    FCGX_Request fcgx;
    if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return 1;
    char sink[16384];
    while (FCGX_Accept_r(&fcgx) >= 0) {
        FCGX_PutStr(answer, (int)sizeof(answer) - 1, fcgx.out);
        while (FCGX_GetStr(sink, sizeof(sink), fcgx.in) > 0)
            ;
        /* quarry-api's close: no wait for nginx to close its end first. */
        FCGX_Detach(&fcgx);
        FCGX_Finish_r(&fcgx);
    }
    return 0;
}
