#!/usr/bin/env bash
# Runs the end-to-end tests for make check (tests/e2e/local.mk) against the
# programs of the build being checked: TAP on standard output, one line per
# test (tap_report.py), pytest's own report on standard error (the log).
#   QUARRY_E2E_DIR  parent of the stack homes (kept when a test fails)
# Other arguments go to pytest: tests/e2e/run.sh -k jobd, or
# tests/e2e/run.sh tests/e2e/test_stack.py (without a path: all of tests/e2e).
set -euo pipefail

e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# The system python has Debian's python3-pytest; a venv's python3 may not.
py=python3
"$py" -c 'import pytest' 2>/dev/null || py=/usr/bin/python3
if [ -n "${abs_top_builddir:-}" ]; then
	export QUARRY_BUILD_DIR=$abs_top_builddir QUARRY_SKIP_BUILD=1
fi
paths=0
for arg in "$@"; do [ -e "${arg%%::*}" ] && paths=1; done
[ "$paths" = 1 ] || set -- "$@" "$e2e"
exec 3>&1 1>&2
QUARRY_TAP_FD=3 PYTHONPATH="$e2e${PYTHONPATH:+:$PYTHONPATH}" \
	exec "$py" -m pytest -q -p no:cacheprovider -p tap_report "$@"
