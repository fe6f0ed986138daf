#!/bin/sh
# fuzz.sh HARNESS...: run each libFuzzer harness for FUZZ_SECONDS from a
# scratch copy of its committed seed corpus (tests/fuzz/corpus/NAME), so
# the repository only grows by what someone chooses to commit.
# Findings are saved under tests/fuzz/crashes/.  Ends "N passed, N failed".
# FUZZ_SEED fixes libFuzzer's seed (make check does, so that a red run can
# be repeated); unset, every run explores anew.
set -u
secs=${FUZZ_SECONDS:-60}
passed=0; failed=0
mkdir -p tests/fuzz/crashes
for h in "$@"; do
	name=$(basename "$h"); name=${name#fuzz_}
	work=$(mktemp -d)
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
	out=$(mktemp)
	# shellcheck disable=SC2086
	"$h" -max_total_time="$secs" -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
	    -artifact_prefix="tests/fuzz/crashes/$name-" "$work" >"$out" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
	if [ $rc -eq 0 ]; then
		echo "fuzz $name: ${runs:-?} executions in ${secs}s, no finding"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FINDING (exit $rc) after ${runs:-?} executions"
		tail -n 30 "$out"
		failed=$((failed + 1))
	fi
	rm -rf "$work" "$out"
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
