"""Dynamic content (src/runner.c, src/dynamic.c): CGI programs, SCGI and
FastCGI backends and the Gemini reverse proxy, through a real capsuled.

Every program here is a shell script the test writes; the backends are
small Python servers started by the test (SCGI, FastCGI records by hand,
a TLS server that records what it is sent), Debian's fcgiwrap, and a
second capsuled behind the proxy."""

import hashlib
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (BIN, REPO, Server, free_port, gemini, gopher,
                      is_runner, make_root, recv_tls, tls_client)
from test_operations import client_cert

CGI_CONF = """
cgi-timeout 10
server "localhost" {
    root "%(root)s"
    location "/cgi-bin/*" { cgi on }
%(extra)s
}
"""

ENV_SCRIPT = """#!/bin/sh
printf '20 text/plain\\r\\n'
# The environment as the program received it, not as sh extends it.
tr '\\0' '\\n' < /proc/$$/environ
"""

SCRIPTS = {
    "env": ENV_SCRIPT,
    "sub/deeper": ENV_SCRIPT,
    "world": """#!/bin/sh
printf '20 text/plain\\r\\n'
echo "cwd=$(pwd)"
if read line; then echo "stdin=data"; else echo "stdin=eof"; fi
echo "pid=$$ pgid=$(cut -d' ' -f5 /proc/$$/stat)"
echo "cpu=$(ulimit -t) files=$(ulimit -n)"
""",
    "status10": "#!/bin/sh\nprintf '10 Your name?\\r\\n'\n",
    "redirect": "#!/bin/sh\nprintf '30 /elsewhere\\r\\n'\n",
    "bad-lf": "#!/bin/sh\nprintf '20 text/plain\\nbody\\n'\n",
    "bad-status": "#!/bin/sh\nprintf '70 too high\\r\\nbody'\n",
    "bad-http": "#!/bin/sh\nprintf 'HTTP/1.0 200 OK\\r\\n\\r\\nbody'\n",
    "bad-nospace": "#!/bin/sh\nprintf '20text/plain\\r\\n'\n",
    "bad-empty": "#!/bin/sh\nexit 0\n",
    "bad-long": "#!/bin/sh\nprintf '20 '; head -c 1100 /dev/zero | "
                "tr '\\0' a; printf '\\r\\n'\n",
    "silent": "#!/bin/sh\necho $$ > \"$QUERY_STRING\"\nexec sleep 60\n",
    "flood": "#!/bin/sh\nprintf '20 application/octet-stream\\r\\n'\n"
             "echo $$ > \"$QUERY_STRING\"\n"
             "head -c 52428800 /dev/zero\n",
    "hang": "#!/bin/sh\nprintf '20 text/plain\\r\\nfirst\\n'\n"
            "sleep 60 & echo $$ > \"$QUERY_STRING\"\nwait\n",
    "later": "#!/bin/sh\nprintf '20 text/plain\\r\\nfirst\\n'\nsleep 2\n"
             "echo second\n",
    "sleep": "#!/bin/sh\nsleep 2\nprintf '20 text/plain\\r\\nslept\\n'\n",
    "echo": "#!/bin/sh\nprintf '20 text/plain\\r\\nok %s\\n' \"$QUERY_STRING\"\n",
    "cat": "#!/bin/sh\nprintf '20 text/plain\\r\\n'\n"
           "cat \"$QUERY_STRING\" 2>&1\n"
           "ls \"$(dirname \"$QUERY_STRING\")\" 2>&1\n",
    "ppid": "#!/bin/sh\nprintf '20 text/plain\\r\\n'\n"
            "echo \"pid=$$ ppid=$PPID\"\nsleep 3\n",
}


def write_scripts(root):
    cgi = os.path.join(root, "cgi-bin")
    os.makedirs(os.path.join(cgi, "sub"))
    for name, text in SCRIPTS.items():
        path = os.path.join(cgi, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    with open(os.path.join(cgi, "notexec"), "w") as f:
        f.write("#!/bin/sh\n# secret=hunter2\nprintf '20 text/plain\\r\\n'\n")
    os.chmod(os.path.join(cgi, "notexec"), 0o644)
    with open(os.path.join(cgi, ".hidden"), "w") as f:
        f.write(SCRIPTS["echo"])
    os.chmod(os.path.join(cgi, ".hidden"), 0o755)
    with open(os.path.join(root, "secret.sh"), "w") as f:
        f.write("#!/bin/sh\nprintf '20 text/plain\\r\\nRAN\\n'\n")
    os.chmod(os.path.join(root, "secret.sh"), 0o755)
    os.symlink("/bin/echo", os.path.join(cgi, "outside"))
    return cgi


def cgi_server(tmpbase, extra="", workers=1, **kw):
    root = make_root(tmpbase)
    write_scripts(root)
    return Server(root, workers=workers,
                  conf=CGI_CONF % {"root": root, "extra": extra}, **kw)


@pytest.fixture
def cgi(tmpbase):
    s = cgi_server(tmpbase)
    yield s
    s.cleanup()


def url(s, path):
    return "gemini://localhost:%d%s" % (s.port, path)


def env_of(body):
    return dict(l.split("=", 1) for l in body.decode().splitlines() if "=" in l)


def wait_for(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def alive(pid):
    """Running, not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid):
    out = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                out += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return out


def runner_pid(server):
    """The program runner, once it has named itself (the port listens
    before the parent's children are all up)."""
    def runners():
        return [p for p in children(server.proc.pid) if is_runner(p)]
    assert wait_for(lambda: len(runners()) == 1, 10), runners()
    return runners()[0]


def read_pid(path, timeout=10):
    assert wait_for(lambda: os.path.exists(path) and
                    open(path).read().strip() != "", timeout), path
    return int(open(path).read())


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- CGI: the variables -------------------------------------------------

BASE_VARS = {"GATEWAY_INTERFACE", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
             "GEMINI_URL", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
             "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REMOTE_HOST",
             "TLS_VERSION", "TLS_CIPHER", "PATH"}
CERT_VARS = {"AUTH_TYPE", "TLS_CLIENT_HASH", "TLS_CLIENT_SUBJECT",
             "REMOTE_USER", "TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_NOT_AFTER",
             "TLS_CLIENT_SERIAL_NUMBER"}


def test_cgi_variables_without_certificate(cgi):
    request = url(cgi, "/cgi-bin/env?a%20b=c")
    header, body, clean = gemini(cgi.port, request)
    assert header == "20 text/plain" and clean
    env = env_of(body)
    assert set(env) == BASE_VARS, "the CGI variables and PATH, nothing else"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_PROTOCOL"] == "GEMINI"
    assert env["SERVER_SOFTWARE"].startswith("capsuled/")
    assert env["GEMINI_URL"] == request
    assert env["SCRIPT_NAME"] == "/cgi-bin/env"
    assert env["PATH_INFO"] == ""
    assert env["QUERY_STRING"] == "a%20b=c", "still percent-encoded"
    assert env["SERVER_NAME"] == "localhost"
    assert env["SERVER_PORT"] == str(cgi.port)
    assert env["REMOTE_ADDR"] == env["REMOTE_HOST"] == "127.0.0.1"
    assert env["TLS_VERSION"] == "TLSv1.3"
    assert env["TLS_CIPHER"] == "TLS_AES_128_GCM_SHA256"
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin"


def test_cgi_tls12_variables(cgi):
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/env"),
                        tls_max=ssl.TLSVersion.TLSv1_2)
    env = env_of(body)
    assert env["TLS_VERSION"] == "TLSv1.2"
    assert env["TLS_CIPHER"].startswith("ECDHE-"), env["TLS_CIPHER"]


def gemini_with_cert(port, request, cert):
    ctx = tls_client()
    ctx.load_cert_chain(cert[0], cert[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost",
                             suppress_ragged_eofs=False) as tls:
            tls.sendall(request.encode() + b"\r\n")
            data, _ = recv_tls(tls)
    header, _, body = data.partition(b"\r\n")
    return header.decode(), body


def test_cgi_variables_with_certificate(cgi, tmpbase):
    cert = client_cert(tmpbase, "alice")
    header, body = gemini_with_cert(cgi.port, url(cgi, "/cgi-bin/env"), cert)
    assert header == "20 text/plain"
    env = env_of(body)
    assert set(env) == BASE_VARS | CERT_VARS
    assert env["AUTH_TYPE"] == "CERTIFICATE"
    assert env["TLS_CLIENT_HASH"] == "SHA256:" + cert[2].upper()
    assert env["REMOTE_USER"] == "alice"
    assert env["TLS_CLIENT_SUBJECT"] == "CN=alice"
    dates = subprocess.run(["openssl", "x509", "-in", cert[0], "-noout",
                            "-serial", "-startdate", "-enddate"],
                           capture_output=True, text=True, check=True).stdout
    serial = int(re.search(r"serial=(\w+)", dates).group(1), 16)
    assert env["TLS_CLIENT_SERIAL_NUMBER"] == str(serial)
    for var, key in (("TLS_CLIENT_NOT_BEFORE", "notBefore"),
                     ("TLS_CLIENT_NOT_AFTER", "notAfter")):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", env[var])
        when = re.search(key + r"=(.*)", dates).group(1)
        expect = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.strptime(
            when, "%b %d %H:%M:%S %Y %Z"))
        assert env[var] == expect, (var, when)


def test_path_info_split_at_the_script(cgi):
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/env/sign/here"))
    env = env_of(body)
    assert env["SCRIPT_NAME"] == "/cgi-bin/env"
    assert env["PATH_INFO"] == "/sign/here"
    assert env["PATH_TRANSLATED"] == cgi.root + "/sign/here"
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/sub/deeper/x/"))
    env = env_of(body)
    assert env["SCRIPT_NAME"] == "/cgi-bin/sub/deeper"
    assert env["PATH_INFO"] == "/x/"
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/env/a%20b"))
    assert env_of(body)["PATH_INFO"] == "/a b", "decoded, as SCRIPT_NAME"


def test_program_world(cgi):
    """Its directory as working directory, stdin at EOF, a process group
    of its own, CPU and open-file limits."""
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/world"))
    env = env_of(body)
    assert env["cwd"] == os.path.join(cgi.root, "cgi-bin")
    assert env["stdin"] == "eof"
    pid, pgid = body.decode().split("pid=")[1].split()[:2]
    assert pgid == "pgid=" + pid, "the leader of its own process group"
    limits = body.decode().split("cpu=")[1].split()
    assert limits[0] == "11", "cgi-timeout + 1 CPU seconds"
    assert limits[1] == "files=1024"


def test_status_and_meta_pass_through(cgi):
    assert gemini(cgi.port, url(cgi, "/cgi-bin/status10"))[0] == \
        "10 Your name?"
    assert gemini(cgi.port, url(cgi, "/cgi-bin/redirect"))[0] == \
        "30 /elsewhere"


def test_directory_and_missing_program_are_51(cgi):
    for path in ["/cgi-bin/", "/cgi-bin/sub", "/cgi-bin/nope",
                 "/cgi-bin/sub/nope/x"]:
        header, body, _ = gemini(cgi.port, url(cgi, path))
        assert header == "51 not found", path
        assert body == b""


def test_not_executable_is_neither_run_nor_served(cgi):
    header, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/notexec"))
    assert header == "51 not found"
    assert b"hunter2" not in body
    assert "/cgi-bin/notexec: not executable" in cgi.log()


def test_dot_files_and_escapes_refused(cgi):
    for path in ["/cgi-bin/.hidden", "/cgi-bin/%2ehidden",
                 "/cgi-bin/.hidden/x", "/cgi-bin/outside"]:
        header, body, _ = gemini(cgi.port, url(cgi, path))
        assert header == "51 not found", (path, header)
        assert body == b"", path
    # ".." is resolved by the URL parser before routing: /secret.sh is a
    # file outside the cgi location, served as one, never run.
    for path in ["/cgi-bin/../secret.sh", "/cgi-bin/%2e%2e/secret.sh",
                 "/cgi-bin/sub/../../secret.sh"]:
        header, body, _ = gemini(cgi.port, url(cgi, path))
        assert body.startswith(b"#!/bin/sh"), (path, header, body)
        assert b"RAN" not in body.split(b"\n", 1)[0]


@pytest.mark.parametrize("script,why", [
    ("bad-lf", "LF without CR"),
    ("bad-status", "the status is not 10-69"),
    ("bad-http", "the status is not 10-69"),
    ("bad-nospace", "no space after the status"),
    ("bad-empty", "no header line before the end"),
    ("bad-long", "longer than 1024 bytes"),
])
def test_bad_header_is_42_and_logged(cgi, script, why):
    header, body, clean = gemini(cgi.port, url(cgi, "/cgi-bin/" + script))
    assert header == "42 bad reply from the program"
    assert body == b"" and clean
    assert re.search(r"program runner: /cgi-bin/%s: bad reply: .*%s"
                     % (script, why), cgi.log()), cgi.log()[-2000:]


def test_header_and_first_bytes_arrive_at_once(cgi):
    """A program that prints its header and then works: the reader has
    the first bytes long before the program ends."""
    ctx = tls_client()
    with socket.create_connection(("127.0.0.1", cgi.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost",
                             suppress_ragged_eofs=False) as tls:
            start = time.monotonic()
            tls.sendall(url(cgi, "/cgi-bin/later").encode() + b"\r\n")
            first = b""
            while b"first\n" not in first:
                first += tls.recv(4096)
            took = time.monotonic() - start
            rest, clean = recv_tls(tls)
    assert first.startswith(b"20 text/plain\r\nfirst\n")
    assert took < 1.5, "%.2f s for the first bytes" % took
    assert (first + rest).endswith(b"second\n") and clean


def test_silent_program_times_out_and_is_killed(cgi, tmpbase):
    pidfile = os.path.join(tmpbase, "silent.pid")
    start = time.monotonic()
    header, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/silent?" + pidfile),
                             timeout=30)
    took = time.monotonic() - start
    assert header == "42 no reply in time"
    assert 9 < took < 14, "cgi-timeout is 10 s: %.1f" % took
    pid = read_pid(pidfile)
    assert wait_for(lambda: not alive(pid), 5), "the program was killed"
    assert "no reply within cgi-timeout (10 s)" in cgi.log()


def test_flood_to_a_reader_that_does_not_read(cgi, tmpbase):
    """50 MB from a program to a client that reads nothing: the worker
    and the runner hold a bounded amount (back-pressure), and when the
    client goes the program is killed."""
    pidfile = os.path.join(tmpbase, "flood.pid")
    workers = [p for p in children(cgi.proc.pid) if not is_runner(p)]
    runner = runner_pid(cgi)
    before = {p: rss_kb(p) for p in workers + [runner]}
    ctx = tls_client()
    s = socket.create_connection(("127.0.0.1", cgi.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tls = ctx.wrap_socket(s, server_hostname="localhost")
    tls.sendall(url(cgi, "/cgi-bin/flood?" + pidfile).encode() + b"\r\n")
    pid = read_pid(pidfile)
    time.sleep(2)
    grew = {p: rss_kb(p) - before[p] for p in before}
    assert all(g < 8 * 1024 for g in grew.values()), grew
    assert alive(pid), "blocked on its pipe, not dead"
    tls.close()
    assert wait_for(lambda: not alive(pid), 10), \
        "the program is killed when its client goes"


def test_client_gone_kills_the_whole_group(cgi, tmpbase):
    pidfile = os.path.join(tmpbase, "hang.pid")
    ctx = tls_client()
    with socket.create_connection(("127.0.0.1", cgi.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            tls.sendall(url(cgi, "/cgi-bin/hang?" + pidfile).encode() +
                        b"\r\n")
            got = b""
            while b"first\n" not in got:
                got += tls.recv(4096)
            pid = read_pid(pidfile)
            group = [p for p in children(pid)]
            assert group, "its sleep runs in its group"
    assert wait_for(lambda: not alive(pid) and
                    not any(alive(p) for p in group), 10)
    runner = runner_pid(cgi)
    assert wait_for(lambda: pid not in children(runner), 5), "reaped"


def test_client_gone_after_close_notify(cgi, tmpbase):
    """A client that says goodbye (close_notify) and closes: its bytes
    are not read, but its half-close is heard, and the program killed."""
    pidfile = os.path.join(tmpbase, "hang2.pid")
    ctx = tls_client()
    s = socket.create_connection(("127.0.0.1", cgi.port), timeout=10)
    tls = ctx.wrap_socket(s, server_hostname="localhost")
    tls.sendall(url(cgi, "/cgi-bin/hang?" + pidfile).encode() + b"\r\n")
    got = b""
    while b"first\n" not in got:
        got += tls.recv(4096)
    pid = read_pid(pidfile)
    tls.settimeout(0.5)
    try:
        tls.unwrap()        # sends close_notify, waits for ours: none
    except (OSError, ssl.SSLError):
        pass
    tls.close()
    assert wait_for(lambda: not alive(pid), 5), \
        "killed long before cgi-timeout"


def test_programs_are_reaped_at_once(cgi):
    for _ in range(5):
        assert gemini(cgi.port, url(cgi, "/cgi-bin/echo"))[0].startswith(
            "20")
    runner = runner_pid(cgi)
    assert wait_for(lambda: children(runner) == [], 2), \
        "no zombie, reaped on SIGCHLD"


def test_100_concurrent_programs(tmpbase):
    # From one address: lift the per-address cap (32) for this test.
    root = make_root(tmpbase)
    write_scripts(root)
    cgi = Server(root, conf="max-connections-per-ip 1000\n" +
                 CGI_CONF % {"root": root, "extra": ""})
    try:
        _concurrent(cgi)
    finally:
        cgi.cleanup()


def _concurrent(cgi):
    results = [None] * 100

    def one(i):
        try:
            h, b, _ = gemini(cgi.port, url(cgi, "/cgi-bin/echo?%d" % i),
                             timeout=60)
            results[i] = (h, b)
        except Exception as e:          # noqa: BLE001 - reported below
            results[i] = (repr(e), b"")
    threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    bad = [(i, r) for i, r in enumerate(results)
           if r != ("20 text/plain", b"ok %d\n" % i)]
    assert not bad, bad[:5]


def test_program_caps(tmpbase):
    root = make_root(os.path.join(tmpbase, "caps"))
    write_scripts(root)
    s = Server(root, conf="max-programs-per-worker 2\n" +
               CGI_CONF % {"root": root, "extra": ""})
    try:
        headers = []

        def one():
            headers.append(gemini(s.port, url(s, "/cgi-bin/sleep"),
                                  timeout=30)[0])
        threads = [threading.Thread(target=one) for _ in range(3)]
        for t in threads:
            t.start()
            time.sleep(0.3)
        for t in threads:
            t.join(30)
        assert sorted(headers) == ["20 text/plain", "20 text/plain",
                                   "44 5"], headers
        assert "max-programs-per-worker (2) reached" in s.log()
    finally:
        s.cleanup()
    root2 = make_root(os.path.join(tmpbase, "caps2"))
    write_scripts(root2)
    s = Server(root2, workers=2, conf="max-programs 1\n"
               "max-programs-per-worker 10\n" +
               CGI_CONF % {"root": root2, "extra": ""})
    try:
        headers = []

        def two():
            headers.append(gemini(s.port, url(s, "/cgi-bin/sleep"),
                                  timeout=30)[0])
        threads = [threading.Thread(target=two) for _ in range(2)]
        for t in threads:
            t.start()
            time.sleep(0.3)
        for t in threads:
            t.join(30)
        assert sorted(headers) == ["20 text/plain", "44 5"], headers
        assert "max-programs (1) reached" in s.log()
    finally:
        s.cleanup()


def test_key_files_hidden_from_programs(cgi):
    """A program runs as the user the key belongs to; Landlock hides the
    key's directory from it all the same."""
    header, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/cat?" + cgi.key))
    assert header == "20 text/plain"
    text = body.decode()
    assert "PRIVATE KEY" not in text
    assert "%s: Permission denied" % cgi.key in text, text
    assert "Permission denied" in text.splitlines()[-1], "nor listed"
    # Files elsewhere are there as usual.
    _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/cat?/etc/hostname"))
    assert body.decode().splitlines()[0] == \
        open("/etc/hostname").read().strip()


def test_programs_cannot_reach_the_workers(cgi):
    """Landlock keeps a program from attaching to processes outside its
    domain: the memory of a worker (TLS sessions) or of the key process
    is out of reach, though they run as the same user."""
    for pid in children(cgi.proc.pid):
        if is_runner(pid):
            continue
        _, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/cat?/proc/%d/mem"
                                          % pid))
        assert body.decode().startswith("cat: /proc/%d/mem: Permission "
                                        "denied" % pid), body


def test_programs_cannot_share_the_server_port(tmpbase):
    """The workers' listening sockets are SO_REUSEPORT, owned by the
    user programs run as: a program that set SO_REUSEPORT could bind the
    server's port and take a share of its clients.  It is refused."""
    root = make_root(tmpbase)
    cgi = os.path.join(root, "cgi-bin")
    os.makedirs(cgi)
    with open(os.path.join(cgi, "steal"), "w") as f:
        f.write("""#!/usr/bin/python3
import os, socket
print("20 text/plain\\r")
s = socket.socket()
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", int(os.environ["SERVER_PORT"])))
    s.listen()
    print("bound")
except OSError as e:
    print("refused", e.errno)
s2 = socket.socket()
s2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s2.bind(("127.0.0.1", 0))
print("other sockets work")
""")
    os.chmod(os.path.join(cgi, "steal"), 0o755)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/cgi-bin/*" { cgi on }\n}\n' % root)
    try:
        header, body, _ = gemini(s.port, url(s, "/cgi-bin/steal"))
        assert header == "20 text/plain"
        assert body.split() == [b"refused", b"1", b"other", b"sockets",
                                b"work"], body
    finally:
        s.cleanup()


def test_programs_inherit_no_other_request(tmpbase):
    """Scripts started while answers wait in the runner (a burst fills
    the socket to the worker) see no descriptor beyond stdin, stdout and
    stderr: not another script's pipe, not another request's backend."""
    root = make_root(tmpbase)
    cgi = os.path.join(root, "cgi-bin")
    os.makedirs(cgi)
    with open(os.path.join(cgi, "fds"), "w") as f:
        f.write("#!/bin/sh\nprintf '20 text/plain\\r\\n'\n"
                "ls /proc/self/fd\n"
                "head -c 20000 /dev/zero | tr '\\0' x\necho\nsleep 1\n")
    os.chmod(os.path.join(cgi, "fds"), 0o755)
    s = Server(root, conf="max-connections-per-ip 1000\nmax-programs 1000\n"
               'cgi-timeout 20\nserver "localhost" {\n  root "%s"\n'
               '  location "/cgi-bin/*" { cgi on }\n}\n' % root)
    n = 150
    results = [None] * n

    def one(i):
        try:
            results[i] = gemini(s.port, url(s, "/cgi-bin/fds?%d" % i),
                                timeout=60)
        except OSError as e:
            results[i] = (repr(e), b"", None)
    try:
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        served = [b for h, b, _ in results if h == "20 text/plain"]
        assert len(served) > n // 2, [r[0] for r in results][:10]
        for body in served:
            # ls's own listing of /proc/self/fd is its fd 3.
            fds = body.split(b"\n", 4)[:4]
            assert fds == [b"0", b"1", b"2", b"3"], body[:80]
    finally:
        s.cleanup()


def test_scripts_are_children_of_the_runner(cgi):
    ctx = tls_client()
    with socket.create_connection(("127.0.0.1", cgi.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            tls.sendall(url(cgi, "/cgi-bin/ppid").encode() + b"\r\n")
            got = b""
            while b"ppid=" not in got or not got.endswith(b"\n"):
                got += tls.recv(4096)
    ppid = int(got.split(b"ppid=")[1].split()[0])
    assert ppid == runner_pid(cgi)
    assert ppid not in children(cgi.proc.pid) or is_runner(ppid)


def test_gopher_says_not_available(cgi):
    menu = gopher(cgi.gport, "/cgi-bin/echo")
    assert menu.startswith(b"3not available over Gopher"), menu


def test_runner_restart_answers_42_then_serves(cgi):
    old = runner_pid(cgi)
    result = {}

    def slow():
        result["h"] = gemini(cgi.port, url(cgi, "/cgi-bin/sleep"),
                             timeout=30)[0]
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    os.kill(old, signal.SIGKILL)
    t.join(30)
    assert result["h"] == "42 program runner restarted"
    assert wait_for(lambda: [p for p in children(cgi.proc.pid)
                             if is_runner(p) and p != old], 10)
    assert "program runner killed by signal 9" in cgi.log()
    header, body, _ = gemini(cgi.port, url(cgi, "/cgi-bin/echo?again"))
    assert (header, body) == ("20 text/plain", b"ok again\n")


def test_reload_adds_a_cgi_location(tmpbase):
    root = make_root(tmpbase)
    write_scripts(root)
    s = Server(root, conf='server "localhost" { root "%s" }\n' % root)
    try:
        assert not [p for p in children(s.proc.pid) if is_runner(p)], \
            "no dynamic location, no runner"
        header, body, _ = gemini(s.port, url(s, "/cgi-bin/echo"))
        assert body.startswith(b"#!/bin/sh"), "a file until then"
        with open(os.path.join(s.dir, "capsuled.conf"), "w") as f:
            f.write(CGI_CONF % {"root": root, "extra": ""})
        s.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "configuration reloaded" in s.log())
        assert wait_for(lambda: gemini(s.port, url(s, "/cgi-bin/echo?r"))[1]
                        == b"ok r\n", 10)
    finally:
        s.cleanup()


# --- capsuled -n ---------------------------------------------------------

def check(tmpbase, conf):
    path = os.path.join(tmpbase, "check.conf")
    with open(path, "w") as f:
        f.write(conf)
    return subprocess.run([BIN, "-n", "-c", path, "-C",
                           os.path.join(tmpbase, "c.pem"), "-K",
                           os.path.join(tmpbase, "c.key")],
                          capture_output=True, text=True, timeout=30)


def test_check_rejects_missing_cgi_directory(tmpbase):
    root = make_root(tmpbase)
    r = check(tmpbase, 'server "localhost" {\n  root "%s"\n\n'
              '  location "/cgi-bin/*" { cgi on }\n}\n' % root)
    assert r.returncode != 0
    assert re.search(r"check\.conf:4: cgi directory /cgi-bin/ beneath .*: "
                     r"No such file or directory", r.stderr), r.stderr
    os.makedirs(os.path.join(root, "cgi-bin"))
    r = check(tmpbase, 'server "localhost" {\n  root "%s"\n\n'
              '  location "/cgi-bin/*" { cgi on }\n}\n' % root)
    assert r.returncode == 0, r.stderr


def test_check_rejects_socket_outside_chroot(tmpbase):
    root = make_root(tmpbase)
    r = check(tmpbase, 'chroot "%s"\nserver "localhost" {\n  root "%s"\n'
              '  location "/app/*" { scgi "/run/app.sock" }\n}\n'
              % (tmpbase, root))
    assert r.returncode != 0
    assert re.search(r"check\.conf:4: socket /run/app\.sock is outside the "
                     r"chroot", r.stderr), r.stderr
    r = check(tmpbase, 'chroot "%s"\nserver "localhost" {\n  root "%s"\n'
              '  location "/app/*" { scgi "%s/app.sock" }\n}\n'
              % (tmpbase, root, tmpbase))
    assert r.returncode == 0, r.stderr


# --- SCGI ------------------------------------------------------------------

class ScgiBackend:
    """An SCGI server on a Unix socket: records each request's header
    (as a list of pairs, in order) and answers reply(env)."""

    def __init__(self, path, reply):
        self.path = path
        self.reply = reply
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(64)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(10)
                data = b""
                while b":" not in data or len(data) < data.index(b":") + \
                        int(data[:data.index(b":")]) + 2:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                n = data.index(b":")
                fields = data[n + 1:n + 1 + int(data[:n])].split(b"\0")[:-1]
                pairs = list(zip(fields[0::2], fields[1::2]))
                self.requests.append((pairs, data[n + 1 + int(data[:n]):]))
                try:
                    c.sendall(self.reply(dict(pairs)))
                except OSError:
                    pass

    def close(self):
        self.sock.close()


@pytest.fixture
def scgi(tmpbase):
    path = os.path.join(tmpbase, "app.sock")
    backend = ScgiBackend(path, lambda env: b"20 text/plain\r\nhello from " +
                          env[b"PATH_INFO"] + b"\n")
    root = make_root(tmpbase)
    s = Server(root, conf='cgi-timeout 10\nserver "localhost" {\n'
               '  root "%s"\n  location "/app/*" { scgi "%s" }\n}\n'
               % (root, path))
    yield s, backend
    s.cleanup()
    backend.close()


def test_scgi_request_and_reply(scgi):
    s, backend = scgi
    header, body, clean = gemini(s.port, url(s, "/app/page?q=1"))
    assert (header, body) == ("20 text/plain", b"hello from /page\n")
    assert clean
    pairs, rest = backend.requests[-1]
    assert pairs[0] == (b"CONTENT_LENGTH", b"0"), "first, as SCGI says"
    assert rest == b",", "the netstring's end, no body"
    env = dict(pairs)
    assert env[b"SCGI"] == b"1"
    assert env[b"SCRIPT_NAME"] == b"/app"
    assert env[b"QUERY_STRING"] == b"q=1"
    assert env[b"GEMINI_URL"] == url(s, "/app/page?q=1").encode()
    assert env[b"SERVER_PROTOCOL"] == b"GEMINI"
    assert b"PATH" not in env, "PATH is a program's, not a backend's"


def test_scgi_bad_reply_and_dead_backend(tmpbase):
    path = os.path.join(tmpbase, "bad.sock")
    backend = ScgiBackend(path, lambda env: b"HTTP/1.0 200 OK\r\n\r\n")
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/app/*" { scgi "%s" }\n'
               '  location "/dead/*" { scgi "%s/nobody.sock" }\n'
               '  location "/tcp/*" { scgi "127.0.0.1:%d" }\n}\n'
               % (root, path, tmpbase, free_port()))
    try:
        assert gemini(s.port, url(s, "/app/x"))[0] == \
            "42 bad reply from the program"
        assert gemini(s.port, url(s, "/dead/x"))[0] == \
            "43 backend unreachable"
        assert gemini(s.port, url(s, "/tcp/x"))[0] == \
            "43 backend unreachable"
        backend.reply = lambda env: b""         # accepts, then closes
        assert gemini(s.port, url(s, "/app/x"))[0] == \
            "42 bad reply from the program"
        log = s.log()
        assert "nobody.sock: No such file or directory" in log
        assert "Connection refused" in log
    finally:
        s.cleanup()
        backend.close()


# --- FastCGI ----------------------------------------------------------------

FCGIWRAP = "/usr/sbin/fcgiwrap"

WIKI = """#!/bin/sh
printf '20 text/gemini\\r\\n'
printf '# wiki\\r\\n'
printf 'page=%s query=%s name=%s\\r\\n' "$PATH_INFO" "$QUERY_STRING" \\
    "$SCRIPT_NAME"
echo "a line for the log" >&2
"""


@pytest.fixture
def fcgiwrap(tmpbase):
    if not os.access(FCGIWRAP, os.X_OK):
        pytest.skip("fcgiwrap not installed (scripts/deps.sh check)")
    sock = os.path.join(tmpbase, "fcgiwrap.socket")
    # -f: the script's stderr comes as FCGI_STDERR records.
    proc = subprocess.Popen([FCGIWRAP, "-f", "-s", "unix:" + sock],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    assert wait_for(lambda: os.path.exists(sock), 10)
    yield sock
    proc.terminate()
    proc.wait(10)


def test_fastcgi_with_fcgiwrap(tmpbase, fcgiwrap):
    root = make_root(tmpbase)
    wiki = os.path.join(tmpbase, "wiki.cgi")
    with open(wiki, "w") as f:
        f.write(WIKI)
    os.chmod(wiki, 0o755)
    s = Server(root, conf='cgi-timeout 10\nserver "localhost" {\n'
               '  root "%s"\n  location "/wiki/*" { fastcgi "%s"\n'
               '    fastcgi-param "SCRIPT_FILENAME" "%s" }\n}\n'
               % (root, fcgiwrap, wiki))
    try:
        header, body, clean = gemini(s.port, url(s, "/wiki/Home?x=1"))
        assert header == "20 text/gemini" and clean
        assert body == b"# wiki\r\npage=/Home query=x=1 name=/wiki\r\n"
        assert wait_for(lambda: re.search(
            r"fastcgi %s: a line for the log" % re.escape(fcgiwrap),
            s.log()))
    finally:
        s.cleanup()


def fcgi_record(rtype, content, rid=1):
    pad = (8 - len(content) % 8) % 8
    return bytes([1, rtype, rid >> 8, rid & 255, len(content) >> 8,
                  len(content) & 255, pad, 0]) + content + b"\0" * pad


class FcgiBackend:
    """Reads a request's records up to the empty FCGI_STDIN, then sends
    what reply() gives and holds the connection open for hold seconds:
    FCGI_END_REQUEST, not the close, must end the reply."""

    def __init__(self, path, reply, hold=5):
        self.reply, self.hold, self.params = reply, hold, b""
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(16)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        with c:
            data = b""
            c.settimeout(10)
            while fcgi_record(5, b"") not in data:
                chunk = c.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.params = data
            reply = self.reply()
            # A list: its parts a moment apart (the first read ends).
            for part in reply if isinstance(reply, list) else [reply]:
                c.sendall(part)
                time.sleep(0.3)
            time.sleep(self.hold)

    def close(self):
        self.sock.close()


def test_fastcgi_end_request_honoured_and_records_decoded(tmpbase):
    path = os.path.join(tmpbase, "f.sock")
    end = fcgi_record(3, b"\0\0\0\0\0\0\0\0")
    backend = FcgiBackend(path, lambda: (
        fcgi_record(6, b"20 text/pl") + fcgi_record(7, b"warn\n") +
        fcgi_record(6, b"ain\r\nbody ") + fcgi_record(6, b"x" * 65535) +
        fcgi_record(6, b" end") + end))
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/f/*" { fastcgi "%s"\n'
               '    fastcgi-param "MY_PARAM" "v=1" }\n}\n' % (root, path))
    try:
        start = time.monotonic()
        header, body, clean = gemini(s.port, url(s, "/f/x"))
        took = time.monotonic() - start
        assert header == "20 text/plain" and clean
        assert body == b"body " + b"x" * 65535 + b" end"
        assert took < 3, "ended by FCGI_END_REQUEST, not by the close"
        assert b"\x08\x03MY_PARAMv=1" in backend.params
        assert b"\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00" in \
            backend.params, "BEGIN_REQUEST, FCGI_RESPONDER, no keep-alive"
        assert wait_for(lambda: "fastcgi %s: warn" % path in s.log())
        backend.reply = lambda: fcgi_record(6, b"20 ok\r\n", rid=2)
        assert gemini(s.port, url(s, "/f/x"))[0] == \
            "42 bad reply from the program"
    finally:
        s.cleanup()
        backend.close()


def test_fastcgi_broken_stream_is_not_a_whole_reply(tmpbase):
    """A record that is not FastCGI in the middle of the body: the client
    gets what came before it, and no close_notify, so it can tell the
    reply was cut short."""
    path = os.path.join(tmpbase, "f.sock")
    backend = FcgiBackend(path, lambda: [
        fcgi_record(6, b"20 text/plain\r\nfirst part\n"),
        b"\x02\x06\x00\x01\x00\x04\x00\x00junk"], hold=1)
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/f/*" { fastcgi "%s" }\n}\n' % (root, path))
    try:
        header, body, clean = gemini(s.port, url(s, "/f/x"))
        assert (header, body) == ("20 text/plain", b"first part\n")
        assert not clean, "a cut reply ends without close_notify"
        assert wait_for(lambda: "reply cut short" in s.log())
    finally:
        s.cleanup()
        backend.close()


def test_fastcgi_stderr_flood_stalls_nobody(tmpbase):
    """A backend that sends its header and then only stderr, as fast as
    it can, for 4 s: a static page from the same (only) worker comes at
    once, and the log takes a few of the lines, not the flood."""
    path = os.path.join(tmpbase, "f.sock")
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(4)

    def backend():
        c, _ = ls.accept()
        data = b""
        while fcgi_record(5, b"") not in data:
            data += c.recv(65536)
        c.sendall(fcgi_record(6, b"20 text/plain\r\nhello\n"))
        blob = fcgi_record(7, b"y\n" * 32000) * 4
        end = time.monotonic() + 4
        try:
            while time.monotonic() < end:
                c.sendall(blob)
        except OSError:
            pass
        c.close()
    threading.Thread(target=backend, daemon=True).start()
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/f/*" { fastcgi "%s" }\n}\n' % (root, path))
    try:
        ctx = tls_client()
        with ctx.wrap_socket(socket.create_connection(
                ("127.0.0.1", s.port), timeout=10),
                server_hostname="localhost") as t:
            t.sendall(url(s, "/f/x").encode() + b"\r\n")
            assert t.recv(100).startswith(b"20 text/plain")
            time.sleep(0.5)
            start = time.monotonic()
            header, _, _ = gemini(s.port, url(s, "/page.gmi"))
            took = time.monotonic() - start
            assert header == "20 text/gemini"
            assert took < 1.5, "the worker was held %.1f s" % took
        time.sleep(4)
        log = s.log()
        assert log.count("fastcgi %s: y" % path) == 20, len(log)
        assert "further stderr of this request not logged" in log
        assert len(log) < 100000
    finally:
        s.cleanup()
        ls.close()


# --- the Gemini reverse proxy ------------------------------------------------

def cert_fpr(path):
    der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()


@pytest.fixture
def proxied(tmpbase):
    """A front capsuled whose /mirror/ is another capsuled's, which serves
    the front's public URLs (public-port)."""
    back_port = free_port()
    front_root = make_root(os.path.join(tmpbase, "front"))
    back_root = os.path.join(tmpbase, "back")
    os.makedirs(os.path.join(back_root, "mirror"))
    with open(os.path.join(back_root, "mirror", "page.gmi"), "w") as f:
        f.write("# from the back\n")
    big = os.urandom(3 << 20)
    with open(os.path.join(back_root, "mirror", "big.bin"), "wb") as f:
        f.write(big)
    front = Server(front_root, conf='cgi-timeout 10\nserver "localhost" {\n'
                   '  root "%s"\n  location "/mirror/*" { proxy '
                   '"127.0.0.1:%d" }\n}\n' % (front_root, back_port))
    back = Server(back_root, gopher=False, port=back_port,
                  conf="public-port %d\nserver \"localhost\" { root \"%s\" }\n"
                  % (front.port, back_root))
    yield front, back, big
    front.cleanup()
    back.cleanup()


def test_proxy_to_another_capsuled(proxied):
    front, back, big = proxied
    request = url(front, "/mirror/page.gmi")
    header, body, clean = gemini(front.port, request)
    assert (header, body) == ("20 text/gemini", b"# from the back\n")
    assert clean
    assert '"%s" 20' % request in back.log(), "forwarded unchanged"
    header, body, _ = gemini(front.port, url(front, "/mirror/big.bin"))
    assert header.startswith("20 ") and body == big, "streamed, whole"
    assert gemini(front.port, url(front, "/mirror/nope"))[0] == \
        "51 not found"


def test_proxy_backend_reset_while_the_client_does_not_read(tmpbase):
    """A backend that fills the relay and then resets its connection,
    while the client reads nothing more: the runner waits for room in
    the pipe without spinning on the reset."""
    cert, key = os.path.join(tmpbase, "b.pem"), os.path.join(tmpbase, "b.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=b",
                    "-keyout", key, "-out", cert, "-days", "2"],
                   capture_output=True, check=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    reset = threading.Event()

    def backend():
        c, _ = ls.accept()
        t = ctx.wrap_socket(c, server_side=True)
        line = b""
        while not line.endswith(b"\r\n"):
            line += t.recv(1)
        t.sendall(b"20 application/octet-stream\r\n")
        t.settimeout(2)
        try:
            while True:
                t.send(b"x" * 16384)    # until the runner stops reading
        except (socket.timeout, ssl.SSLError, OSError):
            pass
        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
        t.close()                       # a reset
        reset.set()
    threading.Thread(target=backend, daemon=True).start()
    root = make_root(tmpbase)
    s = Server(root, conf='write-timeout 60\nserver "localhost" {\n'
               '  root "%s"\n  location "/m/*" { proxy "127.0.0.1:%d" }\n}\n'
               % (root, ls.getsockname()[1]))
    try:
        runner = runner_pid(s)
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        tc = tls_client().wrap_socket(sock, server_hostname="localhost")
        tc.sendall(url(s, "/m/x").encode() + b"\r\n")
        assert tc.recv(40).startswith(b"20 ")   # then nothing more
        assert reset.wait(20)
        time.sleep(0.5)
        before = cpu_seconds(runner)
        time.sleep(2)
        spent = cpu_seconds(runner) - before
        assert spent < 0.3, "the runner spun %.2f s of 2" % spent
        tc.close()
    finally:
        s.cleanup()
        ls.close()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_proxy_pinned_certificate(tmpbase, proxied):
    front, back, _ = proxied
    for fpr, expect in ((cert_fpr(back.cert), "20 text/gemini"),
                        ("ab" * 32, "43 backend certificate mismatch")):
        root = make_root(os.path.join(tmpbase, "pin-" + fpr[:4]))
        # The front's public URLs, which the back serves.
        s = Server(root, conf='public-port %d\nserver "localhost" {\n'
                   '  root "%s"\n  location "/mirror/*" { proxy '
                   '"127.0.0.1:%d"\n    proxy-fingerprint "%s" }\n}\n'
                   % (front.port, root, back.port, fpr))
        try:
            # Its URLs name its own port; the back serves the front's.
            h, _, _ = gemini(s.port, "gemini://localhost:%d/mirror/page.gmi"
                             % front.port)
            assert h == expect
            if expect.startswith("43"):
                assert "not the pinned one" in s.log()
        finally:
            s.cleanup()


class TlsBackend:
    """A TLS server that records the SNI and the request line it gets."""

    def __init__(self, base):
        cert, key = os.path.join(base, "tb.pem"), os.path.join(base, "tb.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=backend", "-keyout", key, "-out", cert,
                        "-days", "2"], capture_output=True, check=True)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = self.sni
        self.seen = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def sni(self, conn, name, ctx):
        self.seen.append(("sni", name))

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(c, server_side=True) as t:
                    t.settimeout(10)
                    line = b""
                    while not line.endswith(b"\r\n"):
                        line += t.recv(1)
                    self.seen.append(("line", line))
                    t.sendall(b"20 text/plain\r\nbackend\n")
            except (OSError, ssl.SSLError):
                pass

    def close(self):
        self.sock.close()


def test_proxy_sni_is_the_request_host_or_proxy_sni(tmpbase):
    tb = TlsBackend(tmpbase)
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n  alias '
               '"other.test"\n  location "/m/*" { proxy "127.0.0.1:%d" }\n'
               '  location "/n/*" { proxy "127.0.0.1:%d"\n'
               '    proxy-sni "backend.test" }\n}\n'
               % (root, tb.port, tb.port))
    try:
        request = "gemini://other.test:%d/m/a?b" % s.port
        assert gemini(s.port, request, sni="other.test") == \
            ("20 text/plain", b"backend\n", True)
        assert tb.seen[-2:] == [("sni", "other.test"),
                                ("line", request.encode() + b"\r\n")]
        gemini(s.port, url(s, "/n/x"))
        assert ("sni", "backend.test") in tb.seen
    finally:
        s.cleanup()
        tb.close()


def test_proxy_unreachable_is_43(tmpbase):
    root = make_root(tmpbase)
    s = Server(root, conf='server "localhost" {\n  root "%s"\n'
               '  location "/m/*" { proxy "127.0.0.1:%d" }\n}\n'
               % (root, free_port()))
    try:
        assert gemini(s.port, url(s, "/m/x"))[0] == "43 backend unreachable"
        assert "Connection refused" in s.log()
    finally:
        s.cleanup()


# --- the README's example --------------------------------------------------

def readme_guestbook():
    """The guestbook script as README.md shows it (indented 4)."""
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    block = text.split("A guestbook, `/var/gemini/cgi-bin/guestbook`")[1]
    block = block.split("\n\n", 1)[1].split("\n\nWhat a program")[0]
    return "\n".join(l[4:] for l in block.splitlines()) + "\n"


def test_readme_guestbook(tmpbase):
    root = make_root(tmpbase)
    os.makedirs(os.path.join(root, "cgi-bin"))
    data = os.path.join(tmpbase, "programs")
    os.makedirs(data)
    script = os.path.join(root, "cgi-bin", "guestbook")
    with open(script, "w") as f:
        f.write(readme_guestbook().replace("/var/lib/capsuled-programs",
                                           data))
    os.chmod(script, 0o755)
    s = Server(root, conf=CGI_CONF % {"root": root, "extra": ""})
    try:
        assert gemini(s.port, url(s, "/cgi-bin/guestbook/sign"))[0] == \
            "10 Your message"
        assert gemini(s.port, url(s, "/cgi-bin/guestbook/sign?Hello%2C"
                                  "%20Gemini%21%20%3D%3E%20evil"))[0] == \
            "30 /cgi-bin/guestbook"
        header, body, _ = gemini(s.port, url(s, "/cgi-bin/guestbook"))
        assert header == "20 text/gemini"
        lines = body.decode().splitlines()
        assert lines[0] == "# Guestbook"
        assert "=> /cgi-bin/guestbook/sign Sign it" in lines
        assert re.fullmatch(r"\* \d{4}-\d\d-\d\d Hello, Gemini! => evil",
                            lines[-1]), lines
    finally:
        s.cleanup()
