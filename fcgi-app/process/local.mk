# fcgi-app/process: the processing engine (libquarry_engine.a: readers,
# steps, writers, the pipeline) and quarry-process. No MariaDB, no libfcgi
# in the library; job.c (database mode) brings those to the binary only.
noinst_LIBRARIES += libquarry_engine.a
# What a program using the engine needs: PROCESS_ENGINE_CFLAGS to compile,
# PROCESS_ENGINE_LIBS (below) to link.
PROCESS_ENGINE_CFLAGS = $(JSONC_CFLAGS) $(XML_CFLAGS) $(ZIP_CFLAGS) $(XLSXWRITER_CFLAGS) \
	$(FREEXL_CFLAGS) $(MAGIC_CFLAGS) $(SNAPPY_CFLAGS) $(ZSTD_CFLAGS) $(ZLIB_CFLAGS) $(PCRE2_CFLAGS)
libquarry_engine_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROCESS_ENGINE_CFLAGS)
libquarry_engine_a_SOURCES = \
	fcgi-app/process/config_opt.c fcgi-app/process/config_opt.h \
	fcgi-app/process/detect.c fcgi-app/process/detect.h \
	fcgi-app/process/engine.c fcgi-app/process/engine.h \
	fcgi-app/process/formats.c fcgi-app/process/formats.h \
	fcgi-app/process/grow.h \
	fcgi-app/process/input.c fcgi-app/process/input.h \
	fcgi-app/process/json_fast.c fcgi-app/process/json_fast.h \
	fcgi-app/process/json_flat.c fcgi-app/process/json_flat.h \
	fcgi-app/process/json_path.c fcgi-app/process/json_path.h \
	fcgi-app/process/json_record.c fcgi-app/process/json_record.h \
	fcgi-app/process/metadata.c fcgi-app/process/metadata.h \
	fcgi-app/process/outbuf.c fcgi-app/process/outbuf.h \
	fcgi-app/process/parquet_meta.c fcgi-app/process/parquet_meta.h \
	fcgi-app/process/parquet_page.c fcgi-app/process/parquet_page.h \
	fcgi-app/process/pattern.c fcgi-app/process/pattern.h \
	fcgi-app/process/pipeline.c \
	fcgi-app/process/quality.c \
	fcgi-app/process/read_csv.c fcgi-app/process/read_csv.h \
	fcgi-app/process/read_json.c \
	fcgi-app/process/read_jsonl.c \
	fcgi-app/process/read_parquet.c \
	fcgi-app/process/read_xls.c \
	fcgi-app/process/read_xlsx.c \
	fcgi-app/process/read_xml.c \
	fcgi-app/process/xml_error.c fcgi-app/process/xml_error.h \
	fcgi-app/process/record.c fcgi-app/process/record.h \
	fcgi-app/process/sheet.c fcgi-app/process/sheet.h \
	fcgi-app/process/scan.h \
	fcgi-app/process/schema.c \
	fcgi-app/process/step_cast.c \
	fcgi-app/process/step_convert.c \
	fcgi-app/process/step_dedupe.c \
	fcgi-app/process/step_drop.c \
	fcgi-app/process/step_filter.c \
	fcgi-app/process/step_rename.c \
	fcgi-app/process/step_select.c \
	fcgi-app/process/step_sort.c \
	fcgi-app/process/step_transform.c \
	fcgi-app/process/step_util.c fcgi-app/process/step_util.h \
	fcgi-app/process/step_validate.c \
	fcgi-app/process/steps.c fcgi-app/process/steps.h \
	fcgi-app/process/text.c fcgi-app/process/text.h \
	fcgi-app/process/thrift_compact.c fcgi-app/process/thrift_compact.h \
	fcgi-app/process/write_csv.c \
	fcgi-app/process/write_json.c \
	fcgi-app/process/write_parquet.c \
	fcgi-app/process/write_xlsx.c

PROCESS_ENGINE_LIBS = libquarry_engine.a $(JSONC_LIBS) $(XML_LIBS) $(ZIP_LIBS) \
	$(XLSXWRITER_LIBS) $(FREEXL_LIBS) $(MAGIC_LIBS) $(SNAPPY_LIBS) $(ZSTD_LIBS) $(ZLIB_LIBS) $(PCRE2_LIBS) -lm

bin_PROGRAMS += quarry-process
quarry_process_CPPFLAGS = $(AM_CPPFLAGS) $(PROCESS_ENGINE_CFLAGS) $(COMMON_CFLAGS) $(PQ_CFLAGS) \
	$(SECCOMP_CFLAGS)
quarry_process_SOURCES = \
	fcgi-app/process/main.c \
	fcgi-app/process/cli.c fcgi-app/process/cli.h \
	fcgi-app/process/job.c fcgi-app/process/job.h \
	fcgi-app/process/pipeline_source.c fcgi-app/process/pipeline_source.h \
	fcgi-app/process/sandbox.c fcgi-app/process/sandbox.h \
	fcgi-app/process/source_conn.c fcgi-app/process/source_conn.h \
	fcgi-app/process/task.c fcgi-app/process/task.h \
	fcgi-app/process/task_export.c \
	fcgi-app/process/task_file.c \
	fcgi-app/process/task_load.c \
	fcgi-app/process/task_source.c
quarry_process_LDADD = $(PROCESS_ENGINE_LIBS) $(COMMON_LIBS) $(PQ_LIBS) $(SECCOMP_LIBS)
