/* Source URIs and names (fcgi-app/common/source_uri.c), and sealing source
 * passwords (fcgi-app/common/sealed.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sealed.h"
#include "common/source_uri.h"

static struct source_uri u;
static char msg[256];

START_TEST(test_full_uri)
{
    ck_assert_int_eq(source_uri_parse("postgresql://alice:p%40ss%3Aw@db.example.com:6543/shop"
                                      "?sslmode=disable&table=orders",
                                      &u, msg, sizeof(msg)),
                     SOURCE_URI_OK);
    ck_assert_int_eq(u.engine, SOURCE_POSTGRESQL);
    ck_assert_str_eq(u.host, "db.example.com");
    ck_assert_int_eq(u.port, 6543);
    ck_assert_str_eq(u.username, "alice");
    ck_assert_str_eq(u.password, "p@ss:w");
    ck_assert(u.has_password);
    ck_assert_str_eq(u.database, "shop");
    ck_assert_str_eq(u.table, "orders");
}
END_TEST

START_TEST(test_short_forms)
{
    ck_assert_int_eq(source_uri_parse("mariadb://h/d", &u, msg, sizeof(msg)), SOURCE_URI_OK);
    ck_assert_int_eq(u.engine, SOURCE_MARIADB);
    ck_assert_int_eq(u.port, 0);
    ck_assert(!u.has_password);
    ck_assert_int_eq(source_uri_parse("mysql://root@[::1]:3307/x?collection=c", &u, msg,
                                      sizeof(msg)),
                     SOURCE_URI_OK);
    ck_assert_int_eq(u.engine, SOURCE_MYSQL);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_int_eq(u.port, 3307);
    ck_assert_str_eq(u.table, "c");
    ck_assert_int_eq(source_uri_parse("postgres://u:@h:1/d", &u, msg, sizeof(msg)),
                     SOURCE_URI_OK);
    ck_assert(u.has_password);
    ck_assert_str_eq(u.password, "");
}
END_TEST

START_TEST(test_refused)
{
    ck_assert_int_eq(source_uri_parse("mongodb://localhost:27017/test_db", &u, msg, sizeof(msg)),
                     SOURCE_URI_MONGODB);
    ck_assert_int_eq(source_uri_parse("mongodb+srv://c.example.com/db", &u, msg, sizeof(msg)),
                     SOURCE_URI_MONGODB);
    ck_assert_int_eq(source_uri_parse("ftp://h/d", &u, msg, sizeof(msg)), SOURCE_URI_SCHEME);
    const char *bad[] = {"", "mariadb:/h/d", "mariadb://", "mariadb://u:p@/d",
                         "mariadb://h:0/d", "mariadb://h:65536/d", "mariadb://h:/d",
                         "mariadb://h:12a/d", "mariadb://[::1/d", "mariadb://h%20x/d",
                         "mariadb://h;rm/d", "mariadb://u%0a@h/d", "mariadb://u:p%4@h/d",
                         "mariadb://h/d%00x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(source_uri_parse(bad[i], &u, msg, sizeof(msg)) != SOURCE_URI_OK, "%s",
                      bad[i]);
}
END_TEST

START_TEST(test_names)
{
    ck_assert(source_identifier_valid("meetings"));
    ck_assert(source_identifier_valid("_x9"));
    ck_assert(!source_identifier_valid("9x"));
    ck_assert(!source_identifier_valid("a-b"));
    ck_assert(!source_identifier_valid("a`b"));
    ck_assert(!source_identifier_valid(""));
    ck_assert(!source_identifier_valid("a2345678901234567890123456789012345678901234567890123456789012345"));
    enum source_engine e;
    ck_assert(source_engine_parse("Postgres", &e) && e == SOURCE_POSTGRESQL);
    ck_assert(!source_engine_parse("oracle", &e));
}
END_TEST

static char dir[] = "/tmp/quarry-sealed-XXXXXX";

static void write_key(const char *path, const char *hex)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(hex, f);
    fclose(f);
}

START_TEST(test_seal_rotate)
{
    char path[300], id[SEALED_KEY_ID_LEN + 1], id2[SEALED_KEY_ID_LEN + 1], box[SEALED_TEXT_MAX];
    char box2[SEALED_TEXT_MAX], plain[SEALED_PLAIN_MAX + 1], err[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/source.key", dir);
    write_key(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    ck_assert_int_eq(sealed_seal(dir, "s3cret pass", id, box, err, sizeof(err)), 0);
    ck_assert(strstr(box, "s3cret") == NULL);
    ck_assert_int_eq(sealed_open(dir, id, box, plain, err, sizeof(err)), 0);
    ck_assert_str_eq(plain, "s3cret pass");
    /* A forged box does not open. */
    strcpy(box2, box);
    box2[30] = box2[30] == 'A' ? 'B' : 'A';
    ck_assert_int_ne(sealed_open(dir, id, box2, plain, err, sizeof(err)), 0);
    /* Rotation: the old key moves to source-keys/<id>.key, a new one is current. */
    snprintf(path, sizeof(path), "%s/source-keys", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/source-keys/%s.key", dir, id);
    write_key(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    snprintf(path, sizeof(path), "%s/source.key", dir);
    write_key(path, "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eff");
    ck_assert_int_eq(sealed_seal(dir, "new", id2, box2, err, sizeof(err)), 0);
    ck_assert_str_ne(id, id2);
    ck_assert_int_eq(sealed_open(dir, id, box, plain, err, sizeof(err)), 0);
    ck_assert_str_eq(plain, "s3cret pass");
    ck_assert_int_eq(sealed_open(dir, id2, box2, plain, err, sizeof(err)), 0);
    ck_assert_str_eq(plain, "new");
    ck_assert_int_ne(sealed_open(dir, "0123456789abcdef", box, plain, err, sizeof(err)), 0);
    ck_assert_int_ne(sealed_open(dir, "../../etc/passwd", box, plain, err, sizeof(err)), 0);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *source_uri_suite(void)
{
    Suite *s = suite_create("source_uri");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_full_uri);
    tcase_add_test(tc, test_short_forms);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_seal_rotate);
    suite_add_tcase(s, tc);
    return s;
}
