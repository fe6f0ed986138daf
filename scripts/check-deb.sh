#!/bin/sh
# check-deb.sh: the Debian package end to end, as CI runs it: as root on a
# throwaway Debian 12 machine where systemd does not run.  It builds the
# package (and the arm64 one, cross-built), runs lintian, installs it with
# apt-get, runs the unit's commands by hand as systemd would, upgrades it
# twice to rebuilt packages, and purges it.  Like a purge, it leaves the
# user capsuled; it removes the /var/gemini it made.
# shellcheck disable=SC2317 # functions called through t, run and trap
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
passed=0; failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); }
finish() {
	echo "deb: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# t DESC CMD...: passes when CMD succeeds.
t() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
# no DESC CMD...: passes when CMD fails.
no() { d=$1; shift; if "$@"; then bad "$d"; else ok "$d"; fi; }
# eq DESC GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: '$2', not '$3'"; fi; }
# run DESC CMD...: passes when CMD succeeds; its output is shown if not.
run() {
	d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else cat "$tmp/out"; bad "$d"; fi
}
mode() { stat -c '%a %U %G' "$1" 2>&1; }
installed() {	# installed: dpkg has capsuled, even as config files only
	dpkg-query -W -f='${Status}\n' capsuled 2>/dev/null |
	    grep -qv not-installed
}
conffile() {	# conffile PATH: the installed capsuled lists PATH as one
	dpkg-query -W -f='${Conffiles}\n' capsuled | grep -q "^ $1 "
}
verify() {	# verify UNIT: systemd-analyze verify prints nothing
	out=$(systemd-analyze verify "$1" 2>&1)
	[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}
has() { grep -q -- "$2" "$1" 2>/dev/null; }	# has FILE REGEX
quiet() { "$@" >/dev/null 2>&1; }

if [ "$(id -u)" -ne 0 ]; then
	bad "check-deb installs a package: it needs root"
	finish
fi
export DEBIAN_FRONTEND=noninteractive
aptget() { apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"; }
native=$(dpkg --print-architecture)
v=$(dpkg-parsechangelog -S Version)
out=$top/build/deb
deb=$out/capsuled_${v}_$native.deb
unit=/lib/systemd/system/capsuled.service
wants=/etc/systemd/system/multi-user.target.wants/capsuled.service

# One run at a time on a machine (several work trees may run make check);
# a mark left by a run that was killed lets the next clean up after it.
exec 9>/var/lock/capsuled-check-deb.lock
if ! flock -w 900 9; then
	bad "another check-deb held /var/lock/capsuled-check-deb.lock for 15 min"
	finish
fi
# The mark says "gemini" once this run has made /var/gemini, and "pid N"
# while it runs the server N.
mark=/var/tmp/capsuled-check-deb.running
tidy() {	# stop our server, purge, remove /var/gemini if the mark says ours
	p=$(sed -n 's/^pid //p' "$mark" 2>/dev/null)
	[ -n "$p" ] && [ "$(ps -o comm= -p "$p")" = capsuled ] && kill "$p"
	installed && aptget purge capsuled >/dev/null 2>&1
	has "$mark" gemini && rm -rf /var/gemini
	rm -f "$mark"
}
if [ -e "$mark" ]; then
	echo "cleaning up after a check-deb that did not finish"
	tidy
fi
if installed; then
	bad "capsuled is installed here: check-deb installs and purges it," \
	    "so it runs only where it is not (apt-get purge capsuled)"
	finish
fi
for d in /var/gemini /var/lib/capsuled; do
	if [ -e "$d" ]; then
		bad "$d exists: check-deb needs a machine without it"
		finish
	fi
done
touch "$mark"
tmp=$(mktemp -d)
chmod 755 "$tmp"	# the user capsuled reads the configuration copy here
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	tidy
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== version: debian/changelog, the one place"
eq "make print-version" "$(make -s --no-print-directory print-version)" "$v"
eq "./capsuled -V" "$(./capsuled -V 2>&1)" "capsuled $v"

echo "== build and lintian"
# fields DEB ARCH ELFMACHINE: what dpkg-deb -I shows, and the binary's CPU.
fields() {
	eq "$2: Package" "$(dpkg-deb -f "$1" Package)" capsuled
	eq "$2: Version" "$(dpkg-deb -f "$1" Version)" "$v"
	eq "$2: Architecture" "$(dpkg-deb -f "$1" Architecture)" "$2"
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' \
	    >"$tmp/deps"
	for p in adduser procps libc6 libssl3 libmagic1; do
		t "$2: Depends on $p" grep -qx "$p" "$tmp/deps"
	done
	eq "$2: ELF e_machine of usr/sbin/capsuled" "$(dpkg-deb --fsys-tarfile \
	    "$1" | tar -xOf - ./usr/sbin/capsuled | od -An -tu2 -j18 -N2 |
	    tr -d ' ')" "$3"
}
lint() {	# lint DEB: no error, no warning (overrides have reasons)
	lintian --fail-on error,warning -I --pedantic "$1" >"$tmp/lint" 2>&1
	rc=$?
	grep -v 'running with root privileges' "$tmp/lint"
	if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' "$tmp/lint"; then
		ok "lintian $(basename "$1")"
	else
		bad "lintian $(basename "$1")"
	fi
}
if ! sh scripts/build-deb.sh || [ ! -f "$deb" ]; then
	bad "build-deb.sh ($native)"
	finish
fi
ok "build-deb.sh: $(basename "$deb")"
case $native in
amd64) fields "$deb" amd64 62 ;;
*) fields "$deb" "$native" "$(od -An -tu2 -j18 -N2 ./capsuled | tr -d ' ')" ;;
esac
lint "$deb"
arm=$out/capsuled_${v}_arm64.deb
if sh scripts/build-deb.sh arm64 && [ -f "$arm" ]; then
	ok "build-deb.sh arm64 (cross): $(basename "$arm")"
	fields "$arm" arm64 183
	lint "$arm"
else
	bad "build-deb.sh arm64 (cross)"
fi

echo "== install"
echo gemini >"$mark"
run "apt-get install ./$(basename "$deb")" aptget install "$deb"
eq "dpkg status" "$(dpkg-query -W -f='${Status} ${Version}' capsuled)" \
    "install ok installed $v"
eq "/usr/sbin/capsuled" "$(mode /usr/sbin/capsuled)" "755 root root"
eq "capsuled -V" "$(/usr/sbin/capsuled -V 2>&1)" "capsuled $v"
for f in /usr/share/man/man8/capsuled.8.gz \
    /usr/share/man/man5/capsuled.conf.5.gz /etc/capsuled.conf "$unit"; do
	eq "$f" "$(mode "$f")" "644 root root"
done
t "/etc/capsuled.conf is a conffile" conffile /etc/capsuled.conf
t "unit: ExecStart=/usr/sbin/capsuled" \
    has "$unit" '^ExecStart=/usr/sbin/capsuled '
no "unit: no /usr/local in Exec lines" has "$unit" '^Exec.*/usr/local'
eq "unit enabled ($wants)" "$(readlink "$wants")" "$unit"
t "postinst restarts the unit on upgrade" \
    has /var/lib/dpkg/info/capsuled.postinst '_dh_action=restart'
t "systemd-analyze verify $unit" verify "$unit"
eq "/var/lib/capsuled" "$(mode /var/lib/capsuled)" "700 capsuled capsuled"
IFS=: read -r _ _ uid gid _ home shell <<EOF
$(getent passwd capsuled)
EOF
t "user capsuled is a system user (uid ${uid:-none})" \
    test "${uid:-1000}" -ge 100 -a "${uid:-1000}" -lt 1000
eq "user capsuled: home" "${home:-}" /var/lib/capsuled
eq "user capsuled: shell" "${shell:-}" /usr/sbin/nologin
eq "user capsuled: group" "$(getent group "${gid:-x}" | cut -d: -f1)" capsuled
eq "/var/gemini" "$(mode /var/gemini)" "755 root root"
t "the starter capsule is in /var/gemini" \
    cmp -s /usr/share/capsuled/capsule/index.gmi /var/gemini/index.gmi
t "/var/gemini/posts is a gemlog" test -f /var/gemini/posts/.gemlog

echo "== the unit's commands, run as systemd would"
# Its User, Group, WorkingDirectory, UMask, NoNewPrivileges, capabilities,
# ExecStartPre, ExecStart, ExecReload and KillSignal, read from the
# installed unit.  One difference: the configuration is a copy of the
# packaged one on a free port, since another test may hold 1965 here.
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
caps() {	# caps KEY: "CAP_A CAP_B" as setpriv's ",+a,+b"
	key "$1" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/,+\1/p' |
	    tr -d '\n'
}
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$tmp/capsuled.conf
sed "s/^port 1965/port $port/
    s|^\([[:space:]]*\)#\(location \"/cgi-bin/\*\" { cgi on }\)|\1\2|" \
    /etc/capsuled.conf >"$conf"
chmod 644 "$conf"
t "the copy listens on port $port" has "$conf" "^port $port"
t "the copy runs /cgi-bin/ (the shipped line uncommented)" \
    has "$conf" '^[[:space:]]*location "/cgi-bin/\*" { cgi on }'
# A script as an owner would write one; it shows whom it runs as.
mkdir -p /var/gemini/cgi-bin
printf '#!/bin/sh\nprintf "20 text/gemini\\r\\n"\necho "# Hello from $(id -un)"\n' \
    >/var/gemini/cgi-bin/hello.cgi
chmod 755 /var/gemini/cgi-bin/hello.cgi
nnp=""
[ "$(key NoNewPrivileges)" = yes ] && nnp=--no-new-privs
unit_exec() {	# unit_exec CMDLINE: become CMDLINE as the unit would
	cmd=$(printf '%s' "$1" | sed "s| -c /etc/capsuled.conf| -c $conf|")
	cd "$(key WorkingDirectory)" || exit 1
	# shellcheck disable=SC2086
	exec setpriv --reuid="$(key User)" --regid="$(key Group)" \
	    --init-groups $nnp \
	    --bounding-set=-all"$(caps CapabilityBoundingSet)" \
	    --inh-caps=-all"$(caps AmbientCapabilities)" \
	    --ambient-caps=-all"$(caps AmbientCapabilities)" \
	    sh -c "umask $(key UMask) && exec $cmd"
}
waitfor() {	# waitfor REGEX: up to 10 s for REGEX in the server's log
	n=0
	while [ "$n" -lt 50 ]; do
		has "$tmp/log" "$1" && return 0
		sleep 0.2; n=$((n + 1))
	done
	cat "$tmp/log"
	return 1
}
gem() {	# gem SNI URL: fingerprint line, then the reply (127.0.0.1:$port)
	/usr/bin/python3 - "$port" "$1" "$2" <<'EOF'
import hashlib, socket, ssl, sys
port, sni, url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE	# Gemini: trust on first use
with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname=sni) as t:
        fp = hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()
        print(":".join(fp[i:i + 2] for i in range(0, 64, 2)).upper())
        t.sendall((url + "\r\n").encode())
        data = b""
        while True:
            b = t.recv(65536)
            if not b:
                break
            data += b
sys.stdout.write(data.decode("utf-8", "replace"))
EOF
}
fpr() {	# fpr PEM: its SHA-256 fingerprint, as README publishes it
	openssl x509 -in "$1" -noout -fingerprint -sha256 2>&1 | sed 's/.*=//'
}
# fetch DESC SNI URL CERT LINE: the reply is "20 text/gemini", holds LINE,
# and comes with the certificate CERT.
fetch() {
	if ! gem "$2" "$3" >"$tmp/reply" 2>&1; then
		cat "$tmp/reply"; bad "$1: $3"; return
	fi
	eq "$1: certificate" "$(head -n 1 "$tmp/reply")" "$(fpr "$4")"
	eq "$1: header" "$(sed -n '2{s/\r$//;p;}' "$tmp/reply")" "20 text/gemini"
	t "$1: body has '$5'" grep -qxF -- "$5" "$tmp/reply"
}

if (unit_exec "$(key ExecStartPre)") >"$tmp/out" 2>&1; then
	ok "ExecStartPre (capsuled -n) as $(key User)"
else
	cat "$tmp/out"; bad "ExecStartPre (capsuled -n) as $(key User)"
fi
t "ExecStartPre: configuration OK" has "$tmp/out" "configuration OK"
for f in localhost.pem localhost.key; do
	eq "created /var/lib/capsuled/$f" "$(mode /var/lib/capsuled/$f)" \
	    "600 capsuled capsuled"
done
(unit_exec "$(key ExecStart)") >"$tmp/log" 2>&1 &
pid=$!
echo "pid $pid" >>"$mark"
t "ExecStart: listening" waitfor "listening on .*:$port (gemini)"
t "ExecStart: workers sandboxed" waitfor "sandbox: "
eq "the server" "$(ps -o user=,args= -p "$pid")" \
    "$(key User) /usr/sbin/capsuled -c $conf"
eq "its workers run as" "$(ps -o user= --ppid "$pid" | sort -u)" "$(key User)"
eq "its helpers" "$(ps -o comm=,user= --ppid "$pid" | grep -v '^capsuled ' |
    sort | tr -s ' ')" "capsuled-keys $(key User)
capsuled-run $(key User)"
fetch "/" localhost "gemini://localhost:$port/" \
    /var/lib/capsuled/localhost.pem \
    "# It works: capsuled is serving this capsule"
fetch "/posts/" localhost "gemini://localhost:$port/posts/" \
    /var/lib/capsuled/localhost.pem \
    "=> 2026-12-06-hello.gmi 2026-12-06 Hello, Gemini"
t "access log line" has "$tmp/log" "\"gemini://localhost:$port/\" 20 "
fetch "/cgi-bin/hello.cgi" localhost \
    "gemini://localhost:$port/cgi-bin/hello.cgi" \
    /var/lib/capsuled/localhost.pem "# Hello from $(key User)"
# What README tells an owner: set the host name, reload.
sed -i 's/^server "localhost"/server "capsule.test"/
    s|/localhost\.|/capsule.test.|' "$conf"
t "the copy names capsule.test" has "$conf" '^server "capsule.test"'
run "ExecReload" sh -c "$(key ExecReload | sed "s/\$MAINPID/$pid/")"
t "reloaded" waitfor "configuration reloaded"
eq "created /var/lib/capsuled/capsule.test.key" \
    "$(mode /var/lib/capsuled/capsule.test.key)" "600 capsuled capsuled"
fetch "after reload" capsule.test "gemini://capsule.test:$port/" \
    /var/lib/capsuled/capsule.test.pem \
    "# It works: capsuled is serving this capsule"
kill -s "$(key KillSignal | sed 's/^SIG//')" "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.2; n=$((n + 1))
done
wait "$pid"
eq "KillSignal: stopped, exit status" "$?" 0
pid=""
sed -i '/^pid /d' "$mark"

echo "== upgrade, twice: the owner's configuration and capsule stay"
printf '\n# The owner: one worker is enough here.\nworkers 1\n' \
    >>/etc/capsuled.conf
printf '\nA line the owner wrote.\n' >>/var/gemini/index.gmi
printf '# Mine\n' >/var/gemini/posts/2026-12-07-mine.gmi
cp /etc/capsuled.conf "$tmp/conf.owner"
cp /var/gemini/index.gmi "$tmp/index.owner"
keysum=$(sha256sum /var/lib/capsuled/localhost.key)
maint=$(dpkg-parsechangelog -S Maintainer)
# upgrade VERSION CONFLINE APTOPTS...: rebuild this tree as VERSION (with
# CONFLINE added to the shipped /etc/capsuled.conf unless empty), install
# it over the installed one, and check what must have stayed.
upgrade() {
	nv=$1; line=$2; shift 2
	src=$tmp/src-$nv
	mkdir -p "$src" &&
	    tar --exclude=./.git --exclude=./build -cf - . | tar -C "$src" -xf -
	{ printf 'capsuled (%s) unstable; urgency=medium\n\n' "$nv"
	  printf '  * An upgrade, built by scripts/check-deb.sh.\n\n'
	  printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
	  cat debian/changelog; } >"$src/debian/changelog"
	[ -n "$line" ] && printf '%s\n' "$line" >>"$src/debian/capsuled.conf"
	new=$tmp/deb-$nv/capsuled_${nv}_$native.deb
	if ! sh scripts/build-deb.sh -s "$src" -o "$tmp/deb-$nv" ||
	    [ ! -f "$new" ]; then
		bad "build-deb.sh $nv"
		return
	fi
	run "apt-get install${*:+ $*} $(basename "$new")" \
	    aptget "$@" install "$new"
	eq "$nv: dpkg status" "$(dpkg-query -W -f='${Status} ${Version}' \
	    capsuled)" "install ok installed $nv"
	eq "$nv: capsuled -V" "$(/usr/sbin/capsuled -V 2>&1)" "capsuled $nv"
	t "$nv: the owner's /etc/capsuled.conf stays" \
	    cmp -s /etc/capsuled.conf "$tmp/conf.owner"
	t "$nv: the owner's index.gmi stays" \
	    cmp -s /var/gemini/index.gmi "$tmp/index.owner"
	t "$nv: the owner's post stays" \
	    test -f /var/gemini/posts/2026-12-07-mine.gmi
	eq "$nv: the key stays" "$(sha256sum /var/lib/capsuled/localhost.key)" \
	    "$keysum"
	eq "$nv: /var/lib/capsuled" "$(mode /var/lib/capsuled)" \
	    "700 capsuled capsuled"
	eq "$nv: unit enabled" "$(readlink "$wants")" "$unit"
}
# The usual upgrade: the shipped configuration did not change, so dpkg
# keeps the owner's without asking.
upgrade "$v+check1" ""
no "$v+check1: no .dpkg-dist" test -e /etc/capsuled.conf.dpkg-dist
# The shipped configuration changed too: dpkg would ask; unattended
# upgrades answer with confdef/confold, which keep the owner's file.
upgrade "$v+check2" "# A line the next version adds." \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
t "$v+check2: the new shipped file is /etc/capsuled.conf.dpkg-dist" \
    has /etc/capsuled.conf.dpkg-dist '^# A line the next version adds.$'

echo "== purge"
dpkg-query -L capsuled >"$tmp/files" 2>&1
run "apt-get purge capsuled" aptget purge capsuled
no "dpkg knows capsuled no more" installed
left=""
while read -r f; do
	[ -d "$f" ] && continue	# directories, such as /lib -> usr/lib
	{ [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
done <"$tmp/files"
eq "files of the package left" "$left" ""
# Not /var/cache/man: man-db's cache of formatted pages (systemd-analyze
# verify runs man for Documentation=), which its daily job prunes.
left=$(find /etc /lib /usr /var -xdev -name '*capsuled*' ! -path "$mark" \
    ! -path '/var/gemini/*' ! -path '/var/cache/man/*' 2>/dev/null |
    tr '\n' ' ')
eq "anything named *capsuled* left in /etc /lib /usr /var" "$left" ""
t "the owner's capsule stays" cmp -s /var/gemini/index.gmi "$tmp/index.owner"
t "the user capsuled stays" quiet getent passwd capsuled
t "the group capsuled stays" quiet getent group capsuled

rm -rf /var/gemini "$mark"
finish
