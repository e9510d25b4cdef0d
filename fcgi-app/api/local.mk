# quarry-api: the FastCGI program (handlers, routing, request parsing).
noinst_LIBRARIES += libquarry_api.a
libquarry_api_a_CPPFLAGS = $(COMMON_CPPFLAGS) $(FCGI_CFLAGS) $(MAGIC_CFLAGS)
libquarry_api_a_SOURCES = \
	fcgi-app/api/admin.c fcgi-app/api/admin.h \
	fcgi-app/api/app.h \
	fcgi-app/api/auth.c \
	fcgi-app/api/client_store.c fcgi-app/api/client_store.h \
	fcgi-app/api/clients.c \
	fcgi-app/api/datasets.c \
	fcgi-app/api/dependencies.c \
	fcgi-app/api/dependency_store.c fcgi-app/api/dependency_store.h \
	fcgi-app/api/envelope.c fcgi-app/api/envelope.h \
	fcgi-app/api/error_store.c fcgi-app/api/error_store.h \
	fcgi-app/api/execution_store.c fcgi-app/api/execution_store.h \
	fcgi-app/api/executions.c \
	fcgi-app/api/file_store.c fcgi-app/api/file_store.h \
	fcgi-app/api/files.c \
	fcgi-app/api/handlers.h \
	fcgi-app/api/health.c \
	fcgi-app/api/identities.c \
	fcgi-app/api/identity_store.c fcgi-app/api/identity_store.h \
	fcgi-app/api/job_store.c fcgi-app/api/job_store.h \
	fcgi-app/api/jobs.c \
	fcgi-app/api/json_writer.c fcgi-app/api/json_writer.h \
	fcgi-app/api/limits.c fcgi-app/api/limits.h \
	fcgi-app/api/load_jobs.c \
	fcgi-app/api/metrics.c fcgi-app/api/metrics.h \
	fcgi-app/api/multipart.c fcgi-app/api/multipart.h \
	fcgi-app/api/objects.c fcgi-app/api/objects.h \
	fcgi-app/api/openapi.c fcgi-app/api/openapi.h \
	fcgi-app/api/openapi_schemas.c fcgi-app/api/openapi_schemas.h \
	fcgi-app/api/ops.c \
	fcgi-app/api/pipeline_errors.c \
	fcgi-app/api/pipeline_rules.c fcgi-app/api/pipeline_rules.h \
	fcgi-app/api/pipeline_store.c fcgi-app/api/pipeline_store.h \
	fcgi-app/api/pipelines.c \
	fcgi-app/api/progress.c \
	fcgi-app/api/members.c \
	fcgi-app/api/member_store.c fcgi-app/api/member_store.h \
	fcgi-app/api/query.c \
	fcgi-app/api/schedule_preview.c \
	fcgi-app/api/quality.c \
	fcgi-app/api/quality_store.c fcgi-app/api/quality_store.h \
	fcgi-app/api/sources.c \
	fcgi-app/api/status.c \
	fcgi-app/api/tasks.c fcgi-app/api/tasks.h \
	fcgi-app/api/tus.c fcgi-app/api/tus.h \
	fcgi-app/api/upload_store.c fcgi-app/api/upload_store.h \
	fcgi-app/api/uploads.c \
	fcgi-app/api/request.c fcgi-app/api/request.h \
	fcgi-app/api/response.c fcgi-app/api/response.h \
	fcgi-app/api/router.c fcgi-app/api/router.h \
	fcgi-app/api/route_doc.h \
	fcgi-app/api/routes.c fcgi-app/api/routes.h \
	fcgi-app/api/service_accounts.c \
	fcgi-app/api/service_store.c fcgi-app/api/service_store.h \
	fcgi-app/api/session.c fcgi-app/api/session.h \
	fcgi-app/api/user_store.c fcgi-app/api/user_store.h \
	fcgi-app/api/webhook_store.c fcgi-app/api/webhook_store.h \
	fcgi-app/api/webhooks.c

bin_PROGRAMS += quarry-api
quarry_api_SOURCES = fcgi-app/api/main.c
quarry_api_CPPFLAGS = $(libquarry_api_a_CPPFLAGS)
quarry_api_LDADD = libquarry_api.a $(PROCESS_ENGINE_LIBS) $(COMMON_LIBS) $(FCGI_LIBS) -lpthread
