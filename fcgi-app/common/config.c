#include "common/config.h"

#include "common/addr_list.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum setting_type { SETTING_STRING, SETTING_INT };

struct setting {
    const char *key;
    enum setting_type type;
    size_t offset;
    size_t size; /* strings: buffer size */
    const char *fallback;
};

#define STR(k, def) { #k, SETTING_STRING, offsetof(struct config, k), sizeof(((struct config *)0)->k), def }
#define INT(k, def) { #k, SETTING_INT, offsetof(struct config, k), 0, def }

static const struct setting settings[] = {
    STR(db_socket, ""),
    STR(db_host, "127.0.0.1"),
    INT(db_port, "3306"),
    STR(db_user, "quarry"),
    STR(db_password, ""),
    STR(db_name, "quarry"),
    STR(db_failover, ""),
    STR(storage_dir, "var/storage"),
    STR(secrets_dir, "var/secrets"),
    STR(jobd_socket, "var/run/jobd.sock"),
    STR(run_dir, "var/run"),
    STR(process_bin, "quarry-process"),
    STR(public_url, "https://localhost:8443"),
    INT(token_ttl_seconds, "1800"),
    INT(url_ttl_seconds, "900"),
    INT(max_json_body_bytes, "1048576"),
    INT(upload_max_bytes, "10737418240"),
    INT(upload_slack_bytes, "65536"),
    INT(user_quota_bytes, "10737418240"),
    INT(job_timeout_seconds, "3600"),
    INT(job_concurrency, "2"),
    INT(job_max_attempts, "3"),
    INT(job_claim_spread, "1"),
    INT(retention_hours, "168"),
    INT(pending_ttl_hours, "24"),
    INT(job_row_retention_hours, "2160"),
    INT(error_retention_hours, "2160"),
    INT(progress_retention_hours, "2160"),
    INT(file_retention_hours, "168"),
    INT(retention_interval_seconds, "60"),
    INT(max_line_errors, "1000"),
    INT(jobd_poll_ms, "1000"),
    INT(cancel_grace_seconds, "5"),
    INT(process_throttle_ms, "0"),
    INT(process_limit_as_bytes, "2147483648"),
    INT(process_limit_cpu_seconds, "3600"),
    INT(process_limit_fsize_bytes, "107374182400"),
    STR(schedule_time_zone, "UTC"),
    INT(scheduler_clock_offset_seconds, "0"),
    STR(host_name, ""),
    INT(quality_wait_ms, "10000"),
    STR(issuers_file, ""),
    INT(token_leeway_seconds, "30"),
    INT(service_token_ttl_seconds, "900"),
    INT(limit_uploads, "100"),
    INT(limit_uploads_window_seconds, "3600"),
    INT(limit_executions, "1000"),
    INT(limit_executions_window_seconds, "3600"),
    INT(limit_queries, "5000"),
    INT(limit_queries_window_seconds, "3600"),
    INT(limit_status_polls, "100"),
    INT(limit_status_polls_window_seconds, "60"),
    INT(limit_progress, "0"),
    INT(limit_progress_window_seconds, "3600"),
    STR(intake_amqp_host, "127.0.0.1"),
    INT(intake_amqp_port, "5672"),
    STR(intake_amqp_vhost, "/"),
    STR(intake_amqp_user, "quarry"),
    STR(intake_amqp_password_file, ""),
    STR(intake_queue_prefix, "quarry.progress."),
    STR(intake_dead_letter_queue, "quarry.progress.dead"),
    INT(intake_prefetch, "500"),
    INT(intake_batch, "200"),
    INT(intake_rescan_seconds, "10"),
    INT(intake_dedupe_hours, "168"),
    INT(upload_expiry_hours, "24"),
    STR(webhook_allow, ""),
    STR(metrics_allow, "loopback"),
    INT(webhook_timeout_seconds, "10"),
    INT(webhook_retry_base_ms, "5000"),
    INT(webhook_retry_max_ms, "3600000"),
    INT(webhook_retry_hours, "24"),
    INT(webhook_concurrency, "8"),
    INT(api_threads, "1"),
};

static const struct setting *setting_find(const char *key)
{
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

static int setting_apply(struct config *cfg, const struct setting *s, const char *value, char *err,
                         size_t err_len)
{
    char *base = (char *)cfg + s->offset;
    if (s->type == SETTING_STRING) {
        if (strlen(value) >= s->size) {
            snprintf(err, err_len, "setting %s is too long", s->key);
            return -1;
        }
        if (strcmp(s->key, "metrics_allow") == 0 && !addr_list_valid(value)) {
            snprintf(err, err_len, "setting metrics_allow must be addresses or address/prefix "
                     "(and loopback), separated by commas");
            return -1;
        }
        memcpy(base, value, strlen(value) + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < 0) {
        snprintf(err, err_len, "setting %s must be a non-negative integer", s->key);
        return -1;
    }
    if (strcmp(s->key, "db_port") == 0)
        cfg->db_port = (int)v;
    else if (strcmp(s->key, "intake_amqp_port") == 0)
        cfg->intake_amqp_port = (int)v;
    else
        *(long long *)base = v;
    if (strcmp(s->key, "api_threads") == 0 && (v < 1 || v > API_THREADS_MAX)) {
        snprintf(err, err_len, "setting api_threads must be 1 to %d", API_THREADS_MAX);
        return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int read_small_file(const char *path, char *buf, size_t len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    char *t = trim(buf);
    memmove(buf, t, strlen(t) + 1);
    return 0;
}

/* db_password_file is a file-only indirection: the password itself never sits in the config. */
static int config_read_file(struct config *cfg, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "cannot open config %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *l = trim(line);
        if (*l == '\0' || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        if (eq == NULL) {
            snprintf(err, err_len, "%s:%d: expected key = value", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(l), *value = trim(eq + 1);
        if (strcmp(key, "db_password_file") == 0) {
            rc = read_small_file(value, cfg->db_password, sizeof(cfg->db_password), err, err_len);
            continue;
        }
        const struct setting *s = setting_find(key);
        if (s == NULL)
            continue; /* unknown keys belong to other tools (the stack script) */
        rc = setting_apply(cfg, s, value, err, err_len);
    }
    fclose(f);
    return rc;
}

static int config_read_env(struct config *cfg, char *err, size_t err_len)
{
    char name[96];
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        const struct setting *s = &settings[i];
        size_t n = (size_t)snprintf(name, sizeof(name), "QUARRY_%s", s->key);
        for (size_t j = 7; j < n; j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        const char *v = getenv(name);
        if (v != NULL && setting_apply(cfg, s, v, err, err_len) != 0)
            return -1;
    }
    const char *pwfile = getenv("QUARRY_DB_PASSWORD_FILE");
    if (pwfile != NULL)
        return read_small_file(pwfile, cfg->db_password, sizeof(cfg->db_password), err, err_len);
    return 0;
}

int config_load_settings(struct config *cfg, char *err, size_t err_len)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (setting_apply(cfg, &settings[i], settings[i].fallback, err, err_len) != 0)
            return -1;
    const char *path = getenv("QUARRY_CONFIG");
    if (path != NULL && *path != '\0' && config_read_file(cfg, path, err, err_len) != 0)
        return -1;
    return config_read_env(cfg, err, err_len);
}

int config_read_key(const char *path, unsigned char key[SECRET_KEY_BYTES], char *err, size_t err_len)
{
    char hex[256];
    size_t bin_len = 0;
    if (read_small_file(path, hex, sizeof(hex), err, err_len) != 0)
        return -1;
    int rc = sodium_hex2bin(key, SECRET_KEY_BYTES, hex, strlen(hex), NULL, &bin_len, NULL);
    sodium_memzero(hex, sizeof(hex));
    if (rc != 0 || bin_len != SECRET_KEY_BYTES) {
        snprintf(err, err_len, "%s must hold %d bytes as hex", path, SECRET_KEY_BYTES);
        return -1;
    }
    return 0;
}

int config_load(struct config *cfg, char *err, size_t err_len)
{
    char path[600];
    if (config_load_settings(cfg, err, err_len) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/jwt.key", cfg->secrets_dir);
    if (config_read_key(path, cfg->jwt_key, err, err_len) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/url.key", cfg->secrets_dir);
    return config_read_key(path, cfg->url_key, err, err_len);
}
