#ifndef QUARRY_CONFIG_H
#define QUARRY_CONFIG_H
/* Settings shared by every Quarry program: read from the file named by
 * QUARRY_CONFIG (key = value lines), each key overridable by the environment
 * variable QUARRY_<KEY> in upper case. */
#include <stddef.h>

#define SECRET_KEY_BYTES 32

#define API_THREADS_MAX 256

struct config {
    char db_socket[512];
    char db_host[256];
    int db_port;
    char db_user[128];
    char db_password[256];
    char db_name[128];
    /* Other servers of a cluster, tried in order when db_socket/db_host
     * cannot be reached: comma-separated sockets (a path) or host:port. */
    char db_failover[1024];
    char storage_dir[512];
    char secrets_dir[512];
    char jobd_socket[512];
    char run_dir[512]; /* this host's runtime files (the API's metrics.shm) */
    char process_bin[512];
    char public_url[512];
    long long token_ttl_seconds;
    long long url_ttl_seconds;
    long long max_json_body_bytes;
    long long upload_max_bytes;
    long long upload_slack_bytes;
    /* Per user: bytes of files, job inputs and unfinished uploads, 0 = no quota. */
    long long user_quota_bytes;
    long long job_timeout_seconds;
    long long job_concurrency;
    long long job_max_attempts;
    /* A claim takes one of this many oldest queued jobs (1: strictly the
     * oldest; a cluster's dispatchers spread over more, job_queue.h). */
    long long job_claim_spread;
    long long retention_hours;
    long long pending_ttl_hours;
    /* Purge of old rows (docs/operations.md, "Retention and purge"). */
    long long job_row_retention_hours;   /* finished jobs, their runs and line errors */
    long long error_retention_hours;     /* pipeline errors */
    long long progress_retention_hours;  /* progress records not updated since */
    long long file_retention_hours;      /* unpinned direct uploads (0: kept for ever) */
    long long retention_interval_seconds; /* how often the dispatcher's pass runs */
    long long max_line_errors;
    long long jobd_poll_ms;
    long long cancel_grace_seconds;
    /* Test/ops knob: quarry-process sleeps this long at each progress report
     * so that a job lasts long enough to be cancelled or killed. 0 = off. */
    long long process_throttle_ms;
    /* quarry-process's own bounds (process/sandbox.c), set before it reads
     * any input: address space (skipped in sanitizer builds), CPU seconds
     * and the largest file it may write, each 0 = no limit. */
    long long process_limit_as_bytes;
    long long process_limit_cpu_seconds;
    long long process_limit_fsize_bytes;
    /* The time zone of cron schedules that name none. */
    char schedule_time_zone[72];
    /* Test/ops knob: the dispatcher's scheduler reads its clock this many
     * seconds ahead, so that a test need not wait for a slot. 0 = off. */
    long long scheduler_clock_offset_seconds;
    /* This dispatcher's name in jobs.worker_host; empty: gethostname(). */
    char host_name[64];
    /* How long POST /data-quality/check waits for its answer before 202. */
    long long quality_wait_ms;
    /* External token issuers (issuers.h): a JSON file, "" for none. */
    char issuers_file[512];
    long long token_leeway_seconds;   /* clock skew allowed on external exp and nbf */
    long long service_token_ttl_seconds;
    /* Per-user limits (rate_limit.h): hits per window, 0 = no limit. */
    long long limit_uploads, limit_uploads_window_seconds;
    long long limit_executions, limit_executions_window_seconds;
    long long limit_queries, limit_queries_window_seconds;
    long long limit_status_polls, limit_status_polls_window_seconds;
    long long limit_progress, limit_progress_window_seconds;
    /* quarry-intake: the AMQP broker and how it consumes (intake/). */
    char intake_amqp_host[256];
    int intake_amqp_port;
    char intake_amqp_vhost[128];
    char intake_amqp_user[128];
    char intake_amqp_password_file[512];
    char intake_queue_prefix[128];       /* a client's queue: prefix + its krn */
    char intake_dead_letter_queue[128];
    long long intake_prefetch;           /* unacked deliveries the broker sends ahead */
    long long intake_batch;              /* messages applied in one transaction */
    long long intake_rescan_seconds;     /* how often the clients table is read again */
    long long intake_dedupe_hours;       /* how long applied message_ids are remembered */
    /* Webhooks (jobd/webhook_sender.c): which private kinds of address a
     * target may have ("loopback,private,link-local"; empty: none), the
     * time limit of one attempt, the retry schedule and window, and how
     * many deliveries a dispatcher sends at once. */
    long long upload_expiry_hours; /* a resumable upload untouched this long is removed */
    char webhook_allow[128];
    /* Who may read /metrics (common/addr_list.h; "loopback" by default). */
    char metrics_allow[512];
    long long webhook_timeout_seconds;
    long long webhook_retry_base_ms;
    long long webhook_retry_max_ms;
    long long webhook_retry_hours;
    long long webhook_concurrency;
    /* quarry-api: 1 (a worker serves one FastCGI connection at a time), or
     * that many threads per worker, each with its own database connection,
     * on FastCGI connections nginx keeps open (docs/operations.md). */
    long long api_threads;
    /* Loaded from secrets_dir: never logged. */
    unsigned char jwt_key[SECRET_KEY_BYTES];
    unsigned char url_key[SECRET_KEY_BYTES];
};

/* Fills cfg with defaults, then the file, then the environment, then the
 * secrets. Returns 0, or -1 with a readable reason in err. */
int config_load(struct config *cfg, char *err, size_t err_len);
/* Defaults, file and environment only (no secrets): for tools and tests. */
int config_load_settings(struct config *cfg, char *err, size_t err_len);
/* Reads a 64-hex-digit key file into key; 0 or -1 with err. */
int config_read_key(const char *path, unsigned char key[SECRET_KEY_BYTES], char *err, size_t err_len);

#endif
