# tests/e2e: pytest against a private stack on free ports (conftest.py),
# using the programs of this build. With --enable-full-check, make check
# runs them last, one TAP line per test (run.sh).
EXTRA_DIST += tests/e2e tests/js/package.json tests/js/package-lock.json tests/js/parquet_oracle.mjs \
	tests/js/openapi_validate.mjs tests/js/docs_page.mjs tests/js/tus_upload.mjs \
	tests/js/web
if FULL_CHECK
TESTS += tests/e2e/run.sh
tests/e2e/run.log: tests/fuzz/run.log
endif
