/* test_sort.c — the sort step (fcgi-app/process/step_sort.c): the typed
 * comparison, nulls, desc, several keys, stability, multi-run merges
 * (tiny runs, and more runs than one merge takes), the steps after a
 * sort, validation, and that no temporary file outlives a run (success,
 * failure, cancel). Each run writes its output, hence the step's
 * temporary files, into a directory of its own. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "engine_harness.h"

struct sort_run {
    int rc;
    struct engine_result res;
    char *output;
    size_t output_len;
    char errors[4096];
    long long cancel_after;   /* set the cancel flag once progress passes this */
    volatile int cancel;
    int spill_seen;           /* temporary files seen during the run (from progress) */
    char dir[256];
};

static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, ".sort.", 6) == 0;
    closedir(d);
    return n;
}

static void sr_progress(void *ctx, long long processed, long long failed, long long warned,
                        long long bytes_read, long long bytes_total)
{
    struct sort_run *o = ctx;
    (void)failed;
    (void)warned;
    (void)bytes_read;
    (void)bytes_total;
    int n = count_temporaries(o->dir);
    if (n > o->spill_seen)
        o->spill_seen = n;
    if (o->cancel_after > 0 && processed >= o->cancel_after)
        o->cancel = 1;
}

static void sr_line_error(void *ctx, long long line, const char *column, const char *severity,
                          const char *code, const char *message)
{
    struct sort_run *o = ctx;
    size_t used = strlen(o->errors);
    (void)message;
    snprintf(o->errors + used, sizeof(o->errors) - used, "%lld:%s:%s:%s\n", line, severity, code,
             column ? column : "");
}

/* Runs the engine over in (named name) with steps; the output (format
 * fmt) is written in a fresh directory, which must hold nothing else
 * afterwards: no temporary file survives the run, whatever its end. */
static void sort_run(struct sort_run *o, const char *in, size_t len, const char *name,
                     const char *steps, const char *fmt)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char in_path[300], out_path[300];
    snprintf(o->dir, sizeof(o->dir), "%s/quarry_sort_XXXXXX", tmp);
    ck_assert_ptr_nonnull(mkdtemp(o->dir));
    snprintf(in_path, sizeof(in_path), "%s/in", o->dir);
    snprintf(out_path, sizeof(out_path), "%s/out", o->dir);
    FILE *f = fopen(in_path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite(in, 1, len, f), len);
    fclose(f);
    o->errors[0] = '\0';
    o->cancel = 0;
    o->spill_seen = 0;
    struct engine_callbacks cb = {.ctx = o, .progress = sr_progress, .line_error = sr_line_error,
                                  .cancel = &o->cancel};
    struct engine_job job = {.input_path = in_path, .input_name_hint = name,
                             .output_path = out_path,
                             .processing_steps = json_tokener_parse(steps),
                             .output_format = fmt};
    ck_assert_msg(job.processing_steps != NULL, "bad steps JSON in test: %s", steps);
    o->rc = engine_run(&job, &cb, &o->res);
    json_object_put(job.processing_steps);
    o->output = run_read_file(out_path, &o->output_len);
    unlink(in_path);
    unlink(out_path);
    ck_assert_int_eq(count_temporaries(o->dir), 0);
    ck_assert_int_eq(rmdir(o->dir), 0);   /* nothing else left either */
}

static void sort_free_run(struct sort_run *o)
{
    free(o->output);
    o->output = NULL;
    json_object_put(o->res.metadata);
    o->res.metadata = NULL;
}

static long long meta_int(const struct sort_run *o, const char *key)
{
    json_object *v;
    ck_assert_ptr_nonnull(o->res.metadata);
    ck_assert_msg(json_object_object_get_ex(o->res.metadata, key, &v), "no %s", key);
    return json_object_get_int64(v);
}

/* The CSV output of sorting in by the columns JSON (the step's
 * "columns" value and any other params), e.g. "[\"a\"]". */
static void expect_sorted(const char *in, const char *params, const char *want)
{
    char steps[1024];
    snprintf(steps, sizeof(steps), "[{\"type\":\"sort\",\"params\":%s}]", params);
    struct sort_run o = {0};
    sort_run(&o, in, strlen(in), "t.csv", steps, "csv");
    ck_assert_msg(o.rc == ENGINE_OK, "%s: %s", params, o.res.error);
    ck_assert_msg(strcmp(o.output, want) == 0, "%s:\ngot:\n%s\nwant:\n%s", params, o.output, want);
    ck_assert_int_eq(o.res.succeeded, o.res.total);
    ck_assert_int_eq(meta_int(&o, "sort_runs"), 1);          /* it fitted in memory */
    ck_assert_int_eq(meta_int(&o, "sort_spilled_bytes"), 0);
    sort_free_run(&o);
}

START_TEST(numbers_compare_as_numbers)
{
    expect_sorted("v\n10\n9\n-2\n100\n1e3\n0.5\n-10.25\n 7 \n",
                  "{\"columns\":[{\"column\":\"v\"}]}",
                  "v\n-10.25\n-2\n0.5\n 7 \n9\n10\n100\n1e3\n");
    /* integers past 2^53 are told apart exactly */
    expect_sorted("v\n9007199254740993\n9007199254740992\n-9007199254740993\n-9007199254740992\n",
                  "{\"columns\":[\"v\"]}",
                  "v\n-9007199254740993\n-9007199254740992\n9007199254740992\n9007199254740993\n");
}
END_TEST

START_TEST(dates_compare_as_instants)
{
    /* 10:00+02:00 is 08:00Z; a date is its midnight UTC */
    expect_sorted("v\n2024-01-15T09:00:00Z\n2024-01-15T10:00:00+02:00\n2023-12-31\n2024-01-15\n"
                  "2024-01-15 08:30\n",
                  "{\"columns\":[\"v\"]}",
                  "v\n2023-12-31\n2024-01-15\n2024-01-15T10:00:00+02:00\n2024-01-15 08:30\n"
                  "2024-01-15T09:00:00Z\n");
}
END_TEST

START_TEST(text_compares_bytewise)
{
    expect_sorted("v\nb\nB\na\n\xc3\xa9t\xc3\xa9\nz\nab\n\"\"\nA\n",
                  "{\"columns\":[\"v\"]}",
                  "v\n\"\"\nA\nB\na\nab\nb\nz\n\xc3\xa9t\xc3\xa9\n");
    /* collation "locale" in the C locale is the byte order too (the
     * only locale every machine has) */
    expect_sorted("v\nb\nB\na\n", "{\"columns\":[\"v\"],\"collation\":\"locale\",\"locale\":\"C\"}",
                  "v\nB\na\nb\n");
    /* a column mixing kinds: numbers, then instants, then text */
    expect_sorted("v\nx\n2024-01-01\n5\n-1\nabc\n1999-12-31\n",
                  "{\"columns\":[{\"column\":\"v\",\"order\":\"asc\"}]}",
                  "v\n-1\n5\n1999-12-31\n2024-01-01\nabc\nx\n");
}
END_TEST

START_TEST(nulls_and_desc)
{
    const char *in = "id,v\n1,3\n2,\n3,1\n4,2\n5,\n";
    expect_sorted(in, "{\"columns\":[\"v\"]}", "id,v\n3,1\n4,2\n1,3\n2,\n5,\n");
    expect_sorted(in, "{\"columns\":[{\"column\":\"v\",\"nulls\":\"first\"}]}",
                  "id,v\n2,\n5,\n3,1\n4,2\n1,3\n");
    expect_sorted(in, "{\"columns\":[{\"column\":\"v\",\"order\":\"desc\"}]}",
                  "id,v\n1,3\n4,2\n3,1\n2,\n5,\n");
    expect_sorted(in, "{\"columns\":[{\"column\":\"v\",\"order\":\"desc\",\"nulls\":\"first\"}]}",
                  "id,v\n2,\n5,\n1,3\n4,2\n3,1\n");
    /* several keys: the second breaks the first's ties */
    expect_sorted("k,v,id\na,1,1\nb,2,2\na,3,3\nb,1,4\na,,5\n",
                  "{\"columns\":[{\"column\":\"k\",\"order\":\"desc\"},"
                  "{\"column\":\"v\",\"order\":\"desc\",\"nulls\":\"first\"}]}",
                  "k,v,id\nb,2,2\nb,1,4\na,,5\na,3,3\na,1,1\n");
}
END_TEST

/* n rows "id,key,pad" with key = id % mod, in a buffer to free. */
static char *make_rows(size_t n, unsigned mod, size_t *len)
{
    char *in = malloc(n * 64 + 32);
    ck_assert_ptr_nonnull(in);
    size_t l = (size_t)sprintf(in, "id,key,pad\n");
    for (size_t i = 0; i < n; i++)
        l += (size_t)sprintf(in + l, "%zu,%u,%s\n", i, (unsigned)((i * 7919) % mod),
                             i % 3 ? "some padding text" : "");
    *len = l;
    return in;
}

/* Checks that out (CSV of make_rows) is sorted by key (desc when desc)
 * with ids rising within a key (stable), and holds every one of n rows. */
static void check_sorted_stable(const char *out, size_t n, bool desc)
{
    char *copy = strdup(out), *save = NULL;
    ck_assert_ptr_nonnull(copy);
    char *line = strtok_r(copy, "\n", &save);
    ck_assert_str_eq(line, "id,key,pad");
    unsigned char *seen = calloc(n, 1);
    ck_assert_ptr_nonnull(seen);
    long long prev_key = -1, prev_id = -1;
    size_t rows = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        long long id, key;
        ck_assert_int_eq(sscanf(line, "%lld,%lld", &id, &key), 2);
        ck_assert(id >= 0 && (size_t)id < n && !seen[id]);
        seen[id] = 1;
        if (rows > 0) {
            ck_assert_msg(desc ? key <= prev_key : key >= prev_key, "row %zu out of order", rows);
            if (key == prev_key)
                ck_assert_msg(id > prev_id, "equal keys lost their order at row %zu", rows);
        }
        prev_key = key;
        prev_id = id;
        rows++;
    }
    ck_assert_int_eq(rows, n);
    free(seen);
    free(copy);
}

START_TEST(multi_run_merge_is_stable)
{
    size_t len, n = 20000;
    char *in = make_rows(n, 50, &len);
    struct sort_run o = {0};
    /* 64 KiB runs: about 25 of them, one merge */
    sort_run(&o, in, len, "m.csv",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[{\"column\":\"key\",\"order\":\"desc\"}],"
             "\"run_size\":65536}}]",
             "csv");
    ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
    ck_assert_int_gt(meta_int(&o, "sort_runs"), 10);
    ck_assert_int_le(meta_int(&o, "sort_runs"), 64);
    ck_assert_int_gt(meta_int(&o, "sort_spilled_bytes"), 0);
    check_sorted_stable(o.output, n, true);
    ck_assert_int_eq(o.res.succeeded, (long long)n);
    sort_free_run(&o);
    free(in);
}
END_TEST

START_TEST(more_runs_than_one_merge_takes)
{
    size_t len, n = 80000;
    char *in = make_rows(n, 1000, &len);
    struct sort_run o = {0};
    sort_run(&o, in, len, "m.csv",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[\"key\"],\"run_size\":65536}}]", "csv");
    ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
    ck_assert_int_gt(meta_int(&o, "sort_runs"), 64);   /* so an intermediate pass ran */
    ck_assert_int_gt(o.spill_seen, 0);                  /* the runs were on disk */
    check_sorted_stable(o.output, n, false);
    sort_free_run(&o);
    free(in);
}
END_TEST

/* A warning before the sort, row errors after it: counted once, reported
 * at the rows' own lines; filter and select after a sort see the sorted
 * records. */
START_TEST(steps_after_a_sort)
{
    const char *in = "id,n,s\n1,5,a\n2,x,b\n3,1,c\n4,3,\n5,2,e\n";
    struct sort_run o = {0};
    sort_run(&o, in, strlen(in), "s.csv",
             "[{\"type\":\"cast\",\"params\":{\"column\":\"n\",\"type\":\"integer\","
             "\"on_error\":\"null\"}},"
             "{\"type\":\"sort\",\"params\":{\"columns\":[{\"column\":\"n\",\"nulls\":\"first\"}]}},"
             "{\"type\":\"validate\",\"params\":{\"column\":\"s\",\"rule\":\"not_null\"}},"
             "{\"type\":\"filter\",\"params\":{\"column\":\"id\",\"operator\":\"ne\",\"value\":5}},"
             "{\"type\":\"select\",\"params\":{\"columns\":[\"n\",\"id\"]}}]",
             "jsonl");
    ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
    ck_assert_str_eq(o.output, "{\"n\":null,\"id\":2}\n{\"n\":1,\"id\":3}\n{\"n\":5,\"id\":1}\n");
    ck_assert_int_eq(o.res.total, 5);
    ck_assert_int_eq(o.res.processed, 5);
    ck_assert_int_eq(o.res.succeeded, 3);
    ck_assert_int_eq(o.res.failed, 1);
    ck_assert_int_eq(o.res.warned, 1);
    ck_assert_str_eq(o.errors, "3:warning:CAST_ERROR:n\n5:error:VALIDATION_REQUIRED:s\n");
    sort_free_run(&o);

    /* two sorts in a row: the second one's order wins, ties keep the first's */
    const char *in2 = "a,b\n2,x\n1,y\n2,y\n1,x\n";
    sort_run(&o, in2, strlen(in2), "s.csv",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[\"a\"]}},"
             "{\"type\":\"sort\",\"params\":{\"columns\":[{\"column\":\"b\",\"order\":\"desc\"}]}}]",
             "csv");
    ck_assert_int_eq(o.rc, ENGINE_OK);
    ck_assert_str_eq(o.output, "a,b\n1,y\n2,y\n1,x\n2,x\n");
    ck_assert_int_eq(meta_int(&o, "sort_runs"), 2);
    sort_free_run(&o);
}
END_TEST

/* JSON records may lack the column: missing is null. */
START_TEST(json_records)
{
    const char *in = "[{\"k\":2,\"t\":\"b\"},{\"t\":\"m\"},{\"k\":1.5,\"t\":\"a\"},"
                     "{\"k\":null,\"t\":\"n\"},{\"k\":true,\"t\":\"x\"}]";
    struct sort_run o = {0};
    sort_run(&o, in, strlen(in), "j.json",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[\"k\"]}}]", "jsonl");
    ck_assert_msg(o.rc == ENGINE_OK, "%s", o.res.error);
    ck_assert_str_eq(o.output, "{\"k\":1.5,\"t\":\"a\"}\n{\"k\":2,\"t\":\"b\"}\n"
                               "{\"k\":true,\"t\":\"x\"}\n{\"t\":\"m\"}\n{\"k\":null,\"t\":\"n\"}\n");
    sort_free_run(&o);
}
END_TEST

START_TEST(temporaries_go_on_failure_and_cancel)
{
    /* a failure after several runs were spilled: the input breaks at the end */
    size_t n = 20000, len = 0;
    char *in = malloc(n * 80 + 64);
    ck_assert_ptr_nonnull(in);
    in[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(in + len, "{\"a\":%zu,\"b\":\"%s\"},", i % 10,
                               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    len += (size_t)sprintf(in + len, "{\"a\": ]");
    struct sort_run o = {0};
    sort_run(&o, in, len, "bad.json",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[\"a\"],\"run_size\":65536}}]", "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_INPUT);
    ck_assert_ptr_null(o.output);
    sort_free_run(&o);
    free(in);

    /* a cancel once runs are on disk (progress every 65536 rows) */
    size_t clen;
    char *rows = make_rows(200000, 100, &clen);
    o.cancel_after = 131072;
    sort_run(&o, rows, clen, "c.csv",
             "[{\"type\":\"sort\",\"params\":{\"columns\":[\"key\"],\"run_size\":65536}}]", "csv");
    ck_assert_int_eq(o.rc, ENGINE_CANCELLED);
    ck_assert_int_gt(o.spill_seen, 0);
    ck_assert_ptr_null(o.output);
    sort_free_run(&o);
    free(rows);
}
END_TEST

static void bad_sort(const char *params, const char *want_field)
{
    char steps[512], field[128] = "", msg[256] = "";
    snprintf(steps, sizeof(steps), "[{\"type\":\"filter\",\"params\":{\"column\":\"a\","
                                   "\"operator\":\"not_null\"}},{\"type\":\"sort\",\"params\":%s}]",
             params);
    json_object *j = json_tokener_parse(steps);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(engine_validate_steps(j, field, sizeof(field), msg, sizeof(msg)), -1);
    ck_assert_msg(strcmp(field, want_field) == 0, "%s: field [%s] want [%s] (%s)", params, field,
                  want_field, msg);
    json_object_put(j);
}

START_TEST(validation)
{
    bad_sort("{}", "processing_steps[1].params.columns");
    bad_sort("{\"columns\":[]}", "processing_steps[1].params.columns");
    bad_sort("{\"columns\":\"a\"}", "processing_steps[1].params.columns");
    bad_sort("{\"columns\":[1]}", "processing_steps[1].params.columns[0]");
    bad_sort("{\"columns\":[\"\"]}", "processing_steps[1].params.columns[0]");
    bad_sort("{\"columns\":[\"a\",{\"order\":\"asc\"}]}",
             "processing_steps[1].params.columns[1].column");
    bad_sort("{\"columns\":[{\"column\":\"a\",\"order\":\"up\"}]}",
             "processing_steps[1].params.columns[0].order");
    bad_sort("{\"columns\":[{\"column\":\"a\",\"nulls\":\"middle\"}]}",
             "processing_steps[1].params.columns[0].nulls");
    bad_sort("{\"columns\":[\"a\"],\"collation\":\"french\"}", "processing_steps[1].params.collation");
    bad_sort("{\"columns\":[\"a\"],\"locale\":\"C\"}", "processing_steps[1].params.locale");
    bad_sort("{\"columns\":[\"a\"],\"collation\":\"locale\",\"locale\":\"no_SUCH.locale\"}",
             "processing_steps[1].params.locale");
    bad_sort("{\"columns\":[\"a\"],\"run_size\":1024}", "processing_steps[1].params.run_size");
    bad_sort("{\"columns\":[\"a\"],\"run_size\":2147483648}", "processing_steps[1].params.run_size");
    bad_sort("{\"columns\":[\"a\"],\"run_size\":\"64MB\"}", "processing_steps[1].params.run_size");

    char field[128], msg[256];
    json_object *ok = json_tokener_parse(
        "[{\"type\":\"sort\",\"params\":{\"columns\":[\"a\",{\"column\":\"b\",\"order\":\"desc\","
        "\"nulls\":\"first\"}],\"collation\":\"binary\",\"run_size\":1048576}}]");
    ck_assert_int_eq(engine_validate_steps(ok, field, sizeof(field), msg, sizeof(msg)), 0);
    json_object_put(ok);

    /* a column the input lacks fails the run before a row is read */
    struct sort_run o = {0};
    const char *in = "a\n1\n";
    sort_run(&o, in, strlen(in), "a.csv", "[{\"type\":\"sort\",\"params\":{\"columns\":[\"b\"]}}]",
             "csv");
    ck_assert_int_eq(o.rc, ENGINE_BAD_CONFIG);
    ck_assert_int_eq(o.res.total, 0);
    sort_free_run(&o);
}
END_TEST

Suite *sort_suite(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("sort");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, numbers_compare_as_numbers);
    tcase_add_test(tc, dates_compare_as_instants);
    tcase_add_test(tc, text_compares_bytewise);
    tcase_add_test(tc, nulls_and_desc);
    tcase_add_test(tc, multi_run_merge_is_stable);
    tcase_add_test(tc, more_runs_than_one_merge_takes);
    tcase_add_test(tc, steps_after_a_sort);
    tcase_add_test(tc, json_records);
    tcase_add_test(tc, temporaries_go_on_failure_and_cancel);
    tcase_add_test(tc, validation);
    suite_add_tcase(s, tc);
    return s;
}
