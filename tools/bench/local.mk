# quarry-bench-ceiling: a constant FastCGI responder, the ceiling the API
# benchmark (tools/bench/api.sh) measures every endpoint against. Built with
# the rest, never installed.
noinst_PROGRAMS += quarry-bench-ceiling
quarry_bench_ceiling_SOURCES = tools/bench/ceiling.c
quarry_bench_ceiling_CPPFLAGS = $(AM_CPPFLAGS) $(FCGI_CFLAGS)
quarry_bench_ceiling_LDADD = $(FCGI_LIBS) -lpthread
