"""The shipped capsule (the repository's capsule/ directory) served by the
real binary: every page answers, every local link resolves, the
generated gemlog index and Atom feed are right and follow edits without
a restart, the same capsule reads well over Gopher, and the `capsuled
index` subcommand agrees with the server."""

import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from conftest import BIN, REPO, Server, gemini, gopher

CAPSULE = os.path.join(REPO, "capsule")
POSTS = os.path.join(CAPSULE, "posts")
ARTICLE = "2026-11-25-is-walking-or-exercise-good-for-dvt.gmi"
ARTICLE_TITLE = "Is Walking or Exercise Good for DVT?"
ATOM = "{http://www.w3.org/2005/Atom}"
INDEX_LINE = re.compile(r"^=> (\S+) (\d{4}-\d{2}-\d{2}) (.+)$")
CRAWL_MAX = 200


# Helpers.

def post_files(posts=POSTS):
    return sorted(n for n in os.listdir(posts)
                  if n.endswith(".gmi") and not n.startswith(".")
                  and n != "index.gmi")


def title_of(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return line[2:].strip()
    return os.path.basename(path)


def gem_url(srv, path):
    return "gemini://localhost:%d%s" % (srv.port, path)


def fetch(srv, path):
    header, body, _ = gemini(srv.port, gem_url(srv, path))
    return header, body.decode("utf-8")


def link_lines(text):
    """(url, label) of every link line outside preformatted blocks."""
    out, pre = [], False
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith("```"):
            pre = not pre
            continue
        if pre or not line.startswith("=>"):
            continue
        parts = line[2:].strip().split(None, 1)
        if parts:
            out.append((parts[0], parts[1].strip() if len(parts) > 1 else ""))
    return out


def resolve(srv, base_path, link):
    """The local path a link points to, or None when it leaves the
    capsule.  urljoin does not know gemini:, so join as http."""
    if "://" in link and not link.startswith("gemini://"):
        return None
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link) and \
            not link.startswith("gemini://"):
        return None
    if link.startswith("gemini://"):
        u = urlsplit("http://" + link[len("gemini://"):])
        if u.hostname != "localhost" or (u.port or 1965) != srv.port:
            return None
        return u.path or "/"
    joined = urljoin("http://localhost" + base_path, link)
    return urlsplit(joined).path or "/"


def crawl(srv, start="/"):
    """Follow every local link from start; {path: header}."""
    seen, queue = {}, [start]
    while queue and len(seen) < CRAWL_MAX:
        path = queue.pop(0)
        if path in seen:
            continue
        header, body = fetch(srv, path)
        seen[path] = header
        if header != "20 text/gemini":
            continue
        for link, _ in link_lines(body):
            target = resolve(srv, path, link)
            if target is not None and target not in seen:
                queue.append(target)
    assert not queue, "crawl did not finish within %d pages" % CRAWL_MAX
    return seen


def index_entries(text):
    """(name, date, title) of the generated index's post lines."""
    return [m.groups() for m in map(INDEX_LINE.match, text.split("\n"))
            if m and not m.group(1).endswith("/")]


def run_index(*args):
    r = subprocess.run([BIN, "index"] + list(args), capture_output=True,
                       timeout=20)
    return r


def parse_feed(text):
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == ATOM + "feed"
    return feed


def feed_entries(feed):
    return [(e.findtext(ATOM + "title"), e.findtext(ATOM + "id"),
             e.find(ATOM + "link").get("href"))
            for e in feed.findall(ATOM + "entry")]


def poll(fn, timeout=3.0, step=0.1):
    """Call fn until it returns a true value or timeout passes; return
    (value, seconds taken)."""
    start = time.monotonic()
    while True:
        v = fn()
        if v or time.monotonic() - start > timeout:
            return v, time.monotonic() - start
        time.sleep(step)


@pytest.fixture(scope="module")
def shipped():
    s = Server(CAPSULE)
    yield s
    s.cleanup()


@pytest.fixture
def copied(tmpbase):
    """A server over a copy of the capsule that tests may change."""
    root = os.path.join(tmpbase, "capsule")
    shutil.copytree(CAPSULE, root)
    s = Server(root, workers=2)
    yield s
    s.cleanup()


# The shipped capsule over Gemini.

def test_root_page(shipped):
    header, body = fetch(shipped, "/")
    assert header == "20 text/gemini"
    with open(os.path.join(CAPSULE, "index.gmi"), encoding="utf-8") as f:
        assert body == f.read()


@pytest.mark.parametrize("name", post_files())
def test_every_post_served(shipped, name):
    header, body = fetch(shipped, "/posts/" + name)
    assert header == "20 text/gemini"
    with open(os.path.join(POSTS, name), encoding="utf-8") as f:
        assert body == f.read()


def test_every_local_link_resolves(shipped):
    seen = crawl(shipped)
    bad = {p: h for p, h in seen.items() if not h.startswith("20 ")}
    assert not bad, bad
    for path in ("/", "/posts/", "/posts/atom.xml", "/about.gmi"):
        assert path in seen, path
    for name in post_files():
        assert "/posts/" + name in seen, name
    assert seen["/posts/atom.xml"].startswith("20 application/atom+xml")


def test_feed_is_valid_atom(shipped):
    header, body = fetch(shipped, "/posts/atom.xml")
    assert header.startswith("20 application/atom+xml")
    feed = parse_feed(body)
    for tag in ("id", "title", "updated"):
        assert (feed.findtext(ATOM + tag) or "").strip(), tag
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
                    r"(Z|[+-]\d{2}:\d{2})$", feed.findtext(ATOM + "updated"))
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == len(post_files())
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert (e.findtext(ATOM + tag) or "").strip(), tag
        link = e.find(ATOM + "link")
        assert link is not None and link.get("href"), "entry link"
        assert re.match(r"^\d{4}-\d{2}-\d{2}T", e.findtext(ATOM + "updated"))
    ids = [e.findtext(ATOM + "id") for e in entries]
    assert len(set(ids)) == len(ids), "entry ids are unique"
    # The links lead back to the posts, on this server.
    titles = {title_of(os.path.join(POSTS, n)): n for n in post_files()}
    for title, _, href in feed_entries(feed):
        path = resolve(shipped, "/posts/atom.xml", href)
        assert path == "/posts/" + titles[title], href
        assert fetch(shipped, path)[0] == "20 text/gemini"


def test_index_lists_every_post_newest_first(shipped):
    header, body = fetch(shipped, "/posts/")
    assert header == "20 text/gemini"
    with open(os.path.join(POSTS, ".header.gmi"), encoding="utf-8") as f:
        head = f.read()
    assert body.startswith(head), "the .header.gmi comes first"
    entries = index_entries(body)
    assert sorted(unquote(n) for n, _, _ in entries) == post_files()
    dates = [d for _, d, _ in entries]
    assert dates == sorted(dates, reverse=True)
    # Same date: ordered by name, descending (gemlog.h), so it is stable.
    assert entries == sorted(entries, key=lambda e: (e[1], e[0]),
                             reverse=True)
    for name, date, title in entries:
        assert title == title_of(os.path.join(POSTS, name))
        assert name.startswith(date)
    # Every line after the header is a well-formed index line.
    tail = [l for l in body[len(head):].split("\n") if l.strip()]
    assert tail and all(INDEX_LINE.match(l) for l in tail), tail


def test_related_posts_resolve(shipped):
    header, body = fetch(shipped, "/posts/" + ARTICLE)
    assert header == "20 text/gemini"
    section = body.split("## Related Posts", 1)[1]
    related = [(u, l) for u, l in link_lines(section)
               if u.endswith(".gmi") and u != "./"]
    assert len(related) == 4
    for link, label in related:
        path = resolve(shipped, "/posts/" + ARTICLE, link)
        h, text = fetch(shipped, path)
        assert h == "20 text/gemini", path
        assert text.startswith("# " + label + "\n"), (path, label)


# Changes to a copy of the capsule, without a restart.

def index_names(srv):
    h, body = fetch(srv, "/posts/")
    assert h == "20 text/gemini"
    return [n for n, _, _ in index_entries(body)]


def feed_titles(srv):
    h, body = fetch(srv, "/posts/atom.xml")
    assert h.startswith("20 ")
    return [t for t, _, _ in feed_entries(parse_feed(body))]


def test_post_added_and_removed_without_restart(copied):
    posts = os.path.join(copied.root, "posts")
    before = index_names(copied)
    feed_titles(copied)
    new = "2027-01-01-a-new-post.gmi"
    with open(os.path.join(posts, new), "w") as f:
        f.write("# A new post\n\nFresh.\n")
    assert index_names(copied) == [new] + before
    assert feed_titles(copied)[0] == "A new post"
    h, body = fetch(copied, "/posts/" + new)
    assert h == "20 text/gemini" and body.startswith("# A new post")
    os.unlink(os.path.join(posts, new))
    assert index_names(copied) == before
    assert "A new post" not in feed_titles(copied)
    # The post itself was kept in the worker's file cache, which looks at
    # the file again at most a second after it last did.
    gone, secs = poll(lambda: fetch(copied, "/posts/" + new)[0].startswith(
        "51 "), timeout=2.5)
    assert gone and secs < 1.6, secs
    # Removing a shipped post, too.
    os.unlink(os.path.join(posts, before[-1]))
    assert index_names(copied) == before[:-1]
    assert len(feed_titles(copied)) == len(before) - 1


def test_title_edit_reflected_within_two_seconds(copied):
    path = os.path.join(copied.root, "posts", ARTICLE)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    old = "# " + ARTICLE_TITLE + "\n"
    assert text.startswith(old)
    # Build the cache first, then edit at once: the same-second case.
    assert ARTICLE_TITLE in fetch(copied, "/posts/")[1]
    assert ARTICLE_TITLE in feed_titles(copied)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Walking After a DVT\n" + text[len(old):])

    def updated():
        # Several fetches so that every worker is asked.
        return all("Walking After a DVT" in fetch(copied, "/posts/")[1] and
                   "Walking After a DVT" in feed_titles(copied)
                   for _ in range(4))

    ok, took = poll(updated, timeout=4.0)
    assert ok, "title edit not reflected after %.1f s" % took
    assert took <= 2.5, "title edit took %.1f s" % took
    assert ARTICLE_TITLE not in [t for _, _, t in
                                 index_entries(fetch(copied, "/posts/")[1])]


def test_crawl_follows_absolute_gemini_links(copied):
    with open(os.path.join(copied.root, "index.gmi"), "a") as f:
        f.write("=> links.gmi More links\n")
    with open(os.path.join(copied.root, "links.gmi"), "w") as f:
        f.write("# Links\n"
                "=> gemini://localhost:%d/posts/atom.xml Feed\n"
                "=> gemini://localhost:%d/posts/%s Article\n"
                "=> gemini://example.org/ Elsewhere\n"
                "=> https://example.org/ Web\n"
                "```\n=> not-a-link.gmi\n```\n"
                % (copied.port, copied.port, ARTICLE))
    seen = crawl(copied)
    assert "/links.gmi" in seen and "/not-a-link.gmi" not in seen
    bad = {p: h for p, h in seen.items() if not h.startswith("20 ")}
    assert not bad, bad


# The same capsule over Gopher.

def gopher_items(srv, selector):
    data = gopher(srv.gport, selector)
    assert data.endswith(b".\r\n"), data[-40:]
    items = []
    for line in data.decode("utf-8")[:-3].split("\r\n")[:-1]:
        fields = line.split("\t")
        assert len(fields) == 4, repr(line)
        items.append((line[0], fields[0][1:], fields[1]))
    return items


def heading(items):
    """The first heading of a converted document: its info lines (a long
    title wraps) up to the "=" underline."""
    words = []
    for t, d, _ in items:
        assert t == "i", "the document starts with its title"
        if d and set(d) == {"="}:
            return " ".join(words)
        words.append(d)
    raise AssertionError("no underlined heading")


def test_gopher_root_menu(shipped):
    items = gopher_items(shipped, "/")
    assert ("i", "Blood clots and DVT", "") in items
    assert ("1", ARTICLE_TITLE, "/posts/" + ARTICLE) in items
    assert ("1", "Posts", "/posts/") in items
    assert ("1", "About this capsule", "/about.gmi") in items
    for t, _, sel in items:
        if t == "1":
            assert not gopher(shipped.gport, sel).startswith(b"3"), sel


def test_gopher_article_menu(shipped):
    items = gopher_items(shipped, "/posts/" + ARTICLE)
    infos = [d for t, d, _ in items if t == "i"]
    assert heading(items) == ARTICLE_TITLE
    assert "Related Posts" in infos
    assert all(len(d) <= 70 for d in infos)
    menu = {d: (t, s) for t, d, s in items if t != "i"}
    for name in post_files():
        if name == ARTICLE:
            continue
        title = title_of(os.path.join(POSTS, name))
        assert menu.get(title) == ("1", "/posts/" + name), title
        assert heading(gopher_items(shipped, "/posts/" + name)) == title
    assert menu["All posts"] == ("1", "/posts/")
    assert menu["Home"] == ("1", "/")


def test_gopher_posts_menu(shipped):
    items = gopher_items(shipped, "/posts/")
    got = [(d, s) for t, d, s in items if t == "1" and
           re.match(r"^\d{4}-\d{2}-\d{2} ", d)]
    _, body = fetch(shipped, "/posts/")
    want = [("%s %s" % (d, t), "/posts/" + n)
            for n, d, t in index_entries(body)]
    assert got == want


# The `capsuled index` subcommand agrees with the server.

def test_index_subcommand_matches_server(shipped):
    r = run_index(POSTS)
    assert r.returncode == 0, r.stderr
    _, body = fetch(shipped, "/posts/")
    cli = r.stdout.decode("utf-8")
    assert index_entries(cli) == index_entries(body)
    assert [l for l in cli.split("\n") if l.startswith("=>")] == \
        [l for l in body.split("\n") if l.startswith("=>")]


def test_index_subcommand_atom_matches_server(shipped):
    base = gem_url(shipped, "/posts/")
    r = run_index("-a", "-u", base, "-t", "localhost", POSTS)
    assert r.returncode == 0, r.stderr
    _, body = fetch(shipped, "/posts/atom.xml")
    cli = parse_feed(r.stdout.decode("utf-8"))
    srv = parse_feed(body)
    assert feed_entries(cli) == feed_entries(srv)
    assert cli.findtext(ATOM + "id") == srv.findtext(ATOM + "id")
    r = run_index("-a", POSTS)
    assert r.returncode == 0, r.stderr
    assert [t for t, _, _ in feed_entries(parse_feed(r.stdout.decode()))] == \
        [t for t, _, _ in feed_entries(srv)]


def test_index_subcommand_writes_files(shipped, tmpbase):
    out = os.path.join(tmpbase, "out")
    os.makedirs(out)
    r = run_index("-o", out, POSTS)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == ["atom.xml", "index.gmi"]
    with open(os.path.join(out, "index.gmi"), encoding="utf-8") as f:
        written = f.read()
    assert written == run_index(POSTS).stdout.decode("utf-8")
    with open(os.path.join(out, "atom.xml"), encoding="utf-8") as f:
        feed = parse_feed(f.read())
    assert len(feed_entries(feed)) == len(post_files())
    _, body = fetch(shipped, "/posts/")
    assert index_entries(written) == index_entries(body)
    # The repository's capsule is left as it was.
    assert not os.path.exists(os.path.join(POSTS, "index.gmi"))
    assert not os.path.exists(os.path.join(POSTS, "atom.xml"))


def test_index_subcommand_errors(tmpbase):
    r = run_index(os.path.join(tmpbase, "missing"))
    assert r.returncode == 1 and r.stderr
    r = run_index()
    assert r.returncode == 2 and b"usage" in r.stderr
