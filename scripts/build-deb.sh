#!/bin/sh
# build-deb.sh [-s srcdir] [-o outdir] [arch]: build the Debian package
# with `dpkg-buildpackage -us -uc -b` and leave capsuled_VERSION_ARCH.deb
# in outdir (default build/deb).  dpkg-buildpackage writes into the tree
# (debian/capsuled/, build/) and its results next to it, so it works on a
# scratch copy under outdir: the checkout stays as git has it, and a
# second run starts afresh.  srcdir defaults to this checkout: the files
# git tracks plus new ones it does not ignore.  arch defaults to this
# machine's; another one is cross-built (scripts/deps.sh deb ARCH).
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
src=""
out=$top/build/deb
while getopts s:o: opt; do
	case $opt in
	s) src=$(cd "$OPTARG" && pwd) || exit 1 ;;
	o) mkdir -p "$OPTARG" && out=$(cd "$OPTARG" && pwd) || exit 1 ;;
	*) echo "usage: build-deb.sh [-s srcdir] [-o outdir] [arch]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build_arch=$(dpkg --print-architecture)
arch=${1:-$build_arch}

work=$out/work-$arch
rm -rf "$work" && mkdir -p "$work/capsuled" || exit 1
if [ -n "$src" ]; then
	(cd "$src" && tar --exclude=./.git --exclude=./build -cf - .) |
	    tar -C "$work/capsuled" -xf - || exit 1
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# --ignore-failed-read: a tracked file deleted in the work tree.
	git ls-files -z -co --exclude-standard |
	    tar --null --ignore-failed-read -T - -cf - 2>/dev/null |
	    tar -C "$work/capsuled" -xf - || exit 1
else
	tar --exclude=./build -cf - . | tar -C "$work/capsuled" -xf - ||
	    exit 1
fi

version=$(cd "$work/capsuled" && dpkg-parsechangelog -S Version) || exit 1
deb=capsuled_${version}_$arch.deb
cross=""
[ "$arch" != "$build_arch" ] && cross="-a$arch"
log=$out/build-$arch.log
start=$(date +%s)
# shellcheck disable=SC2086
if ! (cd "$work/capsuled" &&
    dpkg-buildpackage -us -uc -b -jauto $cross) >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "build-deb: dpkg-buildpackage failed for $arch; log: $log" >&2
	exit 1
fi
if [ ! -f "$work/$deb" ]; then
	echo "build-deb: dpkg-buildpackage made no $deb; log: $log" >&2
	exit 1
fi
mv "$work/$deb" "$out/$deb" || exit 1
rm -rf "$work"
echo "build-deb: $out/$deb ($(($(date +%s) - start)) s)"
