"""Fixtures for the integration tests: start the real capsuled binary on
127.0.0.1 with a temporary capsule root and certificate, and talk to it
with real clients (Python's ssl, openssl s_client, curl, lynx)."""

import os
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
        self.port = free_port()
        self.gport = free_port() if gopher else None
        self.logpath = os.path.join(self.dir, "log")
        args = list(wrapper) + [binary or BIN, "-r", root, "-H", "localhost",
                "-l", "127.0.0.1",
                "-p", str(self.port), "-C", self.cert, "-K", self.key,
                "-j", str(workers)]
        if gopher:
            args += ["-g", str(self.gport)]
        if conf is not None:
            path = os.path.join(self.dir, "capsuled.conf")
            with open(path, "w") as f:
                f.write(conf)
            args += ["-c", path]
        args += list(extra_args)
        self.args = args
        self.logf = open(self.logpath, "wb")
        e = dict(os.environ)
        e.update(env or {})
        # LeakSanitizer's colour probe (an ioctl) would hit the worker's
        # seccomp filter and kill the report: see scripts/check.sh.
        opts = e.get("ASAN_OPTIONS", "")
        if "color=" not in opts:
            e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "color=never"
        self.proc = subprocess.Popen(args, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=e)
        slow = 120 if wrapper else 15
        wait_port(self.port, self.proc, slow)
        if gopher:
            wait_port(self.gport, self.proc, slow)

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

    def cleanup(self):
        self.stop()
        log = self.log()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert_clean_log(log)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "ended badly while stopping")


def assert_clean_log(log):
    """No sanitizer report and no worker that died while stopping."""
    for mark in SANITIZER_MARKS:
        assert mark not in log, log[-4000:]


def recv_all(sock):
    """Everything the peer sends until it closes."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def gemini(port, request, sni="localhost", host="127.0.0.1", timeout=10,
           tls_max=None, raw=False, source=None):
    """Send one request line; return (header, body, clean) where clean is
    True when the server ended with a TLS close_notify."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls_max is not None:
        ctx.maximum_version = tls_max
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
            data = b""
            clean = True
            while True:
                try:
                    chunk = tls.recv(65536)
                except ssl.SSLEOFError:
                    clean = False
                    break
                if not chunk:
                    break
                data += chunk
    header, _, body = data.partition(b"\r\n")
    return header.decode("utf-8", "replace"), body, clean


def gopher(port, selector, timeout=10):
    if isinstance(selector, str):
        selector = selector.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(selector + b"\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


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
