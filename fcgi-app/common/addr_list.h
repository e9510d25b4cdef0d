/* addr_list.h — lists of client addresses for access rules (metrics_allow):
 * IPv4 or IPv6 addresses, each with an optional /prefix, separated by
 * commas or blanks, and the word "loopback" for 127.0.0.0/8 and ::1.
 * An IPv4-mapped IPv6 address (::ffff:127.0.0.1) counts as its IPv4 one. */
#ifndef QUARRY_COMMON_ADDR_LIST_H
#define QUARRY_COMMON_ADDR_LIST_H

#include <stdbool.h>

/* Whether text is a well-formed list (an empty list is: it allows none). */
bool addr_list_valid(const char *text);
/* Whether addr (as REMOTE_ADDR has it) is in the list. A malformed list or
 * address matches nothing. */
bool addr_list_match(const char *text, const char *addr);

#endif
