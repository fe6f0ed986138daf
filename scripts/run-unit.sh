#!/bin/sh
# Run each unit-test binary given; print one total line.
passed=0; failed=0; status=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	if [ -z "$p" ] || [ "$rc" -ne 0 ]; then
		status=1
		[ -z "$f" ] || [ "$f" -eq 0 ] && f=1
	fi
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "unit: $passed passed, $failed failed"
exit $status
