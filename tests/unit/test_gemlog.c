/* test_gemlog.c: post dates and titles, the index and Atom writers, the
 * directory scan and the cache. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

#include "test.h"
#include "buf.h"
#include "gemlog.h"
#include "gemtext.h"

#define PYTHON	"/usr/bin/python3"

static const struct {
	const char	*in;
	int		 ok;
	const char	*why;
} date_cases[] = {
	{ "2026-01-31", 1, "plain date" },
	{ "2026-01-31-hello.gmi", 1, "date prefix of a file name" },
	{ "2024-02-29", 1, "leap day" },
	{ "2000-02-29", 1, "leap day of a 400-year" },
	{ "1900-02-29", 0, "1900 was not a leap year" },
	{ "2026-02-29", 0, "2026 is not a leap year" },
	{ "2026-02-30", 0, "February has no 30th" },
	{ "2026-04-31", 0, "April has 30 days" },
	{ "2026-13-01", 0, "month 13" },
	{ "2026-00-10", 0, "month 0" },
	{ "2026-01-00", 0, "day 0" },
	{ "0000-01-01", 0, "year 0" },
	{ "2026-1-01", 0, "one-digit month" },
	{ "2026/01/01", 0, "slashes" },
	{ "2026-01-0", 0, "too short" },
	{ "2026-01-011", 0, "a digit after the date" },
	{ "2026-01-01 x", 1, "date then space" },
	{ "+026-01-01", 0, "sign in year" },
	{ "", 0, "empty" },
};

static void
test_dates(void)
{
	const char	*s;
	char		 date[11];
	size_t		 i, n;
	int		 r;

	for (i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		n = strlen(date_cases[i].in);
		s = test_guarded(date_cases[i].in, n);
		memset(date, 'x', sizeof(date));
		r = gemlog_parse_date(s, n, date);
		CHECK(r == date_cases[i].ok, date_cases[i].why);
		if (r)
			CHECK(strncmp(date, date_cases[i].in, 10) == 0 &&
			    date[10] == '\0', date_cases[i].why);
	}
}

static const struct {
	const char	*in;
	int		 ok;
	const char	*why;
} name_cases[] = {
	{ "post.gmi", 1, "a post" },
	{ "2026-01-01-x.gmi", 1, "dated post" },
	{ "index.gmi", 0, "the index is not a post" },
	{ ".draft.gmi", 0, "dot-files are hidden" },
	{ ".gmi", 0, "only an extension" },
	{ "notes.txt", 0, "not gemtext" },
	{ "post.gmi~", 0, "editor backup" },
	{ "x.GMI", 0, "extension is case-sensitive" },
	{ "", 0, "empty" },
};

static void
test_names(void)
{
	size_t	i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++)
		CHECK(gemlog_is_post_name(name_cases[i].in) ==
		    name_cases[i].ok, name_cases[i].why);
}

#define T_2020_05_05	((time_t)1588680000)	/* 2020-05-05T12:00Z */

static const struct {
	const char	*name;
	const char	*content;
	const char	*date;
	const char	*title;
	const char	*why;
} post_cases[] = {
	{ "2026-03-04-a.gmi", "# Alpha\n", "2026-03-04", "Alpha",
	  "date from name, title from heading" },
	{ "b.gmi", "2025-12-31\n# Beta\n", "2025-12-31", "Beta",
	  "date from first line" },
	{ "b.gmi", "\xef\xbb\xbf" "2025-12-31 notes\n", "2025-12-31",
	  "b.gmi", "date after a BOM; no heading gives the name" },
	{ "c.gmi", "text\n2025-12-31\n", "2020-05-05", "c.gmi",
	  "date only on the first line; else the mtime" },
	{ "2026-02-30-d.gmi", "# D", "2020-05-05", "D",
	  "invalid name date falls back to the mtime" },
	{ "e.gmi", "```\n# Code\n```\n# Real\n", "2020-05-05", "Real",
	  "heading inside pre is no title" },
	{ "f.gmi", "# A\tb\x01" "c\x7f" "d\xc2\x85" "e\n", "2020-05-05",
	  "A b c d e", "controls, DEL and NEL become spaces" },
	{ "g.gmi", "# bad \xff\xfe utf8\n", "2020-05-05",
	  "bad \xef\xbf\xbd\xef\xbf\xbd utf8", "invalid UTF-8 replaced" },
	{ "h\x01.gmi", "", "2020-05-05", "h .gmi",
	  "a name used as title is cleaned too" },
	{ "i.gmi", "#  \n", "2020-05-05", "i.gmi", "empty heading" },
};

static void
test_post_init(void)
{
	struct gemlog_post	 p;
	const char		*c;
	size_t			 i, n;

	for (i = 0; i < sizeof(post_cases) / sizeof(post_cases[0]); i++) {
		n = strlen(post_cases[i].content);
		c = test_guarded(post_cases[i].content, n);
		gemlog_post_init(&p, post_cases[i].name, c, n, T_2020_05_05);
		CHECK(strcmp(p.date, post_cases[i].date) == 0,
		    post_cases[i].why);
		CHECK(strcmp(p.title, post_cases[i].title) == 0,
		    post_cases[i].why);
		CHECK(strcmp(p.name, post_cases[i].name) == 0,
		    post_cases[i].why);
	}
}

static void
test_post_long_title(void)
{
	struct gemlog_post	p;
	char			doc[1024];
	size_t			i, n;

	/* 2 + 200 * 2 bytes: e-acute must not be cut in half. */
	memcpy(doc, "# ", 2);
	for (i = 0; i < 200; i++)
		memcpy(doc + 2 + i * 2, "\xc3\xa9", 2);
	n = 2 + 400;
	gemlog_post_init(&p, "x.gmi", doc, n, 0);
	CHECK(strlen(p.title) == 254, "title cut on a character boundary");
	CHECK(strcmp(p.date, "1970-01-01") == 0, "mtime 0 is the epoch");
}

static void
test_sort(void)
{
	struct gemlog_post	p[4];

	gemlog_post_init(&p[0], "2024-01-01-old.gmi", "", 0, 0);
	gemlog_post_init(&p[1], "2026-05-01-a.gmi", "", 0, 0);
	gemlog_post_init(&p[2], "2025-01-01-mid.gmi", "", 0, 0);
	gemlog_post_init(&p[3], "2026-05-01-b.gmi", "", 0, 0);
	gemlog_sort(p, 4);
	CHECK(strcmp(p[0].name, "2026-05-01-b.gmi") == 0,
	    "newest first; a tie goes by name, descending");
	CHECK(strcmp(p[1].name, "2026-05-01-a.gmi") == 0, "tie, second");
	CHECK(strcmp(p[2].name, "2025-01-01-mid.gmi") == 0, "then older");
	CHECK(strcmp(p[3].name, "2024-01-01-old.gmi") == 0, "oldest last");
}

static const struct {
	const char	*name;
	const char	*url;
	const char	*why;
} enc_cases[] = {
	{ "2026-01-01-a b.gmi", "2026-01-01-a%20b.gmi", "space" },
	{ "2026-01-01-c#d.gmi", "2026-01-01-c%23d.gmi", "hash" },
	{ "2026-01-01-q?.gmi", "2026-01-01-q%3F.gmi", "question mark" },
	{ "2026-01-01-50%.gmi", "2026-01-01-50%25.gmi", "percent" },
	{ "2026-01-01-\xc3\xa9t\xc3\xa9.gmi", "2026-01-01-%C3%A9t%C3%A9.gmi",
	  "non-ASCII" },
	{ "2026-01-01-x:y.gmi", "2026-01-01-x%3Ay.gmi",
	  "colon: never read as a scheme" },
	{ "2026-01-01-t\tab.gmi", "2026-01-01-t%09ab.gmi", "tab" },
};

/* Each odd name alone in an index: the link line must parse back. */
static void
test_index_escaping(void)
{
	struct gemlog_post	 p;
	struct buf		 b = { NULL, 0, 0 };
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	size_t			 i;
	int			 found;

	for (i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		buf_reset(&b);
		gemlog_post_init(&p, enc_cases[i].name, "# T\r\n", 5, 0);
		CHECK(gemlog_write_index(&p, 1, NULL, 0, NULL, 0, &b) == 0,
		    enc_cases[i].why);
		gemtext_init(&it, b.data, b.len);
		found = 0;
		while (gemtext_next(&it, &l))
			if (l.kind == GEMTEXT_LINK)
				found = l.urllen == strlen(enc_cases[i].url) &&
				    memcmp(l.url, enc_cases[i].url,
				    l.urllen) == 0 && l.textlen == 12 &&
				    memcmp(l.text, "2026-01-01 T", 12) == 0;
		CHECK(found, enc_cases[i].why);
	}
	buf_free(&b);
}

static void
test_index_layout(void)
{
	struct gemlog_post	p[2];
	struct buf		b = { NULL, 0, 0 };

	gemlog_post_init(&p[0], "2026-01-02-b.gmi", "# Bee\n", 6, 0);
	gemlog_post_init(&p[1], "2026-01-01-a.gmi", "# Ay\n", 5, 0);
	CHECK(gemlog_write_index(p, 2, NULL, 0, NULL, 0, &b) == 0, "write");
	CHECK(strcmp(b.data, "# Posts\n\n=> 2026-01-02-b.gmi 2026-01-02 Bee\n"
	    "=> 2026-01-01-a.gmi 2026-01-01 Ay\n") == 0, "default header");
	buf_reset(&b);
	CHECK(gemlog_write_index(p, 1, "# My log", 8, "bye", 3, &b) == 0,
	    "write with header and footer");
	CHECK(strcmp(b.data, "# My log\n\n=> 2026-01-02-b.gmi 2026-01-02 Bee"
	    "\n\nbye\n") == 0, "header and footer get their newlines");
	buf_reset(&b);
	CHECK(gemlog_write_index(NULL, 0, NULL, 0, NULL, 0, &b) == 0 &&
	    strcmp(b.data, "# Posts\n\n") == 0, "no posts");
	buf_free(&b);
}

/*
 * Parse with a real XML parser; check the elements RFC 4287 requires;
 * write the entries' titles, one per line, to the file argv[2].
 */
static const char atom_check_py[] =
"import sys, re, xml.etree.ElementTree as E\n"
"A = '{http://www.w3.org/2005/Atom}'\n"
"r = E.parse(sys.argv[1]).getroot()\n"
"assert r.tag == A + 'feed', r.tag\n"
"dt = re.compile(r'^\\d{4}-\\d\\d-\\d\\dT00:00:00Z$')\n"
"def need(el, t):\n"
"    x = el.find(A + t)\n"
"    assert x is not None and x.text, t\n"
"    return x.text\n"
"need(r, 'id'); need(r, 'title')\n"
"assert dt.match(need(r, 'updated'))\n"
"assert r.find(A + 'author/' + A + 'name').text\n"
"rels = sorted(l.get('rel') for l in r.findall(A + 'link'))\n"
"assert rels == ['alternate', 'self'], rels\n"
"out = []\n"
"for e in r.findall(A + 'entry'):\n"
"    need(e, 'id'); assert dt.match(need(e, 'updated'))\n"
"    assert e.find(A + 'link').get('href') == need(e, 'id')\n"
"    out.append(need(e, 'title'))\n"
"open(sys.argv[2], 'w', encoding='utf-8').write('\\n'.join(out))\n";

/* Write s to a new temporary file; its name into path. */
static int
write_temp(char *path, size_t size, const char *s, size_t len)
{
	int	fd;

	if (snprintf(path, size, "/tmp/test_gemlog.XXXXXX") >= (int)size)
		return -1;
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, s, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Run the checker on doc; the titles it saw into titles.  0 or -1. */
static int
atom_parse(const struct buf *doc, char *titles, size_t size)
{
	char	xml[64], py[64], out[64], cmd[512];
	FILE	*f;
	size_t	n = 0;
	int	rv = -1;

	if (write_temp(xml, sizeof(xml), doc->data, doc->len) == -1)
		return -1;
	if (write_temp(py, sizeof(py), atom_check_py,
	    strlen(atom_check_py)) == -1 ||
	    write_temp(out, sizeof(out), "", 0) == -1)
		goto done;
	if (snprintf(cmd, sizeof(cmd), "%s %s %s %s", PYTHON, py, xml,
	    out) >= (int)sizeof(cmd) || system(cmd) != 0)
		goto done;
	if ((f = fopen(out, "r")) != NULL) {
		n = fread(titles, 1, size - 1, f);
		fclose(f);
		rv = 0;
	}
	titles[n] = '\0';
 done:
	unlink(xml);
	unlink(py);
	unlink(out);
	return rv;
}

static void
post_set(struct gemlog_post *p, const char *name, const char *doc)
{
	gemlog_post_init(p, name, doc, strlen(doc), 0);
}

static void
test_atom(void)
{
	struct gemlog_post	p[3];
	struct gemlog_feed	feed = { "gemini://example.org/log/", NULL, 0 };
	struct buf		b = { NULL, 0, 0 };
	char			titles[1024];

	post_set(&p[0], "2026-01-03-a b#c.gmi",
	    "# Fish & <Chips> \"q\" 'a'\n");
	post_set(&p[1], "2026-01-02-x.gmi",
	    "# ctl\x01\x1b[31m \xef\xbf\xbe \xef\xbf\xbf bad\xff end\n");
	post_set(&p[2], "2026-01-01-\xc3\xa9.gmi", "# \xc3\xa9t\xc3\xa9");
	CHECK(gemlog_write_atom(p, 3, &feed, &b) == 0, "atom written");
	CHECK(strstr(b.data, "<id>gemini://example.org/log/2026-01-03-a%20"
	    "b%23c.gmi</id>") != NULL, "entry id is base + encoded name");
	CHECK(strstr(b.data, "<updated>2026-01-03T00:00:00Z</updated>\n"
	    "<link") != NULL, "feed updated is the newest post");
	CHECK(strstr(b.data, "<name>example.org</name>") != NULL,
	    "author defaults to the host");
	CHECK(strstr(b.data, "href=\"gemini://example.org/log/atom.xml\"") !=
	    NULL, "self link");
	CHECK(atom_parse(&b, titles, sizeof(titles)) == 0,
	    "python's XML parser accepts the feed");
	CHECK(strcmp(titles, "Fish & <Chips> \"q\" 'a'\n"
	    "ctl  [31m   bad\xef\xbf\xbd end\n\xc3\xa9t\xc3\xa9") == 0,
	    "titles round-trip; U+FFFE/U+FFFF dropped");
	buf_reset(&b);
	feed.base_url = "gemini://h/p";
	feed.title = "T & \x01 <feed>";
	CHECK(gemlog_write_atom(NULL, 0, &feed, &b) == 0, "empty feed");
	CHECK(strstr(b.data, "<updated>1970-01-01T00:00:00Z</updated>") !=
	    NULL, "empty feed is updated at the epoch");
	CHECK(strstr(b.data, "<title>T &amp;  &lt;feed&gt;</title>") != NULL,
	    "feed title escaped, control removed");
	CHECK(strstr(b.data, "\"gemini://h/p/atom.xml\"") != NULL,
	    "a '/' is added between base and atom.xml");
	CHECK(atom_parse(&b, titles, sizeof(titles)) == 0,
	    "empty feed parses");
	buf_free(&b);
}

#define T_OLD	((time_t)1577836800)	/* 2020-01-01T00:00Z */

/* Create name in dfd holding doc, with mtime t. */
static int
put(int dfd, const char *name, const char *doc, time_t t)
{
	struct timespec	ts[2];
	int		fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return -1;
	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (write(fd, doc, strlen(doc)) != (ssize_t)strlen(doc) ||
	    futimens(fd, ts) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Give the directory an mtime of its own, as a change would. */
static int
touch_dir(int dfd, time_t t)
{
	struct timespec	ts[2];

	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return futimens(dfd, ts);
}

static void
test_scan(int dfd)
{
	struct gemlog_post	*p;
	size_t			 n;
	int			 ok;

	ok = put(dfd, "2026-01-02-first.gmi", "# First\n", T_OLD) == 0 &&
	    put(dfd, "second.gmi", "2025-12-31\n# Second\n", T_OLD) == 0 &&
	    put(dfd, "third.gmi", "no heading\n", T_2020_05_05) == 0 &&
	    put(dfd, "index.gmi", "# Old index\n", T_OLD) == 0 &&
	    put(dfd, ".hidden.gmi", "# Hidden\n", T_OLD) == 0 &&
	    put(dfd, "notes.txt", "# Notes\n", T_OLD) == 0 &&
	    mkdirat(dfd, "sub.gmi", 0755) == 0 &&
	    symlinkat("2026-01-02-first.gmi", dfd, "link.gmi") == 0 &&
	    mkfifoat(dfd, "fifo.gmi", 0644) == 0;
	CHECK(ok, "fixture directory created");
	CHECK(gemlog_scan(dfd, &p, &n) == 0, "scan works");
	CHECK(n == 3, "only the three regular posts: no index, dot-file, "
	    "directory, symlink, FIFO or .txt");
	if (n == 3) {
		CHECK(strcmp(p[0].name, "2026-01-02-first.gmi") == 0 &&
		    strcmp(p[0].title, "First") == 0, "newest first");
		CHECK(strcmp(p[1].date, "2025-12-31") == 0 &&
		    strcmp(p[1].title, "Second") == 0, "date from content");
		CHECK(strcmp(p[2].date, "2020-05-05") == 0 &&
		    strcmp(p[2].title, "third.gmi") == 0, "date from mtime");
	}
	CHECK(lseek(dfd, 0, SEEK_CUR) == 0, "dirfd offset not moved");
	free(p);
	CHECK(gemlog_is_marked(dfd) == 0, "no marker yet");
	CHECK(put(dfd, GEMLOG_MARKER, "", T_OLD) == 0 &&
	    gemlog_is_marked(dfd) == 1, "marker found");
}

static int
has(const struct buf *b, const char *s)
{
	return b != NULL && b->data != NULL && strstr(b->data, s) != NULL;
}

/* A feed given no title takes the gemlog's heading: the header's, else
 * index.gmi's; its entries the posts' first paragraphs. */
static void
test_cache_feed(int dfd)
{
	struct gemlog_feed	 feed = { "gemini://h/log/", NULL, 1 };
	struct timespec		 ts = { 1, 200000000 };
	const struct buf	*b;

	b = gemlog_get(dfd, "h/feed/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<title>My gemlog</title>"),
	    "the feed is titled by the header's heading");
	CHECK(!has(b, "<title>h</title>"), "not by the host");
	put(dfd, "2026-03-01-latest.gmi", "# Latest\n\nIts summary.\n", T_OLD);
	touch_dir(dfd, T_OLD + 500);
	b = gemlog_get(dfd, "h/feed/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<summary>Its summary.</summary>"), "an entry's summary");
	CHECK(has(b, "<title>Latest</title>") && !has(b, "<title>New</title>"),
	    "one entry: the newest post");
	unlinkat(dfd, GEMLOG_HEADER, 0);
	put(dfd, "index.gmi", "# The index's title\n", T_OLD + 600);
	nanosleep(&ts, NULL);
	b = gemlog_get(dfd, "h/feed/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<title>The index&apos;s title</title>"),
	    "without a header: index.gmi's heading");
	unlinkat(dfd, "index.gmi", 0);
	unlinkat(dfd, "2026-03-01-latest.gmi", 0);
	nanosleep(&ts, NULL);
	b = gemlog_get(dfd, "h/feed/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<title>h</title>"), "neither: the host");
	put(dfd, GEMLOG_HEADER, "# My gemlog", T_OLD);
	touch_dir(dfd, T_OLD + 700);
}

/* Many other keys push the entry out; it must come back intact. */
static void
test_cache_evict(int dfd, const struct gemlog_feed *feed)
{
	char	key[32];
	int	i, ok = 1;

	for (i = 0; i < 20; i++) {
		if (snprintf(key, sizeof(key), "other/%d", i) >=
		    (int)sizeof(key))
			ok = 0;
		else if (gemlog_get(dfd, key, GEMLOG_INDEX, feed) == NULL)
			ok = 0;
	}
	CHECK(ok, "twenty keys served");
	CHECK(has(gemlog_get(dfd, "h/log/", GEMLOG_INDEX, feed),
	    "=> 2026-02-01-new.gmi"), "evicted entry rebuilt");
}

static void
test_cache(int dfd)
{
	struct gemlog_feed	 feed = { "gemini://h/log/", "Log", 0 };
	struct timespec		 ts = { 1, 200000000 };
	const struct buf	*b;

	touch_dir(dfd, T_OLD);
	b = gemlog_get(dfd, "h/log/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "# Posts\n\n=> 2026-01-02-first.gmi 2026-01-02 First\n"),
	    "cached index");
	b = gemlog_get(dfd, "h/log/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<title>First</title>") && has(b, "<title>Log</title>"),
	    "cached atom");
	put(dfd, "2026-02-01-new.gmi", "# New\n", T_OLD);
	touch_dir(dfd, T_OLD + 100);
	b = gemlog_get(dfd, "h/log/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "\n\n=> 2026-02-01-new.gmi 2026-02-01 New\n"),
	    "new post seen through the directory mtime");
	put(dfd, GEMLOG_HEADER, "# My gemlog", T_OLD);
	put(dfd, GEMLOG_FOOTER, "=> / Home\n", T_OLD);
	touch_dir(dfd, T_OLD + 200);
	b = gemlog_get(dfd, "h/log/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "# My gemlog\n\n=> 2026-02-01-new.gmi") &&
	    has(b, "2020-05-05 third.gmi\n\n=> / Home\n"),
	    "header and footer used");
	put(dfd, "2026-01-02-first.gmi", "# Renamed\n", T_OLD + 300);
	nanosleep(&ts, NULL);
	b = gemlog_get(dfd, "h/log/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "2026-01-02 Renamed\n"),
	    "an edited post is seen after the one-second recheck");
	put(dfd, GEMLOG_FOOTER, "=> / Back\n", T_OLD + 400);
	nanosleep(&ts, NULL);
	b = gemlog_get(dfd, "h/log/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "=> / Back\n"), "an edited footer is seen too");
	test_cache_evict(dfd, &feed);
	test_cache_feed(dfd);
	feed.base_url = "gemini://other/log/";
	b = gemlog_get(dfd, "h/log/", GEMLOG_ATOM, &feed);
	CHECK(has(b, "<id>gemini://other/log/</id>"),
	    "a different feed for the same key is not served stale");
	CHECK(gemlog_get(-1, "h/log/", GEMLOG_INDEX, &feed) == NULL,
	    "bad dirfd fails");
	gemlog_cache_free();
}

/*
 * A post written in the same second as the build, then rewritten with
 * the very same mtime: only the "racy" rule can notice it.
 */
static void
test_cache_racy(int dfd)
{
	struct gemlog_feed	 feed = { "gemini://h/r/", NULL, 0 };
	struct timespec		 ts = { 1, 200000000 };
	time_t			 now = time(NULL);
	const struct buf	*b;

	put(dfd, "2026-03-01-racy.gmi", "# Before\n", now);
	touch_dir(dfd, T_OLD + 500);
	b = gemlog_get(dfd, "h/r/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "2026-03-01 Before\n"), "racy post indexed");
	put(dfd, "2026-03-01-racy.gmi", "# After\n", now);
	nanosleep(&ts, NULL);
	b = gemlog_get(dfd, "h/r/", GEMLOG_INDEX, &feed);
	CHECK(has(b, "2026-03-01 After\n"),
	    "same-second rewrite seen: a racy entry is rebuilt");
	gemlog_cache_free();
}

static int
test_fs(void)
{
	char	dir[] = "/tmp/test_gemlog.XXXXXX", cmd[64];
	int	dfd;

	if (mkdtemp(dir) == NULL ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		CHECK(0, "temporary directory");
		return -1;
	}
	test_scan(dfd);
	test_cache(dfd);
	test_cache_racy(dfd);
	close(dfd);
	if (snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) >= (int)sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

/* The first paragraph, as a feed's summary. */
static const struct {
	const char	*doc;
	const char	*summary;
	const char	*why;
} summary_cases[] = {
	{ "# Title\n\nThe first paragraph.\n\nThe second.\n",
	    "The first paragraph.", "after the title, up to a blank line" },
	{ "# T\n2026-01-02\n\nText.\n", "Text.",
	    "a date line is not the paragraph" },
	{ "# T\n=> a link\n* item\n> quote\n```\npre\n```\nProse.\n",
	    "Prose.", "links, lists, quotes and preformatted text skipped" },
	{ "Line one\nline two\n=> x\nthree\n", "Line one line two",
	    "lines of a paragraph joined, up to the next kind of line" },
	{ "  Spaced \t  out  \n", "Spaced out", "spaces collapsed, trimmed" },
	{ "Ctl\x01\x1b[1m bad\xff.\n", "Ctl [1m bad\xef\xbf\xbd.",
	    "control bytes and invalid UTF-8 replaced" },
	{ "# Only a title\n\n=> link\n", "", "no paragraph at all" },
	{ "", "", "an empty post" },
};

static void
test_summary(void)
{
	char	sum[GEMLOG_SUMMARY_MAX], doc[4096];
	size_t	i, n, chars;

	for (i = 0; i < sizeof(summary_cases) / sizeof(summary_cases[0]);
	    i++) {
		n = gemlog_summary(summary_cases[i].doc,
		    strlen(summary_cases[i].doc), sum, sizeof(sum));
		CHECK(n == strlen(sum) &&
		    strcmp(sum, summary_cases[i].summary) == 0,
		    summary_cases[i].why);
		if (strcmp(sum, summary_cases[i].summary) != 0)
			fprintf(stderr, "  got \"%s\"\n", sum);
	}
	/* 60 words of six letters: character 300 falls inside the 43rd,
	 * so the cut comes after the 42nd ("wordsp"). */
	for (i = 0, n = 0; i < 60; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "words%c ",
		    (int)('a' + i % 26));
	gemlog_summary(doc, n, sum, sizeof(sum));
	n = strlen(sum);
	CHECK(n == 293 + 3 && strcmp(sum + 293, "\xe2\x80\xa6") == 0 &&
	    strncmp(sum + 287, "wordsp", 6) == 0,
	    "a long paragraph is cut at a word, with an ellipsis");
	/* 400 two-byte characters and no space: cut at character 300. */
	for (i = 0; i < 400; i++)
		memcpy(doc + 2 * i, "\xc3\xa9", 2);
	gemlog_summary(doc, 800, sum, sizeof(sum));
	for (i = 0, chars = 0; sum[i] != '\0'; i++)
		chars += ((unsigned char)sum[i] & 0xc0) != 0x80;
	CHECK(chars == 301 && strlen(sum) == 603,
	    "no space: 300 whole characters and the ellipsis");
	CHECK(gemlog_summary("Text\n", 5, sum, 3) == 2 &&
	    strcmp(sum, "Te") == 0, "a small buffer still ends in NUL");
}

/* The feed carries the newest feed->entries posts, with summaries. */
static void
test_atom_entries(void)
{
	static struct gemlog_post	p[2000];
	struct gemlog_feed		feed = { "gemini://h/log/", "Log", 20 };
	struct buf			b = { NULL, 0, 0 };
	char				name[64], titles[1024];
	const char			*s;
	size_t				i, n;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "%04zu-01-01-post.gmi", 2000 + i);
		post_set(&p[i], name, "# Post\n");
	}
	gemlog_sort(p, 2000);
	p[0].summary = "The newest & the <best>.";
	CHECK(gemlog_write_atom(p, 2000, &feed, &b) == 0, "2,000 posts");
	for (n = 0, s = b.data; (s = strstr(s, "<entry>")) != NULL; s++)
		n++;
	CHECK(n == 20, "the feed carries 20 entries");
	CHECK(strstr(b.data, "3999-01-01-post.gmi") != NULL &&
	    strstr(b.data, "3980-01-01-post.gmi") != NULL &&
	    strstr(b.data, "3979-01-01-post.gmi") == NULL,
	    "the newest ones");
	CHECK(strstr(b.data, "<updated>3999-01-01T00:00:00Z</updated>\n"
	    "<link") != NULL, "updated is the newest post's day");
	CHECK(strstr(b.data, "<summary>The newest &amp; the &lt;best&gt;."
	    "</summary>\n</entry>") != NULL, "a summary, escaped");
	CHECK(atom_parse(&b, titles, sizeof(titles)) == 0,
	    "python's XML parser accepts it");
	buf_reset(&b);
	feed.entries = 0;
	CHECK(gemlog_write_atom(p, 2000, &feed, &b) == 0, "entries 0");
	for (n = 0, s = b.data; (s = strstr(s, "<entry>")) != NULL; s++)
		n++;
	CHECK(n == 2000, "feed-entries 0 carries all");
	buf_free(&b);
}

int
main(void)
{
	test_dates();
	test_names();
	test_post_init();
	test_post_long_title();
	test_sort();
	test_index_escaping();
	test_index_layout();
	test_atom();
	test_summary();
	test_atom_entries();
	test_fs();
	return test_done("gemlog");
}
