"""Hostile clients: slowloris, floods past the caps, garbage, files that
fight back.  Loopback only; every loop is bounded in count and time.

`make check` runs the short form.  CAPSULED_STRESS=1 (`make stress`)
runs the long form with bigger counts and prints the server's memory
with 1000 idle connections.  Figures also go to build/test_hostile.log.
"""

import errno
import os
import random
import re
import select
import shutil
import socket
import ssl
import threading
import time

import pytest

from conftest import (BIN, REPO, WORKER_DEATH, Server, assert_clean_log,
                      gemini, gopher, is_key_process, make_root,
                      read_to_end, recv_all)
from test_gemini import REJECTIONS

STRESS = os.environ.get("CAPSULED_STRESS") == "1"
ASAN = "asan" in os.path.basename(os.path.dirname(BIN)) or "asan" in BIN

# A normal client must be served this fast while the hostile ones are
# held.  A behaviour bound, not a benchmark: 1 s, also under ASan.
LATENCY_MAX = 1.0
TIMEOUT = 2		# "timeout" where request timeouts are tested
WTIMEOUT = 3		# "write-timeout" where write timeouts are tested
BIG = 10 * 1024 * 1024
LOG = os.path.join(REPO, "build", "test_hostile.log")


def pick(short, long):
    return long if STRESS else short


def report(msg):
    """Print a figure (pytest -s shows it) and keep it in the test log."""
    line = "%s %s: %s" % (time.strftime("%Y-%m-%dT%H:%M:%S"),
                          "stress" if STRESS else "check", msg)
    print(line)
    try:
        os.makedirs(os.path.dirname(LOG), exist_ok=True)
        with open(LOG, "a") as f:
            f.write(line + "\n")
    except OSError:
        pass


# --- the server's processes -------------------------------------------

def children(pid):
    """The workers: child pids from /proc/PID/task/*/children, else from
    ppid scans, less the key process."""
    return [p for p in all_children(pid) if not is_key_process(p)]


def all_children(pid):
    kids = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                kids += [int(p) for p in f.read().split()]
        return sorted(kids)
    except OSError:
        pass
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: split after ')'.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            kids.append(int(name))
    return sorted(kids)


def workers(server, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children(server.proc.pid)
        if len(kids) >= count:
            return kids
        time.sleep(0.05)
    raise AssertionError("capsuled has no worker process")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def server_rss(server):
    """(parent kB, [worker kB...])"""
    return rss_kb(server.proc.pid), [rss_kb(p) for p in server.workers]


def sockets_of(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def fds_of(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def assert_healthy(server):
    """Still running, the same workers, no sanitizer report, and a
    normal request is answered."""
    assert server.proc.poll() is None, "capsuled exited"
    assert children(server.proc.pid) == server.workers, \
        "a worker died and was restarted"
    assert_clean_log(server.log(), also=WORKER_DEATH)
    header, body, _ = gemini(server.port, "gemini://localhost:%d/page.gmi"
                             % server.port)
    assert header == "20 text/gemini"
    assert body.startswith(b"# A page")


def hostile_root(base):
    root = os.path.join(base, "root")
    if os.path.isdir(root):
        return root
    root = make_root(base)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(bytes(range(256)) * (BIG // 256))
    return root


@pytest.fixture
def spawn(tmpbase):
    """spawn(conf=..., ...) -> a one-worker Server on the hostile root;
    at teardown it is stopped and its log checked for sanitizer
    reports (LeakSanitizer runs as the processes exit)."""
    made = []

    def _spawn(conf="", asan_quarantine=None, **kw):
        env = {}
        if asan_quarantine is not None:
            # ASan's quarantine keeps freed memory resident (256 MB by
            # default), which would read as growth in RSS tests.
            env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                                   ":quarantine_size_mb=%d" % asan_quarantine)
        s = Server(kw.pop("root", None) or hostile_root(tmpbase), conf=conf,
                   workers=1, env=env, **kw)
        made.append(s)
        s.workers = workers(s)
        # The worker may start after the parent listens: let it take
        # and close Server()'s port probes first, so that they do not
        # count against the caps under test.
        served_within(s, "gemini")
        # The listeners, and the socket to the key process.
        listeners = (2 if s.gport else 1) + 1
        assert wait_for(lambda: sockets_of(s.workers[0]) == listeners, 5.0)
        return s

    yield _spawn
    for s in made:
        s.cleanup()


# --- clients ----------------------------------------------------------

def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_hello(sni="localhost"):
    """The bytes of a real ClientHello, to send as slowly as we like."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[:1] == b"\x16", "not a TLS handshake record"
    return hello


def open_many(port, n, src=None, rcvbuf=None, timeout=10.0):
    """n non-blocking TCP connections, all established."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if src:
            s.bind((src, 0))
        err = s.connect_ex(("127.0.0.1", port))
        assert err in (0, errno.EINPROGRESS), os.strerror(err)
        socks.append(s)
    pending = {s.fileno(): s for s in socks}
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for fd, _ in poller.poll(100):
            poller.unregister(fd)
            s = pending.pop(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            assert err == 0, os.strerror(err)
    assert not pending, "%d connections not established" % len(pending)
    return socks


def drain(s):
    """Read what is there; True once the peer closed (EOF or RST)."""
    for _ in range(64):
        try:
            data = s.recv(65536)
        except BlockingIOError:
            return False
        except OSError:
            return True
        if not data:
            return True
    return False


def watch_closes(socks, timeout):
    """{index: monotonic time the server closed it}, waiting at most
    timeout seconds for all of them."""
    closed = {}
    index = {s.fileno(): i for i, s in enumerate(socks)}
    poller = select.poll()
    for fd in index:
        poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for fd, _ in poller.poll(50):
            if drain(socks[index[fd]]):
                closed[index[fd]] = time.monotonic()
                poller.unregister(fd)
    return closed


def close_all(socks):
    for s in socks:
        s.close()


def served_within(server, proto, src=None):
    """Seconds a normal client waits for a full answer."""
    t0 = time.monotonic()
    if proto == "gemini":
        ctx = client_ctx()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10,
                                      source_address=(src, 0) if src else None
                                      ) as sock:
            with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
                tls.sendall(b"gemini://localhost:%d/page.gmi\r\n" %
                            server.port)
                data = recv_all(tls)
        assert data.startswith(b"20 text/gemini\r\n# A page"), data[:80]
    else:
        with socket.create_connection(("127.0.0.1", server.gport), timeout=10,
                                      source_address=(src, 0) if src else None
                                      ) as s:
            s.sendall(b"/notes.txt\r\n")
            data = recv_all(s)
        assert data.startswith(b"plain text"), data[:80]
    return time.monotonic() - t0


def port_of(server, proto):
    return server.port if proto == "gemini" else server.gport


def request_raw(port, payload, proto, timeout=10):
    """Send payload (over TLS for gemini) and read to the end; returns
    (bytes, how it ended).  Resets and TLS errors are endings too."""
    ends = (ssl.SSLError, ConnectionError)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        conn = s
        try:
            if proto == "gemini":
                conn = client_ctx().wrap_socket(
                    s, server_hostname="localhost",
                    suppress_ragged_eofs=False)
            conn.sendall(payload)
        except ends as e:
            return b"", type(e).__name__
        data, end = read_to_end(conn, ends=ends)
        return data, "eof" if end is None else type(end).__name__


# --- slowloris ----------------------------------------------------------

@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_slowloris(spawn, proto):
    """Half the connections trickle a byte a second (the ClientHello for
    Gemini, a selector without CRLF for Gopher), half send nothing more.
    A normal client is still served at once, and all of them are cut at
    the request timeout: trickling does not extend it.

    Both listeners have TCP_DEFER_ACCEPT (listen.c): the kernel keeps a
    connection that has sent nothing away from the server, so every one
    sends the first byte at once to be accepted (the silent case is
    test_silent_connections_stay_in_the_kernel)."""
    n = pick(200, 1000)
    s = spawn(conf="timeout %d\nmax-connections-per-ip 100000\n" % TIMEOUT)
    payload = client_hello() if proto == "gemini" else b"/" + b"a" * 200
    worker = s.workers[0]
    base_socks = sockets_of(worker)
    base_rss = server_rss(s)
    t_open = time.monotonic()
    socks = open_many(port_of(s, proto), n)
    for c in socks:
        c.send(payload[:1])
    sent = 1
    opened = time.monotonic()
    # The worker holds them all (accepted, one socket each).
    assert wait_for(lambda: sockets_of(worker) >= base_socks + n, 1.5), \
        "worker accepted %d of %d" % (sockets_of(worker) - base_socks, n)
    held_rss = server_rss(s)
    report("slowloris %s: %d idle connections: parent %d kB, worker %d kB "
           "(before: parent %d kB, worker %d kB; +%.1f kB/connection)" %
           (proto, n, held_rss[0], held_rss[1][0], base_rss[0],
            base_rss[1][0], (held_rss[1][0] - base_rss[1][0]) / n))
    latency = served_within(s, proto)
    report("slowloris %s: normal client served in %.3f s with %d held" %
           (proto, latency, n))
    assert latency < LATENCY_MAX

    # Trickle until the server has cut every connection.
    closed = {}
    index = {c.fileno(): i for i, c in enumerate(socks)}
    poller = select.poll()
    for fd in index:
        poller.register(fd, select.POLLIN)
    next_byte = time.monotonic()
    deadline = opened + TIMEOUT + 2.0
    while len(closed) < n and time.monotonic() < deadline:
        if time.monotonic() >= next_byte and sent < len(payload):
            for i in range(0, n, 2):
                if i not in closed:
                    try:
                        socks[i].send(payload[sent:sent + 1])
                    except OSError:
                        pass
            sent += 1
            next_byte += 1.0
        for fd, _ in poller.poll(50):
            i = index[fd]
            if drain(socks[i]):
                closed[i] = time.monotonic()
                poller.unregister(fd)
    close_all(socks)
    assert len(closed) == n, "%d of %d still open %.1f s after accept" % (
        n - len(closed), n, TIMEOUT + 2.0)
    first, last = min(closed.values()), max(closed.values())
    report("slowloris %s: cut after %.2f-%.2f s (timeout %d s), %d bytes "
           "trickled" % (proto, first - t_open, last - t_open, TIMEOUT, sent))
    # Not before the timeout either: a slow client is a client.
    assert first - opened >= TIMEOUT - 0.5
    assert sent >= 3, "nobody trickled"
    assert wait_for(lambda: sockets_of(worker) == base_socks, 2.0)
    assert_healthy(s)


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_slowloris_half_handshake_then_silence(spawn, proto):
    """Half a ClientHello (or half a selector), then nothing."""
    n = pick(50, 200)
    s = spawn(conf="timeout %d\nmax-connections-per-ip 100000\n" % TIMEOUT)
    payload = client_hello() if proto == "gemini" else b"/notes.txt"
    socks = open_many(port_of(s, proto), n)
    opened = time.monotonic()
    for c in socks:
        c.send(payload[:len(payload) // 2])
    closed = watch_closes(socks, TIMEOUT + 2.0)
    close_all(socks)
    assert len(closed) == n
    assert min(closed.values()) - opened >= TIMEOUT - 0.5
    assert_healthy(s)


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_silent_connections_stay_in_the_kernel(spawn, proto):
    """Connections that send nothing are never handed to the worker
    (TCP_DEFER_ACCEPT): they cost it no fd and no memory.  In the long
    form, also wait for the kernel to give up on them."""
    n = pick(200, 1000)
    s = spawn(conf="timeout %d\nmax-connections-per-ip 100000\n" % TIMEOUT)
    worker = s.workers[0]
    base_socks = sockets_of(worker)
    socks = open_many(port_of(s, proto), n)
    opened = time.monotonic()
    time.sleep(0.5)
    assert sockets_of(worker) == base_socks
    assert served_within(s, proto) < LATENCY_MAX
    if STRESS:
        closed = watch_closes(socks, 40.0)
        report("silent %s: %d of %d ended after %.1f-%.1f s" % (
            proto, len(closed), n,
            min(closed.values(), default=opened) - opened,
            max(closed.values(), default=opened) - opened))
        assert len(closed) == n
    close_all(socks)
    assert_healthy(s)


# --- floods past the caps ---------------------------------------------

@pytest.mark.parametrize("proto", ["gemini", "gopher"])
@pytest.mark.parametrize("cap,conf", [
    (20, "max-connections-per-ip 20\n"),
    (50, "max-connections 50\nmax-connections-per-ip 100000\n"),
], ids=["per-ip", "total"])
def test_flood_past_cap(spawn, proto, cap, conf):
    """100 connections: those over the cap are closed at once, those
    under it are held, and the server serves again when they go."""
    n = pick(100, 400)
    s = spawn(conf="timeout 10\n" + conf)
    socks = open_many(port_of(s, proto), n)
    # To be accepted at all (TCP_DEFER_ACCEPT): a whole ClientHello, or
    # the start of a selector.
    first = client_hello() if proto == "gemini" else b"/"
    for c in socks:
        c.send(first)
    t0 = time.monotonic()
    closed = watch_closes(socks, 1.5)
    report("flood %s cap %d: %d of %d closed in %.3f s" % (
        proto, cap, len(closed), n,
        (max(closed.values()) - t0) if closed else 0))
    assert len(closed) == n - cap
    # The held ones stay held (they are within their timeout).
    more = watch_closes([c for i, c in enumerate(socks) if i not in closed],
                        0.3)
    assert not more
    if not conf.startswith("max-connections "):
        # Another address is not affected by this one's cap.
        assert served_within(s, proto, src="127.0.0.2") < LATENCY_MAX
    close_all(socks)
    deadline = time.monotonic() + 3
    while True:	# the server sees the closes within a moment
        try:
            served_within(s, proto)
            break
        except (AssertionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert_healthy(s)


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_fresh_client_served_when_every_slot_is_taken(spawn, proto):
    """With the worker's cap low (RLIMIT_NOFILE 256: 96 connections),
    several hundred connections that each sent one byte of a ClientHello
    (or of a selector) fill every slot; a fresh client is still served
    within a second, by closing the oldest of them, and the evictions are
    counted in the log once a tick rather than line by line."""
    n = pick(300, 600)
    s = spawn(conf="timeout 30\nmax-connections-per-ip 100000\n",
              wrapper=["prlimit", "--nofile=256:256"])
    socks = open_many(port_of(s, proto), n)
    for c in socks:
        c.send(b"\x16" if proto == "gemini" else b"/")
    time.sleep(0.5)		# all of them taken in by the worker
    took = served_within(s, proto)
    report("every slot taken (%s): a fresh client served in %.3f s"
           % (proto, took))
    assert took < 1.0, took
    closed = watch_closes(socks, 1.0)
    assert len(closed) >= n - 96, (len(closed), n)
    lines = [l for l in s.log().splitlines() if "for new ones" in l]
    assert lines and len(lines) <= 4, lines
    assert sum(int(re.search(r"closed (\d+)", l).group(1))
               for l in lines) >= n - 96, lines
    close_all(socks)
    assert_healthy(s)


# --- garbage ------------------------------------------------------------

@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_random_bytes(spawn, proto):
    """Random bytes instead of a ClientHello (or a selector): a prompt,
    clean close, and the server goes on serving."""
    rng = random.Random(1965)
    s = spawn(conf="timeout 5\n")
    for _ in range(pick(30, 300)):
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4096)))
        if proto == "gopher":
            junk += b"\r\n"
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", port_of(s, proto)),
                                      timeout=10) as c:
            try:
                c.sendall(junk)
                read_to_end(c, ends=(ConnectionError,))
            except ConnectionError:
                pass
        # Well before the 5 s request timeout: the server gave up itself,
        # except for junk that is a valid start of a TLS record.
        if proto == "gopher" or junk[0] != 0x16:
            assert time.monotonic() - t0 < 2.0
    assert_healthy(s)


def test_truncated_handshake(spawn):
    s = spawn()
    hello = client_hello()
    for i in range(pick(30, 300)):
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            c.sendall(hello[:1 + i % (len(hello) - 1)])
    assert_healthy(s)


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_client_closes_mid_response(spawn, proto):
    s = spawn()
    for i in range(pick(10, 100)):
        with socket.create_connection(("127.0.0.1", port_of(s, proto)),
                                      timeout=10) as raw:
            if i % 2:	# RST instead of FIN
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c = raw
            if proto == "gemini":
                c = client_ctx().wrap_socket(raw, server_hostname="localhost")
                c.sendall(b"gemini://localhost:%d/big.bin\r\n" % s.port)
            else:
                c.sendall(b"/big.bin\r\n")
            # Part of the reply only, then close: no read-to-the-end
            # helper, on purpose.
            got = 0
            while got < 100000 + i * 10000:
                chunk = c.recv(65536)
                assert chunk, "ended early"
                got += len(chunk)
    assert_healthy(s)


def small_window(port, rcvbuf, tls):
    """A connection with a small receive buffer, set before connect so
    that the window it announces is small from the start."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", port))
    if not tls:
        return raw
    return client_ctx().wrap_socket(raw, server_hostname="localhost")


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_stalled_readers_bounded(spawn, proto):
    """20 clients ask for a 10 MB file and never read.  The server must
    not buffer the file (a chunk each), and must drop them after the
    write timeout."""
    n = 20
    s = spawn(conf="timeout 5\nwrite-timeout %d\nmax-connections-per-ip 100\n"
              % WTIMEOUT, asan_quarantine=1)
    worker = s.workers[0]
    # Warm up: the allocator and OpenSSL reach their working size.
    for _ in range(2):
        if proto == "gemini":
            header, body, _ = gemini(s.port, "gemini://localhost:%d/big.bin"
                                     % s.port)
            assert len(body) == BIG
        else:
            assert len(gopher(s.gport, "/big.bin")) == BIG
    base_fds = fds_of(worker)
    before = rss_kb(worker)
    clients = []
    for _ in range(n):
        c = small_window(port_of(s, proto), 4096, proto == "gemini")
        if proto == "gemini":
            c.sendall(b"gemini://localhost:%d/big.bin\r\n" % s.port)
        else:
            c.sendall(b"/big.bin\r\n")
        clients.append(c)
    stalled = time.monotonic()
    # The server writes until the socket buffers fill, then waits.
    assert wait_for(lambda: fds_of(worker) >= base_fds + 2 * n, 5.0), \
        "%d of %d stalled" % ((fds_of(worker) - base_fds) // 2, n)
    time.sleep(1.0)
    during = rss_kb(worker)
    report("stalled %s: %d clients not reading 10 MB: worker %d kB -> %d kB "
           "(+%d kB)" % (proto, n, before, during, during - before))
    assert during - before < 40 * 1024, "the file is being buffered"
    # Dropped once write-timeout passes without progress.
    assert wait_for(lambda: fds_of(worker) == base_fds, WTIMEOUT + 4.0), \
        "%d fds still open" % (fds_of(worker) - base_fds)
    report("stalled %s: dropped %.2f s after stalling (write-timeout %d)" %
           (proto, time.monotonic() - stalled, WTIMEOUT))
    for c in clients:
        c.close()
    assert_healthy(s)


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_huge_request_line(spawn, proto):
    """10 MB without a line end: 59 (or an error item), or a reset while
    we are still sending; either way the server is fine."""
    s = spawn()
    data, how = request_raw(port_of(s, proto), b"a" * BIG, proto)
    if how == "eof" and proto == "gemini":
        assert data.startswith(b"59 "), data[:80]
    elif how == "eof":
        assert data.startswith(b"3"), data[:80]
    assert_healthy(s)


NUL_PAYLOADS = [
    b"\x00", b"\x00\r\n", b"\x00" * 2000, b"gemini://localhost/\x00\r\n",
    b"\r\n\x00\x00", b"\x00" * 1023 + b"\r\n",
]


def nul_page_payloads(s, proto):
    """Requests for page.gmi (or the root) with NULs in or after them:
    a server that ignored NULs, or read the line as a C string, would
    serve the page."""
    if proto == "gemini":
        u = b"gemini://localhost:%d" % s.port
        return [u + b"/page.gmi\x00\r\n", u + b"/pa\x00ge.gmi\r\n",
                b"\x00" + u + b"/page.gmi\r\n", u + b"/\x00\r\n",
                u + b"/page.gmi\x00\x00\x00garbage\r\n"]
    return [b"/page.gmi\x00\r\n", b"/pa\x00ge.gmi\r\n",
            b"\x00/page.gmi\r\n", b"\x00\r\n",
            b"/page.gmi\x00\x00\x00garbage\r\n"]


@pytest.mark.parametrize("proto", ["gemini", "gopher"])
def test_nul_bytes(spawn, proto):
    """NUL bytes as (part of) the request, and NUL bytes on the TLS
    port before any handshake.  All at once, so that the ones left
    waiting for a line end share one request timeout."""
    s = spawn(conf="timeout %d\n" % TIMEOUT)
    page = nul_page_payloads(s, proto)
    payloads = NUL_PAYLOADS + page
    results = {}

    def one(i, payload, how):
        t0 = time.monotonic()
        if how == "request":
            results[(i, how)] = request_raw(port_of(s, proto), payload,
                                            proto) + (time.monotonic() - t0,)
            return
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            try:
                c.sendall(payload)
                read_to_end(c, ends=(ConnectionError,))
            except ConnectionError:
                pass
        results[(i, how)] = (b"", "", time.monotonic() - t0)

    ts = [threading.Thread(target=one, args=(i, p, how))
          for i, p in enumerate(payloads) for how in ("request", "raw")]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TIMEOUT + 10)
    assert len(results) == len(ts), "a client hangs"
    for (i, how), (data, ending, took) in results.items():
        payload = payloads[i]
        assert took < TIMEOUT + 2, (payload[:30], how, took)
        if proto == "gemini" and ending == "eof" and data:
            assert data.startswith(b"59 "), data[:80]
        if not (proto == "gopher" and payload.startswith(b"\r\n")):
            # (A Gopher request is its first line: "" is the root menu.)
            # "Hello, Gemini." is in page.gmi as Gemini serves it and as
            # Gopher converts it; "Test capsule" likewise in the root.
            assert b"Hello, Gemini." not in data, (payload, data[:80])
            assert b"Test capsule" not in data, (payload, data[:80])
        if payload in page and how == "request":
            # Refused in so many words, not merely cut off.
            want = b"59 " if proto == "gemini" else b"3"
            assert data.startswith(want), (payload, ending, data[:80])
    assert_healthy(s)


def rejections_round(port, count, threads=4):
    """Send each rejection class count times, from a few threads."""
    errors = []

    def run(share):
        try:
            for _ in range(share):
                for line, why in REJECTIONS:
                    header, body, _ = gemini(port, line)
                    if not header.startswith("59 ") or body:
                        errors.append((why, header))
        except Exception as e:	# reported below, not lost in a thread
            errors.append(("exception", repr(e)))

    shares = [count // threads + (1 if i < count % threads else 0)
              for i in range(threads)]
    ts = [threading.Thread(target=run, args=(n,)) for n in shares]
    for t in ts:
        t.start()
    for t in ts:
        t.join(600)
    assert not errors, errors[:5]


def test_rejections_no_memory_growth(spawn):
    """Every rejection class over and over: no growth of the worker."""
    count = pick(500, 10000)
    s = spawn(asan_quarantine=0)
    worker = s.workers[0]
    rejections_round(s.port, pick(50, 500))		# warm-up
    before = rss_kb(worker)
    t0 = time.monotonic()
    rejections_round(s.port, count)
    after = rss_kb(worker)
    report("rejections: %d x %d classes in %.1f s: worker %d kB -> %d kB "
           "(%+d kB)" % (count, len(REJECTIONS), time.monotonic() - t0,
                         before, after, after - before))
    assert after - before < 2048
    assert_healthy(s)


def test_gopher_views_stay_within_their_bound(spawn, tmpbase):
    """1,000 distinct pages over Gopher: the worker keeps the views it
    made within gopher-cache (here 2 MiB) and the small files within the
    file cache's 8 MiB, so its memory stops growing: each page's menu is
    about 26 kB, 26 MB for them all if nothing went."""
    n = pick(1000, 3000)
    root = hostile_root(tmpbase)
    os.makedirs(os.path.join(root, "many"))
    line = "A line of text long enough to wrap once in a Gopher menu, " \
           "and then some more words.\n"
    for i in range(n):
        with open(os.path.join(root, "many", "p%04d.gmi" % i), "w") as f:
            f.write("# Page %d\n\n" % i + line * 220)
    s = spawn(conf="gopher-cache 2\n", root=root, asan_quarantine=0)
    worker = s.workers[0]
    for i in range(50):		# warm-up: the allocator's own growth
        gopher(s.gport, "/many/p%04d.gmi" % i)
    before = rss_kb(worker)
    for i in range(n):
        menu = gopher(s.gport, "/many/p%04d.gmi" % i)
        assert menu.startswith(b"iPage %d\t" % i), menu[:40]
    after = rss_kb(worker)
    report("gopher views: %d pages of %d kB menus: worker %d kB -> %d kB "
           "(%+d kB)" % (n, len(menu) // 1024, before, after, after - before))
    assert len(menu) > 20000
    assert after - before < 16 * 1024, (before, after)
    assert_healthy(s)


# --- files that fight back ----------------------------------------------

def gemini_path(s, path):
    return gemini(s.port, "gemini://localhost:%d%s" % (s.port, path))


def test_symlink_loop(spawn):
    s = spawn()
    os.symlink("b", os.path.join(s.root, "a"))
    os.symlink("a", os.path.join(s.root, "b"))
    os.symlink("self", os.path.join(s.root, "self"))
    for path in ("/a", "/b", "/self", "/a/x"):
        header, body, _ = gemini_path(s, path)
        assert header.startswith("51 "), (path, header)
        assert gopher(s.gport, path).startswith(b"3")
    assert_healthy(s)


def test_symlink_to_passwd(spawn):
    s = spawn()
    os.symlink("/etc/passwd", os.path.join(s.root, "passwd.gmi"))
    os.symlink("/etc/passwd", os.path.join(s.root, "dir", "index.gmi.lnk"))
    # A directory whose index is a link out of the root.
    os.makedirs(os.path.join(s.root, "linkdir"))
    os.symlink("/etc/passwd", os.path.join(s.root, "linkdir", "index.gmi"))
    for path in ("/passwd.gmi", "/dir/index.gmi.lnk", "/linkdir/",
                 "/linkdir/index.gmi"):
        header, body, _ = gemini_path(s, path)
        assert header.startswith("51 "), (path, header)
        assert b"root:" not in body, path
        data = gopher(s.gport, path)
        assert b"root:" not in data, path
        if not path.endswith("/"):
            assert data.startswith(b"3"), (path, data[:80])
    assert_healthy(s)


@pytest.mark.parametrize("where", ["fifo.gmi", "fifodir/index.gmi",
                                   "posts/2026-01-03-fifo.gmi"])
def test_fifo(spawn, where):
    """A FIFO is never read: 51 at once (or, in a gemlog, left out), and
    the worker keeps serving while it is asked for."""
    s = spawn()
    os.makedirs(os.path.join(s.root, "fifodir"), exist_ok=True)
    os.mkfifo(os.path.join(s.root, where))
    path = "/" + where.rsplit("/", 1)[0] + "/" if "/" in where else "/" + where
    result = {}

    def ask():
        t0 = time.monotonic()
        result["gemini"] = gemini_path(s, path)
        result["gopher"] = gopher(s.gport, path, timeout=5)
        result["time"] = time.monotonic() - t0

    t = threading.Thread(target=ask)
    t.start()
    # Served meanwhile: the FIFO must not block the (only) worker.
    assert served_within(s, "gemini") < LATENCY_MAX
    t.join(15)
    assert not t.is_alive(), "the FIFO request hangs"
    assert result["time"] < 2 * LATENCY_MAX
    header = result["gemini"][0]
    if where.startswith("posts/"):
        assert header.startswith("20 ")	# the gemlog, without the FIFO
    else:
        assert header.startswith("51 "), header
    if "/" not in where:	# (for a directory, Gopher lists it)
        assert result["gopher"].startswith(b"3")
    assert_healthy(s)


def test_unreadable_file(spawn, tmpbase):
    """A file the server's user may not read is 51.  Tests run as root,
    where mode 000 does not stop reads, so the server drops to nobody."""
    root = hostile_root(tmpbase)
    secret = os.path.join(root, "private.gmi")
    with open(secret, "w") as f:
        f.write("# private\n")
    if os.geteuid() == 0:
        for d, dirs, files in os.walk(root):
            os.chmod(d, 0o755)
            for name in files:
                os.chmod(os.path.join(d, name), 0o644)
        os.chmod(secret, 0o600)
        os.chown(secret, 0, 0)
        s = spawn(extra_args=("-u", "nobody"))
        assert rss_kb(s.workers[0]) > 0
        with open("/proc/%d/status" % s.workers[0]) as f:
            uid = [l for l in f if l.startswith("Uid:")][0].split()[1]
        assert uid != "0", "the worker still runs as root"
    else:
        os.chmod(secret, 0)
        s = spawn()
    header, body, _ = gemini_path(s, "/private.gmi")
    assert header.startswith("51 "), header
    assert b"private" not in body
    assert gopher(s.gport, "/private.gmi").startswith(b"3")
    assert_healthy(s)


def stream_while(s, mutate, after=256 * 1024):
    """Fetch /big.bin, call mutate() once `after` bytes arrived, read to
    the end; returns (header, body, how it ended)."""
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c = client_ctx().wrap_socket(raw, server_hostname="localhost",
                                 suppress_ragged_eofs=False)
    data, how, mutated = b"", "eof", False
    try:
        c.sendall(b"gemini://localhost:%d/big.bin\r\n" % s.port)
        # Not read_to_end(): mutate() must run in the middle of the
        # reply, as the byte count passes `after`.
        while True:
            try:
                chunk = c.recv(65536)
            except (ssl.SSLError, ConnectionError) as e:
                how = type(e).__name__
                break
            if not chunk:
                break
            data += chunk
            if not mutated and len(data) >= after:
                mutate()
                mutated = True
    finally:
        c.close()
    assert mutated
    header, _, body = data.partition(b"\r\n")
    return header, body, how


def test_file_shrinks_while_sent(spawn):
    s = spawn()
    big = os.path.join(s.root, "big.bin")
    header, body, how = stream_while(s, lambda: os.truncate(big, 1024 * 1024))
    assert header.startswith(b"20 ")
    assert len(body) <= BIG
    pattern = bytes(range(256)) * (len(body) // 256 + 1)
    assert body == pattern[:len(body)], "bytes that were never in the file"
    report("file shrank to 1 MB while sent: client got %d bytes (%s)" %
           (len(body), how))
    assert_healthy(s)


def test_file_grows_while_sent(spawn):
    s = spawn()
    big = os.path.join(s.root, "big.bin")

    def grow():
        with open(big, "ab") as f:
            f.write(b"\xee" * (5 * 1024 * 1024))

    header, body, how = stream_while(s, grow)
    assert header.startswith(b"20 ")
    # The size was taken when the request was answered.
    assert len(body) == BIG
    assert how == "eof", how
    assert body == bytes(range(256)) * (BIG // 256)
    assert_healthy(s)


def _cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])      # utime + stime


def _worker_pid(server):
    """The worker's pid, once the parent has forked it (bounded wait)."""
    path = "/proc/%d/task/%d/children" % (server.proc.pid, server.proc.pid)
    deadline = time.monotonic() + 10
    while True:
        with open(path) as f:
            pids = [p for p in f.read().split()
                    if not is_key_process(int(p))]
        if pids or time.monotonic() > deadline:
            return int(pids[0])
        time.sleep(0.05)


def test_half_clienthello_then_fin_does_not_spin(server):
    """Found in review: peeked bytes plus EOF kept epoll waking the
    worker at 100% CPU until the request timeout."""
    worker = _worker_pid(server)
    socks = []
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"\x16\x03\x01\x02\x00" + b"\x01" * 10)
        s.shutdown(socket.SHUT_WR)
        socks.append(s)
    time.sleep(0.5)
    before = _cpu_ticks(worker)
    time.sleep(2.0)
    used = _cpu_ticks(worker) - before
    for s in socks:
        # A reset is a close too: with our bytes unread, it is one.
        data, _ = read_to_end(s, ends=(ConnectionResetError,), deadline=5)
        assert data == b"", "closed, not answered"
        s.close()
    # Five spinning connections would burn ~200 ticks (2 s at 100 Hz).
    assert used < 20, "worker used %d ticks while idle" % used



def _fetch_with_hello_in_records(port, path, record_len):
    """A real TLS client whose ClientHello goes out in records of
    record_len handshake bytes each; returns the response bytes."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(incoming, outgoing,
                                server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    body = outgoing.read()[5:]
    # TLS runs through the MemoryBIOs (the ClientHello's records are
    # hand-made), so the reads below pump the BIO rather than use the
    # socket helpers of conftest.
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        for i in range(0, len(body), record_len):
            piece = body[i:i + record_len]
            raw.sendall(b"\x16\x03\x01" + len(piece).to_bytes(2, "big") +
                        piece)
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                data = raw.recv(65536)
                assert data, "closed during the handshake"
                incoming.write(data)
        obj.write(b"gemini://localhost:%d%s\r\n" % (port, path.encode()))
        raw.sendall(outgoing.read())
        reply = b""
        while True:
            try:
                chunk = obj.read(65536)
                if not chunk:
                    break
                reply += chunk
            except ssl.SSLWantReadError:
                data = raw.recv(65536)
                if not data:
                    break
                incoming.write(data)
            except ssl.SSLZeroReturnError:
                break
        return reply
    finally:
        raw.close()


def test_clienthello_split_into_tiny_records(spawn):
    """A whole TLS record that holds only the first 4 bytes of a
    ClientHello: the worker must go on waiting in the kernel's buffer
    (hello.c), not make an SSL object with OpenSSL's buffers for each
    such client (43 KB each on the production build in the review that
    found it, 2 KB since).  A ClientHello really split into records of
    one byte, or of 7, is still served."""
    n = 200
    s = spawn(conf="timeout 10\nmax-connections-per-ip 100000\n",
              asan_quarantine=0)
    worker = s.workers[0]
    base_socks = sockets_of(worker)
    for record_len in (1, 7):
        reply = _fetch_with_hello_in_records(s.port, "/page.gmi", record_len)
        assert reply.startswith(b"20 text/gemini\r\n"), reply[:80]
    before = rss_kb(worker)
    tiny = b"\x16\x03\x01\x00\x04" + client_hello()[5:9]
    socks = open_many(s.port, n)
    for c in socks:
        c.send(tiny)
    assert wait_for(lambda: sockets_of(worker) >= base_socks + n, 5.0), \
        "worker accepted %d of %d" % (sockets_of(worker) - base_socks, n)
    time.sleep(0.5)
    held = rss_kb(worker)
    per = (held - before) / n
    report("tiny ClientHello records: %d held, worker %d kB -> %d kB "
           "(%.1f kB each)" % (n, before, held, per))
    close_all(socks)
    assert per < 15, "%.1f kB per connection: an SSL object each" % per
    assert_healthy(s)
