#include "common/sql_guard.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum token_kind { TOK_WORD, TOK_QUOTED_ID, TOK_STRING, TOK_PUNCT, TOK_END };

struct token {
    enum token_kind kind;
    const char *start; /* for words and quoted identifiers: the name without quotes */
    size_t len;
    size_t from, to;   /* the token's bytes in the input */
};

struct lexer {
    const char *s;
    size_t len, pos;
    bool unterminated, executable_comment;
};

static void skip_blanks(struct lexer *lx)
{
    for (;;) {
        while (lx->pos < lx->len && isspace((unsigned char)lx->s[lx->pos]))
            lx->pos++;
        const char *p = lx->s + lx->pos;
        size_t left = lx->len - lx->pos;
        if (left >= 2 && p[0] == '/' && p[1] == '*') {
            if (left >= 3 && (p[2] == '!' || (left >= 4 && p[2] == 'M' && p[3] == '!')))
                lx->executable_comment = true;
            const char *end = NULL;
            for (size_t i = 2; i + 1 < left; i++)
                if (p[i] == '*' && p[i + 1] == '/') {
                    end = p + i + 2;
                    break;
                }
            if (end == NULL) {
                lx->unterminated = true;
                lx->pos = lx->len;
                return;
            }
            lx->pos = (size_t)(end - lx->s);
            continue;
        }
        /* "-- " (a blank after the dashes, as MariaDB wants) and "#" to the end of the line */
        if ((left >= 3 && p[0] == '-' && p[1] == '-' && isspace((unsigned char)p[2])) ||
            (left >= 2 && p[0] == '-' && p[1] == '-' && left == 2) || (left >= 1 && p[0] == '#')) {
            while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
                lx->pos++;
            continue;
        }
        return;
    }
}

/* A quoted run ending with q; q doubled, and a backslash escape in strings. */
static bool skip_quoted(struct lexer *lx, char q, bool backslash)
{
    lx->pos++;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (backslash && c == '\\') {
            lx->pos += 2;
            continue;
        }
        if (c == q) {
            if (lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == q) {
                lx->pos += 2;
                continue;
            }
            lx->pos++;
            return true;
        }
        lx->pos++;
    }
    lx->unterminated = true;
    return false;
}

static struct token next_token(struct lexer *lx)
{
    struct token t = {TOK_END, NULL, 0, 0, 0};
    skip_blanks(lx);
    t.from = lx->pos;
    if (lx->pos >= lx->len) {
        t.to = lx->pos;
        return t;
    }
    char c = lx->s[lx->pos];
    if (c == '\'') {
        t.kind = TOK_STRING;
        skip_quoted(lx, '\'', true);
    } else if (c == '`' || c == '"') {
        t.kind = TOK_QUOTED_ID;
        t.start = lx->s + lx->pos + 1;
        skip_quoted(lx, c, false);
        t.len = lx->pos > t.from + 1 ? lx->pos - t.from - 2 : 0;
    } else if (isalnum((unsigned char)c) || c == '_' || c == '$' || c == '@' ||
               (unsigned char)c >= 0x80) {
        t.kind = TOK_WORD;
        t.start = lx->s + lx->pos;
        while (lx->pos < lx->len) {
            unsigned char d = (unsigned char)lx->s[lx->pos];
            if (!(isalnum(d) || d == '_' || d == '$' || d == '@' || d >= 0x80))
                break;
            lx->pos++;
        }
        t.len = (size_t)(lx->s + lx->pos - t.start);
    } else {
        t.kind = TOK_PUNCT;
        t.start = lx->s + lx->pos;
        t.len = 1;
        lx->pos++;
    }
    t.to = lx->pos;
    return t;
}

static bool word_is(const struct token *t, const char *w)
{
    return (t->kind == TOK_WORD || t->kind == TOK_QUOTED_ID) && t->len == strlen(w) &&
           strncasecmp(t->start, w, t->len) == 0;
}

static bool punct_is(const struct token *t, char c)
{
    return t->kind == TOK_PUNCT && t->start[0] == c;
}

static bool is_system_schema(const struct token *t)
{
    return word_is(t, "mysql") || word_is(t, "information_schema") ||
           word_is(t, "performance_schema") || word_is(t, "sys");
}

static enum sql_guard_status refuse(enum sql_guard_status st, char *msg, size_t msg_len,
                                    const char *text)
{
    snprintf(msg, msg_len, "%s", text);
    return st;
}

#define GUARD_MAX_CUTS 256

enum sql_guard_status sql_guard_check(const char *sql, size_t len, char *out, char *msg,
                                      size_t msg_len)
{
    struct lexer lx = {sql, len, 0, false, false};
    struct token last[4]; /* the last four tokens, newest first */
    size_t cut_from[GUARD_MAX_CUTS], cut_to[GUARD_MAX_CUTS];
    size_t ncuts = 0, ntokens = 0, end_of_statement = len;
    bool ended = false;
    memset(last, 0, sizeof(last));
    msg[0] = '\0';
    if (len > SQL_GUARD_MAX)
        return refuse(SQL_GUARD_TOO_LONG, msg, msg_len, "the query is longer than 64 KiB");
    for (;;) {
        struct token t = next_token(&lx);
        if (lx.executable_comment)
            return refuse(SQL_GUARD_FORBIDDEN, msg, msg_len,
                          "executable comments (/*! ... */) are not allowed");
        if (lx.unterminated)
            return refuse(SQL_GUARD_UNTERMINATED, msg, msg_len,
                          "a string, quoted name or comment is not closed");
        if (t.kind == TOK_END)
            break;
        if (ended)
            return refuse(SQL_GUARD_MULTIPLE, msg, msg_len, "only one statement may be sent");
        if (punct_is(&t, ';')) {
            ended = true;
            end_of_statement = t.from;
            continue;
        }
        if (ntokens == 0 && !(word_is(&t, "SELECT") || word_is(&t, "WITH") ||
                              word_is(&t, "VALUES") || punct_is(&t, '(')))
            return refuse(SQL_GUARD_NOT_READ, msg, msg_len,
                          "only queries (SELECT, WITH, VALUES) may run: datasets are changed "
                          "by loads");
        if (t.kind == TOK_WORD) {
            if (word_is(&t, "INTO"))
                return refuse(SQL_GUARD_FORBIDDEN, msg, msg_len,
                              "INTO (OUTFILE, DUMPFILE, variables) is not allowed: use an export");
            if (word_is(&t, "LOAD_FILE") || word_is(&t, "GET_LOCK") ||
                word_is(&t, "RELEASE_LOCK") || word_is(&t, "RELEASE_ALL_LOCKS") ||
                word_is(&t, "IS_USED_LOCK") || word_is(&t, "IS_FREE_LOCK"))
                return refuse(SQL_GUARD_FORBIDDEN, msg, msg_len,
                              "file access and locks are not allowed");
            if ((word_is(&t, "UPDATE") && ntokens > 0 && word_is(&last[0], "FOR")) ||
                (word_is(&t, "SHARE") && ntokens > 1 && word_is(&last[0], "IN") &&
                 word_is(&last[1], "LOCK")))
                return refuse(SQL_GUARD_FORBIDDEN, msg, msg_len,
                              "locking reads (FOR UPDATE) are not allowed");
        }
        if (ntokens > 0 && punct_is(&t, '.') && is_system_schema(&last[0]))
            return refuse(SQL_GUARD_SYSTEM_SCHEMA, msg, msg_len,
                          "system schemas are not readable: query your datasets");
        /* default.<name> and hive.default.<name> name the caller's own
         * database: the prefix is cut. */
        bool is_name = t.kind == TOK_WORD || t.kind == TOK_QUOTED_ID;
        if (is_name && ntokens >= 2 && punct_is(&last[0], '.') && word_is(&last[1], "default")) {
            size_t from = last[1].from;
            if (ntokens >= 4 && punct_is(&last[2], '.') && word_is(&last[3], "hive"))
                from = last[3].from;
            else if (ntokens >= 3 && punct_is(&last[2], '.'))
                from = (size_t)-1; /* x.default.y: not ours to rewrite */
            if (from != (size_t)-1) {
                if (ncuts == GUARD_MAX_CUTS)
                    return refuse(SQL_GUARD_TOO_LONG, msg, msg_len, "too many names");
                cut_from[ncuts] = from;
                cut_to[ncuts++] = t.from;
            }
        }
        memmove(&last[1], &last[0], 3 * sizeof(last[0]));
        last[0] = t;
        ntokens++;
    }
    if (ntokens == 0)
        return refuse(SQL_GUARD_EMPTY, msg, msg_len, "the query is empty");
    size_t o = 0, pos = 0;
    for (size_t i = 0; i < ncuts; i++) {
        memcpy(out + o, sql + pos, cut_from[i] - pos);
        o += cut_from[i] - pos;
        pos = cut_to[i];
    }
    memcpy(out + o, sql + pos, end_of_statement - pos);
    o += end_of_statement - pos;
    out[o] = '\0';
    return SQL_GUARD_OK;
}
