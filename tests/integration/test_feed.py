"""The Atom feed as subscribers see it, read with a feed parser no one
here wrote (Debian's python3-feedparser): titled by the gemlog's own
heading, a summary per entry, and bounded to the newest posts."""

import os
import shutil
import warnings

with warnings.catch_warnings():
    # Debian 12's feedparser imports the cgi module, deprecated in 3.11:
    # its warning is about feedparser, not about the feed.
    warnings.simplefilter("ignore", DeprecationWarning)
    import feedparser
import pytest

from conftest import REPO, Server, gemini

HEADING = "Posts: blood clots and DVT"


def url(s, path):
    return "gemini://localhost:%d%s" % (s.port, path)


@pytest.fixture
def shipped(tmpbase):
    """The capsule in capsule/, as shipped."""
    root = os.path.join(tmpbase, "capsule")
    shutil.copytree(os.path.join(REPO, "capsule"), root, symlinks=True)
    s = Server(root)
    yield s
    s.cleanup()


def test_shipped_feed_parses_with_title_and_summaries(shipped):
    header, body, _ = gemini(shipped.port, url(shipped, "/posts/atom.xml"))
    assert header.startswith("20 application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == HEADING, "the gemlog's heading, not the host"
    assert len(feed.entries) == len([n for n in os.listdir(
        os.path.join(shipped.root, "posts")) if n.endswith(".gmi") and
        not n.startswith(".")])
    for e in feed.entries:
        assert e.title and e.link.startswith("gemini://localhost:")
        assert e.summary.strip(), "every entry has a summary: %s" % e.title
        assert len(e.summary) <= 301
    long = [e for e in feed.entries if e.title ==
            "Is Walking or Exercise Good for DVT?"][0]
    assert long.summary.endswith("\u2026") and " " in long.summary[-20:], \
        "a long first paragraph is cut at a word"


def write_posts(root, n):
    posts = os.path.join(root, "posts")
    os.makedirs(posts)
    open(os.path.join(posts, ".gemlog"), "w").close()
    for i in range(n):
        day = "%04d-%02d-%02d" % (2000 + i // 336, 1 + i // 28 % 12,
                                  1 + i % 28)
        with open(os.path.join(posts, "%s-post-%04d.gmi" % (day, i)),
                  "w") as f:
            f.write("# Post %d\n\nThe paragraph of post %d.\n" % (i, i))


@pytest.mark.parametrize("entries", [None, 0])
def test_feed_of_2000_posts_is_bounded(tmpbase, entries):
    root = os.path.join(tmpbase, "root")
    write_posts(root, 2000)
    conf = None if entries is None else "feed-entries %d\n" % entries
    s = Server(root, conf=conf)
    try:
        _, index, _ = gemini(s.port, url(s, "/posts/"))
        assert index.count(b"\n=> ") == 2000, "the index lists every post"
        _, body, _ = gemini(s.port, url(s, "/posts/atom.xml"))
        feed = feedparser.parse(body)
        assert not feed.bozo, feed.get("bozo_exception")
        if entries is None:
            assert len(feed.entries) == 20, "default: the newest 20"
            assert feed.entries[0].title == "Post 1999"
            assert feed.entries[19].title == "Post 1980"
            assert len(body) < 20000, len(body)
        else:
            assert len(feed.entries) == 2000, "feed-entries 0: all"
        assert feed.entries[0].summary == "The paragraph of post 1999."
    finally:
        s.cleanup()
