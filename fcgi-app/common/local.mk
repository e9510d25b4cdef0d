# Shared by every program: configuration, logging, database, ids, secrets.
noinst_LIBRARIES += libquarry_common.a
# What a program using it needs: COMMON_CPPFLAGS (AM_CPPFLAGS and
# COMMON_CFLAGS, the libraries' own) to compile, COMMON_LIBS to link.
COMMON_CFLAGS = $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(JWT_CFLAGS) $(MARIADB_CFLAGS) $(SODIUM_CFLAGS)
COMMON_CPPFLAGS = $(AM_CPPFLAGS) $(COMMON_CFLAGS)
libquarry_common_a_CPPFLAGS = $(COMMON_CPPFLAGS)
libquarry_common_a_SOURCES = \
	fcgi-app/common/addr_list.c fcgi-app/common/addr_list.h \
	fcgi-app/common/arena.c fcgi-app/common/arena.h \
	fcgi-app/common/config.c fcgi-app/common/config.h \
	fcgi-app/common/cron.c fcgi-app/common/cron.h \
	fcgi-app/common/dataset_store.c fcgi-app/common/dataset_store.h \
	fcgi-app/common/db.c fcgi-app/common/db.h \
	fcgi-app/common/error_class.c fcgi-app/common/error_class.h \
	fcgi-app/common/ids.c fcgi-app/common/ids.h \
	fcgi-app/common/issuers.c fcgi-app/common/issuers.h \
	fcgi-app/common/job_queue.c fcgi-app/common/job_queue.h \
	fcgi-app/common/job_status.c fcgi-app/common/job_status.h \
	fcgi-app/common/jwk.c fcgi-app/common/jwk.h \
	fcgi-app/common/load_job_store.c fcgi-app/common/load_job_store.h \
	fcgi-app/common/log.c fcgi-app/common/log.h \
	fcgi-app/common/password.c fcgi-app/common/password.h \
	fcgi-app/common/pipeline_queue.c fcgi-app/common/pipeline_queue.h \
	fcgi-app/common/progress_post.c fcgi-app/common/progress_post.h \
	fcgi-app/common/progress_store.c fcgi-app/common/progress_store.h \
	fcgi-app/common/purge_store.c fcgi-app/common/purge_store.h \
	fcgi-app/common/rate_limit.c fcgi-app/common/rate_limit.h \
	fcgi-app/common/schedule.c fcgi-app/common/schedule.h \
	fcgi-app/common/sealed.c fcgi-app/common/sealed.h \
	fcgi-app/common/source_store.c fcgi-app/common/source_store.h \
	fcgi-app/common/source_uri.c fcgi-app/common/source_uri.h \
	fcgi-app/common/sql_guard.c fcgi-app/common/sql_guard.h \
	fcgi-app/common/sql_account.c fcgi-app/common/sql_account.h \
	fcgi-app/common/signing.c fcgi-app/common/signing.h \
	fcgi-app/common/store.c fcgi-app/common/store.h \
	fcgi-app/common/token.c fcgi-app/common/token.h \
	fcgi-app/common/upload_queue.c fcgi-app/common/upload_queue.h \
	fcgi-app/common/validate.c fcgi-app/common/validate.h \
	fcgi-app/common/wake.c fcgi-app/common/wake.h \
	fcgi-app/common/webhook.c fcgi-app/common/webhook.h \
	fcgi-app/common/webhook_queue.c fcgi-app/common/webhook_queue.h
COMMON_LIBS = libquarry_common.a $(JSONC_LIBS) $(JWT_LIBS) $(MARIADB_LIBS) $(SODIUM_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) -lm
