#!/bin/sh
# The short fuzzing round make check runs: a few seconds per harness.
# A fixed seed: the same inputs in the same order on every machine, so a
# finding here can be reproduced; `make fuzz` explores with fresh seeds.
# The harnesses are the executables: their .d dependency files sit
# beside them.
set --
for f in build/fuzz/fuzz_*; do
	case $f in *.d) continue ;; esac
	[ -x "$f" ] && set -- "$@" "$f"
done
FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_SECONDS=${CHECK_FUZZ_SECONDS:-5} \
    exec sh scripts/fuzz.sh "$@"
