#!/bin/sh
# check.sh UNITBINS...: every test `make check` runs, then one total line.
# Unit tests and the integration suite run against the ASan+UBSan build.
set -u
cd "$(dirname "$0")/.."
# color=never: LeakSanitizer asks the terminal about colour with an
# ioctl, which a worker's seccomp filter kills before the report is out.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:color=never
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:color=never
passed=0; failed=0

count() {	# count LOG: add the "N passed" / "N failed" of LOG's last line
	line=$(grep -E '[0-9]+ passed|[0-9]+ failed' "$1" | tail -n 1)
	p=$(printf '%s' "$line" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) failed.*/\1/p')
	[ -z "$p" ] && p=$(printf '%s' "$line" | sed -n 's/^\([0-9][0-9]*\) passed.*/\1/p')
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

log=$(mktemp)
echo "== unit tests (ASan+UBSan)"
sh scripts/run-unit.sh "$@" >"$log" 2>&1; rc=$?
cat "$log"; count "$log"
[ $rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=$((failed + 1))

echo "== integration tests (ASan+UBSan build on 127.0.0.1)"
CAPSULED_BIN=build/asan/capsuled /usr/bin/python3 -m pytest -q \
    -p no:cacheprovider tests/integration >"$log" 2>&1; rc=$?
cat "$log"; before=$failed; count "$log"
[ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))

for extra in scripts/check-fuzz.sh scripts/check-bench.sh scripts/check-man.sh \
    scripts/check-cross.sh scripts/check-deb.sh; do
	[ -f "$extra" ] || continue
	echo "== $extra"
	sh "$extra" >"$log" 2>&1; rc=$?
	cat "$log"; before=$failed; count "$log"
	[ $rc -ne 0 ] && [ "$failed" -eq "$before" ] && failed=$((failed + 1))
done
rm -f "$log"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
