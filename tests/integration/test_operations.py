"""Operations: virtual hosts chosen by SNI, locations (redirects, fixed
answers, client-certificate zones), rate limits, reload, log reopen,
log formats and the -n / -nn configuration check."""

import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (BIN, Server, gemini, gopher, make_root, recv_all,
                      recv_tls, tls_client)


def expired_cert(base, name):
    """A client certificate valid from 2001 to 2002 (openssl req cannot
    back-date one, so it is built with python3-cryptography)."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2001, 1, 1))
            .not_valid_after(datetime.datetime(2002, 1, 1))
            .sign(key, hashes.SHA256()))
    certpath = os.path.join(base, name + ".pem")
    keypath = os.path.join(base, name + ".key")
    with open(certpath, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(keypath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return certpath, keypath


def client_cert(base, name, days=30):
    """A self-signed client certificate (as Gemini clients make them)."""
    cert = os.path.join(base, name + ".pem")
    key = os.path.join(base, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj",
                    "/CN=" + name, "-keyout", key, "-out", cert, "-days",
                    str(days)], capture_output=True, timeout=30, check=True)
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         capture_output=True, check=True, timeout=10).stdout
    return cert, key, hashlib.sha256(der).hexdigest()


def gemini_cert(port, request, cert=None, sni="localhost"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert[0], cert[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as tls:
            tls.sendall(request.encode() + b"\r\n")
            data = recv_all(tls)
    header, _, body = data.partition(b"\r\n")
    return header.decode(), body


def peer_cert_der(port, sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as tls:
            return tls.getpeercert(binary_form=True)


@pytest.fixture
def vhosts(tmpbase):
    root_a = make_root(os.path.join(tmpbase, "a"))
    root_b = os.path.join(tmpbase, "b")
    os.makedirs(root_b)
    with open(os.path.join(root_b, "index.gmi"), "w") as f:
        f.write("# Host B\n")
    os.makedirs(os.path.join(root_a, "private"))
    with open(os.path.join(root_a, "private", "index.gmi"), "w") as f:
        f.write("# Private\n")
    os.makedirs(os.path.join(root_a, "nolist"))
    with open(os.path.join(root_a, "nolist", "file.txt"), "w") as f:
        f.write("not listed\n")
    os.makedirs(os.path.join(root_a, "members"))
    with open(os.path.join(root_a, "members", "index.gmi"), "w") as f:
        f.write("# Members\n")
    # Real files behind the redirect and block locations: without them
    # "not found" would be the answer whether or not the location held.
    os.makedirs(os.path.join(root_a, "gone"))
    with open(os.path.join(root_a, "gone", "x"), "w") as f:
        f.write("Gone but here\n")
    os.makedirs(os.path.join(root_a, "old"))
    with open(os.path.join(root_a, "old", "a"), "w") as f:
        f.write("Old but here\n")
    alice = client_cert(tmpbase, "alice")
    mallory = client_cert(tmpbase, "mallory")
    certs = os.path.join(tmpbase, "certs")
    os.makedirs(certs)
    conf = """
log-address full
server "localhost" {{
    root "{a}"
    location "/private/*" {{
        allow-fingerprint "{fpr}"
    }}
    location "/members/*" {{
        require-client-cert
    }}
    location "/old/*" {{
        redirect 31 "/new%p"
    }}
    location "/gone/*" {{
        block return 52 "this is gone"
    }}
    location "/listed/*" {{
        auto-index on
    }}
    location "/nolist/*" {{
        auto-index off
    }}
    location "*.txt" {{
        mime "txt" "text/plain; charset=iso-8859-1"
    }}
}}
server "b.example" {{
    alias "*.b.example"
    root "{b}"
    cert "{certs}/b.pem"
    key "{certs}/b.key"
    lang "de"
}}
""".format(a=root_a, b=root_b, fpr=alice[2], certs=certs)
    s = Server(root_a, conf=conf)
    s.alice, s.mallory = alice, mallory
    s.certs = certs
    yield s
    s.cleanup()


def u(s, path="/", host="localhost"):
    return "gemini://%s:%d%s" % (host, s.port, path)


def test_two_hosts_two_certificates_by_sni(vhosts):
    a = peer_cert_der(vhosts.port, "localhost")
    b = peer_cert_der(vhosts.port, "b.example")
    assert a != b
    with open(os.path.join(vhosts.certs, "b.pem")) as f:
        assert ssl.DER_cert_to_PEM_cert(b).strip() == f.read().strip()
    h, body = gemini_cert(vhosts.port, u(vhosts, "/", "b.example"),
                          sni="b.example")
    assert h == "20 text/gemini; lang=de"
    assert body == b"# Host B\n"
    h, body = gemini_cert(vhosts.port, u(vhosts, "/"))
    assert h == "20 text/gemini"
    assert body.startswith(b"# Test capsule")


def test_wildcard_alias(vhosts):
    h, body = gemini_cert(vhosts.port, u(vhosts, "/", "www.b.example"),
                          sni="www.b.example")
    assert h.startswith("20 ") and body == b"# Host B\n"


def test_url_host_must_match_sni(vhosts):
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/", "b.example"),
                       sni="localhost")
    assert h.startswith("53 ")


def test_fingerprint_allow_list(vhosts):
    h, body = gemini_cert(vhosts.port, u(vhosts, "/private/"),
                          cert=vhosts.alice)
    assert h == "20 text/gemini" and body == b"# Private\n"
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/private/"),
                       cert=vhosts.mallory)
    assert h.startswith("61 ")
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/private/"))
    assert h.startswith("60 ")


def test_require_any_certificate(vhosts):
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/members/"))
    assert h.startswith("60 ")
    h, body = gemini_cert(vhosts.port, u(vhosts, "/members/"),
                          cert=vhosts.mallory)
    assert h.startswith("20 ") and body == b"# Members\n"


def test_expired_certificate_is_62(vhosts, tmpbase):
    old = expired_cert(tmpbase, "old")
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/members/"), cert=old)
    assert h.startswith("62 ")


def test_fingerprint_logged(vhosts):
    gemini_cert(vhosts.port, u(vhosts, "/private/"), cert=vhosts.alice)
    vhosts.stop()
    assert "cert=" + vhosts.alice[2] in vhosts.log()


def test_redirect_substitutes_path(vhosts):
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/old/a/b.gmi"))
    assert h == "31 /new/old/a/b.gmi"


def test_block_return(vhosts):
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/gone/x"))
    assert h == "52 this is gone"


def test_location_auto_index_and_mime(vhosts):
    h, body = gemini_cert(vhosts.port, u(vhosts, "/listed/"))
    assert h == "20 text/gemini"
    assert b"=> a.gmi" in body and b"=> b%20c.txt" in body
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/notes.txt"))
    assert h == "20 text/plain; charset=iso-8859-1"


def test_rate_limit_then_recovery(tmpbase):
    s = Server(make_root(tmpbase), conf="rate-limit 60 3\n")
    try:
        url = "gemini://localhost:%d/" % s.port
        statuses = [gemini(s.port, url)[0] for _ in range(5)]
        assert statuses[:3] == ["20 text/gemini"] * 3
        assert statuses[3].startswith("44 ")
        wait = int(statuses[3].split()[1])
        assert 1 <= wait <= 2
        g = gopher(s.gport, "/")
        assert g.startswith(b"3"), "Gopher gets a type 3 item when limited"
        time.sleep(wait + 0.2)
        assert gemini(s.port, url)[0] == "20 text/gemini"
    finally:
        s.cleanup()


def test_reload_applies_new_config(tmpbase):
    root = make_root(tmpbase)
    s = Server(root, conf="server \"localhost\" {\n root \"%s\"\n}\n" % root)
    try:
        url = "gemini://localhost:%d/listed/" % s.port
        assert gemini(s.port, url)[0].startswith("51 ")
        with open(os.path.join(s.dir, "capsuled.conf"), "w") as f:
            f.write("server \"localhost\" {\n root \"%s\"\n auto-index on\n}\n"
                    % root)
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if gemini(s.port, url)[0] == "20 text/gemini":
                break
            time.sleep(0.1)
        assert gemini(s.port, url)[0] == "20 text/gemini"
        assert "configuration reloaded" in s.log()
    finally:
        s.cleanup()


def test_broken_reload_keeps_old_config(tmpbase):
    root = make_root(tmpbase)
    s = Server(root, conf="server \"localhost\" {\n root \"%s\"\n}\n" % root)
    try:
        with open(os.path.join(s.dir, "capsuled.conf"), "w") as f:
            f.write("server \"localhost\" {\n prot 1\n}\n")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "reload refused" not in s.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "reload refused" in s.log()
        assert "capsuled.conf:2: unknown directive 'prot'" in s.log()
        header, _, _ = gemini(s.port, "gemini://localhost:%d/" % s.port)
        assert header == "20 text/gemini"
    finally:
        s.cleanup()


def test_reload_during_download_completes_it(tmpbase):
    root = make_root(tmpbase)
    big = os.urandom(10 * 1024 * 1024)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(big)
    s = Server(root, conf="server \"localhost\" {\n root \"%s\"\n}\n" % root)
    try:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=20)
        tls = tls_client().wrap_socket(sock, server_hostname="localhost",
                                       suppress_ragged_eofs=False)
        tls.sendall(b"gemini://localhost:%d/big.bin\r\n" % s.port)
        data = tls.recv(65536)           # the download has started
        s.proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)                  # new workers up, old one retiring
        rest, clean = recv_tls(tls)
        data += rest
        tls.close()
        header, _, body = data.partition(b"\r\n")
        assert header.startswith(b"20 ")
        assert hashlib.sha256(body).digest() == hashlib.sha256(big).digest()
        assert clean
        assert "configuration reloaded" in s.log()
    finally:
        s.cleanup()


def test_log_file_reopened_on_sigusr1(tmpbase):
    root = make_root(tmpbase)
    logdir = os.path.join(tmpbase, "logs")
    os.makedirs(logdir)
    logfile = os.path.join(logdir, "access.log")
    s = Server(root, conf='log "%s"\nlog-address full\n' % logfile)
    try:
        url = "gemini://localhost:%d/page.gmi" % s.port
        gemini(s.port, url)
        time.sleep(0.2)
        os.rename(logfile, logfile + ".1")
        s.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while not os.path.exists(logfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)   # the workers reopen at their next tick
        gemini(s.port, url + "?after")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(logfile) as f:
                if "?after" in f.read():
                    break
            time.sleep(0.1)
        with open(logfile + ".1") as f:
            assert '"%s" 20 ' % url in f.read()
        with open(logfile) as f:
            assert "?after" in f.read()
    finally:
        s.cleanup()


def test_json_log_and_address_privacy(tmpbase):
    s = Server(make_root(tmpbase), conf="log-format json\n")
    try:
        gemini(s.port, "gemini://localhost:%d/page.gmi" % s.port)
        gemini(s.port, b"gemini://localhost/\"\x01")
        s.stop()
        lines = [json.loads(l) for l in s.log().splitlines()
                 if l.startswith("{")]
        assert len(lines) == 2
        assert lines[0]["status"] == 20 and lines[0]["proto"] == "gemini"
        assert lines[0]["addr"] == "127.0.0.0", "truncated by default"
        assert lines[1]["status"] == 59
        assert lines[1]["request"].endswith('"\x01')
    finally:
        s.cleanup()


def test_common_log_format(tmpbase):
    s = Server(make_root(tmpbase), conf="log-format common\nlog-address none\n")
    try:
        gemini(s.port, "gemini://localhost:%d/page.gmi" % s.port)
        s.stop()
        line = [l for l in s.log().splitlines() if "page.gmi" in l][0]
        assert line.startswith("- - - [")
        # Bytes sent: the 16-byte header and the 25-byte page.
        assert line.endswith('"gemini://localhost:%d/page.gmi" 20 41' % s.port)
    finally:
        s.cleanup()


CHECK_CONF = """\
port 1966
log-format json
log-address none
rate-limit 120 20
proxy-protocol gemini
proxy-from "127.0.0.1"
proxy-from ::1
server "example.org" {
    alias "www.example.org"
    root "%s"
    lang "en"
    location "/old/*" {
        redirect 31 "/new%%p"
    }
}
"""

NORMAL_FORM = """\
listen ""
port 1966
public-port 1966
gopher 0
gopher-public-port 0
gopher-host "example.org"
gopher-cache 16
cgi-timeout 10
max-programs 128
max-programs-per-worker 0
workers %d
user ""
chroot ""
timeout 10
write-timeout 30
max-connections 0
max-connections-per-ip 32
tls-tickets 0
log ""
log-format json
log-address none
rate-limit 120 20
feed-entries 20
proxy-protocol gemini
proxy-from "127.0.0.1"
proxy-from "::1"

server "example.org" {
	alias "www.example.org"
	root "%s"
	cert "%s/example.org.pem"
	key "%s/example.org.key"
	lang "en"
	auto-index off
	location "/old/*" {
		block return 31 "/new%%p"
	}
}
"""


def test_check_prints_normal_form(tmpbase):
    root = make_root(tmpbase)
    path = os.path.join(tmpbase, "check.conf")
    with open(path, "w") as f:
        f.write(CHECK_CONF % root)
    r = subprocess.run([BIN, "-nn", "-c", path], capture_output=True,
                       cwd=tmpbase, timeout=30)
    assert r.returncode == 0, r.stderr
    assert b"configuration OK" in r.stderr
    want = NORMAL_FORM % (os.cpu_count(), root, "certs", "certs")
    assert r.stdout.decode() == want


def test_check_reports_config_error_with_line(tmpbase):
    path = os.path.join(tmpbase, "bad.conf")
    with open(path, "w") as f:
        f.write("port 1965\n\nserver \"x\" {\n  root \"/nonexistent\"\n  prot 1\n}\n")
    r = subprocess.run([BIN, "-n", "-c", path], capture_output=True,
                       timeout=30)
    assert r.returncode != 0
    assert b"bad.conf:5: unknown directive 'prot'" in r.stderr


def test_check_reports_missing_root(tmpbase):
    path = os.path.join(tmpbase, "noroot.conf")
    with open(path, "w") as f:
        f.write('server "x" {\n  root "%s/missing"\n}\n' % tmpbase)
    r = subprocess.run([BIN, "-n", "-c", path], capture_output=True,
                       cwd=tmpbase, timeout=30)
    assert r.returncode != 0
    # The path itself holds "missing": check the server's own words.
    want = "root of x: %s/missing: No such file or directory" % tmpbase
    assert want.encode() in r.stderr, r.stderr


# Found in review: each of these once went wrong.

def test_gopher_honours_guarded_locations(vhosts):
    # Every one of these exists on disk (the vhosts fixture), so only the
    # location can make Gopher refuse it.
    for selector in ("/private/", "/private/index.gmi", "/members/",
                     "/gone/x", "/old/a"):
        reply = gopher(vhosts.gport, selector)
        assert reply.startswith(b"3"), (selector, reply[:80])
        for secret in (b"Private", b"Members", b"Gone but here",
                       b"Old but here"):
            assert secret not in reply, (selector, reply[:80])
    # Outside the locations a plain file is served as it is.
    assert gopher(vhosts.gport, "/notes.txt").startswith(b"plain text\r\n")


def test_gopher_listing_follows_auto_index_off(vhosts):
    assert gopher(vhosts.gport, "/nolist/").startswith(b"3")
    assert b"/listed/a.gmi" in gopher(vhosts.gport, "/listed/")
    # The file itself is still there for whoever knows its name.
    assert gopher(vhosts.gport, "/nolist/file.txt") == b"not listed\r\n.\r\n"


def test_tls12_resumption_with_client_cert_zones(vhosts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    session = None
    reused = []
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", vhosts.port),
                                      timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost",
                                 session=session) as tls:
                tls.sendall(u(vhosts, "/").encode() + b"\r\n")
                data = recv_all(tls)
                assert data.startswith(b"20 ")
                reused.append(tls.session_reused)
                session = tls.session
    assert reused[1] and reused[2], reused


def test_client_cert_zone_on_second_host(tmpbase):
    root_a = make_root(os.path.join(tmpbase, "a"))
    root_b = os.path.join(tmpbase, "b")
    os.makedirs(os.path.join(root_b, "private"))
    with open(os.path.join(root_b, "private", "index.gmi"), "w") as f:
        f.write("# B private\n")
    cert = client_cert(tmpbase, "bob")
    certs = os.path.join(tmpbase, "certs")
    conf = ('server "localhost" {\n root "%s"\n}\n'
            'server "b.example" {\n root "%s"\n cert "%s/b.pem"\n'
            ' key "%s/b.key"\n location "/private/*" {\n'
            '  require-client-cert\n }\n}\n' % (root_a, root_b, certs, certs))
    s = Server(root_a, conf=conf)
    try:
        h, body = gemini_cert(s.port, u(s, "/private/", "b.example"),
                              cert=cert, sni="b.example")
        assert h.startswith("20 ") and body == b"# B private\n", h
    finally:
        s.cleanup()


def test_redirect_target_is_percent_encoded(vhosts):
    h, _ = gemini_cert(vhosts.port, u(vhosts, "/old/a%20b%3Fx=1"))
    assert h == "31 /new/old/a%20b%3Fx%3D1"


def test_log_fields_cannot_be_forged(vhosts):
    gemini_cert(vhosts.port, u(vhosts, '/page.gmi" 200 99999 "-'))
    vhosts.stop()
    line = [l for l in vhosts.log().splitlines() if "99999" in l][0]
    assert '" 200 99999' not in line
    # Rejected (spaces), and logged with the quotes escaped.
    assert '\\x22 200 99999 \\x22-" 59 ' in line


def test_url_selector_only_for_web_schemes(server):
    reply = gopher(server.gport, "URL:javascript:alert(1)")
    assert reply.startswith(b"3")
    reply = gopher(server.gport, "URL:https://example.org/")
    assert b'href="https://example.org/"' in reply


def test_proxy_protocol_needs_proxy_from(tmpbase):
    path = os.path.join(tmpbase, "p.conf")
    with open(path, "w") as f:
        f.write("proxy-protocol gemini\n")
    r = subprocess.run([BIN, "-n", "-c", path, "-r", make_root(tmpbase)],
                       capture_output=True, cwd=tmpbase, timeout=30)
    assert r.returncode != 0
    assert b"proxy-protocol needs proxy-from" in r.stderr


def test_reload_picks_up_a_new_certificate(tmpbase):
    root = make_root(tmpbase)
    s = Server(root, conf="server \"localhost\" {\n root \"%s\"\n}\n" % root)
    try:
        before = peer_cert_der(s.port, "localhost")
        # The operator replaces the certificate and key, then reloads.
        os.unlink(s.cert)
        os.unlink(s.key)
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "configuration reloaded" not in s.log() and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert "configuration reloaded" in s.log()
        after = peer_cert_der(s.port, "localhost")
        assert after != before
        with open(s.cert) as f:
            assert ssl.DER_cert_to_PEM_cert(after).strip() == f.read().strip()
    finally:
        s.cleanup()


def test_redirect_too_long_is_temporary_failure(tmpbase):
    """A redirect whose template, once the path is put in, would not fit
    the 1024-byte meta: 40, not a truncated target."""
    root = make_root(tmpbase)
    conf = """
server "localhost" {
    root "%s"
    location "/twice/*" {
        redirect 31 "/new%%p%%p"
    }
}
""" % root
    s = Server(root, conf=conf)
    try:
        h, _, _ = gemini(s.port, "gemini://localhost:%d/twice/%s" %
                      (s.port, "a" * 100))
        assert h == "31 /new/twice/%s/twice/%s" % ("a" * 100, "a" * 100)
        h, body, _ = gemini(s.port, "gemini://localhost:%d/twice/%s" %
                         (s.port, "a" * 600))
        assert h == "40 redirect target too long", h
        assert body == b""
    finally:
        s.cleanup()


def test_gopher_menu_too_large_is_refused(tmpbase):
    """A gemtext file of 1 MB of blank lines would become a menu of
    about 25 MB: a type 3 error item, not a menu held for the reader."""
    root = make_root(tmpbase)
    with open(os.path.join(root, "blank.gmi"), "w") as f:
        f.write("\n" * (1024 * 1024 - 1))
    s = Server(root)
    try:
        reply = gopher(s.gport, "/blank.gmi")
        assert reply.startswith(b"3document too large for a menu\t"), \
            reply[:80]
        assert reply.endswith(b".\r\n")
        # A small gemtext file is still a menu.
        assert gopher(s.gport, "/page.gmi").startswith(b"i")
    finally:
        s.cleanup()


def _wait_text(path, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                if text in f.read():
                    return True
        time.sleep(0.1)
    return False


def test_reload_keeps_log_until_restart(tmpbase):
    """A reload that names another log file keeps the old one and says
    a restart is needed: the workers' sandbox allows writes only in the
    open log's directory, so switching would break the next SIGUSR1
    (found by review).  Rotation keeps working after such a reload."""
    root = make_root(tmpbase)
    logdir = os.path.join(tmpbase, "logs")
    os.makedirs(logdir)
    old, new = os.path.join(logdir, "a.log"), os.path.join(tmpbase, "b.log")
    conf = 'log "%s"\nlog-address full\nserver "localhost" {\n root "%s"\n}\n'
    s = Server(root, conf=conf % (old, root))
    try:
        url = "gemini://localhost:%d/page.gmi" % s.port
        with open(os.path.join(s.dir, "capsuled.conf"), "w") as f:
            f.write(conf % (new, root))
        s.proc.send_signal(signal.SIGHUP)
        assert _wait_text(old, "configuration reloaded")
        with open(old) as f:
            assert "log, user and chroot changes take effect at the next " \
                "restart" in f.read()
        assert gemini(s.port, url + "?one")[0] == "20 text/gemini"
        assert _wait_text(old, "?one"), "the old log is still the log"
        assert not os.path.exists(new)
        os.rename(old, old + ".1")
        s.proc.send_signal(signal.SIGUSR1)
        assert _wait_text(old, "", 10.0)
        time.sleep(0.5)   # the workers reopen at their next tick
        assert gemini(s.port, url + "?two")[0] == "20 text/gemini"
        assert _wait_text(old, "?two"), "rotation after the reload"
        with open(old) as f:
            assert "Permission denied" not in f.read()
    finally:
        s.cleanup()


def test_check_reports_on_stderr_with_a_log_file(tmpbase):
    """-n answers on stderr even when the config names a log file, and
    leaves no log file behind (found by review: it wrote its report
    into the log)."""
    root = make_root(tmpbase)
    logfile = os.path.join(tmpbase, "check.log")
    path = os.path.join(tmpbase, "withlog.conf")
    with open(path, "w") as f:
        f.write('log "%s"\nserver "localhost" {\n  root "%s"\n}\n' %
                (logfile, root))
    r = subprocess.run([BIN, "-n", "-c", path], capture_output=True,
                       cwd=tmpbase, timeout=30)
    assert r.returncode == 0, r.stderr
    assert b"configuration OK" in r.stderr
    assert not os.path.exists(logfile)
