"""The private keys stay out of the workers (src/keyproc.c, keyprov.c).

The key process parses the keys and signs the handshakes; workers hold
certificates and ask it.  The memory tests read every readable mapping
of each process through /proc/PID/mem (root only) after it has served
TLS 1.2 and 1.3 handshakes with ECDSA, RSA and Ed25519 certificates,
and look for each private key's secret numbers, big- and little-endian,
and for the lines of its PEM file: none in any worker, all of them in
the key process (so the search is shown to work).  They run the
production build: an ASan build reserves terabytes of shadow memory."""

import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from conftest import (REPO, Server, gemini, gopher, is_key_process,
                      make_root)

PROD = os.path.join(REPO, "capsuled")

cryptography = pytest.importorskip("cryptography")
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import (  # noqa: E402
    ec, ed25519, rsa)

needs_root = pytest.mark.skipif(os.geteuid() != 0,
                                reason="reading /proc/PID/mem needs root")
needs_prod = pytest.mark.skipif(not os.path.exists(PROD),
                                reason="./capsuled not built (make)")


# --- keys and what to look for -----------------------------------------

def make_cert(base, name, kind):
    """A self-signed certificate and key made by openssl(1): cert, key."""
    cert = os.path.join(base, name + ".pem")
    key = os.path.join(base, name + ".key")
    newkey = {"ec": ["-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256"],
              "rsa": ["-newkey", "rsa:2048"],
              "ed25519": ["-newkey", "ed25519"]}[kind]
    subprocess.run(["openssl", "req", "-x509"] + newkey +
                   ["-nodes", "-days", "30", "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:" + name,
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


def _int_bytes(n):
    """n big-endian, as few bytes as it takes, and little-endian (as an
    OpenSSL BIGNUM holds it on x86_64 and aarch64)."""
    be = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return be, be[::-1]


def secrets_of(keypath):
    """{label: bytes}: the key's secret numbers in both byte orders, and
    the base64 lines of its PEM file."""
    with open(keypath, "rb") as f:
        pem = f.read()
    key = serialization.load_pem_private_key(pem, password=None)
    out = {}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        nums = {"scalar": key.private_numbers().private_value}
    elif isinstance(key, rsa.RSAPrivateKey):
        pn = key.private_numbers()
        nums = {"d": pn.d, "p": pn.p, "q": pn.q}
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(serialization.Encoding.Raw,
                                 serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        nums = {"seed": int.from_bytes(seed, "big")}
    else:
        raise AssertionError("unexpected key type")
    for name, n in nums.items():
        be, le = _int_bytes(n)
        out[name + " big-endian"] = be
        out[name + " little-endian"] = le
    lines = [l for l in pem.splitlines()
             if l and not l.startswith(b"-----")]
    # A PKCS #8 key starts with its algorithm's OID, the same in every
    # key of that kind: each line less its first 24 characters (18
    # bytes) holds some of this key's own bytes.
    for i, line in enumerate(lines, 1):
        if len(line) >= 48:
            out["PEM line %d" % i] = line[24:]
    return out


def readable_memory(pid):
    """Every readable mapping of pid, as (name, bytes)."""
    regions = []
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read().splitlines()
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else "[anon]"
            if fields[1][0] != "r" or name in ("[vvar]", "[vsyscall]"):
                continue
            try:
                mem.seek(start)
                regions.append((name, mem.read(end - start)))
            except (OSError, OverflowError, ValueError):
                continue
    return regions


def found_in(pid, secrets):
    """{label: region name} for each secret found in pid's memory."""
    hits = {}
    for name, data in readable_memory(pid):
        for label, needle in secrets.items():
            if label not in hits and data.find(needle) != -1:
                hits[label] = name
    return hits


# --- the server's processes ---------------------------------------------

def children(server):
    pid = server.proc.pid
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def key_process(server):
    kids = [p for p in children(server) if is_key_process(p)]
    assert len(kids) == 1, "one key process: %r" % kids
    return kids[0]


def workers(server):
    return [p for p in children(server) if not is_key_process(p)]


def wait_for(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def handshake(port, sni, tls_version=None, ciphers=None):
    """One TLS handshake and request; the response header."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls_version is not None:
        ctx.minimum_version = ctx.maximum_version = tls_version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            t.sendall(("gemini://%s:%d/\r\n" % (sni, port)).encode())
            data = b""
            while True:
                chunk = t.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n", 1)[0].decode(), t.version()


def s_client(port, sni, *args):
    """A handshake by openssl s_client with extra options: its output."""
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % port, "-servername", sni] +
                       list(args), input=("gemini://%s:%d/\r\n" %
                                          (sni, port)).encode(),
                       capture_output=True, timeout=20)
    return r.stdout.decode("utf-8", "replace")


HOSTS = (("ec.test", "ec"), ("rsa.test", "rsa"), ("ed.test", "ed25519"))


def keys_conf(base, root):
    """A configuration with one host per key type: {name: key file}.
    The first host is the one Server's flags name (localhost, its
    certificate made by capsuled on first start)."""
    conf = 'server "localhost" {\n root "%s"\n}\n' % root
    keys = {}
    for name, kind in HOSTS:
        cert, key = make_cert(base, name, kind)
        keys[name] = key
        conf += ('server "%s" {\n root "%s"\n cert "%s"\n key "%s"\n}\n'
                 % (name, root, cert, key))
    return conf, keys


def serve_every_kind(s):
    """TLS 1.2 and 1.3 handshakes on every host, until both workers have
    served some; RSA also with PKCS #1 v1.5 (TLS 1.2) signatures."""
    for _ in range(40):
        for name, _kind in HOSTS:
            for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                header, version = handshake(s.port, name, v)
                assert header.startswith("20"), (name, v, header)
        served = set(re.findall(r"worker (\d+): ", s.log()))
        if served == {"0", "1"}:
            break
    assert served == {"0", "1"}, "both workers served handshakes"
    out = s_client(s.port, "rsa.test", "-tls1_2", "-sigalgs", "RSA+SHA256")
    assert "Peer signature type: RSA\n" in out, out
    out = s_client(s.port, "rsa.test", "-tls1_3")
    assert "Peer signature type: RSA-PSS" in out, out
    out = s_client(s.port, "ec.test", "-tls1_2")
    assert "Peer signature type: ECDSA" in out, out
    out = s_client(s.port, "ed.test", "-tls1_3")
    assert "Peer signature type: ed25519" in out, out


@pytest.fixture
def keyserver(tmpbase):
    root = make_root(tmpbase)
    conf, keys = keys_conf(tmpbase, root)
    s = Server(root, conf=conf, workers=2, binary=PROD)
    keys["localhost"] = s.key        # made by capsuled on first start
    s.keys = keys
    yield s
    s.cleanup()


# --- where the keys are ---------------------------------------------------

@needs_root
@needs_prod
def test_no_worker_holds_a_private_key(keyserver):
    s = keyserver
    serve_every_kind(s)
    header, _, _ = gemini(s.port, "gemini://localhost:%d/" % s.port)
    assert header.startswith("20")
    ws = workers(s)
    assert len(ws) == 2
    for host, key in sorted(s.keys.items()):
        secrets = secrets_of(key)
        for w in ws:
            assert found_in(w, secrets) == {}, \
                "worker %d holds the key of %s" % (w, host)


@needs_root
@needs_prod
def test_the_key_process_holds_them(keyserver):
    """The same search finds every key in the key process: it can tell."""
    s = keyserver
    serve_every_kind(s)
    kp = key_process(s)
    for host, key in sorted(s.keys.items()):
        secrets = secrets_of(key)
        hits = found_in(kp, secrets)
        numbers = [l for l in secrets if not l.startswith("PEM")]
        assert any(l in hits for l in numbers), \
            "the key of %s is not in the key process: %r" % (host, hits)


@needs_root
@needs_prod
def test_the_parent_holds_the_files_not_the_keys(keyserver):
    """The parent keeps the key files' bytes (to start a key process
    again) but never parses them: no secret number in it."""
    s = keyserver
    serve_every_kind(s)
    for host, key in sorted(s.keys.items()):
        secrets = secrets_of(key)
        hits = found_in(s.proc.pid, secrets)
        assert [l for l in hits if not l.startswith("PEM")] == [], \
            "the parent holds a parsed key of %s: %r" % (host, hits)
        if host != "localhost":
            assert any(l.startswith("PEM") for l in hits), \
                "the parent keeps the file of %s" % host


# --- a key process that dies or stalls -------------------------------------

def try_handshake(port, timeout=15):
    """(outcome, seconds): "20 ..." on success, else the error's name."""
    start = time.monotonic()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=timeout) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(b"gemini://localhost:%d/\r\n" % port)
                data = t.recv(4096)
                outcome = data.split(b"\r\n")[0].decode()
    except (ssl.SSLError, ConnectionError, socket.timeout) as e:
        outcome = type(e).__name__
    return outcome, time.monotonic() - start


def serves_again(s, timeout=5.0):
    """A handshake succeeds within timeout: one that starts while the
    new key process says hello to the workers may still fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if try_handshake(s.port)[0].startswith("20"):
            return True
        time.sleep(0.1)
    return False


def test_dead_key_process_is_restarted(tmpbase):
    """SIGKILL: the parent starts another at once (after a second); a
    handshake meanwhile fails with an alert or a close, not at the 30 s
    timeout, and the log says why; the workers stay."""
    s = Server(make_root(tmpbase), workers=1, conf="timeout 30\n")
    try:
        assert try_handshake(s.port)[0].startswith("20")
        old, ws = key_process(s), workers(s)
        os.kill(old, signal.SIGKILL)
        outcome, took = try_handshake(s.port)
        assert not outcome.startswith("20") and outcome != "timeout", \
            outcome
        assert took < 10, "failed after %.1f s" % took
        assert wait_for(lambda: "restarting" in s.log())
        assert "key process killed by signal 9" in s.log()
        assert wait_for(lambda: "the key process restarted" in s.log()), \
            s.log()
        assert wait_for(lambda: len([p for p in children(s)
                                     if is_key_process(p)]) == 1)
        assert key_process(s) != old
        assert serves_again(s)
        assert workers(s) == ws, "no worker was restarted"
    finally:
        s.cleanup()


def test_stalled_key_process_stalls_no_other_connection(tmpbase):
    """SIGSTOP: a handshake waits for its signature, and meanwhile the
    same (only) worker answers Gopher and a TLS connection made before;
    SIGCONT: the waiting handshake completes."""
    import threading
    s = Server(make_root(tmpbase), workers=1, conf="timeout 30\n")
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        early = ctx.wrap_socket(socket.create_connection(
            ("127.0.0.1", s.port), timeout=10), server_hostname="localhost")
        kp = key_process(s)
        os.kill(kp, signal.SIGSTOP)
        result = []
        t = threading.Thread(target=lambda: result.append(
            try_handshake(s.port, timeout=20)))
        t.start()
        time.sleep(0.5)
        assert t.is_alive(), "the handshake waits for the key process"
        start = time.monotonic()
        assert gopher(s.gport, "/notes.txt").startswith(b"plain text")
        early.sendall(b"gemini://localhost:%d/page.gmi\r\n" % s.port)
        assert early.recv(4096).startswith(b"20 text/gemini")
        early.close()
        assert time.monotonic() - start < 2.0, "the worker was stalled"
        assert t.is_alive()
        os.kill(kp, signal.SIGCONT)
        t.join(20)
        assert result and result[0][0].startswith("20"), result
    finally:
        _cont(kp)
        s.cleanup()


def test_handshake_given_up_while_the_key_process_stalls(tmpbase):
    """The request timeout closes a connection whose handshake waits (its
    job is ended, the late answer ignored); then all is as before.  Under
    the ASan build, LeakSanitizer checks nothing was left behind."""
    s = Server(make_root(tmpbase), workers=1, conf="timeout 1\n")
    try:
        kp = key_process(s)
        os.kill(kp, signal.SIGSTOP)
        outcome, took = try_handshake(s.port)
        assert not outcome.startswith("20"), outcome
        assert took < 5, "closed after %.1f s" % took
        os.kill(kp, signal.SIGCONT)
        for _ in range(3):
            assert try_handshake(s.port)[0].startswith("20")
        assert "killed by signal" not in s.log()
        assert s.stop() == 0
    finally:
        _cont(kp)
        s.cleanup()


def _client_hello(port):
    """A connection that has sent its ClientHello, and nothing more."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        t.do_handshake()
    except ssl.SSLWantReadError:
        pass
    raw.sendall(outgoing.read())
    time.sleep(0.3)
    return raw


def test_client_gone_while_the_key_process_signs(tmpbase):
    """A client that resets its connection while its handshake waits:
    the worker gives up on it at once (no spinning on the hang-up)."""
    s = Server(make_root(tmpbase), workers=1, conf="timeout 30\n",
               extra_args=["-v"])
    try:
        kp = key_process(s)
        w = workers(s)[0]
        os.kill(kp, signal.SIGSTOP)
        raw = _client_hello(s.port)
        # RST: SO_LINGER 0.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
        raw.close()
        before = _cpu_ticks(w)
        time.sleep(1.0)
        assert _cpu_ticks(w) - before < 20, "the worker spins"
        assert wait_for(lambda: "client gone while the key process signed"
                        in s.log()), s.log()
        os.kill(kp, signal.SIGCONT)
        assert try_handshake(s.port)[0].startswith("20")
    finally:
        _cont(kp)
        s.cleanup()


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_client_sending_while_the_key_process_signs(tmpbase):
    """A client that keeps sending while its handshake waits for a
    signature is read no further than a couple of records: the worker's
    memory stays put (it grew by the bytes sent before), and once the
    key process answers the handshake goes on (and fails on the junk)."""
    s = Server(make_root(tmpbase), workers=1, conf="timeout 30\n")
    kp = key_process(s)
    try:
        w = workers(s)[0]
        os.kill(kp, signal.SIGSTOP)
        raw = _client_hello(s.port)
        before = _rss_kb(w)
        junk = (b"\x17\x03\x03\x40\x00" + b"A" * 16384) * 16
        sent = 0
        raw.settimeout(1)
        while sent < (64 << 20):            # at most 64 MB, about 2 s
            try:
                raw.sendall(junk)
            except socket.timeout:
                break                       # the worker stopped reading
            sent += len(junk)
        grew = _rss_kb(w) - before
        assert grew < 8 * 1024, "the worker took in %d kB of %d MB sent" % (
            grew, sent >> 20)
        assert sent < (64 << 20), "every byte was read"
        os.kill(kp, signal.SIGCONT)
        assert try_handshake(s.port)[0].startswith("20")
        raw.close()
    finally:
        _cont(kp)
        s.cleanup()


def _cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _cont(pid):
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


# --- reload and bad keys ------------------------------------------------

def _reload(s, mark):
    n = s.log().count(mark)
    s.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: s.log().count(mark) > n, 15), s.log()


def _peer_cert(port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert(binary_form=True)


def test_reload_starts_a_key_process_with_the_new_key(tmpbase):
    """SIGHUP with a new certificate and key: a new key process holds
    the new key; the old one leaves once the old workers have."""
    s = Server(make_root(tmpbase), workers=1)
    try:
        before = _peer_cert(s.port)
        old = key_process(s)
        cert, key = make_cert(tmpbase, "localhost", "rsa")
        os.replace(cert, s.cert)
        os.replace(key, s.key)
        _reload(s, "configuration reloaded")
        assert wait_for(lambda: len([p for p in children(s)
                                     if is_key_process(p)]) == 1), \
            "the old key process left"
        assert key_process(s) != old
        after = _peer_cert(s.port)
        assert after != before
        assert try_handshake(s.port)[0].startswith("20")
    finally:
        s.cleanup()


def test_reload_with_a_mismatched_key_is_refused(tmpbase):
    """A key that is not the certificate's: the new key process says
    so, the reload is refused, the old key process serves on."""
    s = Server(make_root(tmpbase), workers=1)
    try:
        old, before = key_process(s), _peer_cert(s.port)
        _cert, other = make_cert(tmpbase, "other", "ec")
        os.replace(other, s.key)
        _reload(s, "reload refused")
        assert "%s: does not match its certificate" % s.key in s.log()
        time.sleep(0.5)
        assert [p for p in children(s) if is_key_process(p)] == [old]
        assert _peer_cert(s.port) == before
        assert try_handshake(s.port)[0].startswith("20")
    finally:
        s.cleanup()


def _run(args, timeout=30):
    return subprocess.run(args, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("check", [False, True])
def test_mismatched_key_refused_at_start(tmpbase, check):
    """capsuled and capsuled -n name the key that is not the
    certificate's, and exit 1."""
    from conftest import BIN, free_port
    root = make_root(tmpbase)
    cert, _key = make_cert(tmpbase, "localhost", "ec")
    _cert, other = make_cert(tmpbase, "other", "ec")
    r = _run([BIN] + (["-n"] if check else []) +
             ["-r", root, "-l", "127.0.0.1", "-p", str(free_port()),
              "-C", cert, "-K", other, "-j", "1"])
    assert r.returncode == 1, r.stderr
    assert b"%s: does not match its certificate" % other.encode() in \
        r.stderr, r.stderr


def test_encrypted_key_refused_without_a_prompt(tmpbase):
    """OpenSSL would ask for a pass phrase on the terminal: refused."""
    from conftest import BIN
    root = make_root(tmpbase)
    cert, key = make_cert(tmpbase, "localhost", "ec")
    subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout",
                    "pass:secret", "-out", key + ".enc"], check=True)
    os.replace(key + ".enc", key)
    r = _run([BIN, "-n", "-r", root, "-C", cert, "-K", key], timeout=10)
    assert r.returncode == 1
    assert key.encode() + b": " in r.stderr, r.stderr


def test_key_process_gets_the_reopened_log(tmpbase):
    """SIGUSR1: it opens no file, so the parent hands it the new log."""
    logdir = os.path.join(tmpbase, "logs")
    os.makedirs(logdir)
    logfile = os.path.join(logdir, "capsuled.log")
    s = Server(make_root(tmpbase), conf='log "%s"\n' % logfile)
    try:
        kp = key_process(s)
        assert os.readlink("/proc/%d/fd/2" % kp) == logfile
        os.rename(logfile, logfile + ".1")
        s.proc.send_signal(signal.SIGUSR1)
        assert wait_for(lambda: os.readlink("/proc/%d/fd/2" % kp) ==
                        logfile), os.readlink("/proc/%d/fd/2" % kp)
    finally:
        s.cleanup()


def test_first_handshake_after_a_restart(tmpbase):
    """A worker that had not signed yet when the key process was
    replaced: the new one's hello waits in its socket, and must not be
    taken for the answer to its first request (found in review)."""
    s = Server(make_root(tmpbase), workers=1, conf="timeout 30\n")
    try:
        old = key_process(s)
        os.kill(old, signal.SIGKILL)
        assert wait_for(lambda: s.log().count("key process: sandbox: ")
                        == 2), s.log()
        time.sleep(0.5)             # it has said hello by now
        outcome, _ = try_handshake(s.port)
        assert outcome.startswith("20"), (outcome, s.log())
    finally:
        s.cleanup()
