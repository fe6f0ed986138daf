"""Titan uploads over TLS (src/titan.c, src/upload.c, the reply seam's
sink in src/conn.c): a post written from the client shows in the gemlog,
its feed and over Gopher on the next request; who may upload and what;
every refusal, sent before the body is read and delivered whole; bodies
cut short leave nothing; writes are atomic under concurrency."""

import hashlib
import os
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (BIN, Server, gemini, gopher, make_root, read_to_end,
                      recv_tls, tls_client)
from test_operations import client_cert, expired_cert

TOKEN = "a long secret"
TMP_PREFIX = ".capsuled-upload-"

CONF = """
timeout {timeout}
{extra}
server "localhost" {{
    root "{root}"
    location "/posts/*" {{
        titan on
        titan-fingerprint "{fpr}"
        titan-token "{token}"
        titan-max-size 1048576
        titan-mime "text/gemini" "text/plain" "image/*"
        titan-delete off
    }}
    location "/drafts/*" {{
        titan on
        titan-token "{token}"
        titan-delete on
    }}
}}
"""


def start(tmpbase, root, timeout=10, extra=""):
    alice = client_cert(tmpbase, "alice")
    conf = CONF.format(root=root, fpr=alice[2], token=TOKEN,
                       timeout=timeout, extra=extra)
    s = Server(root, conf=conf)
    s.alice = alice
    s.mallory = client_cert(tmpbase, "mallory")
    s.expired = expired_cert(tmpbase, "old")
    return s


def make_capsule(tmpbase):
    root = make_root(tmpbase)
    os.makedirs(os.path.join(root, "posts", "sub"))
    os.makedirs(os.path.join(root, "drafts"))
    with open(os.path.join(root, "drafts", "old.gmi"), "w") as f:
        f.write("# Old draft\n")
    os.symlink("../page.gmi", os.path.join(root, "posts", "link.gmi"))
    os.symlink("sub", os.path.join(root, "posts", "linkdir"))
    return root


@pytest.fixture
def titan_srv(tmpbase):
    s = start(tmpbase, make_capsule(tmpbase))
    yield s
    s.cleanup()


def param(v):
    """A Titan parameter value, percent-encoded."""
    return "".join(c if c.isalnum() or c in "-._~/" else
                   "".join("%%%02X" % b for b in c.encode())
                   for c in v)


def titan_line(s, path, size, token=None, mime=None, host="localhost",
               port=None):
    line = "titan://%s:%d%s;size=%d" % (host, port or s.port, path, size)
    if mime is not None:
        line += ";mime=" + param(mime)
    if token is not None:
        line += ";token=" + param(token)
    return line.encode() + b"\r\n"


def titan_conn(s, cert=None):
    ctx = tls_client()
    if cert is not None:
        ctx.load_cert_chain(cert[0], cert[1])
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=20)
    return ctx.wrap_socket(sock, server_hostname="localhost",
                           suppress_ragged_eofs=False)


def titan(s, path, body, token=None, cert=None, mime=None, size=None,
          host="localhost", port=None):
    """One upload, the line and body sent at once (as clients do);
    returns the header line."""
    size = len(body) if size is None else size
    with titan_conn(s, cert) as tls:
        tls.sendall(titan_line(s, path, size, token, mime, host, port) +
                    body)
        data, _ = recv_tls(tls)
    return data.partition(b"\r\n")[0].decode()


def u(s, path):
    return "gemini://localhost:%d%s" % (s.port, path)


def read(s, rel):
    with open(os.path.join(s.root, rel), "rb") as f:
        return f.read()


def temps(root):
    """Temporary upload files anywhere beneath root."""
    return [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
            if f.startswith(TMP_PREFIX)]


POST = b"# From Titan\n\nWritten in the client, published at once.\n"


@pytest.mark.parametrize("how", ["certificate", "token"])
def test_new_post_shows_in_index_feed_and_gopher(titan_srv, how):
    s = titan_srv
    cred = {"cert": s.alice} if how == "certificate" else {"token": TOKEN}
    header = titan(s, "/posts/2026-02-03-titan.gmi", POST, **cred)
    assert header == "30 gemini://localhost:%d/posts/2026-02-03-titan.gmi" \
        % s.port
    assert read(s, "posts/2026-02-03-titan.gmi") == POST
    header, body, _ = gemini(s.port, u(s, "/posts/2026-02-03-titan.gmi"))
    assert header.startswith("20 text/gemini") and body == POST
    _, index, _ = gemini(s.port, u(s, "/posts/"))
    assert b"=> 2026-02-03-titan.gmi 2026-02-03 From Titan\n" in index
    assert index.index(b"From Titan") < index.index(b"Second post")
    _, feed, _ = gemini(s.port, u(s, "/posts/atom.xml"))
    assert b"<title>From Titan</title>" in feed
    assert b"<summary>Written in the client, published at once." \
           b"</summary>" in feed
    menu = gopher(s.gport, "/posts/")
    assert b"From Titan" in menu and b"/posts/2026-02-03-titan.gmi" in menu
    assert temps(s.root) == []


def test_replacing_a_file(titan_srv):
    s = titan_srv
    assert titan(s, "/posts/note.txt", b"one\n", token=TOKEN,
                 mime="text/plain").startswith("30 ")
    _, body, _ = gemini(s.port, u(s, "/posts/note.txt"))
    assert body == b"one\n"
    assert titan(s, "/posts/note.txt", b"two, longer\n", token=TOKEN,
                 mime="text/plain").startswith("30 ")
    _, body, _ = gemini(s.port, u(s, "/posts/note.txt"))
    assert body == b"two, longer\n", "the next request sees the new file"
    assert read(s, "posts/note.txt") == b"two, longer\n"


def test_deletion_only_where_allowed(titan_srv):
    s = titan_srv
    titan(s, "/posts/keep.gmi", b"# Keep\n", token=TOKEN)
    header = titan(s, "/posts/keep.gmi", b"", token=TOKEN)
    assert header.startswith("59 ") and "size=0" in header
    assert read(s, "posts/keep.gmi") == b"# Keep\n"
    header = titan(s, "/drafts/old.gmi", b"", token=TOKEN)
    assert header == "30 gemini://localhost:%d/drafts/" % s.port
    assert not os.path.exists(os.path.join(s.root, "drafts", "old.gmi"))


REFUSALS = [
    # (name, path, kwargs, status, meta)
    ("not_a_titan_location", "/page.gmi", {"token": TOKEN}, 59,
     "uploads are not accepted here"),
    ("no_credentials", "/posts/x.gmi", {}, 60,
     "client certificate or token required"),
    ("certificate_not_listed", "/posts/x.gmi", {"cert": "mallory"}, 61,
     "certificate not authorised"),
    ("wrong_token", "/posts/x.gmi", {"token": "a long secreT"}, 61,
     "upload token not accepted"),
    ("expired_certificate", "/posts/x.gmi", {"cert": "expired"}, 62,
     "certificate not valid"),
    ("type_not_allowed", "/posts/x.bin",
     {"token": TOKEN, "mime": "application/octet-stream"}, 59,
     "this type is not accepted"),
    ("dot_file", "/posts/.x.gmi", {"token": TOKEN}, 59,
     "file names starting with '.'"),
    ("dot_directory", "/posts/.git/x.gmi", {"token": TOKEN}, 51,
     "not found"),
    ("directory", "/posts/", {"token": TOKEN}, 59,
     "cannot upload over a directory"),
    ("existing_directory", "/posts/sub", {"token": TOKEN}, 59,
     "cannot upload over a directory"),
    ("outside_the_root", "/posts/../../../etc/x.gmi", {"token": TOKEN}, 59,
     "uploads are not accepted here"),
    ("symlink_target", "/posts/link.gmi", {"token": TOKEN}, 51,
     "not found"),
    ("through_a_symlink", "/posts/linkdir/x.gmi", {"token": TOKEN}, 51,
     "not found"),
    ("missing_directory", "/posts/none/x.gmi", {"token": TOKEN}, 51,
     "not found"),
    ("another_host", "/posts/x.gmi", {"token": TOKEN, "host": "example.org"},
     53, "this server does not serve that host"),
]


@pytest.mark.parametrize("name,path,kw,status,meta", REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_refusal(titan_srv, name, path, kw, status, meta):
    s = titan_srv
    before = {d: sorted(os.listdir(os.path.join(s.root, d)))
              for d in ("", "posts", "posts/sub")}
    page = read(s, "page.gmi")
    if "cert" in kw:
        kw = dict(kw, cert=getattr(s, kw["cert"]))
    header = titan(s, path, b"# Not wanted\n", **kw)
    assert header.startswith("%d %s" % (status, meta)), header
    after = {d: sorted(os.listdir(os.path.join(s.root, d)))
             for d in ("", "posts", "posts/sub")}
    assert after == before, "nothing is written"
    assert read(s, "page.gmi") == page, "a symlink's target is untouched"


def test_body_shorter_than_size_writes_nothing(tmpbase):
    s = start(tmpbase, make_capsule(tmpbase), timeout=2)
    try:
        with titan_conn(s) as tls:
            tls.sendall(titan_line(s, "/posts/short.gmi", 100, TOKEN) +
                        b"x" * 40)
            t0 = time.monotonic()
            data, _ = read_to_end(tls, ends=(ssl.SSLError, OSError))
            waited = time.monotonic() - t0
        assert data == b"", "a stalled upload gets no answer"
        assert 1.5 < waited < 8, "cut by the request timeout"
        with titan_conn(s) as tls:
            tls.sendall(titan_line(s, "/posts/short.gmi", 100, TOKEN) +
                        b"y" * 40)
            time.sleep(0.3)
            tls.shutdown(socket.SHUT_WR)
            read_to_end(tls, ends=(ssl.SSLError, OSError))
        time.sleep(0.3)
        assert not os.path.exists(os.path.join(s.root, "posts",
                                               "short.gmi"))
        assert temps(s.root) == []
        log = s.log()
        assert len(re.findall(r'posts/short\.gmi;size=100;token=\*\*\*" 59 '
                              r'\d+ \d+ms received=40', log)) == 2, log
    finally:
        s.cleanup()


def test_slow_steady_upload_is_not_cut(tmpbase):
    """The request timeout is per chunk of progress for a body, as the
    write timeout is for a reply: 320 KB over 4 s with a 2 s timeout."""
    s = start(tmpbase, make_capsule(tmpbase), timeout=2)
    try:
        body = b"# Slow\n" + b"s" * (320 * 1024 - 7)
        with titan_conn(s) as tls:
            tls.sendall(titan_line(s, "/posts/slow.txt", len(body), TOKEN,
                                   "text/plain"))
            for i in range(0, len(body), 40 * 1024):
                tls.sendall(body[i:i + 40 * 1024])
                time.sleep(0.5)
            data, _ = recv_tls(tls)
        assert data.startswith(b"30 ")
        assert read(s, "posts/slow.txt") == body
    finally:
        s.cleanup()


def test_too_large_refused_before_its_body(titan_srv):
    s = titan_srv
    with titan_conn(s) as tls:
        tls.sendall(titan_line(s, "/posts/big.gmi", 1048577, TOKEN))
        data, clean = recv_tls(tls)     # not a byte of body sent
    assert data == b"59 upload too large: at most 1048576 bytes here\r\n"
    assert clean


def test_refusal_reaches_a_client_sending_its_body(titan_srv):
    """Clients send the body right after the line: the refusal must not
    be lost to a reset while they do (the lingering close).  The body is
    larger than every buffer on the way (loopback TCP takes megabytes),
    so the client is still sending when the refusal is out."""
    s = titan_srv
    body = os.urandom(12 << 20)
    header = titan(s, "/posts/big.gmi", body, token=TOKEN)
    assert header == "59 upload too large: at most 1048576 bytes here"
    header = titan(s, "/posts/big.gmi", body[:1048576], token="wrong")
    assert header == "61 upload token not accepted"
    assert not os.path.exists(os.path.join(s.root, "posts", "big.gmi"))


def test_twenty_concurrent_uploads_to_one_path(titan_srv):
    s = titan_srv
    bodies = [("# Version %d\n" % i).encode() + bytes([65 + i]) * 100000
              for i in range(20)]
    results = [None] * 20

    def one(i):
        results[i] = titan(s, "/posts/race.txt", bodies[i], token=TOKEN,
                           mime="text/plain")
    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None and r.startswith("30 ") for r in results), \
        results
    assert read(s, "posts/race.txt") in bodies, "one of them, whole"
    assert temps(s.root) == []


def test_reader_never_sees_a_torn_file(titan_srv):
    s = titan_srv
    versions = [b"# Small A\n" + b"a" * 30000,        # kept in memory
                b"# Large B\n" + b"b" * 400000,       # streamed
                b"# Small C\n" + b"c" * 50000,
                b"# Large D\n" + b"d" * 250000]
    titan(s, "/posts/torn.txt", versions[0], token=TOKEN, mime="text/plain")
    done = threading.Event()
    errors = []

    def writer():
        try:
            for i in range(24):
                h = titan(s, "/posts/torn.txt", versions[i % 4],
                          token=TOKEN, mime="text/plain")
                if not h.startswith("30 "):
                    errors.append(h)
        finally:
            done.set()
    t = threading.Thread(target=writer)
    t.start()
    seen = set()
    reads = 0
    while not done.is_set() and reads < 2000:
        header, body, _ = gemini(s.port, u(s, "/posts/torn.txt"))
        assert header.startswith("20 "), header
        assert body in versions, "a torn file: %d bytes" % len(body)
        seen.add(body[:9])
        reads += 1
    t.join(60)
    assert errors == []
    assert reads > 0 and len(seen) >= 2, (reads, seen)


def test_access_log_line_per_upload(titan_srv):
    s = titan_srv
    titan(s, "/posts/logged.gmi", b"# Logged\n", token=TOKEN)
    titan(s, "/posts/logged.gmi", b"# Logged\n", token="wrong")
    time.sleep(0.3)
    log = s.log()
    lines = [l for l in log.splitlines() if "posts/logged.gmi" in l]
    assert len(lines) == 2, log
    assert re.search(r'"titan://localhost:\d+/posts/logged\.gmi;size=9;'
                     r'token=\*\*\*" 30 \d+ \d+ms received=9$', lines[0])
    assert re.search(r'token=\*\*\*" 61 \d+ \d+ms$', lines[1])
    assert param(TOKEN) not in log and "wrong" not in log


def test_rate_limit_applies_to_uploads(tmpbase):
    s = start(tmpbase, make_capsule(tmpbase), extra="rate-limit 1 1")
    try:
        assert titan(s, "/posts/a.gmi", b"# A\n",
                     token=TOKEN).startswith("30 ")
        header = titan(s, "/posts/b.gmi", b"# B\n", token=TOKEN)
        assert re.match(r"44 \d+$", header), header
        assert not os.path.exists(os.path.join(s.root, "posts", "b.gmi"))
    finally:
        s.cleanup()


def test_leftover_temporary_files_removed_at_start(tmpbase):
    root = make_capsule(tmpbase)
    left = [os.path.join(root, "posts", TMP_PREFIX + "0123456789abcdef"),
            os.path.join(root, "posts", "sub", TMP_PREFIX + "fedcba98765432")]
    other = [os.path.join(root, "posts", ".keep"),
             os.path.join(root, TMP_PREFIX + "outsideuploads0")]
    for p in left + other:
        with open(p, "w") as f:
            f.write("half an upload")
    s = start(tmpbase, root)
    try:
        assert not any(os.path.exists(p) for p in left)
        assert all(os.path.exists(p) for p in other)
        assert "removed 2 temporary upload files" in s.log()
    finally:
        s.cleanup()


def test_check_refuses_titan_without_credentials(tmpbase):
    root = make_root(tmpbase)
    conf = os.path.join(tmpbase, "t.conf")
    with open(conf, "w") as f:
        f.write('server "localhost" {\n  root "%s"\n'
                '  location "/posts/*" {\n\n    titan on\n  }\n}\n' % root)
    r = subprocess.run([BIN, "-n", "-c", conf, "-C",
                        os.path.join(tmpbase, "c.pem"), "-K",
                        os.path.join(tmpbase, "k.pem")],
                       capture_output=True, timeout=30)
    assert r.returncode != 0
    assert "t.conf:5: titan on needs titan-fingerprint or titan-token" \
        in r.stderr.decode()


def test_bodies_of_many_sizes_all_complete(titan_srv):
    """Each body is taken whole however its bytes fall into reads and
    TLS records (a body whose last bytes came in the last read of a
    turn once waited for an event that never came)."""
    s = titan_srv
    sizes = [65536 * k + d for k in (1, 2, 15) for d in (-1, 0, 1)] + \
        [1048576 - 7 * k for k in range(8)]
    for size in sizes:
        body = b"%d\n" % size + os.urandom(size)[:size - len(b"%d\n" % size)]
        t0 = time.monotonic()
        header = titan(s, "/posts/size.txt", body, token=TOKEN,
                       mime="text/plain")
        assert header.startswith("30 "), (size, header)
        assert time.monotonic() - t0 < 5, size
        assert read(s, "posts/size.txt") == body
