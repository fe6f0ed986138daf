/*
 * test_titan.c: the Titan responder without a socket.  A request line
 * goes to gemini_respond() (the Gemini listener's front end, which
 * hands titan:// to titan.c); what comes back is a refusal (with a
 * lingering close asked for) or a reply whose sink the test fills
 * itself, as conn.c would, before calling the hook conn.c would call.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>

#include "test.h"
#include "fixture.h"
#include "gemini.h"
#include "gemlog.h"
#include "log.h"
#include "mime.h"
#include "serve.h"
#include "upload.h"

static const char conf_text[] =
    "server \"localhost\" {\n"
    "	root \"@ROOT@\"\n"
    "	location \"/posts/*\" {\n"
    "		titan on\n"
    "		titan-fingerprint \"" FPR_GOOD "\"\n"
    "		titan-token \"s3cret\"\n"
    "		titan-max-size 100\n"
    "		titan-mime \"text/gemini\" \"text/plain\" \"image/*\"\n"
    "	}\n"
    "	location \"/drafts/*\" {\n"
    "		titan on\n"
    "		titan-token \"s3cret\"\n"
    "		titan-delete on\n"
    "	}\n"
    "	location \"/tokens/*\" { titan on\n titan-token \"a\"\n"
    "	    titan-token \"bb\" }\n"
    "	location \"/readonly/*\" { auto-index on }\n"
    "}\n"
    "server \"other.org\" { root \"@ROOT@\" }\n";

enum { CERT_NONE, CERT_GOOD, CERT_OTHER, CERT_BAD };

static const struct {
	const char	*line;		/* CRLF added */
	int		 cert;
	int		 status;	/* 0: the body is asked for */
	const char	*meta;
	const char	*why;
} cases[] = {
	{ "titan://localhost/posts/a.gmi;size=5;token=s3cret", CERT_NONE, 0,
	    "", "the right token" },
	{ "titan://localhost/posts/a.gmi;size=5", CERT_GOOD, 0, "",
	    "an allowed certificate" },
	{ "titan://localhost/posts/a.gmi;size=5;token=s3cret", CERT_OTHER, 0,
	    "", "the right token with another certificate" },
	{ "titan://localhost/posts/a.gmi;size=5", CERT_NONE, 60,
	    "client certificate or token required", "no credentials" },
	{ "titan://localhost/tokens/a.gmi;size=5", CERT_NONE, 60,
	    "upload token required", "no token where only tokens do" },
	{ "titan://localhost/posts/a.gmi;size=5", CERT_OTHER, 61,
	    "certificate not authorised", "a certificate not on the list" },
	{ "titan://localhost/posts/a.gmi;size=5", CERT_BAD, 62,
	    "certificate not valid", "an expired certificate" },
	{ "titan://localhost/posts/a.gmi;size=5;token=wrong", CERT_NONE, 61,
	    "upload token not accepted", "a wrong token" },
	{ "titan://localhost/posts/a.gmi;size=5;token=wrong", CERT_GOOD, 61,
	    "upload token not accepted",
	    "a wrong token, even with an allowed certificate" },
	{ "titan://localhost/posts/a.gmi;size=5;token=s3cre", CERT_NONE, 61,
	    "upload token not accepted", "a token's prefix" },
	{ "titan://localhost/tokens/a.gmi;size=1;token=bb", CERT_NONE, 0,
	    "", "the second of two tokens" },
	{ "titan://localhost/posts/a.gmi;size=100;token=s3cret", CERT_NONE, 0,
	    "", "exactly titan-max-size" },
	{ "titan://localhost/posts/a.gmi;size=101;token=s3cret", CERT_NONE,
	    59, "upload too large: at most 100 bytes", "one byte over" },
	{ "titan://localhost/posts/a.txt;size=1;mime=text/plain;token=s3cret",
	    CERT_NONE, 0, "", "an allowed type" },
	{ "titan://localhost/posts/a.png;size=1;mime=IMAGE/png;token=s3cret",
	    CERT_NONE, 0, "", "a type family, any case" },
	{ "titan://localhost/posts/a.txt;size=1;mime=text/plain%3B%20"
	    "charset=utf-8;token=s3cret", CERT_NONE, 0, "",
	    "a type with parameters" },
	{ "titan://localhost/posts/a.bin;size=1;mime=application/x-foo;"
	    "token=s3cret", CERT_NONE, 59, "this type is not accepted",
	    "a type not allowed" },
	{ "titan://localhost/posts/a;size=1;mime=text/gemini2;token=s3cret",
	    CERT_NONE, 59, "this type is not accepted", "a longer type" },
	{ "titan://localhost/readonly/a.gmi;size=1;token=s3cret", CERT_NONE,
	    59, "uploads are not accepted here", "a location without titan" },
	{ "titan://localhost/a.gmi;size=1;token=s3cret", CERT_NONE, 59,
	    "uploads are not accepted here", "no location at all" },
	{ "titan://localhost/posts/.a.gmi;size=1;token=s3cret", CERT_NONE,
	    59, "file names starting with '.'", "a dot-file" },
	{ "titan://localhost/posts/.git/x;size=1;token=s3cret", CERT_NONE,
	    51, "not found", "inside a dot-directory" },
	{ "titan://localhost/posts/;size=1;token=s3cret", CERT_NONE, 59,
	    "cannot upload over a directory", "the directory itself" },
	{ "titan://localhost/posts/sub;size=1;token=s3cret", CERT_NONE, 59,
	    "cannot upload over a directory", "a directory as target" },
	{ "titan://localhost/posts/nodir/a.gmi;size=1;token=s3cret",
	    CERT_NONE, 51, "not found", "a directory that is not there" },
	{ "titan://localhost/posts/link.gmi;size=1;token=s3cret", CERT_NONE,
	    51, "not found", "a symlink as target" },
	{ "titan://localhost/posts/linkdir/a.gmi;size=1;token=s3cret",
	    CERT_NONE, 51, "not found", "through a symlink" },
	{ "titan://localhost/posts/../../etc/x;size=1;token=s3cret",
	    CERT_NONE, 59, "uploads are not accepted here",
	    "dot segments stay in the root" },
	{ "titan://elsewhere.org/posts/a.gmi;size=1;token=s3cret", CERT_NONE,
	    53, "this server does not serve that host", "another host" },
	{ "titan://localhost:1966/posts/a.gmi;size=1;token=s3cret",
	    CERT_NONE, 53, "this server does not serve that host",
	    "another port" },
	{ "titan://localhost/posts/a.gmi;size=x;token=s3cret", CERT_NONE, 59,
	    "bad Titan size", "a bad size" },
	{ "titan://localhost/posts/a.gmi;size=0;token=s3cret", CERT_NONE, 59,
	    "deleting (size=0) is not allowed", "deleting where it is off" },
	{ "titan://localhost/drafts/none.gmi;size=0;token=s3cret", CERT_NONE,
	    51, "not found", "deleting what is not there" },
};

static void
make_capsule(void)
{
	fixture_make_root();
	fixture_write("index.gmi", "# Home\n");
	fixture_write("posts/.gemlog", "");
	fixture_write("posts/.header.gmi", "# Posts: a test\n");
	fixture_write("posts/2026-01-01-first.gmi", "# First post\n");
	fixture_write("posts/sub/x.gmi", "x");
	fixture_write("posts/.git/config", "x");
	fixture_write("drafts/old.gmi", "# Old\n");
	fixture_write("tokens/x", "x");
	fixture_write("readonly/a.gmi", "# A\n");
	fixture_write("outside.gmi", "# Outside\n");
	fixture_symlink("../outside.gmi", "posts/link.gmi");
	fixture_symlink("sub", "posts/linkdir");
}

static void
cert(struct request_ctx *ctx, int which)
{
	fixture_ctx(ctx);
	if (which == CERT_GOOD || which == CERT_OTHER) {
		ctx->cert = REQUEST_CERT_OK;
		ctx->fingerprint = which == CERT_GOOD ? FPR_GOOD : FPR_OTHER;
	} else if (which == CERT_BAD)
		ctx->cert = REQUEST_CERT_INVALID;
}

/* Answer line + CRLF (and the body bytes given); 1 when answered. */
static int
respond(const struct request_ctx *ctx, const char *line, const char *body,
    struct reply *r)
{
	static char	 req[2200];
	const char	*in;
	size_t		 len = strlen(line), blen = strlen(body);

	memcpy(req, line, len);
	memcpy(req + len, "\r\n", 2);
	memcpy(req + len + 2, body, blen);
	len += 2 + blen;
	in = test_guarded(req, len);
	reply_init(r);
	return gemini_respond(ctx, in, len, r);
}

/* How many of our temporary files the directory root/rel holds. */
static int
temps(const char *rel)
{
	return fixture_count(rel, UPLOAD_TMP_PREFIX);
}

static void
test_cases(void)
{
	struct request_ctx	ctx;
	struct reply		r;
	size_t			i;
	int			asked, ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cert(&ctx, cases[i].cert);
		CHECK(respond(&ctx, cases[i].line, "", &r) == 1, cases[i].why);
		asked = r.sink.commit != NULL;
		if (cases[i].status == 0) {
			ok = asked && r.out.len == 0 && r.sink.fd != -1;
			CHECK(ok, cases[i].why);
		} else {
			ok = !asked && fixture_header_is(&r, cases[i].status,
			    cases[i].meta);
			CHECK(ok, cases[i].why);
			CHECK(r.linger || cases[i].status == 53,
			    "a refusal asks for a lingering close");
		}
		if (!ok)
			fprintf(stderr, "  %s: got %s%.80s\n", cases[i].line,
			    asked ? "a sink " : "", r.out.data ?
			    r.out.data : "");
		reply_free(&r);		/* aborts a pending upload */
	}
	CHECK(temps("posts") == 0 && temps("tokens") == 0,
	    "uploads never completed leave no temporary file");
}

/* What conn.c does: the body into the sink, then the hook. */
static void
feed_body(struct reply *r, const char *body, int err)
{
	size_t	len = strlen(body);

	CHECK(r->sink.commit != NULL && r->sink.size == (off_t)len,
	    "the body is asked for, its size given");
	if (r->sink.commit == NULL)
		return;
	CHECK(write(r->sink.fd, body, len) == (ssize_t)len,
	    "the body goes into the sink");
	reply_sink_end(r, err);
}

static int
file_is(const char *rel, const char *text)
{
	char	path[512], buf[256];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	if ((fd = open(path, O_RDONLY)) == -1)
		return text == NULL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return text != NULL && n == (ssize_t)strlen(text) &&
	    memcmp(buf, text, (size_t)n) == 0;
}

static void
test_store(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	cert(&ctx, CERT_NONE);
	respond(&ctx, "titan://localhost/posts/2026-02-01-new.gmi;size=14;"
	    "token=s3cret", "", &r);
	feed_body(&r, "# A new post\n\n", 0);
	CHECK(fixture_header_is(&r, 30, "gemini://localhost/posts/"
	    "2026-02-01-new.gmi\r\n"), "30 to the new page");
	CHECK(!r.linger, "no lingering: the body was read");
	CHECK(file_is("posts/2026-02-01-new.gmi", "# A new post\n\n"),
	    "the file is there, whole");
	reply_free(&r);
	respond(&ctx, "titan://LOCALHOST:1965/posts/2026-02-01-new.gmi;size=7;"
	    "token=s3cret", "", &r);
	feed_body(&r, "# Again", 0);
	CHECK(fixture_header_is(&r, 30, "gemini://localhost:1965/posts/"
	    "2026-02-01-new.gmi\r\n"), "the request's port is kept");
	CHECK(file_is("posts/2026-02-01-new.gmi", "# Again"),
	    "a file replaced");
	reply_free(&r);
	respond(&ctx, "titan://localhost/posts/with%20space.gmi;size=1;"
	    "token=s3cret", "", &r);
	feed_body(&r, "x", 0);
	CHECK(fixture_header_is(&r, 30, "gemini://localhost/posts/"
	    "with%20space.gmi"), "the redirect is percent-encoded");
	reply_free(&r);
	CHECK(temps("posts") == 0, "no temporary file after uploads");
}

static void
test_abort(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	cert(&ctx, CERT_NONE);
	respond(&ctx, "titan://localhost/posts/short.gmi;size=5;token=s3cret",
	    "", &r);
	CHECK(r.sink.commit != NULL && write(r.sink.fd, "ab", 2) == 2,
	    "part of a body");
	reply_sink_end(&r, ECONNRESET);
	CHECK(fixture_header_is(&r, 59, "fewer bytes than size"),
	    "a body cut short is refused");
	CHECK(file_is("posts/short.gmi", NULL) && temps("posts") == 0,
	    "and nothing of it is written");
	reply_free(&r);
	respond(&ctx, "titan://localhost/posts/2026-02-01-new.gmi;size=5;"
	    "token=s3cret", "", &r);
	reply_sink_end(&r, ENOSPC);
	CHECK(fixture_header_is(&r, 40, "cannot store the upload") && r.linger,
	    "a failed write is a temporary failure, the rest unread");
	CHECK(file_is("posts/2026-02-01-new.gmi", "# Again"),
	    "the old file stays");
	reply_free(&r);
	CHECK(temps("posts") == 0, "no temporary file after aborts");
}

static void
test_delete(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	cert(&ctx, CERT_NONE);
	respond(&ctx, "titan://localhost/drafts/old.gmi;size=0;token=s3cret",
	    "", &r);
	CHECK(fixture_header_is(&r, 30, "gemini://localhost/drafts/\r\n"),
	    "a deletion sends the client to the directory");
	CHECK(file_is("drafts/old.gmi", NULL), "the file is gone");
	reply_free(&r);
}

/* A token never reaches the log: the reply says where it is. */
static void
test_hidden_token(void)
{
	static const char	line[] =
	    "titan://localhost/posts/a.gmi;size=5;token=wrong";
	struct request_ctx	ctx;
	struct reply		r;

	cert(&ctx, CERT_NONE);
	respond(&ctx, line, "", &r);
	CHECK(r.hide_len == 5 && r.hide_off == strlen(line) - 5,
	    "the token's bytes are marked for the log to hide");
	CHECK(r.reqlen == strlen(line) + 2, "the request line's length");
	reply_free(&r);
	respond(&ctx, "titan://localhost/posts/a.gmi;size=x;token=wrong",
	    "body", &r);
	CHECK(r.hide_len == 5 && r.reqlen == strlen(line) + 2,
	    "also in a line refused as invalid, without its body");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/", "", &r);
	CHECK(r.hide_len == 0 && !r.linger,
	    "nothing hidden and no lingering for Gemini");
	reply_free(&r);
}

/* After an upload this worker answers with the new bytes at once, not
 * with what it kept in memory, and the gemlog shows the new post. */
static void
test_next_request_sees_it(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	cert(&ctx, CERT_NONE);
	respond(&ctx, "gemini://localhost/posts/2026-01-01-first.gmi", "", &r);
	CHECK(strstr(r.out.data, "# First post") != NULL, "a cached page");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/posts/atom.xml", "", &r);
	CHECK(strstr(r.out.data, "<title>Posts: a test</title>") != NULL,
	    "the feed is titled by the gemlog's heading");
	reply_free(&r);
	respond(&ctx, "titan://localhost/posts/2026-01-01-first.gmi;size=20;"
	    "token=s3cret", "", &r);
	feed_body(&r, "# First, corrected\n\n", 0);
	reply_free(&r);
	respond(&ctx, "gemini://localhost/posts/2026-01-01-first.gmi", "", &r);
	CHECK(strstr(r.out.data, "# First, corrected") != NULL,
	    "the same second, the same worker: the new page");
	reply_free(&r);
	respond(&ctx, "titan://localhost/posts/2026-03-01-third.gmi;size=35;"
	    "token=s3cret", "", &r);
	feed_body(&r, "# Third post\n\nIts first paragraph.\n", 0);
	reply_free(&r);
	respond(&ctx, "gemini://localhost/posts/", "", &r);
	CHECK(strstr(r.out.data, "=> 2026-03-01-third.gmi 2026-03-01 Third "
	    "post") != NULL, "the gemlog index lists the new post");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/posts/atom.xml", "", &r);
	CHECK(strstr(r.out.data, "<summary>Its first paragraph.</summary>")
	    != NULL, "the feed carries it, with its summary");
	reply_free(&r);
}

int
main(void)
{
	log_init("test_titan", 0);
	if (mime_init() == -1)
		fprintf(stderr, "no libmagic database\n");
	make_capsule();
	fixture_load(conf_text);
	test_cases();
	test_store();
	test_abort();
	test_delete();
	test_hidden_token();
	test_next_request_sees_it();
	serve_cache_free();
	gemlog_cache_free();
	fixture_cleanup();
	mime_free();
	return test_done("titan");
}
