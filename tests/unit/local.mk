# tests/unit

# API and security primitives.
UNIT_API_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(FCGI_CFLAGS) $(JSONC_CFLAGS) $(JWT_CFLAGS) $(SODIUM_CFLAGS)
UNIT_API_LIBS = libquarry_api.a $(COMMON_LIBS) $(FCGI_LIBS) $(MAGIC_LIBS) $(CRYPTO_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_router tests/unit/test_auth_crypto tests/unit/test_validate
TESTS += tests/unit/test_router tests/unit/test_auth_crypto tests/unit/test_validate
tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(UNIT_API_CFLAGS)
tests_unit_test_router_LDADD = $(UNIT_API_LIBS)
tests_unit_test_auth_crypto_SOURCES = tests/unit/test_auth_crypto.c
tests_unit_test_auth_crypto_CFLAGS = $(UNIT_API_CFLAGS)
tests_unit_test_auth_crypto_LDADD = $(UNIT_API_LIBS)
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CFLAGS = $(UNIT_API_CFLAGS)
tests_unit_test_validate_LDADD = $(UNIT_API_LIBS)

# The dispatcher's decisions (exit status -> job outcome, time limits).
check_PROGRAMS += tests/unit/test_jobd
TESTS += tests/unit/test_jobd
tests_unit_test_jobd_SOURCES = tests/unit/test_jobd.c
tests_unit_test_jobd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_jobd_LDADD = libquarry_jobd.a $(COMMON_LIBS) $(CHECK_LIBS) -lm

# The JSON, JSON Lines and XML readers.
UNIT_ENGINE_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS) $(XML_CFLAGS) $(ZIP_CFLAGS) \
	$(XLSXWRITER_CFLAGS) $(FREEXL_CFLAGS) -I$(srcdir)/tests/unit
UNIT_ENGINE_LIBS = $(PROCESS_ENGINE_LIBS) $(MAGIC_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/unit/test_json tests/unit/test_jsonl tests/unit/test_xml
TESTS += tests/unit/test_json tests/unit/test_jsonl tests/unit/test_xml
tests_unit_test_json_SOURCES = tests/unit/test_json.c tests/unit/reader_harness.h
tests_unit_test_json_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_json_LDADD = $(UNIT_ENGINE_LIBS)
tests_unit_test_jsonl_SOURCES = tests/unit/test_jsonl.c tests/unit/reader_harness.h
tests_unit_test_jsonl_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_jsonl_LDADD = $(UNIT_ENGINE_LIBS)
tests_unit_test_xml_SOURCES = tests/unit/test_xml.c tests/unit/reader_harness.h
tests_unit_test_xml_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_xml_LDADD = $(UNIT_ENGINE_LIBS)

# The engine core: CSV reader, steps, writers (fcgi-app/process).
check_PROGRAMS += tests/unit/test_csv tests/unit/test_steps tests/unit/test_writers
TESTS += tests/unit/test_csv tests/unit/test_steps tests/unit/test_writers
tests_unit_test_csv_SOURCES = tests/unit/test_csv.c tests/unit/engine_harness.h
tests_unit_test_csv_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_csv_LDADD = $(UNIT_ENGINE_LIBS)
tests_unit_test_steps_SOURCES = tests/unit/test_steps.c tests/unit/engine_harness.h
tests_unit_test_steps_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_steps_LDADD = $(UNIT_ENGINE_LIBS)
tests_unit_test_writers_SOURCES = tests/unit/test_writers.c
tests_unit_test_writers_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_writers_LDADD = $(UNIT_ENGINE_LIBS)

# Type detection (libmagic + sniffing); tests/unit/data holds a tiny .xls
# written with python3-xlwt, since nothing here can write .xls.
EXTRA_DIST += tests/unit/data
check_PROGRAMS += tests/unit/test_detect
TESTS += tests/unit/test_detect
tests_unit_test_detect_SOURCES = tests/unit/test_detect.c
tests_unit_test_detect_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_detect_LDADD = $(UNIT_ENGINE_LIBS)

# Direct uploads and tenants: the multipart parser and the upload it feeds, client names.
check_PROGRAMS += tests/unit/test_multipart tests/unit/test_krn
TESTS += tests/unit/test_multipart tests/unit/test_krn
tests_unit_test_multipart_SOURCES = tests/unit/test_multipart.c
tests_unit_test_multipart_CFLAGS = $(UNIT_API_CFLAGS)
tests_unit_test_multipart_LDADD = $(UNIT_API_LIBS)
tests_unit_test_krn_SOURCES = tests/unit/test_krn.c
tests_unit_test_krn_CFLAGS = $(UNIT_API_CFLAGS) $(MARIADB_CFLAGS)
tests_unit_test_krn_LDADD = $(UNIT_API_LIBS)

# The spreadsheet readers and the XLSX writer.
check_PROGRAMS += tests/unit/test_xlsx tests/unit/test_xls
TESTS += tests/unit/test_xlsx tests/unit/test_xls
tests_unit_test_xlsx_SOURCES = tests/unit/test_xlsx.c tests/unit/reader_harness.h
tests_unit_test_xlsx_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_xlsx_LDADD = $(UNIT_ENGINE_LIBS)
tests_unit_test_xls_SOURCES = tests/unit/test_xls.c tests/unit/reader_harness.h
tests_unit_test_xls_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_xls_LDADD = $(UNIT_ENGINE_LIBS)

# engine_infer_schema over the JSON, JSON Lines, XML and spreadsheet readers.
check_PROGRAMS += tests/unit/test_schema
TESTS += tests/unit/test_schema
tests_unit_test_schema_SOURCES = tests/unit/test_schema.c
tests_unit_test_schema_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_schema_LDADD = $(UNIT_ENGINE_LIBS)

# Parquet: the Thrift compact codec, the page encodings, the writer and reader.
check_PROGRAMS += tests/unit/test_parquet
TESTS += tests/unit/test_parquet
tests_unit_test_parquet_SOURCES = tests/unit/test_parquet.c tests/unit/engine_harness.h
tests_unit_test_parquet_CFLAGS = $(UNIT_ENGINE_CFLAGS)
tests_unit_test_parquet_LDADD = $(UNIT_ENGINE_LIBS)
