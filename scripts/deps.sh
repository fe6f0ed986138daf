#!/bin/sh
# deps.sh build|check|peers|deb [arch]: install the Debian packages capsuled
# needs, when missing.  As root it runs apt-get; otherwise it names what to
# install.  "deb" is for `make deb`; with another architecture than this
# machine's, it adds that architecture to dpkg (multiarch) and installs
# the cross compiler and that architecture's libraries.
set -u
build="gcc make pkg-config libssl-dev libmagic-dev libmagic1 openssl"
deb="$build dpkg-dev debhelper"
# make bench-peers: the servers it compares with, and gnuplot for its chart.
peers="molly-brown gophernicus socat gnuplot-nox"
check="$deb python3 python3-pytest python3-cryptography python3-feedparser curl lynx valgrind clang libclang-rt-14-dev haproxy mandoc lintian systemd fcgiwrap"

cross() {	# cross ARCH: what a package build for ARCH needs
	case $1 in
	arm64) triplet=aarch64-linux-gnu ;;
	armhf) triplet=arm-linux-gnueabihf ;;
	*) echo "deps.sh: no cross compiler known for $1" >&2; return 1 ;;
	esac
	echo "gcc-$triplet libc6-dev-$1-cross libssl-dev:$1 libmagic-dev:$1 pkg-config:$1"
}

native=$(dpkg --print-architecture)
case "${1:-build}" in
build) want=$build ;;
deb)	want=$deb
	if [ -n "${2:-}" ] && [ "$2" != "$native" ]; then
		want="$want $(cross "$2")" || exit 2
	fi ;;
# make check compiles for aarch64 and cross-builds the arm64 package.
check) want="$check $(cross arm64)" ;;
peers) want="$check $(cross arm64) $peers" ;;
*) echo "usage: deps.sh build|check|peers|deb [arch]" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
# The architectures of "pkg:arch" names that dpkg does not know yet.
archs=""
for p in $missing; do
	case $p in
	*:*)	a=${p#*:}
		dpkg --print-foreign-architectures | grep -qx "$a" ||
		    case " $archs " in *" $a "*) ;; *) archs="$archs $a" ;; esac ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "capsuled needs these Debian packages:$missing" >&2
	for a in $archs; do
		echo "first: sudo dpkg --add-architecture $a" >&2
	done
	[ -n "$archs" ] && echo "then: sudo apt-get update" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
for a in $archs; do
	echo "adding the $a architecture to dpkg"
	dpkg --add-architecture "$a" || exit 1
done
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
