"""Fixtures for the integration tests: start the real capsuled binary on
127.0.0.1 with a temporary capsule root and certificate, and talk to it
with real clients (Python's ssl, openssl s_client, curl, lynx)."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, os.environ.get("CAPSULED_BIN", "build/asan/capsuled"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("capsuled exited with %d" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("capsuled did not listen on %d" % port)


class Server:
    """A running capsuled; .port (Gemini), .gport (Gopher), .root, .log()."""

    def __init__(self, root, extra_args=(), workers=1, gopher=True, conf=None,
                 env=None, binary=None, wrapper=()):
        """binary: the capsuled to run instead of BIN (e.g. the
        production build, whose seccomp filter has no sanitizer extras);
        wrapper: a command to run it under (valgrind)."""
        self.root = root
        self.dir = tempfile.mkdtemp(prefix="capsuled-srv-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        self.logpath = os.path.join(self.dir, "log")
        self.logf = None
        e = dict(os.environ)
        e.update(env or {})
        # LeakSanitizer's colour probe (an ioctl) would hit the worker's
        # seccomp filter and kill the report: see scripts/check.sh.
        opts = e.get("ASAN_OPTIONS", "")
        if "color=" not in opts:
            e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "color=never"
        if conf is not None:
            confpath = os.path.join(self.dir, "capsuled.conf")
            with open(confpath, "w") as f:
                f.write(conf)
        # free_port() only finds a port that was free a moment ago: any
        # process on the machine (another test run's client sockets) may
        # take it before capsuled binds.  Then try other ports.
        for attempt in range(5):
            self.port = free_port()
            self.gport = free_port() if gopher else None
            args = list(wrapper) + [binary or BIN, "-r", root, "-H",
                                    "localhost", "-l", "127.0.0.1",
                                    "-p", str(self.port), "-C", self.cert,
                                    "-K", self.key, "-j", str(workers)]
            if gopher:
                args += ["-g", str(self.gport)]
            if conf is not None:
                args += ["-c", confpath]
            args += list(extra_args)
            self.args = args
            if self.logf is not None:
                self.logf.close()
            self.logf = open(self.logpath, "wb")
            self.proc = subprocess.Popen(args, stdout=self.logf,
                                         stderr=subprocess.STDOUT, env=e)
            slow = 120 if wrapper else 15
            try:
                wait_port(self.port, self.proc, slow)
                if gopher:
                    wait_port(self.gport, self.proc, slow)
                return
            except RuntimeError:
                if attempt == 4 or "Address already in use" not in self.log():
                    raise

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode

    def cleanup(self, also=None):
        """Stop the server, remove its directory and check its log:
        assert_clean_log(), and none of the marks in `also` either (by
        default WORKER_DEATH: a worker that died while serving, e.g.
        killed by the seccomp filter, fails the test that saw it; a test
        that kills workers on purpose passes also=())."""
        if also is None:
            also = WORKER_DEATH
        self.stop()
        log = self.log()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert_clean_log(log, also)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "ended badly while stopping")

# What the parent logs when a worker dies while serving (main_reap():
# "killed by signal N", or "exited with N; restarting").  Not among
# SANITIZER_MARKS because test_sandbox kills workers on purpose.
# A worker that died while serving (the parent's line for it); the key
# process's deaths are other lines, which tests that kill it expect.
WORKER_DEATH = (re.compile(r"worker \d+ (killed by signal|exited with \d+; "
                           r"restarting)"),)


def assert_clean_log(log, also=()):
    """No sanitizer report, no worker that died while stopping, and none
    of the marks in `also` (strings, or compiled patterns)."""
    for mark in SANITIZER_MARKS + tuple(also):
        if isinstance(mark, str):
            assert mark not in log, log[-4000:]
        else:
            assert not mark.search(log), log[-4000:]


# Reading replies.  Every read is bounded: each recv() by the socket's
# own timeout (or the time left, if that is shorter or the socket has
# none), the whole read by `deadline` seconds and `limit` bytes, past
# which the read fails (TimeoutError, AssertionError) rather than
# return part of a reply as if it were all of it.  A reset or a TLS
# error is an exception too, unless the caller names it as an end.

READ_DEADLINE = 120.0
READ_LIMIT = 64 << 20


def read_to_end(sock, ends=(), deadline=READ_DEADLINE, limit=READ_LIMIT):
    """Read until the peer closes; return (data, end): end is None for
    an orderly close, else the exception, one of the classes in `ends`
    (e.g. ConnectionResetError), that ended the read.  Any other
    exception propagates."""
    data = bytearray()
    own = sock.gettimeout()
    stop = time.monotonic() + deadline
    try:
        while True:
            left = stop - time.monotonic()
            if left <= 0:
                raise TimeoutError("no end of the reply after %g s "
                                   "(%d bytes)" % (deadline, len(data)))
            sock.settimeout(left if own is None else min(own, left))
            try:
                chunk = sock.recv(65536)
            except ends as e:
                return bytes(data), e
            if not chunk:
                return bytes(data), None
            data += chunk
            assert len(data) <= limit, "a reply of over %d bytes" % limit
    finally:
        sock.settimeout(own)


def recv_all(sock, **kw):
    """Everything the peer sends until it closes (read_to_end's data);
    a reset or a TLS error is an exception, not an end."""
    return read_to_end(sock, **kw)[0]


# Python (3.10 on) sets this on every context it makes: OpenSSL then
# takes a TCP close without close_notify for a clean end of TLS.
IGNORE_EOF = getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)


def tls_client(tls_max=None):
    """A client context that takes any server certificate and tells a
    TLS close_notify from a bare TCP close (see recv_tls)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options &= ~IGNORE_EOF
    if tls_max is not None:
        ctx.maximum_version = tls_max
    return ctx


def ragged_eof(e):
    """Whether a TLS read error is the peer closing TCP without a
    close_notify: SSLEOFError, or with OpenSSL 3 an SSLError
    UNEXPECTED_EOF_WHILE_READING."""
    return isinstance(e, ssl.SSLEOFError) or \
        getattr(e, "reason", None) == "UNEXPECTED_EOF_WHILE_READING"


def recv_tls(tls, **kw):
    """Read a TLS socket to the end: return (data, clean), where clean is
    True when the server ended with a close_notify and False when it
    closed TCP without one; other TLS errors propagate.  The socket must
    come from tls_client() (or a context without IGNORE_EOF), wrapped
    with suppress_ragged_eofs=False: else every end reads as clean."""
    assert not tls.suppress_ragged_eofs, "a ragged end would read as clean"
    assert not tls.context.options & IGNORE_EOF, \
        "a ragged end would read as clean: use tls_client()"
    data, end = read_to_end(tls, ends=(ssl.SSLError,), **kw)
    if end is not None and not ragged_eof(end):
        raise end
    return data, end is None


def gemini(port, request, sni="localhost", host="127.0.0.1", timeout=10,
           tls_max=None, raw=False, source=None):
    """Send one request line; return (header, body, clean) where clean is
    True when the server ended with a TLS close_notify."""
    ctx = tls_client(tls_max)
    if isinstance(request, str):
        request = request.encode("utf-8")
    if not raw:
        request += b"\r\n"
    with socket.create_connection((host, port), timeout=timeout,
                                  source_address=(source, 0) if source
                                  else None) as sock:
        with ctx.wrap_socket(sock, server_hostname=sni,
                             suppress_ragged_eofs=False) as tls:
            tls.sendall(request)
            data, clean = recv_tls(tls)
    header, _, body = data.partition(b"\r\n")
    return header.decode("utf-8", "replace"), body, clean


def gopher(port, selector, timeout=10):
    if isinstance(selector, str):
        selector = selector.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(selector + b"\r\n")
        return recv_all(s)


def make_root(base):
    """A small capsule for tests: pages, a binary, a gemlog, hostile files."""
    root = os.path.join(base, "root")
    os.makedirs(os.path.join(root, "dir"))
    os.makedirs(os.path.join(root, "posts"))
    os.makedirs(os.path.join(root, "listed"))
    os.makedirs(os.path.join(root, ".git"))
    with open(os.path.join(root, "index.gmi"), "w") as f:
        f.write("# Test capsule\n\n=> page.gmi A page\n=> posts/ Posts\n")
    with open(os.path.join(root, "page.gmi"), "w") as f:
        f.write("# A page\n\nHello, Gemini.\n")
    with open(os.path.join(root, "notes.txt"), "w") as f:
        f.write("plain text\n.starts with a dot\n")
    with open(os.path.join(root, "dir", "index.gmi"), "w") as f:
        f.write("# Dir index\n")
    with open(os.path.join(root, "listed", "a.gmi"), "w") as f:
        f.write("# A\n")
    with open(os.path.join(root, "listed", "b c.txt"), "w") as f:
        f.write("b\n")
    with open(os.path.join(root, ".secret"), "w") as f:
        f.write("secret\n")
    with open(os.path.join(root, ".git", "config"), "w") as f:
        f.write("[core]\n")
    with open(os.path.join(root, "posts", ".gemlog"), "w") as f:
        pass
    with open(os.path.join(root, "posts", "2026-01-02-second.gmi"), "w") as f:
        f.write("# Second post\n")
    with open(os.path.join(root, "posts", "2026-01-01-first.gmi"), "w") as f:
        f.write("# First post\n")
    with open(os.path.join(root, "image.bin"), "wb") as f:
        f.write(bytes(range(256)) * 16)
    return root


@pytest.fixture
def tmpbase():
    d = tempfile.mkdtemp(prefix="capsuled-test-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(tmpbase):
    s = Server(make_root(tmpbase))
    yield s
    s.cleanup()


KEY_PROCESS_COMM = "capsuled-keys"


def is_key_process(pid):
    """Whether pid is capsuled's key process (src/keyproc.c), which the
    parent forks before the workers: tests that count or pick workers
    among the parent's children leave it out."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip() == KEY_PROCESS_COMM
    except OSError:
        return False
