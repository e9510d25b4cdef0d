# tests/fuzz: libFuzzer targets, one per parser, built with clang by run.sh
# (its own build: -fsanitize=fuzzer needs clang). With --enable-full-check,
# make check runs each for QUARRY_FUZZ_SECONDS (default 10), one TAP line each.
EXTRA_DIST += tests/fuzz
if FULL_CHECK
TESTS += tests/fuzz/run.sh
AM_TESTS_ENVIRONMENT += QUARRY_FUZZ_SECONDS=$${QUARRY_FUZZ_SECONDS:-10}; export QUARRY_FUZZ_SECONDS;
# After the unit tests, not beside them: the machine has few cores.
tests/fuzz/run.log: tests/unit/unit_tests.log
endif
