/* quarry-jobd: the dispatcher daemon. One per host, started under a
 * supervisor that restarts it (tools/quarry); QUARRY_CONFIG names its
 * settings. Its stderr is its log, shared with the processes it spawns. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/db.h"
#include "common/log.h"
#include "jobd/dispatcher.h"

int main(int argc, char **argv)
{
    static struct config cfg;
    char err[512], host[HOST_NAME_MAX + 1];
    struct db *db = NULL;
    struct dispatcher *d = NULL;
    int rc = 1;

    (void)argv;
    log_init("quarry-jobd");
    if (argc > 1) {
        fprintf(stderr, "usage: quarry-jobd (settings come from QUARRY_CONFIG and QUARRY_*)\n");
        return 2;
    }
    /* Unbuffered so that lines interleave sanely with the workers' output. */
    setvbuf(stderr, NULL, _IONBF, 0);
    if (config_load_settings(&cfg, err, sizeof(err)) != 0) {
        log_error("configuration: %s", err);
        return 2;
    }
    if (cfg.host_name[0] != '\0')
        snprintf(host, sizeof(host), "%s", cfg.host_name);
    else if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    db = db_open(&cfg);
    d = db != NULL ? dispatcher_new(&cfg, db, host) : NULL;
    if (d == NULL) {
        log_error("out of memory");
        goto out;
    }
    log_info("starting on %s (process_bin %s, socket %s)", host, cfg.process_bin,
             cfg.jobd_socket);
    rc = dispatcher_run(d) == 0 ? 0 : 1;
out:
    dispatcher_free(d);
    db_close(db);
    return rc;
}
