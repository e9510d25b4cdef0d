# tests/unit

# API and security primitives.
UNIT_API_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(FCGI_CFLAGS) $(JSONC_CFLAGS) $(JWT_CFLAGS) $(SODIUM_CFLAGS)
UNIT_API_LIBS = libquarry_api.a $(COMMON_LIBS) $(FCGI_LIBS) $(MAGIC_LIBS) $(CHECK_LIBS)

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
