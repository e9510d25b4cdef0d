# quarry-cli: the command-line client (libcurl, json-c), installed with the rest.
bin_PROGRAMS += quarry-cli
quarry_cli_SOURCES = \
	fcgi-app/cli/cli.h \
	fcgi-app/cli/commands.c \
	fcgi-app/cli/http.c \
	fcgi-app/cli/main.c \
	fcgi-app/cli/session.c \
	fcgi-app/cli/upload.c
quarry_cli_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
quarry_cli_LDADD = $(CURL_LIBS) $(JSONC_LIBS)
dist_man1_MANS = docs/quarry-cli.1
