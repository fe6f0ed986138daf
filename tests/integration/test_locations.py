"""Locations hold on every way to a file.  A directory is answered with
its index.gmi, so a rule written for that file must hold when the
directory is asked for too (found by review: "/private/" used to serve
what a location on "/private/index.gmi" guarded, over both protocols)."""

import os

import pytest

from conftest import Server, gopher, make_root
from test_operations import client_cert, gemini_cert


@pytest.fixture
def guarded(tmpbase):
    root = make_root(tmpbase)
    for d, text in (("private", "# Private index\n"),
                    ("gone", "# Gone index\n"),
                    ("typed", "# Typed index\n")):
        os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, d, "index.gmi"), "w") as f:
            f.write(text)
    conf = """
server "localhost" {
    root "%s"
    location "/private/index.gmi" {
        require-client-cert
    }
    location "/gone/index.gmi" {
        block return 52 "gone"
    }
    location "/blk/*" {
        block return 51 "gone: %%p"
    }
    location "/typed/index.gmi" {
        mime "gmi" "text/gemini; lang=fr"
    }
}
""" % root
    s = Server(root, conf=conf)
    s.alice = client_cert(tmpbase, "alice")
    yield s
    s.cleanup()


def url(s, path):
    return "gemini://localhost:%d%s" % (s.port, path)


@pytest.mark.parametrize("path", ["/private/index.gmi", "/private/"])
def test_certificate_zone_on_index_guards_directory(guarded, path):
    h, body = gemini_cert(guarded.port, url(guarded, path))
    assert h.startswith("60 "), (path, h)
    assert b"Private" not in body
    h, body = gemini_cert(guarded.port, url(guarded, path),
                          cert=guarded.alice)
    assert h == "20 text/gemini" and body == b"# Private index\n", (path, h)


@pytest.mark.parametrize("path", ["/gone/index.gmi", "/gone/"])
def test_block_on_index_blocks_directory(guarded, path):
    h, body = gemini_cert(guarded.port, url(guarded, path))
    assert h == "52 gone", (path, h)
    assert body == b""


def test_index_takes_its_own_location_settings(guarded):
    h, _ = gemini_cert(guarded.port, url(guarded, "/typed/"))
    assert h == "20 text/gemini; lang=fr", h


@pytest.mark.parametrize("selector", ["/private/", "/private/index.gmi",
                                      "/gone/", "/gone/index.gmi"])
def test_gopher_does_not_serve_guarded_index(guarded, selector):
    reply = gopher(guarded.gport, selector)
    assert reply.startswith(b"3"), (selector, reply[:80])
    assert b"index" not in reply
    # The unguarded directory next to them is still a menu.
    assert gopher(guarded.gport, "/typed/").startswith(b"i")


def test_block_message_path_is_encoded(guarded):
    """%p in a message is the decoded path: encoded again, so a C1
    control (U+0085) or a byte that is not UTF-8 never reaches the
    header."""
    h, body = gemini_cert(guarded.port, url(guarded, "/blk/a%C2%85b%FFc%20d"))
    assert h == "51 gone: /blk/a%C2%85b%FFc%20d", h
    assert body == b""
