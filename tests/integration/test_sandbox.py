"""The worker sandbox (src/sandbox.c) against the production build.

`make check` runs the rest of the suite against the ASan build, whose
seccomp filter also allows what LeakSanitizer needs at exit; these tests
run ./capsuled, the filter as shipped, through every kind of response.
That the ruleset and the filter deny what they must is shown process by
process in tests/unit/test_sandbox.c."""

import ctypes
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import (BIN, REPO, Server, gemini, gopher, is_key_process,
                      make_root)

PROD = os.path.join(REPO, "capsuled")
SYS_LANDLOCK_CREATE_RULESET = {"x86_64": 444, "aarch64": 444}
LANDLOCK_CREATE_RULESET_VERSION = 1

pytestmark = pytest.mark.skipif(not os.path.exists(PROD),
                                reason="./capsuled not built (make)")


def landlock_abi():
    nr = SYS_LANDLOCK_CREATE_RULESET.get(os.uname().machine)
    if nr is None:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(nr, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(abi, 0)


def seccomp_available():
    with open("/proc/self/status") as f:
        return "Seccomp:" in f.read()


CONF = """
server "localhost" {
    root "%s"
    location "/listed/*" {
        auto-index on
    }
}
"""


def sandbox_lines(server):
    """The workers' lines (the key process and the program runner have
    their own)."""
    return [l for l in server.log().splitlines()
            if "sandbox: " in l and "key process: " not in l and
            "program runner: " not in l]


def wait_for(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def worker_pids(server):
    pid = server.proc.pid
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()
                    if not is_key_process(int(p))]
    except OSError:
        return []


def alive(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"capsuled" in f.read()
    except OSError:
        return False


def stop_and_reap(server, timeout=20):
    """Stop the server; kill any worker that outlives it rather than leave
    it holding a port.  Returns the pids that had to be killed."""
    pids = worker_pids(server)
    server.stop(timeout=timeout)
    left = [p for p in pids if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left


@pytest.fixture
def prod(tmpbase):
    root = make_root(tmpbase)
    # No extension the table knows: only libmagic, loaded before the
    # sandbox, can name it.
    with open(os.path.join(root, "mystery.unknownext"), "wb") as f:
        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n")
    os.symlink("/etc/passwd", os.path.join(root, "passwd.txt"))
    s = Server(root, conf=CONF % root, workers=2, binary=PROD)
    assert wait_for(lambda: len(sandbox_lines(s)) == 2), s.log()
    yield s
    stop_and_reap(s, timeout=5)
    s.cleanup(also=())      # some tests here kill workers on purpose


def url(s, path):
    return "gemini://localhost:%d%s" % (s.port, path)


def test_worker_log_names_protections(prod):
    lines = sandbox_lines(prod)
    assert len(lines) == 2, "one line per worker"
    for line in lines:
        assert "no-new-privs" in line
        if landlock_abi() > 0:
            assert "landlock ABI %d" % landlock_abi() in line
        else:
            assert "no Landlock in this kernel" in line
        if seccomp_available():
            assert "seccomp filter" in line
        assert "sanitizer" not in line, "the production build is tested"


def test_gemtext_served(prod):
    header, body, clean = gemini(prod.port, url(prod, "/page.gmi"))
    assert header == "20 text/gemini"
    assert body == b"# A page\n\nHello, Gemini.\n"
    assert clean


def test_libmagic_works_after_sandbox(prod):
    header, body, _ = gemini(prod.port, url(prod, "/mystery.unknownext"))
    assert header == "20 application/pdf"
    assert body.startswith(b"%PDF-1.4")


def test_binary_body_exact(prod):
    header, body, _ = gemini(prod.port, url(prod, "/image.bin"))
    assert header.startswith("20 ")
    assert body == bytes(range(256)) * 16


def test_directory_listing(prod):
    header, body, _ = gemini(prod.port, url(prod, "/listed/"))
    assert header == "20 text/gemini"
    assert b"a.gmi" in body and b"b%20c.txt" in body


def test_gemlog_index_and_feed(prod):
    header, body, _ = gemini(prod.port, url(prod, "/posts/"))
    assert header == "20 text/gemini"
    assert body.index(b"Second post") < body.index(b"First post")
    header, body, _ = gemini(prod.port, url(prod, "/posts/atom.xml"))
    assert header.startswith("20 application/atom+xml")
    assert b"<feed" in body


def test_gopher_menu_and_file(prod):
    menu = gopher(prod.gport, "")
    assert menu.endswith(b".\r\n")
    assert b"/page.gmi" in menu
    assert gopher(prod.gport, "/notes.txt").startswith(b"plain text\r\n")


def test_symlink_to_etc_passwd_refused(prod):
    header, body, _ = gemini(prod.port, url(prod, "/passwd.txt"))
    assert not header.startswith("20"), header
    assert b"root:" not in body
    assert b"root:" not in gopher(prod.gport, "/passwd.txt")


def test_no_worker_killed_while_serving(prod):
    for path in ["/", "/page.gmi", "/mystery.unknownext", "/listed/",
                 "/posts/", "/posts/atom.xml", "/nope", "/dir"]:
        gemini(prod.port, url(prod, path))
    gopher(prod.gport, "/posts/")
    prod.stop()
    log = prod.log()
    assert "killed by signal" not in log, log
    assert len(sandbox_lines(prod)) == 2, "no worker was restarted"
    assert prod.proc.returncode == 0


def test_seccomp_kill_logged_by_parent(prod):
    """A worker the filter kills dies of SIGSYS; the parent says so and
    starts a sandboxed replacement."""
    victim = worker_pids(prod)[0]
    os.kill(victim, signal.SIGSYS)
    assert wait_for(lambda: len(sandbox_lines(prod)) == 3), prod.log()
    log = prod.log()
    assert re.search(r"worker \d killed by signal %d \(.*\): a system "
                     r"call outside the sandbox; restarting"
                     % signal.SIGSYS, log), log
    header, _, _ = gemini(prod.port, url(prod, "/page.gmi"))
    assert header == "20 text/gemini"


def test_replacement_worker_stops_on_sigterm(prod):
    os.kill(worker_pids(prod)[0], signal.SIGSYS)
    assert wait_for(lambda: len(sandbox_lines(prod)) == 3), prod.log()
    assert stop_and_reap(prod, timeout=5) == [], "a worker ignored SIGTERM"


def test_workers_after_a_reload_hold_only_the_new_root(prod):
    """SIGHUP: the new workers hold the capsule root once, opened for the
    new configuration; the old configuration's copy stays with the old
    workers as they retire."""
    def roots(pid):
        d = "/proc/%d/fd" % pid
        found = []
        for fd in os.listdir(d):
            try:
                if os.readlink(os.path.join(d, fd)) == prod.root:
                    found.append(fd)
            except OSError:
                pass
        return found
    old = set(worker_pids(prod))
    assert all(len(roots(p)) == 1 for p in old), [roots(p) for p in old]
    n = prod.log().count("configuration reloaded")
    prod.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: prod.log().count("configuration reloaded") > n)
    assert wait_for(lambda: len(sandbox_lines(prod)) == 4), prod.log()
    new = [p for p in worker_pids(prod) if p not in old and alive(p)
           and open("/proc/%d/comm" % p).read().strip() == "capsuled"]
    assert len(new) == 2, new
    for p in new:
        assert len(roots(p)) == 1, (p, roots(p))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_drop_to_nobody(tmpbase):
    os.chmod(tmpbase, 0o755)
    root = make_root(tmpbase)
    s = Server(root, extra_args=["-u", "nobody"], binary=PROD)
    try:
        assert wait_for(lambda: len(sandbox_lines(s)) == 1), s.log()
        header, _, _ = gemini(s.port, url(s, "/page.gmi"))
        assert header == "20 text/gemini"
        log = s.log()
        assert "running as nobody" in log
        assert "STILL ROOT" not in sandbox_lines(s)[0]
        # The key is 0600 root: unreadable once dropped, and said so.
        assert "not readable as nobody" in log
    finally:
        s.cleanup()


@pytest.mark.parametrize("binary", [PROD, BIN])
def test_check_reports_sandbox(tmpbase, binary):
    root = make_root(tmpbase)
    key = os.path.join(tmpbase, "key.pem")
    cert = os.path.join(tmpbase, "cert.pem")
    r = subprocess.run([binary, "-n", "-r", root, "-C", cert, "-K", key],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert re.search(r"^landlock: (ABI \d+|not available)", err, re.M), err
    assert re.search(r"^seccomp: ", err, re.M), err
    assert re.search(r"^privileges: ", err, re.M), err
    assert "readable by group or others" not in err
    os.chmod(key, 0o644)
    r = subprocess.run([binary, "-n", "-r", root, "-C", cert, "-K", key],
                       capture_output=True, timeout=30)
    assert "WARNING: %s: private key is readable by group or others" % key \
        in r.stderr.decode()


def test_workers_exit_when_the_parent_is_killed(prod):
    workers = worker_pids(prod)
    assert workers
    prod.proc.kill()               # SIGKILL: no chance to stop them
    prod.proc.wait(10)

    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def gone():
        return not any(alive(p) for p in workers)
    assert wait_for(gone, timeout=10), "a worker outlived its parent"


# --- the key process (src/keyproc.c): a sandbox of its own ---------------

def key_process_pid(server):
    pid = server.proc.pid
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        kids = [int(p) for p in f.read().split() if is_key_process(int(p))]
    assert len(kids) == 1, kids
    return kids[0]


def key_process_lines(server):
    return [l for l in server.log().splitlines()
            if "key process: sandbox: " in l]


def test_key_process_log_names_protections(prod):
    assert wait_for(lambda: len(key_process_lines(prod)) == 1), prod.log()
    line = key_process_lines(prod)[0]
    assert "no-new-privs" in line and "not dumpable" in line
    if landlock_abi() > 0:
        assert "landlock ABI %d, no files" % landlock_abi() in line
    else:
        assert "no Landlock in this kernel" in line
    if seccomp_available():
        assert "seccomp filter" in line
    assert "sanitizer" not in line, "the production build is tested"


def _unix_inodes():
    with open("/proc/net/unix") as f:
        return {l.split()[6] for l in f.read().splitlines()[1:]}


def test_key_process_confined(prod):
    """Its own filter (seccomp mode 2), no-new-privs, and only unix
    sockets (one per worker, one to the parent), its event loop and
    stdio: no listening socket, no client, no capsule root, no file."""
    kp = key_process_pid(prod)
    with open("/proc/%d/status" % kp) as f:
        status = dict(l.split(":", 1) for l in f.read().splitlines()
                      if ":" in l)
    assert status["NoNewPrivs"].strip() == "1"
    if seccomp_available():
        assert status["Seccomp"].strip() == "2"
    unix, sockets = _unix_inodes(), 0
    for fd in os.listdir("/proc/%d/fd" % kp):
        target = os.readlink("/proc/%d/fd/%s" % (kp, fd))
        if target.startswith("socket:["):
            assert target[8:-1] in unix, "fd %s: not a unix socket" % fd
            sockets += 1
        elif target != "anon_inode:[eventpoll]":
            assert int(fd) <= 2, "fd %s: %s" % (fd, target)
    assert sockets == 2 + 1


def test_key_process_seccomp_kill_logged_and_restarted(prod):
    """Killed by its filter (SIGSYS), it is logged and replaced, in its
    own sandbox again; the workers stay and serve."""
    assert wait_for(lambda: len(key_process_lines(prod)) == 1)
    workers = worker_pids(prod)
    os.kill(key_process_pid(prod), signal.SIGSYS)
    assert wait_for(lambda: len(key_process_lines(prod)) == 2), prod.log()
    assert re.search(r"key process killed by signal %d \(.*\): a system "
                     r"call outside the sandbox; restarting"
                     % signal.SIGSYS, prod.log()), prod.log()
    deadline = time.monotonic() + 5
    header = ""
    while time.monotonic() < deadline and header != "20 text/gemini":
        header, _, _ = gemini(prod.port, url(prod, "/page.gmi"))
        time.sleep(0.1)
    assert header == "20 text/gemini"
    assert worker_pids(prod) == workers


# --- dynamic content: the workers' filter as it was; programs elsewhere ----

CGI_PROD_CONF = """
server "localhost" {
    root "%s"
    location "/cgi-bin/*" { cgi on }
}
"""

PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
PTRACE_SECCOMP_GET_FILTER = 0x420c
WALL = 0x40000000
# x86_64 numbers: what a worker must never be allowed.
FORBIDDEN = {"execve": 59, "execveat": 322, "connect": 42, "fork": 57,
             "vfork": 58, "clone": 56, "clone3": 435, "ptrace": 101,
             "bind": 49, "listen": 50, "kill": 62}
BPF_JEQ_K = 0x15    # BPF_JMP | BPF_JEQ | BPF_K


def seccomp_filters(pid):
    """pid's seccomp filters, newest first, each as its (code, k)
    pairs, read with PTRACE_SECCOMP_GET_FILTER (root only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                            ctypes.c_void_p]
    assert libc.ptrace(PTRACE_SEIZE, pid, None, None) == 0, \
        os.strerror(ctypes.get_errno())
    filters = []
    try:
        libc.ptrace(PTRACE_INTERRUPT, pid, None, None)
        os.waitpid(pid, WALL)
        for i in range(8):
            n = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, i, None)
            if n <= 0:
                break
            insns = (ctypes.c_uint64 * n)()
            assert libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, i,
                               insns) == n
            filters.append([(v & 0xffff, v >> 32) for v in insns])
    finally:
        libc.ptrace(PTRACE_DETACH, pid, None, None)
    assert filters, "no filter read"
    return filters


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict((k, v.strip()) for k, v in
                    (l.split(":", 1) for l in f if ":" in l))


@pytest.fixture
def prod_cgi(tmpbase):
    root = make_root(tmpbase)
    os.makedirs(os.path.join(root, "cgi-bin"))
    script = os.path.join(root, "cgi-bin", "ppid")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nprintf '20 text/plain\\r\\n'\n"
                "echo \"pid=$$ ppid=$PPID\"\nexec sleep 3\n")
    os.chmod(script, 0o755)
    s = Server(root, conf=CGI_PROD_CONF % root, workers=2, binary=PROD)
    assert wait_for(lambda: len(sandbox_lines(s)) == 2 and
                    "program runner: sandbox" in s.log()), s.log()
    yield s
    stop_and_reap(s, timeout=5)
    s.cleanup()


def kids(server):
    pid = server.proc.pid
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


@pytest.mark.skipif(os.uname().machine != "x86_64" or os.geteuid() != 0,
                    reason="reads an x86_64 filter through ptrace, as root")
def test_worker_filter_unchanged_by_dynamic_content(prod_cgi):
    """With a cgi location, a worker is still in seccomp mode 2, and its
    filter names neither execve nor connect nor fork: the program runner
    does those.  recvmmsg (the runner's answers and descriptors) was on
    the list already."""
    workers = [p for p in kids(prod_cgi) if not is_key_process(p) and
               open("/proc/%d/comm" % p).read().strip() == "capsuled"]
    assert len(workers) == 2
    for w in workers:
        assert proc_status(w)["Seccomp"] == "2"
        # The allow-list is the filter that names recvmmsg (the runner's
        # answers and descriptors); another may list calls that kill.
        lists = [{k for code, k in f if code == BPF_JEQ_K}
                 for f in seccomp_filters(w)]
        allowed = [l for l in lists if 299 in l]
        assert len(allowed) == 1, "one allow-list, with recvmmsg"
        for name, nr in FORBIDDEN.items():
            assert nr not in allowed[0], \
                "%s in worker %d's filter" % (name, w)
    header, _, _ = gemini(prod_cgi.port, url(prod_cgi, "/cgi-bin/ppid"))
    assert header == "20 text/plain"


def test_programs_are_children_of_the_runner_not_of_a_worker(prod_cgi):
    import socket
    import ssl
    runners = [p for p in kids(prod_cgi)
               if open("/proc/%d/comm" % p).read().strip() == "capsuled-run"]
    assert len(runners) == 1
    runner = runners[0]
    status = proc_status(runner)
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "0", "running programs is its job"
    assert status["CapAmb"] == "0000000000000000"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", prod_cgi.port), 10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            tls.sendall(url(prod_cgi, "/cgi-bin/ppid").encode() + b"\r\n")
            got = b""
            while not re.search(rb"ppid=\d+\n", got):
                got += tls.recv(4096)
            pid = int(re.search(rb"pid=(\d+) ", got).group(1))
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            assert ppid == runner
            assert pid in [int(p) for p in open(
                "/proc/%d/task/%d/children" % (runner, runner)).read().split()]
            for w in kids(prod_cgi):
                if w != runner:
                    assert pid not in [int(p) for p in open(
                        "/proc/%d/task/%d/children" % (w, w)).read().split()]
    line = [l for l in prod_cgi.log().splitlines()
            if "program runner: sandbox: " in l]
    assert len(line) == 1 and "no-new-privs" in line[0] and \
        "no capabilities" in line[0], line
    if landlock_abi() > 0:
        assert "key files hidden from programs (1 path)" in line[0]


UPLOAD_CONF = """
server "localhost" {
    root "%s"
    location "/posts/*" {
        titan on
        titan-token "a long secret"
        titan-delete on
    }
}
"""


def test_uploads_under_the_production_sandbox(tmpbase):
    """Landlock lets a worker create, replace and remove files beneath
    the upload directory (and seccomp the calls that takes): an upload
    is stored and nothing is killed.  That nothing else is writable, even
    with the path checks bypassed, is tests/unit/test_sandbox.c's."""
    from test_titan import TOKEN, titan
    root = make_root(tmpbase)
    s = Server(root, conf=UPLOAD_CONF % root, workers=2, binary=PROD)
    try:
        assert wait_for(lambda: len(sandbox_lines(s)) == 2), s.log()
        if landlock_abi() > 0:
            assert all("writes beneath the upload directories" in l
                       for l in sandbox_lines(s))
        for i in range(4):      # both workers, most likely
            assert titan(s, "/posts/2026-05-0%d-up.gmi" % (i + 1),
                         b"# Up %d\n" % i, token=TOKEN).startswith("30 ")
        assert titan(s, "/posts/2026-05-01-up.gmi", b"# Replaced\n",
                     token=TOKEN).startswith("30 ")
        assert titan(s, "/posts/2026-05-02-up.gmi", b"",
                     token=TOKEN).startswith("30 ")
        _, index, _ = gemini(s.port, url(s, "/posts/"))
        assert b"Replaced" in index and b"Up 1" not in index
        stop_and_reap(s, timeout=5)
        log = s.log()
        assert "killed by signal" not in log, log
        assert len(sandbox_lines(s)) == 2, "no worker was restarted"
    finally:
        s.cleanup(also=())


def test_worker_without_uploads_logs_no_write_access(prod):
    assert not any("writes" in l for l in sandbox_lines(prod))
