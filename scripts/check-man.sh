#!/bin/sh
# check-man.sh: the man pages lint clean, `make install` lays out what it
# should under a DESTDIR, and the installed systemd unit verifies.
set -u
cd "$(dirname "$0")/.."
passed=0; failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); }

for m in man/capsuled.8 man/capsuled.conf.5; do
	if mandoc -Tlint -W warning "$m"; then ok "mandoc -Tlint $m"
	else bad "mandoc -Tlint $m"; fi
done

dest=$(mktemp -d)
if make -s install DESTDIR="$dest" PREFIX=/usr/local >/dev/null; then
	ok "make install DESTDIR"
else
	bad "make install DESTDIR"
fi
for f in sbin/capsuled share/man/man8/capsuled.8 \
    share/man/man5/capsuled.conf.5 share/doc/capsuled/capsuled.service \
    share/doc/capsuled/capsuled.conf.example; do
	if [ -f "$dest/usr/local/$f" ]; then ok "installed $f"
	else bad "installed $f"; fi
done

if command -v systemd-analyze >/dev/null 2>&1; then
	# Point the unit at the DESTDIR copy so verify can find the binary.
	unit="$dest/capsuled.service"
	sed "s|/usr/local/sbin/capsuled|$dest/usr/local/sbin/capsuled|g" \
	    contrib/capsuled.service >"$unit"
	out=$(MANPATH="$dest/usr/local/share/man" \
	    systemd-analyze verify "$unit" 2>&1)
	if [ -z "$out" ]; then ok "systemd-analyze verify"
	else printf '%s\n' "$out"; bad "systemd-analyze verify"; fi
fi
rm -rf "$dest"
echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
