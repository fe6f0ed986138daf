#!/bin/sh
# check-cross.sh: compile every source file for aarch64 with the
# project's warnings as errors, and sandbox.c's non-Linux branch.  The seccomp filter's system call table
# differs there (no open, no epoll_wait, no dup2), and nothing else in
# make check builds for a second architecture.  Compile only: Debian has
# no arm64 OpenSSL or libmagic to link against without multiarch, so the
# build machine's headers stand in for theirs (what differs between the
# two is a few size macros, which do not change what compiles).
set -u
cd "$(dirname "$0")/.." || exit 1
cc=aarch64-linux-gnu-gcc
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "$cc not found: scripts/deps.sh check installs gcc-aarch64-linux-gnu"
	echo "cross: 0 passed, 1 failed"
	exit 1
fi
warn=$(make -s --no-print-directory print-warn)
inc=$(mktemp -d)
trap 'rm -rf "$inc"' EXIT
mkdir "$inc/openssl"
ln -s /usr/include/openssl/* "$inc/openssl/"
ln -sf /usr/include/"$(gcc -dumpmachine)"/openssl/* "$inc/openssl/"
ln -s /usr/include/magic.h "$inc/"
passed=0; failed=0
for f in src/*.c; do
	# shellcheck disable=SC2086
	if "$cc" -std=c11 -D_GNU_SOURCE $warn -O2 -isystem "$inc" \
	    -c -o /dev/null "$f"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $f does not compile for aarch64"
		failed=$((failed + 1))
	fi
done
# sandbox.c's branch for systems without Landlock and seccomp is built
# nowhere else: compile it here, natively, so that it cannot rot.
# shellcheck disable=SC2086
if cc -std=c11 -D_GNU_SOURCE $warn -O2 -DSANDBOX_NONE \
    $(pkg-config --cflags openssl) -c -o /dev/null src/sandbox.c; then
	passed=$((passed + 1))
else
	echo "FAIL: src/sandbox.c does not compile without the Linux sandbox"
	failed=$((failed + 1))
fi
echo "cross: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
