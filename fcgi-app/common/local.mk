# Shared by every program: configuration, logging, database, ids, secrets.
noinst_LIBRARIES += libquarry_common.a
libquarry_common_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(JWT_CFLAGS) $(MARIADB_CFLAGS) $(SODIUM_CFLAGS)
libquarry_common_a_SOURCES = \
	fcgi-app/common/arena.c fcgi-app/common/arena.h \
	fcgi-app/common/config.c fcgi-app/common/config.h \
	fcgi-app/common/db.c fcgi-app/common/db.h \
	fcgi-app/common/ids.c fcgi-app/common/ids.h \
	fcgi-app/common/job_queue.c fcgi-app/common/job_queue.h \
	fcgi-app/common/job_status.c fcgi-app/common/job_status.h \
	fcgi-app/common/log.c fcgi-app/common/log.h \
	fcgi-app/common/password.c fcgi-app/common/password.h \
	fcgi-app/common/signing.c fcgi-app/common/signing.h \
	fcgi-app/common/token.c fcgi-app/common/token.h \
	fcgi-app/common/upload_queue.c fcgi-app/common/upload_queue.h \
	fcgi-app/common/wake.c fcgi-app/common/wake.h \
	fcgi-app/common/webhook.c fcgi-app/common/webhook.h \
	fcgi-app/common/webhook_queue.c fcgi-app/common/webhook_queue.h
COMMON_LIBS = libquarry_common.a $(JSONC_LIBS) $(JWT_LIBS) $(MARIADB_LIBS) $(SODIUM_LIBS)
