"""valgrind memcheck over a normal run of the production build: every
kind of answer once, then SIGTERM; no leak and no memory error in the
parent or the worker."""

import glob
import os
import re
import shutil

import pytest

from conftest import REPO, Server, free_port, gemini, gopher, make_root

PROD = os.path.join(REPO, "capsuled")
VALGRIND = shutil.which("valgrind")

pytestmark = pytest.mark.skipif(not VALGRIND or not os.path.exists(PROD),
                                reason="needs valgrind and ./capsuled")


def test_normal_run_has_no_leak(tmpbase):
    logs = os.path.join(tmpbase, "vg")
    os.makedirs(logs)
    wrapper = [VALGRIND, "--leak-check=full", "--show-leak-kinds=definite",
               "--errors-for-leak-kinds=definite", "--trace-children=yes",
               "--child-silent-after-fork=no",
               "--log-file=%s/vg.%%p" % logs]
    s = Server(make_root(tmpbase), binary=PROD, wrapper=wrapper, workers=1)
    try:
        base = "gemini://localhost:%d" % s.port
        for path, status in (("/", "20"), ("/page.gmi", "20"),
                             ("/image.bin", "20"), ("/posts/", "20"),
                             ("/posts/atom.xml", "20"), ("/dir", "31"),
                             ("/nope", "51")):
            header, _, _ = gemini(s.port, base + path, timeout=60)
            assert header.startswith(status), (path, header)
        assert gemini(s.port, b"gemini://localhost/\x01",
                      timeout=60)[0].startswith("59")
        assert gopher(s.gport, "/", timeout=60).endswith(b".\r\n")
        assert gopher(s.gport, "/posts/", timeout=60).endswith(b".\r\n")
        assert s.stop(timeout=60) == 0
    finally:
        s.cleanup()
    reports = [open(p).read() for p in glob.glob(logs + "/vg.*")]
    finished = [r for r in reports if "ERROR SUMMARY" in r]
    assert len(finished) >= 2, "the parent and the worker both report"
    for r in finished:
        assert re.search(r"ERROR SUMMARY: 0 errors", r), r[-3000:]
        m = re.search(r"definitely lost: ([\d,]+) bytes", r)
        assert m is None or m.group(1) == "0", r[-3000:]


def test_programs_and_uploads_have_no_leak(tmpbase):
    """The round's new paths under memcheck: a CGI script (a good reply,
    a bad header, one killed at the timeout), an SCGI backend, a dead
    backend, a Gemini proxy to a second capsuled, and Titan uploads (one
    taken, one refused).  The parent, the worker, the key process and
    the program runner each report; the scripts themselves are not
    traced (they are sh)."""
    from test_dynamic import ScgiBackend
    from test_titan import POST, TOKEN, titan

    logs = os.path.join(tmpbase, "vg")
    os.makedirs(logs)
    root = make_root(tmpbase)
    cgi = os.path.join(root, "cgi-bin")
    os.makedirs(cgi)
    for name, text in (
            ("hello", "#!/bin/sh\nprintf '20 text/plain\\r\\nhi %s\\n' "
                      "\"$QUERY_STRING\"\n"),
            ("bad", "#!/bin/sh\nprintf 'HTTP/1.0 200 OK\\r\\n\\r\\n'\n"),
            ("silent", "#!/bin/sh\nexec sleep 30\n")):
        with open(os.path.join(cgi, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(cgi, name), 0o755)
    sock = os.path.join(tmpbase, "app.sock")
    backend = ScgiBackend(sock, lambda env: b"20 text/plain\r\nscgi\n")
    # The proxied server serves the front's public URLs (public-port).
    back_root = os.path.join(tmpbase, "back")
    os.makedirs(os.path.join(back_root, "mirror"))
    with open(os.path.join(back_root, "mirror", "page.gmi"), "w") as f:
        f.write("# from the back\n")
    back_port = free_port()
    conf = """
cgi-timeout 3
server "localhost" {
    root "%s"
    location "/cgi-bin/*" { cgi on }
    location "/app/*" { scgi "%s" }
    location "/dead/*" { scgi "%s/nobody.sock" }
    location "/mirror/*" { proxy "127.0.0.1:%d" }
    location "/posts/*" { titan on
                          titan-token "%s" }
}
""" % (root, sock, tmpbase, back_port, TOKEN)
    wrapper = [VALGRIND, "--leak-check=full", "--show-leak-kinds=definite",
               "--errors-for-leak-kinds=definite", "--trace-children=yes",
               "--trace-children-skip=./*,/bin/*,/usr/bin/*",
               "--child-silent-after-fork=no",
               "--log-file=%s/vg.%%p" % logs]
    s = Server(root, binary=PROD, wrapper=wrapper, workers=1, conf=conf)
    back = None
    try:
        # Inside the try: if it cannot start, the one under valgrind
        # must not be left running.
        back = Server(back_root, gopher=False, port=back_port,
                      conf='public-port %d\nserver "localhost" '
                      '{ root "%s" }\n' % (s.port, back_root))
        base = "gemini://localhost:%d" % s.port
        for path, want in (("/cgi-bin/hello?x", "20 text/plain"),
                           ("/cgi-bin/bad", "42 "),
                           ("/cgi-bin/silent", "42 "),
                           ("/app/page", "20 text/plain"),
                           ("/dead/page", "43 "),
                           ("/mirror/page.gmi", "20 text/gemini")):
            header, body, _ = gemini(s.port, base + path, timeout=60)
            assert header.startswith(want), (path, header, body[:200])
        assert titan(s, "/posts/new.gmi", POST, token=TOKEN) == \
            "30 %s/posts/new.gmi" % base
        assert titan(s, "/posts/no.gmi", POST, token="wrong").startswith(
            "6"), "a wrong token is refused"
        assert gemini(s.port, base + "/posts/new.gmi",
                      timeout=60)[1] == POST
        assert gopher(s.gport, "/cgi-bin/hello", timeout=60).startswith(b"3")
        assert s.stop(timeout=60) == 0
    finally:
        s.cleanup()
        if back is not None:
            back.cleanup()
        backend.close()
    reports = [open(p).read() for p in glob.glob(logs + "/vg.*")]
    finished = [r for r in reports if "ERROR SUMMARY" in r]
    ours = [r for r in finished if "Command: " + PROD in r]
    assert len(ours) == 4, \
        "the parent, the worker, the key process and the runner report"
    for r in finished:
        assert re.search(r"ERROR SUMMARY: 0 errors", r), r[-3000:]
        m = re.search(r"definitely lost: ([\d,]+) bytes", r)
        assert m is None or m.group(1) == "0", r[-3000:]
