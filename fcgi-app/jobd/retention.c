#include "jobd/retention.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ids.h"
#include "common/job_queue.h"
#include "common/log.h"
#include "common/purge_store.h"
#include "common/upload_queue.h"

/* At most this many jobs of each kind per sweep. */
#define RETENTION_BATCH 200

struct id_list {
    char ids[RETENTION_BATCH][UUID_LEN + 1];
    int n;
};

static int collect_id(void *ctx, const char *id)
{
    struct id_list *list = ctx;
    if (list->n < RETENTION_BATCH && id_is_uuid(id))
        memcpy(list->ids[list->n++], id, UUID_LEN + 1);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = type == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        log_warn("retention: cannot remove %s: %s", path, strerror(errno));
    return 0;
}

int retention_remove_objects(const char *storage_dir, const char *area, const char *id)
{
    char path[1024];
    /* Only a UUID: nothing in a row can make this escape the storage dir. */
    if (!id_is_uuid(id))
        return -1;
    snprintf(path, sizeof(path), "%s/%s/%s", storage_dir, area, id);
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* One kind of expiry: which jobs are due, what becomes of each row, and
 * which of the job's object folders then go. */
struct sweep {
    enum db_status (*list_due)(struct db *db, long long hours, int limit, job_id_fn fn,
                               void *ctx);
    enum db_status (*expire)(struct db *db, const char *id, bool *won);
    bool output_too;
    const char *did, *state; /* for the log */
};

/* The row changes first: a PENDING job that got its upload in the meantime
 * is no longer PENDING and keeps its object. Folders are named after the
 * job, never after its keys: a job made from a direct upload points at the
 * file's object, which is not the job's. */
static const struct sweep sweeps[] = {
    {job_list_pending_expired, job_delete_pending, false, "deleted", "PENDING"},
    {job_list_retention_expired, job_clear_objects, true, "objects removed", "finished"},
};

/* Runs one sweep; the number of jobs it expired, or -1 on a database error. */
static int sweep_run(struct db *db, const struct config *cfg, const struct sweep *s,
                     long long hours)
{
    static struct id_list list;
    int done = 0;
    list.n = 0;
    if (s->list_due(db, hours, RETENTION_BATCH, collect_id, &list) != DB_OK)
        return -1;
    for (int i = 0; i < list.n; i++) {
        bool won = false;
        if (s->expire(db, list.ids[i], &won) != DB_OK)
            return -1;
        if (!won)
            continue;
        retention_remove_objects(cfg->storage_dir, "input", list.ids[i]);
        if (s->output_too)
            retention_remove_objects(cfg->storage_dir, "output", list.ids[i]);
        log_info("retention: job %s %s: %s for more than %lld h", list.ids[i], s->did, s->state,
                 hours);
        done++;
    }
    return done;
}

/* Resumable uploads past their expiry: the row goes first (a PATCH that
 * holds it finishes, or finds it gone), then <storage>/uploads/<id>. */
static int sweep_expired_uploads(struct db *db, const struct config *cfg)
{
    static struct id_list list;
    int done = 0;
    list.n = 0;
    if (upload_list_expired(db, RETENTION_BATCH, collect_id, &list) != DB_OK)
        return -1;
    for (int i = 0; i < list.n; i++) {
        bool won = false;
        if (upload_delete_expired(db, list.ids[i], &won) != DB_OK)
            return -1;
        if (!won)
            continue;
        retention_remove_objects(cfg->storage_dir, "uploads", list.ids[i]);
        log_info("retention: upload %s removed: untouched past its expiry", list.ids[i]);
        done++;
    }
    return done;
}

/* The ids of a file's jobs, as many as it has. */
struct job_ids {
    char (*ids)[UUID_LEN + 1];
    size_t n, cap;
};

static int collect_job(void *ctx, const char *id)
{
    struct job_ids *j = ctx;
    if (!id_is_uuid(id))
        return 0;
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        void *grown = realloc(j->ids, cap * sizeof(*j->ids));
        if (grown == NULL)
            return -1;
        j->ids = grown;
        j->cap = cap;
    }
    memcpy(j->ids[j->n++], id, UUID_LEN + 1);
    return 0;
}

/* Direct uploads past file_retention_hours, not pinned and used by nothing:
 * the rows go first (the file's jobs with it, as DELETE /files/{id} does),
 * then <storage>/files/<id> and each job's output folder. */
static int sweep_expired_files(struct db *db, const struct config *cfg)
{
    static struct id_list list;
    struct job_ids jobs = {NULL, 0, 0};
    int done = 0;
    if (cfg->file_retention_hours <= 0)
        return 0;
    list.n = 0;
    if (purge_list_files(db, cfg->file_retention_hours, RETENTION_BATCH, collect_id, &list) !=
        DB_OK)
        return -1;
    for (int i = 0; i < list.n; i++) {
        bool won = false;
        jobs.n = 0;
        if (purge_file(db, list.ids[i], cfg->file_retention_hours, collect_job, &jobs, &won) !=
            DB_OK) {
            done = -1;
            break;
        }
        if (!won)
            continue;
        retention_remove_objects(cfg->storage_dir, "files", list.ids[i]);
        for (size_t k = 0; k < jobs.n; k++)
            retention_remove_objects(cfg->storage_dir, "output", jobs.ids[k]);
        log_info("retention: file %s removed with %zu job(s): unpinned and unused for more "
                 "than %lld h",
                 list.ids[i], jobs.n, cfg->file_retention_hours);
        done++;
    }
    free(jobs.ids);
    return done;
}

/* An upload still being written is touched at least every few seconds; an
 * hour of silence means its worker is gone. */
#define STALE_UPLOAD_SECONDS 3600

int retention_remove_stale_uploads(const char *storage_dir, long long max_age_seconds,
                                   time_t now)
{
    char dir[1024], path[1400];
    int removed = 0;
    snprintf(dir, sizeof(dir), "%s/files/.tmp", storage_dir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, "upload-", 7) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            (long long)(now - st.st_mtime) <= max_age_seconds)
            continue;
        if (unlink(path) == 0) {
            removed++;
            log_info("retention: removed %s, left by an interrupted upload", e->d_name);
        }
    }
    closedir(d);
    return removed;
}

/* Old rows: finished jobs (with their runs, line errors and quality check),
 * then pipeline errors and progress records, each past its own retention;
 * 0 hours keeps them for ever. A job's objects went long before (they go
 * after retention_hours), but a folder left by a failed removal goes too. */
static int purge_rows(struct db *db, const struct config *cfg)
{
    static struct id_list list;
    int done = 0;
    if (cfg->job_row_retention_hours > 0) {
        list.n = 0;
        if (purge_list_jobs(db, cfg->job_row_retention_hours, RETENTION_BATCH, collect_id,
                            &list) != DB_OK)
            return -1;
        for (int i = 0; i < list.n; i++) {
            bool won = false;
            if (purge_job(db, list.ids[i], cfg->job_row_retention_hours, &won) != DB_OK)
                return -1;
            if (!won)
                continue;
            retention_remove_objects(cfg->storage_dir, "input", list.ids[i]);
            retention_remove_objects(cfg->storage_dir, "output", list.ids[i]);
            done++;
        }
        if (list.n > 0)
            log_info("retention: purged %d job row(s) finished more than %lld h ago", done,
                     cfg->job_row_retention_hours);
    }
    if (cfg->error_retention_hours > 0) {
        long long deleted = 0;
        if (purge_pipeline_errors(db, cfg->error_retention_hours, RETENTION_BATCH, &deleted) !=
            DB_OK)
            return -1;
        if (deleted > 0)
            log_info("retention: purged %lld pipeline error(s) older than %lld h", deleted,
                     cfg->error_retention_hours);
        done += (int)deleted;
    }
    if (cfg->progress_retention_hours > 0) {
        int progress = 0;
        list.n = 0;
        if (purge_list_progress(db, cfg->progress_retention_hours, RETENTION_BATCH, collect_id,
                                &list) != DB_OK)
            return -1;
        for (int i = 0; i < list.n; i++) {
            bool won = false;
            if (purge_progress(db, list.ids[i], cfg->progress_retention_hours, &won) != DB_OK)
                return -1;
            progress += won;
        }
        if (progress > 0)
            log_info("retention: purged %d progress record(s) not updated for %lld h", progress,
                     cfg->progress_retention_hours);
        done += progress;
    }
    return done;
}

int retention_sweep(struct db *db, const struct config *cfg)
{
    retention_remove_stale_uploads(cfg->storage_dir, STALE_UPLOAD_SECONDS, time(NULL));
    const long long hours[] = {cfg->pending_ttl_hours, cfg->retention_hours};
    int total = 0;
    for (size_t i = 0; i < sizeof(sweeps) / sizeof(sweeps[0]); i++) {
        int done = sweep_run(db, cfg, &sweeps[i], hours[i]);
        if (done < 0)
            return -1;
        total += done;
    }
    int uploads = sweep_expired_uploads(db, cfg);
    if (uploads < 0)
        return -1;
    int files = sweep_expired_files(db, cfg);
    if (files < 0)
        return -1;
    int purged = purge_rows(db, cfg);
    return purged < 0 ? -1 : total + uploads + files + purged;
}
