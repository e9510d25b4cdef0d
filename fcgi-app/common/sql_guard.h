#ifndef QUARRY_SQL_GUARD_H
#define QUARRY_SQL_GUARD_H
/* The first gate of the SQL endpoint: a lexical check of a user's query
 * before it reaches MariaDB (where it runs as an account that can only read
 * the user's own database, the second gate).
 *
 * It lets through one read-only statement: SELECT, WITH, VALUES or a
 * parenthesised SELECT, with no INTO (OUTFILE, DUMPFILE, @var), no
 * LOAD_FILE, no locking reads, no named locks, no executable comments
 * (slash-star-bang comments, which MariaDB runs), and no reference to a system schema
 * (mysql, information_schema, performance_schema, sys). What the grant
 * would refuse anyway is refused here first with a clearer message.
 *
 * It also rewrites the Trino names of the seed: hive.default.<table> and
 * default.<table> become <table> (the caller's database is the session's
 * default). Strings, quoted identifiers and comments are skipped exactly
 * as MariaDB reads them (with ANSI_QUOTES: "x" is an identifier). Pure. */
#include <stddef.h>

enum sql_guard_status {
    SQL_GUARD_OK = 0,
    SQL_GUARD_EMPTY,          /* nothing but blanks and comments */
    SQL_GUARD_MULTIPLE,       /* more than one statement */
    SQL_GUARD_NOT_READ,       /* not a query: a write, DDL, SET, CALL, … */
    SQL_GUARD_FORBIDDEN,      /* INTO, LOAD_FILE, locks, executable comments */
    SQL_GUARD_SYSTEM_SCHEMA,  /* a system schema */
    SQL_GUARD_UNTERMINATED,   /* an open string, identifier or comment */
    SQL_GUARD_TOO_LONG,
};

#define SQL_GUARD_MAX 65536

/* Checks sql (len bytes) and writes the statement to run into out (at
 * least len + 1 bytes; a trailing ';' is dropped). The message says what
 * was refused. */
enum sql_guard_status sql_guard_check(const char *sql, size_t len, char *out, char *msg,
                                      size_t msg_len);

#endif
