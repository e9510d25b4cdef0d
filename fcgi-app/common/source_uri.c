#include "common/source_uri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const engine_names[SOURCE_ENGINE__MAX] = {
    [SOURCE_MARIADB] = "mariadb",
    [SOURCE_MYSQL] = "mysql",
    [SOURCE_POSTGRESQL] = "postgresql",
};

const char *source_engine_name(enum source_engine e)
{
    return e < SOURCE_ENGINE__MAX ? engine_names[e] : "unknown";
}

bool source_engine_parse(const char *name, enum source_engine *out)
{
    if (name == NULL)
        return false;
    for (int i = 0; i < SOURCE_ENGINE__MAX; i++)
        if (strcasecmp(name, engine_names[i]) == 0) {
            *out = (enum source_engine)i;
            return true;
        }
    if (strcasecmp(name, "postgres") == 0) {
        *out = SOURCE_POSTGRESQL;
        return true;
    }
    return false;
}

int source_engine_default_port(enum source_engine e)
{
    return e == SOURCE_POSTGRESQL ? 5432 : 3306;
}

bool source_host_valid(const char *host)
{
    size_t n = host ? strlen(host) : 0;
    if (n == 0 || n > SOURCE_HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)host[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':')
            return false;
    }
    return true;
}

bool source_identifier_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 || isdigit((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_')
            return false;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (size cap); -1 when malformed, too long,
 * or when it decodes to a NUL or a control character. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

static enum source_uri_status invalid(char *msg, size_t msg_len, const char *what)
{
    snprintf(msg, msg_len, "%s", what);
    return SOURCE_URI_INVALID;
}

/* The query string: only table= (and collection=, its synonym) is used;
 * other keys are ignored. */
static int parse_query(const char *q, struct source_uri *out)
{
    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - q);
            if ((klen == 5 && strncmp(q, "table", 5) == 0) ||
                (klen == 10 && strncmp(q, "collection", 10) == 0)) {
                if (decode(eq + 1, len - klen - 1, out->table, sizeof(out->table)) != 0)
                    return -1;
            }
        }
        q += len + (end ? 1 : 0);
    }
    return 0;
}

enum source_uri_status source_uri_parse(const char *text, struct source_uri *out, char *msg,
                                        size_t msg_len)
{
    memset(out, 0, sizeof(*out));
    if (text == NULL)
        return invalid(msg, msg_len, "the URI is empty");
    const char *sep = strstr(text, "://");
    if (sep == NULL)
        return invalid(msg, msg_len, "the URI must start with a scheme (mariadb://, mysql:// or postgresql://)");
    size_t slen = (size_t)(sep - text);
    char scheme[16];
    if (slen == 0 || slen >= sizeof(scheme)) {
        snprintf(msg, msg_len, "unknown URI scheme");
        return SOURCE_URI_SCHEME;
    }
    memcpy(scheme, text, slen);
    scheme[slen] = '\0';
    if (strcasecmp(scheme, "mongodb") == 0 || strcasecmp(scheme, "mongodb+srv") == 0) {
        snprintf(msg, msg_len, "MongoDB sources are not supported: use a mariadb://, mysql:// or "
                               "postgresql:// URI");
        return SOURCE_URI_MONGODB;
    }
    if (!source_engine_parse(scheme, &out->engine)) {
        snprintf(msg, msg_len, "unknown URI scheme %s: use mariadb://, mysql:// or postgresql://",
                 scheme);
        return SOURCE_URI_SCHEME;
    }
    const char *p = sep + 3;
    size_t auth_len = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (p[i] == '@')
            at = p + i; /* the last '@': a password may hold an encoded one only */
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (decode(p, ulen, out->username, sizeof(out->username)) != 0)
            return invalid(msg, msg_len, "the user name in the URI is malformed or too long");
        if (colon != NULL) {
            if (decode(colon + 1, (size_t)(at - colon - 1), out->password,
                       sizeof(out->password)) != 0)
                return invalid(msg, msg_len, "the password in the URI is malformed or too long");
            out->has_password = true;
        }
        auth_len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    /* host[:port] or [v6][:port] */
    const char *host = p, *host_end, *port = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', auth_len);
        if (close == NULL)
            return invalid(msg, msg_len, "unclosed [ in the URI's host");
        host = p + 1;
        host_end = close;
        if (close + 1 < p + auth_len) {
            if (close[1] != ':')
                return invalid(msg, msg_len, "unexpected text after the URI's host");
            port = close + 2;
        }
    } else {
        const char *colon = memchr(p, ':', auth_len);
        host_end = colon ? colon : p + auth_len;
        port = colon ? colon + 1 : NULL;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen > SOURCE_HOST_MAX)
        return invalid(msg, msg_len, "the URI has no host");
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    if (!source_host_valid(out->host))
        return invalid(msg, msg_len, "the URI's host is not a host name or address");
    if (port != NULL) {
        const char *port_end = p + auth_len;
        long v = 0;
        if (port == port_end)
            return invalid(msg, msg_len, "the URI's port is empty");
        for (const char *c = port; c < port_end; c++) {
            if (!isdigit((unsigned char)*c) || v > 65535)
                return invalid(msg, msg_len, "the URI's port must be a number from 1 to 65535");
            v = v * 10 + (*c - '0');
        }
        if (v < 1 || v > 65535)
            return invalid(msg, msg_len, "the URI's port must be a number from 1 to 65535");
        out->port = (int)v;
    }
    p += auth_len;
    if (*p == '/') {
        p++;
        size_t dlen = strcspn(p, "?#");
        if (decode(p, dlen, out->database, sizeof(out->database)) != 0)
            return invalid(msg, msg_len, "the database name in the URI is malformed or too long");
        p += dlen;
    }
    if (*p == '?') {
        p++;
        char query[1024];
        size_t qlen = strcspn(p, "#");
        if (qlen >= sizeof(query))
            return invalid(msg, msg_len, "the URI's query is too long");
        memcpy(query, p, qlen);
        query[qlen] = '\0';
        if (parse_query(query, out) != 0)
            return invalid(msg, msg_len, "the table named in the URI is malformed or too long");
    }
    return SOURCE_URI_OK;
}
