/* What keeps writes correct on a Galera cluster (common/db.h, job_queue.h):
 * the backoff between the tries of a transaction that lost a conflict, the
 * claim's pick among the oldest queued jobs, the list of servers a
 * connection may go to, and that a transaction that cannot begin never runs
 * its body. */
#include <check.h>
#include <string.h>

#include "common/config.h"
#include "common/db.h"
#include "common/job_queue.h"

START_TEST(a_trigger_that_failed_to_parse_is_run_again_other_errors_are_not)
{
    ck_assert(db_error_is_broken_trigger(
        1064, "1064: Trigger 'jobs_bytes_delete' has an error in its body: 'You have an error in your "
              "SQL syntax; check the manual that corresponds to your MariaDB server version for the "
              "right syntax to use near '' at line 8'"));
    /* A syntax error of the statement itself is a bug: not run again. */
    ck_assert(!db_error_is_broken_trigger(1064, "1064: You have an error in your SQL syntax; near 'x'"));
    /* The same words under another error number are not it. */
    ck_assert(!db_error_is_broken_trigger(1146, "1146: Table 'has an error in its body' doesn't exist"));
    ck_assert(!db_error_is_broken_trigger(1064, NULL));
}
END_TEST

START_TEST(backoff_stays_within_its_doubling_bounds)
{
    unsigned int rnds[] = {0u, 1u, 2u, 7u, 12345u, 0x7fffffffu, 0xffffffffu};
    for (int attempt = 0; attempt < 20; attempt++) {
        unsigned int base = DB_BACKOFF_FIRST_MS << (attempt < 10 ? attempt : 10);
        if (base > DB_BACKOFF_MAX_MS || attempt >= 10)
            base = DB_BACKOFF_MAX_MS;
        for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
            unsigned int ms = db_backoff_ms(attempt, rnds[i]);
            ck_assert_uint_ge(ms, base / 2);
            ck_assert_uint_le(ms, base);
        }
    }
    /* The first retry is quick, the cap holds. */
    ck_assert_uint_le(db_backoff_ms(0, 0xffffffffu), DB_BACKOFF_FIRST_MS);
    ck_assert_uint_eq(db_backoff_ms(30, 0), DB_BACKOFF_MAX_MS / 2);
}
END_TEST

START_TEST(backoff_spreads_two_losers)
{
    /* Different random numbers give different pauses once the range is wide. */
    unsigned int seen[DB_BACKOFF_MAX_MS + 1];
    memset(seen, 0, sizeof(seen));
    int distinct = 0;
    for (unsigned int r = 0; r < 1000; r++) {
        unsigned int ms = db_backoff_ms(6, r * 2654435761u);
        if (!seen[ms]++)
            distinct++;
    }
    ck_assert_int_gt(distinct, 20);
}
END_TEST

START_TEST(claim_pick_of_one_is_the_oldest)
{
    for (unsigned int r = 0; r < 100; r++) {
        ck_assert_int_eq(job_claim_pick(1, r), 0);
        ck_assert_int_eq(job_claim_pick(0, r), 0);
    }
}
END_TEST

START_TEST(claim_pick_prefers_the_oldest_and_reaches_every_candidate)
{
    int counts[8] = {0};
    for (unsigned int r = 0; r < 8000; r++) {
        int i = job_claim_pick(8, r * 2654435761u + 17u);
        ck_assert_int_ge(i, 0);
        ck_assert_int_lt(i, 8);
        counts[i]++;
    }
    /* Half the picks are the oldest, plus its share of the rest. */
    ck_assert_int_gt(counts[0], 8000 / 2);
    for (int i = 1; i < 8; i++)
        ck_assert_int_gt(counts[i], 8000 / 2 / 8 / 2);
}
END_TEST

START_TEST(targets_are_the_server_then_the_failover_list)
{
    static struct config cfg;
    struct db_target t[8];
    memset(&cfg, 0, sizeof(cfg));
    strcpy(cfg.db_socket, "/srv/node1/mysqld.sock");
    strcpy(cfg.db_host, "127.0.0.1");
    cfg.db_port = 3306;
    strcpy(cfg.db_failover, "/srv/node2/mysqld.sock, db3.example:3307,db4.example");
    int n = db_targets_parse(&cfg, t, 8);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(t[0].socket, "/srv/node1/mysqld.sock");
    ck_assert_str_eq(t[1].socket, "/srv/node2/mysqld.sock");
    ck_assert_str_eq(t[2].socket, "");
    ck_assert_str_eq(t[2].host, "db3.example");
    ck_assert_uint_eq(t[2].port, 3307);
    ck_assert_str_eq(t[3].host, "db4.example");
    ck_assert_uint_eq(t[3].port, 3306);
    /* No failover: the one server; a list longer than the room is cut. */
    cfg.db_failover[0] = '\0';
    ck_assert_int_eq(db_targets_parse(&cfg, t, 8), 1);
    strcpy(cfg.db_failover, "/a,/b,/c,/d");
    ck_assert_int_eq(db_targets_parse(&cfg, t, 3), 3);
    ck_assert_str_eq(t[2].socket, "/b");
}
END_TEST

static int body_runs;

static enum db_status body(struct db *db, void *arg)
{
    (void)db;
    (void)arg;
    body_runs++;
    return DB_OK;
}

START_TEST(transaction_that_cannot_begin_never_runs_its_body)
{
    static struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    strcpy(cfg.db_socket, "/nonexistent/quarry-test.sock");
    strcpy(cfg.db_failover, "/nonexistent/quarry-test-2.sock");
    strcpy(cfg.db_user, "quarry");
    strcpy(cfg.db_name, "quarry");
    struct db *db = db_open(&cfg);
    ck_assert_ptr_nonnull(db);
    body_runs = 0;
    ck_assert_int_eq(db_transaction(db, DB_READ_COMMITTED, body, NULL), DB_UNAVAILABLE);
    ck_assert_int_eq(body_runs, 0);
    ck_assert_uint_eq(db_conflicts(db), 0);
    db_close(db);
}
END_TEST

Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, backoff_stays_within_its_doubling_bounds);
    tcase_add_test(tc, a_trigger_that_failed_to_parse_is_run_again_other_errors_are_not);
    tcase_add_test(tc, backoff_spreads_two_losers);
    tcase_add_test(tc, claim_pick_of_one_is_the_oldest);
    tcase_add_test(tc, claim_pick_prefers_the_oldest_and_reaches_every_candidate);
    tcase_add_test(tc, targets_are_the_server_then_the_failover_list);
    tcase_add_test(tc, transaction_that_cannot_begin_never_runs_its_body);
    suite_add_tcase(s, tc);
    return s;
}
