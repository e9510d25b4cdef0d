/* addr_list.c — address lists for access rules (addr_list.h). */
#include "common/addr_list.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct net {
    unsigned char bytes[16];
    int len;        /* 4 or 16 */
    int prefix;     /* bits */
};

/* An address, IPv4-mapped IPv6 folded to IPv4. */
static bool parse_addr(const char *s, struct net *n)
{
    if (inet_pton(AF_INET, s, n->bytes) == 1) {
        n->len = 4;
        return true;
    }
    unsigned char v6[16];
    if (inet_pton(AF_INET6, s, v6) != 1)
        return false;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(v6, mapped, 12) == 0) {
        memcpy(n->bytes, v6 + 12, 4);
        n->len = 4;
    } else {
        memcpy(n->bytes, v6, 16);
        n->len = 16;
    }
    return true;
}

/* One entry: "loopback" fills two nets; others one. Returns how many, 0 when malformed. */
static int parse_entry(const char *tok, struct net out[2])
{
    if (strcmp(tok, "loopback") == 0) {
        parse_addr("127.0.0.0", &out[0]);
        out[0].prefix = 8;
        parse_addr("::1", &out[1]);
        out[1].prefix = 128;
        return 2;
    }
    char buf[64];
    size_t len = strlen(tok);
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, tok, len + 1);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end;
        if (slash[1] < '0' || slash[1] > '9')
            return 0;
        prefix = strtol(slash + 1, &end, 10);
        if (*end != '\0')
            return 0;
    }
    if (!parse_addr(buf, &out[0]))
        return 0;
    if (slash != NULL && strchr(buf, ':') != NULL && out[0].len == 4)
        return 0;  /* ::ffff:a.b.c.d/prefix: its bits would count in IPv6 terms */
    int max = out[0].len * 8;
    if (prefix > max)
        return 0;
    out[0].prefix = prefix < 0 ? max : (int)prefix;
    return 1;
}

static bool in_net(const struct net *net, const struct net *a)
{
    if (net->len != a->len)
        return false;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->bytes, a->bytes, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->bytes[full] & mask) == (a->bytes[full] & mask);
}

/* Goes through the entries of text; stops at a malformed one (-1) or when
 * addr (may be NULL) is in an entry (1). 0 at the end. */
static int walk(const char *text, const struct net *addr)
{
    const char *p = text;
    while (*p != '\0') {
        size_t skip = strspn(p, ", \t");
        p += skip;
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            break;
        char tok[64];
        if (n >= sizeof(tok))
            return -1;
        memcpy(tok, p, n);
        tok[n] = '\0';
        p += n;
        struct net nets[2];
        int k = parse_entry(tok, nets);
        if (k == 0)
            return -1;
        for (int i = 0; addr != NULL && i < k; i++)
            if (in_net(&nets[i], addr))
                return 1;
    }
    return 0;
}

bool addr_list_valid(const char *text)
{
    return text != NULL && walk(text, NULL) == 0;
}

bool addr_list_match(const char *text, const char *addr)
{
    struct net a;
    if (text == NULL || addr == NULL || !addr_list_valid(text) || !parse_addr(addr, &a))
        return false;
    return walk(text, &a) == 1;
}
