/*
 * test_gopher.c: the Gopher responder without a socket: a selector in,
 * a reply out, for every answer it can give (menus, text, files, the
 * type-3 errors and the status each is logged with).
 */
#include "test.h"
#include "fixture.h"
#include "gopher.h"
#include "mime.h"
#include "serve.h"

#include <time.h>

static const char conf_text[] =
    "gopher 7070\n"
    "gopher-host \"gopher.example.org\"\n"
    "server \"localhost\" {\n"
    "	root \"@ROOT@\"\n"
    "	location \"/nolist/*\" { auto-index off }\n"
    "	location \"/private/index.gmi\" { require-client-cert }\n"
    "	location \"/members/*\" { require-client-cert }\n"
    "	location \"/gone.gmi\" { block return 52 \"gone\" }\n"
    "	location \"/old/*\" { redirect 31 \"gemini://elsewhere.org%p\" }\n"
    "	location \"/mapped/gophermap\" { block }\n"
    "	location \"/cgi-bin/*\" { cgi on }\n"
    "}\n";

static const struct {
	const char	*selector;	/* without CRLF */
	int		 status;	/* what the log shows */
	const char	*start;		/* the body starts so */
	const char	*has;		/* and holds this, or NULL */
	const char	*why;
} cases[] = {
	{ "", 20, "iHome\t", "1A page\t/page.gmi\tgopher.example.org\t7070",
	    "the root menu from index.gmi" },
	{ "/", 20, "iHome\t", NULL, "the root by its slash" },
	{ "/cgi-bin/env", 51, "3not available over Gopher\t", NULL,
	    "a dynamic location: a Gemini reply has no Gopher form" },
	{ "/page.gmi", 20, "iA page\t", NULL, "a gemtext page as a menu" },
	{ "page.gmi", 20, "iA page\t", NULL, "a selector without its slash" },
	{ "/page.gmi\t+", 20, "iA page\t", NULL, "a Gopher+ suffix" },
	{ "/notes.txt", 20, "plain\r\n", "..starts with a dot\r\n",
	    "text is dot-stuffed" },
	{ "/gm/", 20, "iHand-written\t", NULL, "a hand-written gophermap" },
	{ "/gm", 20, "iHand-written\t", NULL,
	    "a directory without its slash is served, not redirected" },
	{ "/listed/", 20, "", "a.gmi", "a directory listing" },
	{ "/posts/", 20, "", "First post", "a generated gemlog menu" },
	{ "/posts/atom.xml", 20, "<?xml", NULL, "the feed as text" },
	{ "URL:https://example.org/a?b=<c>", 20, "<!DOCTYPE html>",
	    "https://example.org/a?b=&lt;c&gt;", "a URL: page, escaped" },
	{ "/missing.gmi", 51, "3not found\t", NULL, "no such file" },
	{ "/.secret", 51, "3not found\t", NULL, "a dot-file" },
	{ "/escape", 51, "3not found\t", NULL, "a symlink out of the root" },
	{ "/../../etc/passwd", 51, "3not found\t", NULL,
	    "dot segments stay in the root" },
	{ "/nolist/", 51, "3not found\t", NULL,
	    "no listing where a location turns auto-index off" },
	{ "/private/", 51, "3not found\t", NULL,
	    "a directory held to its index file's location" },
	{ "/members/a.gmi", 51, "3not found\t", NULL,
	    "a certificate zone is not there over Gopher" },
	{ "/gone.gmi", 51, "3not found\t", NULL, "a blocked file" },
	{ "/old/x", 51, "3not found\t", NULL, "a redirecting location" },
	{ "/mapped/", 51, "3not found\t", NULL,
	    "a directory held to its gophermap's location" },
	{ "URL:javascript:alert(1)", 51, "3not a URL this server links to",
	    NULL, "a URL: page only for web schemes" },
	{ "/big.gmi", 40, "3document too large for a menu", NULL,
	    "a menu that would not fit in memory" },
	{ "/a\x01b", 59, "3", NULL, "a control byte in the selector" },
};

static void
make_capsule(void)
{
	static char	blank[1024 * 1024];

	fixture_make_root();
	fixture_write("index.gmi", "# Home\n\n=> page.gmi A page\n");
	fixture_write("page.gmi", "# A page\n");
	fixture_write("notes.txt", "plain\n.starts with a dot\n");
	fixture_write("gm/gophermap", "Hand-written\n");
	fixture_write("gm/index.gmi", "# Not this\n");
	fixture_write("mapped/gophermap", "Secret menu\n");
	fixture_write("listed/a.gmi", "# A\n");
	fixture_write("nolist/a.gmi", "# A\n");
	fixture_write("posts/.gemlog", "");
	fixture_write("posts/2026-01-01-first.gmi", "# First post\n");
	fixture_write("private/index.gmi", "# Private\n");
	fixture_write("members/a.gmi", "# Members\n");
	fixture_write("gone.gmi", "# Gone\n");
	fixture_write(".secret", "secret\n");
	fixture_write("image.png", "\x89PNG\r\n\x1a\n");
	memset(blank, 0, 70000);
	memcpy(blank, "\x89PNG\r\n\x1a\n", 8);
	fixture_write_bytes("big.png", blank, 70000);
	memset(blank, '\n', sizeof(blank) - 1);
	fixture_write("big.gmi", blank);
	fixture_symlink("/etc/passwd", "escape");
}

/* What the client gets: the reply's own bytes, then what it borrowed
 * (a cached view); NUL-terminated, valid until the next call. */
static const char *
body_of(const struct reply *r)
{
	static struct buf	b;

	buf_reset(&b);
	if (r->out.len > 0)
		buf_append(&b, r->out.data, r->out.len);
	if (r->source == REPLY_BORROWED)
		buf_append(&b, r->borrowed, r->borrowedlen);
	return b.data != NULL ? b.data : "";
}

static int
respond(const struct request_ctx *ctx, const char *selector,
    struct reply *r)
{
	char		 req[1100];
	const char	*in;
	size_t		 len;

	len = (size_t)snprintf(req, sizeof(req), "%s\r\n", selector);
	in = test_guarded(req, len);
	reply_init(r);
	return gopher_respond(ctx, in, len, r);
}

static void
test_cases(void)
{
	struct request_ctx	 ctx;
	struct reply		 r;
	const char		*body;
	size_t			 i;
	int			 ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_ctx(&ctx);
		CHECK(respond(&ctx, cases[i].selector, &r) == 1, cases[i].why);
		body = body_of(&r);
		ok = r.status == cases[i].status &&
		    strncmp(body, cases[i].start, strlen(cases[i].start)) == 0 &&
		    (cases[i].has == NULL || strstr(body, cases[i].has));
		CHECK(ok, cases[i].why);
		if (!ok)
			fprintf(stderr, "  got %d: %.100s\n", r.status, body);
		reply_free(&r);
	}
}

/* Menus end with ".", binaries are the file itself, nothing added. */
static void
test_sources(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	fixture_ctx(&ctx);
	respond(&ctx, "/page.gmi", &r);
	CHECK(r.source == REPLY_BORROWED && r.out.len == 0 &&
	    r.borrowedlen >= 3 && memcmp(r.borrowed + r.borrowedlen - 3,
	    ".\r\n", 3) == 0, "a menu ends with a lone dot, sent from the "
	    "worker's cache of views");
	CHECK(r.reqlen == strlen("/page.gmi\r\n"), "the line's length");
	reply_free(&r);
	respond(&ctx, "/image.png", &r);
	CHECK(r.status == 20 && r.source == REPLY_MEMORY && r.fd == -1 &&
	    r.out.len == 8 && memcmp(r.out.data, "\x89PNG\r\n\x1a\n", 8) == 0,
	    "a small binary is its bytes, as they are");
	reply_free(&r);
	respond(&ctx, "/big.png", &r);
	CHECK(r.status == 20 && r.source == REPLY_FILE && r.fd != -1 &&
	    r.size == 70000 && r.out.len == 0,
	    "a large binary is the file, streamed as it is");
	reply_free(&r);
	respond(&ctx, "/missing", &r);
	CHECK(r.out.len > 3 && strcmp(r.out.data + r.out.len - 3,
	    ".\r\n") == 0 && strstr(r.out.data, "\tgopher.example.org\t7070"),
	    "an error is a whole menu with our host and port");
	reply_free(&r);
}

static void
test_need_more(void)
{
	CHECK(fixture_waits(gopher_respond, test_guarded("/page.gmi", 9), 9),
	    "no line end yet: wait, answering nothing");
}

static void
test_rate_limit(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	fixture_load("rate-limit 1 1\ngopher 7070\n"
	    "server \"localhost\" { root \"@ROOT@\" }\n");
	fixture_ctx(&ctx);
	respond(&ctx, "/page.gmi", &r);
	CHECK(r.status == 20, "the first request passes");
	reply_free(&r);
	respond(&ctx, "/page.gmi", &r);
	CHECK(r.status == 44 && strncmp(r.out.data,
	    "3rate limited: retry in 60 s", 28) == 0,
	    "the second waits, told how long");
	reply_free(&r);
}

/* Make root/rel hold text, with an mtime old enough not to be racy. */
static void
write_old(const char *rel, const char *text)
{
	char		path[512];
	struct timespec	ts[2];

	fixture_write(rel, text);
	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 100;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

/* The view a selector gets at the test's clock (ms). */
static const char *
view_at(long long now_ms, const char *selector, int *status)
{
	struct request_ctx	 ctx;
	struct reply		 r;
	static char		 copy[4096];

	fixture_ctx(&ctx);
	ctx.now_ms = now_ms;
	respond(&ctx, selector, &r);
	snprintf(copy, sizeof(copy), "%s", body_of(&r));
	*status = r.status;
	reply_free(&r);
	return copy;
}

/*
 * The worker's views: kept while the file is the same, rebuilt when it
 * changed, and never served once the path would be refused; each of
 * these shows within a second, when serve_route() looks again.
 */
static void
test_views(void)
{
	const char	*v;
	char		 path[512];
	long long	 t = 5000000;
	int		 st;

	write_old("views/a.gmi", "# Old heading\n");
	v = view_at(t, "/views/a.gmi", &st);
	CHECK(st == 20 && strstr(v, "iOld heading\t") != NULL, "made");
	v = view_at(t + 10, "/views/a.gmi", &st);
	CHECK(st == 20 && strstr(v, "iOld heading\t") != NULL,
	    "kept: the same bytes again");
	write_old("views/a.gmi", "# New heading\n");
	v = view_at(t + 500, "/views/a.gmi", &st);
	CHECK(strstr(v, "iOld heading\t") != NULL,
	    "within the second the file is not looked at");
	v = view_at(t + 1600, "/views/a.gmi", &st);
	CHECK(st == 20 && strstr(v, "iNew heading\t") != NULL,
	    "an edited source shows its new text after it");
	snprintf(path, sizeof(path), "%s/views/a.gmi", fixture_root);
	unlink(path);
	fixture_symlink("/etc/hostname", "views/a.gmi");
	v = view_at(t + 3000, "/views/a.gmi", &st);
	CHECK(st == 51 && strncmp(v, "3not found", 10) == 0,
	    "a source replaced by a symlink out of the root is refused");
	unlink(path);
	v = view_at(t + 4500, "/views/a.gmi", &st);
	CHECK(st == 51, "a removed source gives the Gopher error");
}

/*
 * A generated gemlog menu and feed are kept too, while the gemlog cache
 * holds the same build of them: a second request borrows the very bytes
 * the first one holds, and a new post is in the next menu.
 */
static void
test_gemlog_views(void)
{
	struct request_ctx	ctx;
	struct reply		first, again;
	const char		*sel[] = { "/posts/", "/posts/atom.xml" };
	size_t			i;

	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		fixture_ctx(&ctx);
		respond(&ctx, sel[i], &first);
		respond(&ctx, sel[i], &again);
		CHECK(first.status == 20 && again.status == 20 &&
		    first.source == REPLY_BORROWED &&
		    again.source == REPLY_BORROWED &&
		    first.borrowed == again.borrowed,
		    "a gemlog view is kept, not made again");
		reply_free(&first);
		reply_free(&again);
	}
	fixture_write("posts/2026-01-03-third.gmi", "# Third post\n");
	fixture_ctx(&ctx);
	respond(&ctx, "/posts/", &first);
	CHECK(first.status == 20 && strstr(body_of(&first), "Third post"),
	    "a new post is in the next menu");
	reply_free(&first);
	respond(&ctx, "/posts/atom.xml", &first);
	CHECK(first.status == 20 && strstr(body_of(&first), "Third post"),
	    "and in the next feed");
	reply_free(&first);
}

int
main(void)
{
	if (mime_init() == -1)
		fprintf(stderr, "no libmagic database: magic cases may fail\n");
	make_capsule();
	fixture_load(conf_text);
	test_cases();
	test_sources();
	test_need_more();
	test_views();
	test_gemlog_views();
	test_rate_limit();
	fixture_cleanup();
	gopher_cache_free();
	serve_cache_free();
	mime_free();
	return test_done("gopher");
}
