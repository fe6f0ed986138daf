#!/bin/sh
# The short fuzzing round make check runs: a few seconds per harness.
FUZZ_SECONDS=${CHECK_FUZZ_SECONDS:-5} exec sh scripts/fuzz.sh build/fuzz/fuzz_*
