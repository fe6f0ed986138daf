#!/bin/sh
# deps.sh build|check: install the Debian packages capsuled needs, when
# missing.  As root it runs apt-get; otherwise it names what to install.
set -u
build="gcc make pkg-config libssl-dev libmagic-dev libmagic1 openssl"
check="$build python3 python3-pytest python3-cryptography curl lynx valgrind clang libclang-rt-14-dev haproxy mandoc gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
case "${1:-build}" in
build) want=$build ;;
check) want=$check ;;
*) echo "usage: deps.sh build|check" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "capsuled needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
