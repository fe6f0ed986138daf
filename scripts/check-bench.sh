#!/bin/sh
# The brief load-generator run make check does: proves gembench and the
# bench driver work against the real binary.  It measures nothing: the
# figures of a loaded test machine mean nothing (see BENCHMARKS.md).
set -u
cd "$(dirname "$0")/.."
out=$(mktemp)
BENCH_QUICK=1 BENCH_IDLE=50 bash tests/bench/bench.sh >"$out" 2>&1
rc=$?
tail -n 25 "$out"
passed=0; failed=0
if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
# Every capsuled and tlsceiling row must show zero errors.
if grep -E '^\| (capsuled|tlsceiling)' "$out" | awk -F'|' '$7 + 0 != 0 { bad = 1 } END { exit bad }'; then
	passed=$((passed + 1))
else
	echo "FAIL: a capsuled or tlsceiling scenario had errors"
	failed=$((failed + 1))
fi
rm -f "$out"
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
