/* quarry-cli's saved login: the server, the CA to trust and the token, in
 * $XDG_CONFIG_HOME/quarry/cli.json (~/.config/quarry/cli.json), a 0600 file
 * in a 0700 folder, written to a temporary name and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* <base>/quarry, where base is $var or $HOME/fallback. -1 when neither is set. */
static int quarry_dir(const char *var, const char *fallback, char *buf, size_t len)
{
    const char *base = getenv(var), *home = getenv("HOME");
    if (base != NULL && base[0] == '/')
        snprintf(buf, len, "%s/quarry", base);
    else if (home != NULL && home[0] != '\0')
        snprintf(buf, len, "%s/%s/quarry", home, fallback);
    else
        return -1;
    return 0;
}

/* mkdir -p with 0700 for what it makes. */
static int make_dirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int config_path(char *buf, size_t len)
{
    char dir[900];
    if (quarry_dir("XDG_CONFIG_HOME", ".config", dir, sizeof(dir)) != 0)
        return -1;
    snprintf(buf, len, "%s/cli.json", dir);
    return 0;
}

int session_state_path(const char *name, char *buf, size_t len)
{
    char dir[900];
    if (quarry_dir("XDG_STATE_HOME", ".local/state", dir, sizeof(dir)) != 0 || make_dirs(dir) != 0)
        return -1;
    snprintf(buf, len, "%s/%s", dir, name);
    return 0;
}

static void copy_field(json_object *o, const char *key, char *out, size_t len)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        snprintf(out, len, "%s", json_object_get_string(v));
}

void session_load(struct cli *c)
{
    char path[1024];
    if (config_path(path, sizeof(path)) == 0) {
        json_object *o = json_object_from_file(path);
        if (o != NULL) {
            copy_field(o, "url", c->url, sizeof(c->url));
            copy_field(o, "cacert", c->cacert, sizeof(c->cacert));
            copy_field(o, "token", c->token, sizeof(c->token));
            copy_field(o, "email", c->email, sizeof(c->email));
            json_object_put(o);
        }
    }
    const char *v;
    if ((v = getenv("QUARRY_URL")) != NULL && *v)
        snprintf(c->url, sizeof(c->url), "%s", v);
    if ((v = getenv("QUARRY_CACERT")) != NULL && *v)
        snprintf(c->cacert, sizeof(c->cacert), "%s", v);
    if ((v = getenv("QUARRY_TOKEN")) != NULL && *v)
        snprintf(c->token, sizeof(c->token), "%s", v);
    if (c->url[0] == '\0')
        snprintf(c->url, sizeof(c->url), "https://localhost:8443");
    size_t n = strlen(c->url);
    while (n > 0 && c->url[n - 1] == '/')
        c->url[--n] = '\0';
}

int session_save(const struct cli *c)
{
    char path[1024], tmp[1100], dir[900];
    if (config_path(path, sizeof(path)) != 0 ||
        quarry_dir("XDG_CONFIG_HOME", ".config", dir, sizeof(dir)) != 0 || make_dirs(dir) != 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "url", json_object_new_string(c->url));
    json_object_object_add(o, "cacert", json_object_new_string(c->cacert));
    json_object_object_add(o, "email", json_object_new_string(c->email));
    json_object_object_add(o, "token", json_object_new_string(c->token));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = -1;
    if (fd >= 0) {
        size_t len = strlen(text);
        rc = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fchmod(fd, 0600) == 0 ? 0 : -1;
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
        if (rc != 0)
            unlink(tmp);
    }
    json_object_put(o);
    return rc;
}
