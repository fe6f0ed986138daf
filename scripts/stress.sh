#!/bin/sh
# stress.sh: the hostile-client battery in its long form (bigger counts,
# memory figures printed) against the optimised ./capsuled.
# Figures are also appended to build/test_hostile.log.
set -u
cd "$(dirname "$0")/.."
if [ -z "${CAPSULED_BIN:-}" ] && [ ! -x capsuled ]; then
	echo "stress.sh: build ./capsuled first (make)" >&2
	exit 2
fi
CAPSULED_STRESS=1 CAPSULED_BIN=${CAPSULED_BIN:-capsuled} \
    exec /usr/bin/python3 -m pytest -q -s -p no:cacheprovider \
    tests/integration/test_hostile.py "$@"
