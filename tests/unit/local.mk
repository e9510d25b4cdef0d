# tests/unit: the Check unit tests, one program (tests/unit/unit_tests) with
# one main() (check_main.c) that runs every file's suite and reports each
# case in TAP, so that make check counts the cases themselves.
#
# To add tests/unit/test_foo.c: define in it
#     Suite *foo_suite(void)   (test_<name>.c exports <name>_suite)
# and add its one line to UNIT_TESTS below. Nothing else: unit_suites.c, the
# table check_main.c runs, is generated from this list.
# Run one suite or one case: CK_RUN_SUITE=foo [CK_RUN_CASE=name] tests/unit/unit_tests
UNIT_TESTS = \
	tests/unit/test_addr_list.c \
	tests/unit/test_classify.c \
	tests/unit/test_auth_crypto.c \
	tests/unit/test_cluster.c \
	tests/unit/test_config.c \
	tests/unit/test_cron.c \
	tests/unit/test_csv.c \
	tests/unit/test_cursor.c \
	tests/unit/test_detect.c \
	tests/unit/test_identity.c \
	tests/unit/test_jobd.c \
	tests/unit/test_json.c \
	tests/unit/test_json_fast.c \
	tests/unit/test_json_writer.c \
	tests/unit/test_json_path.c \
	tests/unit/test_jsonl.c \
	tests/unit/test_krn.c \
	tests/unit/test_multipart.c \
	tests/unit/test_openapi.c \
	tests/unit/test_parquet.c \
	tests/unit/test_pattern.c \
	tests/unit/test_pipelines.c \
	tests/unit/test_router.c \
	tests/unit/test_sandbox.c \
	tests/unit/test_schema.c \
	tests/unit/test_sort.c \
	tests/unit/test_source_uri.c \
	tests/unit/test_sql_guard.c \
	tests/unit/test_steps.c \
	tests/unit/test_validate.c \
	tests/unit/test_webhook.c \
	tests/unit/test_writers.c \
	tests/unit/test_xls.c \
	tests/unit/test_xlsx.c \
	tests/unit/test_xml.c

# tests/unit/data holds a tiny .xls written with python3-xlwt (nothing here
# can write .xls), read by test_detect and test_xls.
EXTRA_DIST += tests/unit/data
# test_cron checks common/cron.c against python3-croniter's answers, written
# into cron_cases.h by cron_cases.py (croniter is not needed to run the tests).
EXTRA_DIST += tests/unit/cron_cases.py tests/unit/cron_cases.h

if HAVE_CHECK
check_PROGRAMS += tests/unit/unit_tests
TESTS += tests/unit/unit_tests
tests_unit_unit_tests_SOURCES = tests/unit/check_main.c $(UNIT_TESTS) \
	tests/unit/engine_harness.h tests/unit/reader_harness.h \
	fcgi-app/process/sandbox.c fcgi-app/process/sandbox.h
nodist_tests_unit_unit_tests_SOURCES = tests/unit/unit_suites.c
tests_unit_unit_tests_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) $(COMMON_CFLAGS) \
	$(PROCESS_ENGINE_CFLAGS) $(FCGI_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_unit_tests_LDADD = libquarry_api.a libquarry_jobd.a $(PROCESS_ENGINE_LIBS) \
	$(COMMON_LIBS) $(FCGI_LIBS) $(CHECK_LIBS) $(SECCOMP_LIBS)
CLEANFILES += tests/unit/unit_suites.c

# test_<name>.c in UNIT_TESTS -> "Suite *<name>_suite(void);" and a table entry.
tests/unit/unit_suites.c: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/unit && { \
	  echo '/* Generated from UNIT_TESTS in tests/unit/local.mk. */'; \
	  echo '#include <check.h>'; \
	  echo '#include <stddef.h>'; \
	  for f in $(UNIT_TESTS); do n=$${f##*/test_}; echo "Suite *$${n%.c}_suite(void);"; done; \
	  echo 'Suite *(*const unit_suites[])(void) = {'; \
	  for f in $(UNIT_TESTS); do n=$${f##*/test_}; echo "    $${n%.c}_suite,"; done; \
	  echo '    NULL,'; \
	  echo '};'; \
	} >$@-t && mv $@-t $@
else
# A plain make needs no Check; make check says what is missing.
check-local:
	@echo "make check: the unit tests need Check (apt-get install check, then configure again)" >&2
	@exit 1
endif
