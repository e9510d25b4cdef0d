#ifndef QUARRY_IDS_H
#define QUARRY_IDS_H
/* Identifiers and timestamps as the API shows them. */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define UUID_LEN 36
#define ISO_TIME_LEN 24 /* 2026-01-09T10:00:00.000Z */
#define DB_TIME_LEN 23  /* 2026-01-09 10:00:00.000 */

/* Random version-4 UUID, lower case, into buf (at least UUID_LEN + 1). */
void id_uuid4(char *buf);
/* True when s is exactly a lower- or upper-case UUID of 36 characters. */
bool id_is_uuid(const char *s);
/* Milliseconds since the epoch, wall clock. */
long long time_now_ms(void);
/* Monotonic seconds, for intervals. */
double time_mono(void);
/* ms since epoch -> "2026-01-09T10:00:00.000Z" (buf >= ISO_TIME_LEN + 1). */
void time_iso(long long ms, char *buf);
/* ms since epoch -> "2026-01-09 10:00:00.000", MariaDB DATETIME(3) text (buf >= DB_TIME_LEN + 1). */
void time_db(long long ms, char *buf);
/* MariaDB DATETIME text ("2026-01-09 10:00:00[.000]") -> ISO form; returns false if malformed. */
bool time_db_to_iso(const char *db, char *buf);
/* MariaDB DATETIME text -> ms since epoch, or -1 if malformed. */
long long time_db_to_ms(const char *db);

#endif
