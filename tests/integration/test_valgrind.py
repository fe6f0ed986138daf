"""valgrind memcheck over a normal run of the production build: every
kind of answer once, then SIGTERM; no leak and no memory error in the
parent or the worker."""

import glob
import os
import re
import shutil

import pytest

from conftest import REPO, Server, gemini, gopher, make_root

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
