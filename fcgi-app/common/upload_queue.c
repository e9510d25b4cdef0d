#include "common/upload_queue.h"

struct relay {
    job_id_fn fn;
    void *ctx;
};

static int take_id(void *ctx, const struct db_row *row)
{
    const struct relay *r = ctx;
    return row->values[0] != NULL ? r->fn(r->ctx, row->values[0]) : 0;
}

enum db_status upload_list_expired(struct db *db, int limit, job_id_fn fn, void *ctx)
{
    struct relay r = {fn, ctx};
    return db_query(db,
                    "SELECT id FROM uploads WHERE expires_at < UTC_TIMESTAMP(3) "
                    "ORDER BY expires_at LIMIT ?",
                    DB_PARAMS(P_INT(limit)), take_id, &r);
}

enum db_status upload_delete_expired(struct db *db, const char *id, bool *won)
{
    long long n = 0;
    enum db_status st = db_exec(db,
                                "DELETE FROM uploads WHERE id = ? AND expires_at < UTC_TIMESTAMP(3)",
                                DB_PARAMS(P_STR(id)), &n);
    *won = st == DB_OK && n == 1;
    return st;
}
