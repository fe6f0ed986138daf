"""capsuled behind real HAProxy in TCP mode, with the PROXY protocol:
requests through it are served, spread over two instances, and logged
with the client's own address, not HAProxy's."""

import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from conftest import (Server, free_port, make_root, read_to_end, recv_all,
                      wait_port)

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

pytestmark = pytest.mark.skipif(not os.path.exists(HAPROXY),
                                reason="haproxy is not installed")

CLIENT_ADDR = "127.0.0.5"     # the client's own address, not HAProxy's


def through(port, request, gopher=False):
    """Connect from CLIENT_ADDR to HAProxy and send one request."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.bind((CLIENT_ADDR, 0))
    sock.connect(("127.0.0.1", port))
    if not gopher:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    with sock:
        sock.sendall(request + b"\r\n")
        return recv_all(sock)


@pytest.fixture
def farm(tmpbase):
    root = make_root(tmpbase)
    front, gfront = free_port(), free_port()
    conf = ("proxy-protocol gemini gopher\nproxy-from \"127.0.0.1\"\n"
            "log-address full\npublic-port %d\ngopher-public-port %d\n"
            % (front, gfront))
    backends = [Server(root, conf=conf) for _ in range(2)]
    cfg = os.path.join(tmpbase, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write("""global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend gemini
    bind 127.0.0.1:%d
    default_backend capsules
backend capsules
    balance roundrobin
    server a 127.0.0.1:%d send-proxy-v2
    server b 127.0.0.1:%d send-proxy-v2
frontend gopher
    bind 127.0.0.1:%d
    default_backend gophers
backend gophers
    balance roundrobin
    server a 127.0.0.1:%d send-proxy
    server b 127.0.0.1:%d send-proxy
""" % (front, backends[0].port, backends[1].port, gfront,
       backends[0].gport, backends[1].gport))
    log = open(os.path.join(tmpbase, "haproxy.log"), "wb")
    proc = subprocess.Popen([HAPROXY, "-f", cfg, "-db"], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_port(front, proc)
        wait_port(gfront, proc)
        yield front, gfront, backends
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        for b in backends:
            b.cleanup()


def test_gemini_through_haproxy_v2(farm):
    front, _, backends = farm
    url = b"gemini://localhost:%d/page.gmi" % front
    for _ in range(4):
        data = through(front, url)
        assert data.startswith(b"20 text/gemini\r\n# A page")
    for b in backends:
        b.stop()
    logs = [b.log() for b in backends]
    for log in logs:
        served = [l for l in log.splitlines() if "page.gmi" in l]
        assert served, "round robin reached both instances"
        for line in served:
            assert " %s gemini " % CLIENT_ADDR in line, line
    assert "127.0.0.1 gemini" not in "".join(logs)


def test_gopher_through_haproxy_v1(farm):
    _, gfront, backends = farm
    for _ in range(2):
        data = through(gfront, b"/page.gmi", gopher=True)
        assert b"A page" in data and data.endswith(b".\r\n")
    for b in backends:
        b.stop()
    assert any(" %s gopher " % CLIENT_ADDR in b.log() for b in backends)


def test_proxy_header_required_from_trusted_source(farm):
    _, _, backends = farm
    b = backends[0]
    # Straight to the backend from 127.0.0.1 (a trusted sender) but with no
    # PROXY header: refused, and the instance keeps serving.
    with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        data, _ = read_to_end(s, ends=(ConnectionResetError,))
        assert data == b""
    # With the header, the same sender is served, and the request is
    # the client's: the header's bytes consumed, its address logged.
    front = farm[0]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
        s.sendall(b"PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\n")
        with ctx.wrap_socket(s, server_hostname="localhost") as tls:
            tls.sendall(b"gemini://localhost:%d/page.gmi\r\n" % front)
            data = recv_all(tls)
    assert data == b"20 text/gemini\r\n# A page\n\nHello, Gemini.\n", data
    b.stop()
    served = [l for l in b.log().splitlines() if "page.gmi" in l]
    assert len(served) == 1 and " 192.0.2.1 gemini " in served[0], served


def test_proxy_header_from_untrusted_source_refused(farm):
    _, _, backends = farm
    b = backends[0]
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind(("127.0.0.9", 0))
    sock.connect(("127.0.0.1", b.gport))
    with sock:
        sock.sendall(b"PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\n/page.gmi\r\n")
        data, _ = read_to_end(sock, ends=(ConnectionResetError,))
    assert b"A page" not in data
    b.stop()
    assert "192.0.2.1" not in b.log()
