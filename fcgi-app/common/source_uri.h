#ifndef QUARRY_SOURCE_URI_H
#define QUARRY_SOURCE_URI_H
/* Connection URIs of sources, and the names a source may use.
 *
 *   mariadb://user:password@host:3306/database?table=orders
 *   mysql://…   postgresql://… (postgres://…)
 *
 * user, password and database are percent-decoded; an IPv6 host is written
 * in brackets. MongoDB URIs (mongodb://, mongodb+srv://) are recognised so
 * that the answer can say MongoDB is not supported. Pure functions. */
#include <stdbool.h>
#include <stddef.h>

enum source_engine { SOURCE_MARIADB, SOURCE_MYSQL, SOURCE_POSTGRESQL, SOURCE_ENGINE__MAX };

#define SOURCE_HOST_MAX 255
#define SOURCE_NAME_MAX 128
#define SOURCE_PASSWORD_MAX 512

struct source_uri {
    enum source_engine engine;
    char host[SOURCE_HOST_MAX + 1];
    int port; /* 0 when absent: the engine's default */
    char username[SOURCE_NAME_MAX + 1];
    char password[SOURCE_PASSWORD_MAX + 1];
    bool has_password;
    char database[SOURCE_NAME_MAX + 1];
    char table[SOURCE_NAME_MAX + 1];
};

enum source_uri_status {
    SOURCE_URI_OK = 0,
    SOURCE_URI_MONGODB, /* a MongoDB URI: not supported */
    SOURCE_URI_SCHEME,  /* another scheme */
    SOURCE_URI_INVALID, /* malformed: message says where */
};

/* Parses text into *out. The message (for a 422) is set unless OK. */
enum source_uri_status source_uri_parse(const char *text, struct source_uri *out, char *msg,
                                        size_t msg_len);

/* "mariadb", "mysql", "postgresql"; and back (postgres is a synonym). */
const char *source_engine_name(enum source_engine e);
bool source_engine_parse(const char *name, enum source_engine *out);
/* 3306 or 5432. */
int source_engine_default_port(enum source_engine e);

/* A host name or address: letters, digits, '.', '-', '_' and ':' (IPv6),
 * 1..255 bytes. */
bool source_host_valid(const char *host);
/* A table or column name a load may use (on any engine and in MariaDB):
 * letters, digits and '_', not starting with a digit, 1..64 bytes. */
bool source_identifier_valid(const char *name);

#endif
