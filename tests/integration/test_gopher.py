"""Gopher behaviour of the real binary (RFC 1436), through real clients
(curl, lynx) and a raw socket where bytes must be exact: menus, gemtext
converted to menus, generated directory and gemlog menus, type-0 text,
binaries, hand-written gophermaps, and hostile selectors."""

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import (Server, gemini, gopher, make_root, read_to_end,
                      recv_all)

# Preformatted lines are kept verbatim, so one of them may pass the width.
WIDTH = 70
LONG_PRE = "|" + "-" * 98 + "|"


# Helpers.

def gopher_raw(port, data, timeout=10, limit=8 << 20):
    """Send raw bytes (no CRLF added); return (reply, reset).  A server
    that refuses early may reset the connection while we still send.
    The read fails past timeout seconds in all or limit bytes."""
    reset = False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            reset = True
        reply, end = read_to_end(s, ends=(ConnectionResetError,),
                                 deadline=timeout, limit=limit)
    return reply, reset or end is not None


def curl(url, timeout=20):
    r = subprocess.run(["curl", "-s", "--max-time", str(timeout), url],
                       capture_output=True, timeout=timeout + 5)
    assert r.returncode == 0, (url, r.returncode, r.stderr)
    return r.stdout


def lynx(url, home, timeout=20):
    env = dict(os.environ, HOME=home, TERM="dumb", LANG="C.UTF-8")
    r = subprocess.run(["lynx", "-dump", "-width=200", url],
                       capture_output=True, timeout=timeout, env=env)
    assert r.returncode == 0, (url, r.returncode, r.stderr)
    return r.stdout.decode("utf-8", "replace")


def parse_menu(data, host="localhost", port=None, foreign=()):
    """Check the framing of a menu and return its items as tuples
    (type, display, selector, host, port).  Every line ends with CRLF
    and has four TAB-separated fields; the last line is "."; host and
    port are the configured ones except for items to hosts in foreign."""
    assert data.endswith(b"\r\n.\r\n") or data == b".\r\n", data[-40:]
    text = data.decode("utf-8")     # menus are always valid UTF-8
    lines = text[:-3].split("\r\n")
    assert lines[-1] == "", "every item line ends with CRLF"
    items = []
    for line in lines[:-1]:
        assert "\r" not in line and "\n" not in line, repr(line)
        fields = line.split("\t")
        assert len(fields) == 4, repr(line)
        assert len(line) >= 1 and line[0] not in "\t .", repr(line)
        item = (line[0], fields[0][1:], fields[1], fields[2], fields[3])
        if item[3] not in foreign:
            assert item[3] == host, repr(line)
            if port is not None:
                assert item[4] == str(port), repr(line)
        assert item[4].isdigit(), repr(line)
        items.append(item)
    return items


def info_lines(items):
    return [i[1] for i in items if i[0] == "i"]


def links(items):
    """{display: (type, selector, host, port)} of the non-info items."""
    return {i[1]: (i[0], i[2], i[3], i[4]) for i in items if i[0] != "i"}


def is_refusal(reply):
    """A type-3 error item (then the end marker), or nothing at all."""
    if reply == b"":
        return True
    return reply.startswith(b"3") and reply.endswith(b".\r\n")


@pytest.fixture(scope="module")
def gsrv():
    """One server for the module (a server start costs a second or two
    under ASan) over make_root() plus files for the Gopher tests.  Tests
    may add files to its root, each under names of their own."""
    base = tempfile.mkdtemp(prefix="capsuled-gopher-")
    root = make_root(base)
    gen = os.path.join(root, "gen")
    os.makedirs(os.path.join(gen, "sub"))
    os.makedirs(os.path.join(gen, ".hiddendir"))
    for name, data in [("zeta.txt", b"z\n"), ("Alpha.gmi", b"# Alpha\n"),
                       ("beta.bin", b"\x00\x01"), ("caf\u00e9.txt", b"c\n"),
                       ("with space.txt", b"w\n"), (".hidden.txt", b"no\n"),
                       ("sub/inner.txt", b"inner\n")]:
        write(gen, name, data)
    s = Server(root)
    yield s
    try:
        s.cleanup()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def write(root, name, data):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


# Menus of the root and of directories.

@pytest.mark.parametrize("url", ["gopher://127.0.0.1:%d/1/",
                                 "gopher://127.0.0.1:%d/",
                                 "gopher://127.0.0.1:%d"])
def test_root_menu_with_curl(gsrv, url):
    items = parse_menu(curl(url % gsrv.gport), port=gsrv.gport)
    assert info_lines(items)[:2] == ["Test capsule", "============"]
    assert links(items) == {
        "A page": ("1", "/page.gmi", "localhost", str(gsrv.gport)),
        "Posts": ("1", "/posts/", "localhost", str(gsrv.gport)),
    }


def test_generated_directory_menu_sorted_without_dot_files(gsrv):
    data = curl("gopher://127.0.0.1:%d/1/gen/" % gsrv.gport)
    items = parse_menu(data, port=gsrv.gport)
    got = [(t, d, s) for t, d, s, _, _ in items if t != "i"]
    assert got == [
        ("1", "Alpha.gmi", "/gen/Alpha.gmi"),
        ("9", "beta.bin", "/gen/beta.bin"),
        ("0", "caf\u00e9.txt", "/gen/caf\u00e9.txt"),
        ("1", "sub/", "/gen/sub/"),
        ("0", "with space.txt", "/gen/with space.txt"),
        ("0", "zeta.txt", "/gen/zeta.txt"),
    ]
    assert b"hidden" not in data
    assert "Index of /gen/" in info_lines(items)


def test_generated_menu_items_are_followable(gsrv):
    items = parse_menu(gopher(gsrv.gport, "/gen/"), port=gsrv.gport)
    for t, disp, sel, _, _ in items:
        if t == "i":
            continue
        reply = gopher(gsrv.gport, sel)
        assert not reply.startswith(b"3"), (sel, reply[:80])
        if t == "0":
            assert reply.endswith(b".\r\n")
    assert gopher(gsrv.gport, "/gen/sub/inner.txt") == b"inner\r\n.\r\n"


def test_directory_without_slash_served_as_menu(gsrv):
    assert gopher(gsrv.gport, "/gen") == gopher(gsrv.gport, "/gen/")


def test_directory_index_gmi_is_the_menu(gsrv):
    items = parse_menu(gopher(gsrv.gport, "/dir/"), port=gsrv.gport)
    assert info_lines(items)[0] == "Dir index"


# Gemtext converted to a menu.

def long_doc(gemport):
    para = " ".join("w%02d-word" % i for i in range(60))
    utf8 = " ".join(["caf\u00e9\u00e9\u00e9 na\u00efve \u65e5\u672c"] * 12)
    return (
        "# A long document\n\n"
        + para + "\n\n"
        + utf8 + "\n"
        + "* " + "listitem " * 20 + "\n"
        + "> " + "quoted " * 20 + "\n"
        + "```\n" + LONG_PRE + "\n\tindented\n```\n"
        + "=> page.gmi A page\n"
        + "=> notes.txt\n"
        + "=> sub/../image.bin Binary\n"
        + "=> /dir/ Dir\n"
        + "=> ../../../posts/ Climbing\n"
        + "=> gemini://localhost:%d/notes.txt Local absolute\n" % gemport
        + "=> gemini://localhost:1/page.gmi Other port\n"
        + "=> https://example.org/x?a=b Web\n"
        + "=> gopher://example.net:7070/0/foo.txt Remote gopher\n"
        + "=> mailto:someone@example.org Mail\n"
    ), para, utf8


def test_gmi_converted_to_menu(gsrv):
    doc, para, utf8 = long_doc(gsrv.port)
    write(gsrv.root, "long.gmi", doc)
    data = curl("gopher://127.0.0.1:%d/1/long.gmi" % gsrv.gport)
    items = parse_menu(data, port=gsrv.gport, foreign=("example.net",))
    infos = info_lines(items)
    assert infos[:2] == ["A long document", "=" * len("A long document")]
    for line in infos:
        if line != LONG_PRE:
            assert len(line) <= WIDTH, (len(line), line)
    # Wrapping loses no words and keeps their order.
    words = " ".join(infos).split()
    start = words.index("w00-word")
    assert words[start:start + 60] == para.split()
    assert " ".join(infos).count("\u65e5\u672c") == 12
    # Lists and quotes keep their markers on wrapped lines.
    lst = [i for i in infos if "listitem" in i]
    assert len(lst) >= 2 and lst[0].startswith("* ")
    assert all(i.startswith("  ") for i in lst[1:])
    quo = [i for i in infos if "quoted" in i]
    assert len(quo) >= 2 and all(i.startswith("> ") for i in quo)
    # Preformatted text stays verbatim and unwrapped; tabs are expanded.
    assert LONG_PRE in infos
    assert " " * 8 + "indented" in infos
    assert not any("```" in i for i in infos)
    g = str(gsrv.gport)
    assert links(items) == {
        "A page": ("1", "/page.gmi", "localhost", g),
        "notes.txt": ("0", "/notes.txt", "localhost", g),
        "Binary": ("9", "/image.bin", "localhost", g),
        "Dir": ("1", "/dir/", "localhost", g),
        "Climbing": ("1", "/posts/", "localhost", g),
        "Local absolute": ("0", "/notes.txt", "localhost", g),
        "Other port": ("h", "URL:gemini://localhost:1/page.gmi",
                       "localhost", g),
        "Web": ("h", "URL:https://example.org/x?a=b", "localhost", g),
        "Remote gopher": ("0", "/foo.txt", "example.net", "7070"),
        "Mail": ("h", "URL:mailto:someone@example.org", "localhost", g),
    }


def test_gmi_in_subdirectory_links_resolve_against_it(gsrv):
    write(gsrv.root, "gen/sub/doc.gmi",
          "# Sub doc\n=> ../zeta.txt Up\n=> inner.txt Here\n=> ./ Dir\n")
    items = parse_menu(gopher(gsrv.gport, "/gen/sub/doc.gmi"),
                       port=gsrv.gport)
    got = {d: (t, s) for t, d, s, _, _ in items if t != "i"}
    assert got == {"Up": ("0", "/gen/zeta.txt"),
                   "Here": ("0", "/gen/sub/inner.txt"),
                   "Dir": ("1", "/gen/sub/")}
    for _, sel in got.values():
        assert not gopher(gsrv.gport, sel).startswith(b"3"), sel


def test_gmi_menu_with_lynx(gsrv, tmpbase):
    doc, _, _ = long_doc(gsrv.port)
    write(gsrv.root, "long.gmi", doc)
    out = lynx("gopher://127.0.0.1:%d/1/long.gmi" % gsrv.gport, tmpbase)
    assert "A long document" in out
    assert "w00-word" in out and "w59-word" in out
    assert "A page" in out and "Remote gopher" in out
    assert "gopher://localhost:%d/1/page.gmi" % gsrv.gport in out


def test_root_menu_with_lynx(gsrv, tmpbase):
    out = lynx("gopher://127.0.0.1:%d/" % gsrv.gport, tmpbase)
    assert "Test capsule" in out
    assert "A page" in out and "Posts" in out
    assert "gopher://localhost:%d/1/posts/" % gsrv.gport in out


# The gemlog.

def test_gemlog_index_menu_newest_first(gsrv):
    posts = os.path.join(gsrv.root, "posts")
    write(posts, ".header.gmi", "# My gemlog\n\nWelcome here.\n")
    write(posts, "2025-12-31-old.gmi", "# Old post\n")
    write(posts, "dated-inside.gmi", "2025-06-01 written then\n# Inside\n")
    write(posts, "undated.gmi", "# Undated\n")
    os.utime(os.path.join(posts, "undated.gmi"), (86400 * 365, 86400 * 365))
    data = curl("gopher://127.0.0.1:%d/1/posts/" % gsrv.gport)
    items = parse_menu(data, port=gsrv.gport)
    infos = info_lines(items)
    assert infos[0] == "My gemlog" and "Welcome here." in infos
    first_item = next(k for k, i in enumerate(items) if i[0] != "i")
    assert all(i[0] == "i" for i in items[:first_item])
    got = [(t, d, s) for t, d, s, _, _ in items if t != "i"]
    assert got == [
        ("1", "2026-01-02 Second post", "/posts/2026-01-02-second.gmi"),
        ("1", "2026-01-01 First post", "/posts/2026-01-01-first.gmi"),
        ("1", "2025-12-31 Old post", "/posts/2025-12-31-old.gmi"),
        ("1", "2025-06-01 Inside", "/posts/dated-inside.gmi"),
        ("1", "1971-01-01 Undated", "/posts/undated.gmi"),
    ]
    for _, _, sel in got:
        reply = gopher(gsrv.gport, sel)
        assert parse_menu(reply, port=gsrv.gport), sel


def test_gemlog_post_as_menu(gsrv):
    items = parse_menu(gopher(gsrv.gport, "/posts/2026-01-02-second.gmi"),
                       port=gsrv.gport)
    assert info_lines(items)[0] == "Second post"


def test_gemlog_feed_over_gopher_is_text(gsrv):
    reply = gopher(gsrv.gport, "/posts/atom.xml")
    assert reply.startswith(b"<?xml")
    assert reply.endswith(b"</feed>\r\n.\r\n")
    assert b"Second post" in reply


def test_gemlog_feed_over_gopher_matches_gemini_feed(gsrv):
    _, gem, _ = gemini(gsrv.port,
                       "gemini://localhost:%d/posts/atom.xml" % gsrv.port)
    reply = gopher(gsrv.gport, "/posts/atom.xml")
    assert reply[:-3].replace(b"\r\n", b"\n") == gem


# Text files (type 0).

def test_text_file_dot_stuffed_crlf(gsrv):
    reply, _ = gopher_raw(gsrv.gport, b"/notes.txt\r\n")
    assert reply == b"plain text\r\n..starts with a dot\r\n.\r\n"


def test_text_file_edge_lines(gsrv):
    write(gsrv.root, "edge.txt", b"a\r\n.\r\n..two\n\nlast without newline")
    reply, _ = gopher_raw(gsrv.gport, b"/edge.txt\r\n")
    assert reply == (b"a\r\n..\r\n...two\r\n\r\nlast without newline\r\n"
                     b".\r\n")


def test_text_file_with_curl(gsrv):
    assert curl("gopher://127.0.0.1:%d/0/notes.txt" % gsrv.gport) == \
        b"plain text\r\n..starts with a dot\r\n.\r\n"


def test_empty_text_file(gsrv):
    write(gsrv.root, "empty.txt", b"")
    assert gopher(gsrv.gport, "/empty.txt") == b".\r\n"


def test_large_text_file_streamed_as_is(gsrv):
    # Past the conversion limit text is streamed byte for byte and ends
    # at the close: a "." trailer without dot-stuffing could cut it at
    # a line holding a lone ".", like the one in the middle here.
    body = b"".join(b"line %07d of a large text file\r\n" % i
                    for i in range(20000))
    body += b".\r\n" + body
    assert len(body) > 1024 * 1024
    write(gsrv.root, "large.txt", body)
    reply, _ = gopher_raw(gsrv.gport, b"/large.txt\r\n", timeout=20)
    assert reply == body


# Binaries.

def test_binary_byte_exact_with_curl(gsrv):
    data = curl("gopher://127.0.0.1:%d/9/image.bin" % gsrv.gport)
    with open(os.path.join(gsrv.root, "image.bin"), "rb") as f:
        assert hashlib.sha256(data).hexdigest() == \
            hashlib.sha256(f.read()).hexdigest()


def test_large_binary_byte_exact(gsrv):
    blob = os.urandom(3 * 1024 * 1024 + 17)
    write(gsrv.root, "big.bin", blob)
    data = curl("gopher://127.0.0.1:%d/9/big.bin" % gsrv.gport)
    assert len(data) == len(blob)
    assert hashlib.sha256(data).digest() == hashlib.sha256(blob).digest()


# Hand-written gophermaps.

GOPHERMAP = (
    "Welcome to the hand-written map\r\n"
    "0Notes\t/notes.txt\r\n"
    "1Sub\tsub/\r\n"
    "0Relative\tfile.txt\r\n"
    "0file.txt\t\r\n"
    "hWeb\tURL:https://example.org/\r\n"
    "1Elsewhere\t/\texample.com\t70\r\n"
    "1Here with port\t/\tlocalhost\r\n"
    "iAn info item\t\r\n"
    "a line that is not an item\n"
    ".\r\n"
    "0After the end\t/notes.txt\r\n"
)


def test_gophermap_filled_in(gsrv):
    write(gsrv.root, "gm/gophermap", GOPHERMAP)
    write(gsrv.root, "gm/file.txt", "file\n")
    write(gsrv.root, "gm/sub/x.txt", "x\n")
    write(gsrv.root, "gm/index.gmi", "# Not this\n")
    data = curl("gopher://127.0.0.1:%d/1/gm/" % gsrv.gport)
    items = parse_menu(data, port=gsrv.gport, foreign=("example.com",))
    g = str(gsrv.gport)
    assert items == [
        ("i", "Welcome to the hand-written map", "", "localhost", g),
        ("0", "Notes", "/notes.txt", "localhost", g),
        ("1", "Sub", "/gm/sub/", "localhost", g),
        ("0", "Relative", "/gm/file.txt", "localhost", g),
        ("0", "file.txt", "/gm/file.txt", "localhost", g),
        ("h", "Web", "URL:https://example.org/", "localhost", g),
        ("1", "Elsewhere", "/", "example.com", "70"),
        ("1", "Here with port", "/", "localhost", g),
        ("i", "An info item", "", "localhost", g),
        ("i", "a line that is not an item", "", "localhost", g),
    ]
    assert b"After the end" not in data and b"Not this" not in data
    for t, _, sel, host, _ in items:
        if t in "01" and host == "localhost":
            assert not gopher(gsrv.gport, sel).startswith(b"3"), sel


def test_gophermap_not_served_as_a_file_listing_entry(gsrv):
    write(gsrv.root, "gm2/gophermap", "iOnly this\t\r\n")
    write(gsrv.root, "gm2/a.txt", "a\n")
    items = parse_menu(gopher(gsrv.gport, "/gm2/"), port=gsrv.gport)
    assert [i[1] for i in items] == ["Only this"]


def test_configured_host_and_port_in_items(tmpbase):
    root = make_root(tmpbase)
    s = Server(root, conf='gopher-host "gopher.example.org"\n'
               'gopher-public-port 7070\n')
    try:
        write(root, "gm/gophermap",
              "0Notes\t/notes.txt\r\n1Away\t/\tfar.example\t71\r\n")
        for sel in ("/", "/page.gmi", "/listed/", "/posts/", "/gm/",
                    "/nope"):
            items = parse_menu(gopher(s.gport, sel),
                               host="gopher.example.org", port=7070,
                               foreign=("far.example",))
            assert items, sel
        gm = parse_menu(gopher(s.gport, "/gm/"), host="gopher.example.org",
                        port=7070, foreign=("far.example",))
        assert gm[1][3:] == ("far.example", "71")
    finally:
        s.cleanup()


# Hostile selectors: a type-3 item or a clean close, never a file from
# outside the root, and the server keeps serving.

HOSTILE = [
    (b"../../etc/passwd", "relative climb"),
    (b"/../../../../etc/passwd", "absolute climb"),
    (b"/%2e%2e/%2e%2e/etc/passwd", "encoded dots"),
    (b"/..%2f..%2f..%2fetc%2fpasswd", "encoded slashes"),
    (b"/posts/../../../etc/passwd", "climb from a subdirectory"),
    (b"/.secret", "dot-file"),
    (b"/.git/config", "dot-directory"),
    (b"/posts/.gemlog", "gemlog marker"),
    (b"/nope.gmi", "missing file"),
    (b"x" * 10240, "10 KB selector"),
    (b"/" + b"a" * 300, "selector over 255 bytes"),
    (b"\x00\xff\xfe\x01junk\x00", "binary junk with NUL"),
    (b"/\xff\xfe\xc0\xaf.gmi", "invalid UTF-8"),
    (b"/\xc0\xae\xc0\xae/etc/passwd", "overlong UTF-8 dots"),
    (b"/page.gmi\rX", "bare CR"),
    (b"/\x1b[31m", "escape byte"),
    (b"GET / HTTP/1.1\r\nHost: x", "HTTP request"),
]


@pytest.mark.parametrize("sel,why", HOSTILE, ids=[w for _, w in HOSTILE])
def test_hostile_selector_refused(gsrv, sel, why):
    reply, _ = gopher_raw(gsrv.gport, sel + b"\r\n")
    assert is_refusal(reply), (why, reply[:200])
    assert b"root:x" not in reply and b"[core]" not in reply
    assert b"secret\r\n" not in reply
    if reply:
        parse_menu(reply, port=gsrv.gport)
    # The server is still answering.
    assert gopher(gsrv.gport, "/page.gmi").startswith(b"iA page")


def test_symlink_out_of_root_refused(gsrv):
    os.symlink("/etc/passwd", os.path.join(gsrv.root, "passwd.txt"))
    os.symlink("/etc", os.path.join(gsrv.root, "etc"))
    for sel in ("/passwd.txt", "/etc/passwd", "/etc/"):
        reply = gopher(gsrv.gport, sel)
        assert is_refusal(reply) and b"root:" not in reply, (sel, reply[:80])


def test_error_item_shape(gsrv):
    items = parse_menu(gopher(gsrv.gport, "/nope.gmi"), port=gsrv.gport)
    assert len(items) == 1 and items[0][0] == "3"
    assert items[0][1] == "not found"


def test_url_selector_answers_html_redirect(gsrv):
    data = curl("gopher://127.0.0.1:%d/hURL:https://example.org/"
                % gsrv.gport)
    text = data.decode()
    assert text.lstrip().lower().startswith("<!doctype html")
    assert 'http-equiv="refresh"' in text
    assert "url=https://example.org/" in text
    assert 'href="https://example.org/"' in text


def test_url_selector_is_escaped(gsrv):
    reply = gopher(gsrv.gport, 'URL:https://example.org/?a=<b>&c="d"')
    assert b"<b>" not in reply and b'"d"' not in reply
    assert b"&lt;b&gt;&amp;c=&quot;d&quot;" in reply


# Search strings and Gopher+ suffixes: answered as plain Gopher.

@pytest.mark.parametrize("suffix", [b"\tsearch words", b"\t+", b"\t$",
                                    b"\t!", b"\t+text/plain",
                                    b"\twords\t+", b"\t$+INFO"])
def test_search_and_gopher_plus_answered_plain(gsrv, suffix):
    for sel in (b"/", b"/notes.txt", b"/posts/"):
        plain, _ = gopher_raw(gsrv.gport, sel + b"\r\n")
        reply, _ = gopher_raw(gsrv.gport, sel + suffix + b"\r\n")
        assert reply == plain, (sel, suffix, reply[:80])
        assert not reply.startswith(b"+")


def test_lf_only_request_accepted(gsrv):
    reply, _ = gopher_raw(gsrv.gport, b"/notes.txt\n")
    assert reply == b"plain text\r\n..starts with a dot\r\n.\r\n"


def test_request_split_across_writes(gsrv):
    with socket.create_connection(("127.0.0.1", gsrv.gport), timeout=10) as s:
        for part in (b"/no", b"tes.t", b"xt\r", b"\n"):
            s.sendall(part)
            time.sleep(0.05)
        data = recv_all(s)
    assert data == b"plain text\r\n..starts with a dot\r\n.\r\n"


def test_every_menu_well_formed(gsrv):
    doc, _, _ = long_doc(gsrv.port)
    write(gsrv.root, "long.gmi", doc)
    write(gsrv.root, "weird.gmi",
          "=> \t\r\n=>\n=> %zz Bad escape\n"
          "=> gopher://[::1]:70/1/x v6\n=> gopher://bad!host/ Bad host\n"
          "text with \x01 control and \x7f bytes\n")
    for sel in ("", "/", "/gen/", "/gen/sub/", "/listed/", "/posts/",
                "/long.gmi", "/weird.gmi", "/page.gmi", "/dir/", "/nope"):
        parse_menu(gopher(gsrv.gport, sel), port=gsrv.gport,
                   foreign=("example.net", "::1"))


# The worker's views of files: kept, but never stale for more than a
# second, and never past a rule that would now refuse the selector.

def until(pred, timeout=3.0):
    """Seconds until pred() held (polled), or None after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def test_edited_source_shows_within_a_second(gsrv):
    path = write(gsrv.root, "views/edit.gmi", "# Before\n")
    assert b"iBefore\t" in gopher(gsrv.gport, "/views/edit.gmi")
    assert b"iBefore\t" in gopher(gsrv.gport, "/views/edit.gmi")  # kept
    with open(path, "w") as f:
        f.write("# After the edit\n")
    secs = until(lambda: b"iAfter the edit\t" in
                 gopher(gsrv.gport, "/views/edit.gmi"))
    assert secs is not None and secs < 1.3, secs


def test_removed_source_gives_the_gopher_error(gsrv):
    path = write(gsrv.root, "views/gone.gmi", "# Here\n")
    assert b"iHere\t" in gopher(gsrv.gport, "/views/gone.gmi")
    os.unlink(path)
    secs = until(lambda: gopher(gsrv.gport, "/views/gone.gmi").startswith(
        b"3not found\t"))
    assert secs is not None and secs < 1.3, secs


def test_source_replaced_by_symlink_out_is_refused(gsrv):
    path = write(gsrv.root, "views/swap.gmi", "# Inside\n")
    assert b"iInside\t" in gopher(gsrv.gport, "/views/swap.gmi")
    os.unlink(path)
    os.symlink("/etc/passwd", path)
    secs = until(lambda: gopher(gsrv.gport, "/views/swap.gmi").startswith(
        b"3not found\t"))
    assert secs is not None and secs < 1.3, secs
    assert b"root:" not in gopher(gsrv.gport, "/views/swap.gmi")
