/* quarry-api admin: administrators made with the API's own rules and store
 * (validate.c, password.c, user_store.c) rather than SQL of their own. */
#include "api/admin.h"

#include <mysql.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/user_store.h"
#include "common/validate.h"
#include "common/config.h"
#include "common/db.h"
#include "common/log.h"
#include "common/password.h"

#define USERNAME_MAX 64

static int usage(void)
{
    fprintf(stderr, "usage: quarry-api admin create EMAIL [USERNAME]  (the password on stdin)\n");
    return 2;
}

/* Reads the password: all of stdin, one line (a final newline is dropped).
 * 0, or -1 with a message. */
static int read_password(char *buf, size_t size)
{
    size_t len = fread(buf, 1, size - 1, stdin);
    buf[len] = '\0';
    if (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (strlen(buf) != len || strpbrk(buf, "\r\n") != NULL) {
        fprintf(stderr, "quarry-api admin: the password must be one line of text\n");
        return -1;
    }
    if (len < PASSWORD_MIN || len > PASSWORD_MAX) {
        fprintf(stderr, "quarry-api admin: the password needs %d to %d characters\n",
                PASSWORD_MIN, PASSWORD_MAX);
        return -1;
    }
    return 0;
}

/* Checks the arguments into u (email lower-cased, as the API stores it). */
static int read_user(int argc, char **argv, struct user *u)
{
    const char *email = argv[2], *username = argc > 3 ? argv[3] : "";
    if (strlen(email) >= sizeof(u->email) || !validate_email(email)) {
        fprintf(stderr, "quarry-api admin: '%s' is not an email address\n", email);
        return -1;
    }
    if (*username != '\0' && (strlen(username) > USERNAME_MAX || !validate_name(username))) {
        fprintf(stderr, "quarry-api admin: a username holds 1-%d letters, digits, '.', '_' or "
                        "'-'\n", USERNAME_MAX);
        return -1;
    }
    snprintf(u->email, sizeof(u->email), "%s", email);
    user_email_lower(u->email);
    snprintf(u->username, sizeof(u->username), "%s", username);
    return 0;
}

static int create_admin(struct user *u, const char *password)
{
    struct config cfg;
    char err[512], hash[PASSWORD_HASH_MAX];
    bool created = false;
    if (config_load_settings(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "quarry-api admin: configuration: %s\n", err);
        return 1;
    }
    if (password_hash(password, hash) != 0) {
        fprintf(stderr, "quarry-api admin: out of memory hashing the password\n");
        return 1;
    }
    struct db *db = db_open(&cfg);
    enum db_status st = db != NULL ? user_make_admin(db, u, hash, &created) : DB_ERROR;
    if (st != DB_OK)
        fprintf(stderr, "quarry-api admin: %s\n",
                st == DB_DUPLICATE ? "the username is taken by another user"
                : db != NULL       ? db_last_error(db)
                                   : "cannot open the database");
    else if (created)
        printf("created admin %s (id %s)\n", u->email, u->id);
    else
        printf("promoted %s (id %s) to admin; password updated\n", u->email, u->id);
    db_close(db);
    sodium_memzero(&cfg, sizeof(cfg));
    return st == DB_OK ? 0 : 1;
}

int admin_main(int argc, char **argv)
{
    char password[PASSWORD_MAX + 2];
    struct user u = {0};
    if (argc < 3 || argc > 4 || strcmp(argv[1], "create") != 0)
        return usage();
    log_init("quarry-api admin");
    if (sodium_init() < 0 || read_user(argc, argv, &u) != 0 ||
        read_password(password, sizeof(password)) != 0)
        return 1;
    int code = create_admin(&u, password);
    sodium_memzero(password, sizeof(password));
    mysql_library_end();
    return code;
}
