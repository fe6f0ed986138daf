/*
 * test_gemini.c: the Gemini responder without a socket: a request line
 * in, a reply out, for every status it can give.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include "test.h"
#include "fixture.h"
#include "gemini.h"
#include "mime.h"

static const char conf_text[] =
    "server \"localhost\" {\n"
    "	root \"@ROOT@\"\n"
    "	alias \"*.example.org\"\n"
    "	lang \"en\"\n"
    "	auto-index off\n"
    "	location \"/listed/*\" { auto-index on }\n"
    "	location \"/private/index.gmi\" { require-client-cert }\n"
    "	location \"/members/*\" { allow-fingerprint \"" FPR_GOOD "\" }\n"
    "	location \"/gone.gmi\" { block return 52 \"gone: %p\" }\n"
    "	location \"/busy/*\" { block return 41 }\n"
    "	location \"/old/*\" { redirect 31 \"gemini://elsewhere.org%p\" }\n"
    "	location \"/moved\" { redirect 30 \"/new\" }\n"
    "	location \"/long/*\" { block return 42 \"%p%p%p%p%p%p%p%p%p%p\" }\n"
    "	location \"/de/*\" { lang \"de\" }\n"
    "	location \"/cgi-bin/*\" { cgi on }\n"
    "	location \"/secure/*\" { require-client-cert\n"
    "	    scgi \"/run/app.sock\" }\n"
    "	location \"/types/*\" { mime \"dat\" \"text/x-data\"\n"
    "	    default-type \"application/x-unknown\" }\n"
    "}\n"
    "server \"other.org\" { root \"@ROOT@\" }\n";

enum { CERT_NONE, CERT_GOOD, CERT_OTHER, CERT_BAD };

static const struct {
	const char	*line;		/* without CRLF, unless raw */
	int		 cert;
	int		 status;
	const char	*meta;		/* the header's start after "NN " */
	const char	*why;
} cases[] = {
	{ "gemini://localhost/", CERT_NONE, 20, "text/gemini; lang=en",
	    "the root's index.gmi" },
	{ "gemini://localhost/page.gmi", CERT_NONE, 20, "text/gemini; lang=en",
	    "a gemtext page in the host's language" },
	{ "gemini://LOCALHOST./page.gmi", CERT_NONE, 20, "text/gemini",
	    "host case and a trailing dot" },
	{ "gemini://localhost:1965/page.gmi", CERT_NONE, 20, "text/gemini",
	    "the default port written out" },
	{ "gemini://a.example.org/page.gmi", CERT_NONE, 20, "text/gemini",
	    "a wildcard alias" },
	{ "gemini://localhost/notes.txt", CERT_NONE, 20, "text/plain",
	    "a text file by its extension" },
	{ "gemini://localhost/de/seite.gmi", CERT_NONE, 20,
	    "text/gemini; lang=de", "a location's language" },
	{ "gemini://localhost/types/x.dat", CERT_NONE, 20, "text/x-data",
	    "a location's mime override" },
	{ "gemini://localhost/types/noext", CERT_NONE, 20,
	    "application/x-unknown", "a location's default type" },
	{ "gemini://localhost/dir/", CERT_NONE, 20, "text/gemini",
	    "a directory's index.gmi" },
	{ "gemini://localhost/listed/", CERT_NONE, 20, "text/gemini",
	    "a listing where a location turns auto-index on" },
	{ "gemini://localhost/posts/", CERT_NONE, 20, "text/gemini",
	    "a generated gemlog index" },
	{ "gemini://localhost/posts/atom.xml", CERT_NONE, 20,
	    "application/atom+xml", "a generated feed" },
	{ "gemini://localhost/dir", CERT_NONE, 31, "/dir/",
	    "a directory without its slash" },
	{ "gemini://localhost/a%20b", CERT_NONE, 31, "/a%20b/",
	    "the redirect target percent-encoded" },
	{ "gemini://localhost/old/x", CERT_NONE, 31,
	    "gemini://elsewhere.org/old/x", "a location's redirect" },
	{ "gemini://localhost/moved", CERT_NONE, 30, "/new",
	    "a temporary redirect" },
	{ "gemini://localhost/busy/x", CERT_NONE, 41, "",
	    "a location's block with another status" },
	{ "gemini://localhost/long/" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789", CERT_NONE, 40,
	    "message too long", "a block message that would not fit" },
	{ "gemini://localhost/gone.gmi", CERT_NONE, 52, "gone: /gone.gmi",
	    "a location's block" },
	{ "gemini://localhost/missing.gmi", CERT_NONE, 51, "not found",
	    "no such file" },
	{ "gemini://localhost/.secret", CERT_NONE, 51, "not found",
	    "a dot-file" },
	{ "gemini://localhost/.git/config", CERT_NONE, 51, "not found",
	    "inside a dot-directory" },
	{ "gemini://localhost/escape", CERT_NONE, 51, "not found",
	    "a symlink out of the root" },
	{ "gemini://localhost/nolist/", CERT_NONE, 51, "not found",
	    "no listing where auto-index is off" },
	{ "gemini://localhost/../../etc/passwd", CERT_NONE, 51, "not found",
	    "dot segments stay in the root" },
	{ "gemini://elsewhere.org/", CERT_NONE, 53,
	    "this server does not serve that host", "another host" },
	{ "gemini://localhost:1966/", CERT_NONE, 53,
	    "this server does not serve that host", "another port" },
	{ "https://localhost/", CERT_NONE, 53, "proxy requests are refused",
	    "another scheme" },
	{ "gemini://192.0.2.7/", CERT_NONE, 53,
	    "this server does not serve that host", "an address not ours" },
	{ "gemini://localhost/\n", CERT_NONE, 59, "", "a bare LF" },
	{ "page.gmi", CERT_NONE, 59, "", "a relative reference" },
	{ "gemini://user@localhost/", CERT_NONE, 59, "", "userinfo" },
	{ "gemini://localhost/private/", CERT_NONE, 60,
	    "client certificate required",
	    "a directory held to its index file's location" },
	{ "gemini://localhost/private/", CERT_GOOD, 20, "text/gemini",
	    "the index's rule met" },
	{ "gemini://localhost/members/", CERT_NONE, 60,
	    "client certificate required", "a fingerprint list, no cert" },
	{ "gemini://localhost/members/", CERT_OTHER, 61,
	    "certificate not authorised", "a certificate not on the list" },
	{ "gemini://localhost/members/", CERT_BAD, 62,
	    "certificate not valid", "an expired certificate" },
	{ "gemini://localhost/members/", CERT_GOOD, 20, "text/gemini",
	    "a certificate on the list" },
	{ "gemini://localhost/cgi-bin/env", CERT_NONE, 42,
	    "no program runner", "a dynamic location with no runner to ask" },
	{ "gemini://localhost/secure/x", CERT_NONE, 60,
	    "client certificate required",
	    "a dynamic location's certificate rule comes first" },
};

static void
make_capsule(void)
{
	static char	big[100001];

	fixture_make_root();
	fixture_write("index.gmi", "# Home\n");
	fixture_write("page.gmi", "# A page\n");
	fixture_write("notes.txt", "plain\n");
	fixture_write("de/seite.gmi", "# Seite\n");
	fixture_write("types/x.dat", "data\n");
	fixture_write("types/noext", "data\n");
	fixture_write("dir/index.gmi", "# Dir\n");
	fixture_write("a b/index.gmi", "# Space\n");
	fixture_write("listed/a.gmi", "# A\n");
	fixture_write("nolist/a.gmi", "# A\n");
	fixture_write("posts/.gemlog", "");
	fixture_write("posts/2026-01-01-first.gmi", "# First post\n");
	fixture_write("private/index.gmi", "# Private\n");
	fixture_write("members/index.gmi", "# Members\n");
	fixture_write(".secret", "secret\n");
	fixture_write(".git/config", "[core]\n");
	fixture_symlink("/etc/passwd", "escape");
	memset(big, 0, sizeof(big) - 1);
	memset(big, 0xff, 16);
	fixture_write_bytes("big.bin", big, sizeof(big) - 1);
}

/* Answer line (CRLF added unless it ends in LF); 1 when answered. */
static int
respond(const struct request_ctx *ctx, const char *line, struct reply *r)
{
	char		 req[2200];
	const char	*in;
	size_t		 len = strlen(line);

	memcpy(req, line, len);
	if (len == 0 || line[len - 1] != '\n') {
		memcpy(req + len, "\r\n", 2);
		len += 2;
	}
	in = test_guarded(req, len);
	reply_init(r);
	return gemini_respond(ctx, in, len, r);
}

static void
test_cases(void)
{
	struct request_ctx	ctx;
	struct reply		r;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_ctx(&ctx);
		if (cases[i].cert == CERT_GOOD || cases[i].cert == CERT_OTHER) {
			ctx.cert = REQUEST_CERT_OK;
			ctx.fingerprint = cases[i].cert == CERT_GOOD ?
			    FPR_GOOD : FPR_OTHER;
		} else if (cases[i].cert == CERT_BAD)
			ctx.cert = REQUEST_CERT_INVALID;
		CHECK(respond(&ctx, cases[i].line, &r) == 1, cases[i].why);
		CHECK(fixture_header_is(&r, cases[i].status, cases[i].meta),
		    cases[i].why);
		if (!fixture_header_is(&r, cases[i].status, cases[i].meta))
			fprintf(stderr, "  got: %.80s\n", r.out.data ?
			    r.out.data : "(nothing)");
		reply_free(&r);
	}
}

/* A small file is answered from memory, header and bytes together; a
 * large one is a header, then the file itself, streamed by conn.c. */
static void
test_file_source(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	fixture_ctx(&ctx);
	respond(&ctx, "gemini://localhost/page.gmi", &r);
	CHECK(r.source == REPLY_MEMORY && r.fd == -1 &&
	    r.out.len == strlen("20 text/gemini; lang=en\r\n# A page\n") &&
	    strcmp(r.out.data, "20 text/gemini; lang=en\r\n# A page\n") == 0,
	    "a small file leaves with its header, from memory");
	CHECK(r.reqlen == strlen("gemini://localhost/page.gmi\r\n"),
	    "the request line's length, for the log");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/big.bin", &r);
	CHECK(r.source == REPLY_FILE && r.fd != -1 && r.size == 100000 &&
	    r.out.len == strlen("20 application/octet-stream\r\n"),
	    "a large file is streamed from its fd after the header");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/posts/", &r);
	CHECK(r.source == REPLY_MEMORY && r.fd == -1 &&
	    strstr(r.out.data, "First post") != NULL,
	    "a gemlog index is generated in memory");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/listed/", &r);
	CHECK(strstr(r.out.data, "=> a.gmi") != NULL, "a listing's link");
	reply_free(&r);
}

/* Bytes that are not yet a whole line: the responder waits. */
static void
test_need_more(void)
{
	CHECK(fixture_waits(gemini_respond, test_guarded("gemini://localhost/", 19), 19),
	    "no CRLF yet: wait, answering nothing");
}

/* The rate limit answers 44 with the seconds to wait. */
static void
test_rate_limit(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	fixture_load("rate-limit 1 1\nserver \"localhost\" "
	    "{ root \"@ROOT@\" }\n");
	fixture_ctx(&ctx);
	respond(&ctx, "gemini://localhost/page.gmi", &r);
	CHECK(fixture_header_is(&r, 20, "text/gemini"),
	    "the first request passes");
	reply_free(&r);
	respond(&ctx, "gemini://localhost/page.gmi", &r);
	CHECK(fixture_header_is(&r, 44, "60"), "the second waits a minute");
	reply_free(&r);
	ctx.addr = "192.0.2.2";
	respond(&ctx, "gemini://localhost/page.gmi", &r);
	CHECK(fixture_header_is(&r, 20, "text/gemini"),
	    "another client passes");
	reply_free(&r);
}

/* An IP-literal host is ours when the client connected to it. */
static void
test_our_address(void)
{
	struct request_ctx	ctx;
	struct sockaddr_in	sin;
	struct reply		r;
	socklen_t		len = sizeof(sin);
	int			l, c, s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (s = accept(l, NULL, NULL)) == -1) {
		CHECK(0, "a loopback connection for the test");
		return;
	}
	fixture_ctx(&ctx);
	ctx.fd = s;
	respond(&ctx, "gemini://127.0.0.1/page.gmi", &r);
	CHECK(fixture_header_is(&r, 20, "text/gemini"), "our address, no SNI");
	reply_free(&r);
	respond(&ctx, "gemini://127.0.0.2/page.gmi", &r);
	CHECK(fixture_header_is(&r, 53, ""), "another address");
	reply_free(&r);
	respond(&ctx, "gemini://[::1]/page.gmi", &r);
	CHECK(fixture_header_is(&r, 53, ""), "another family");
	reply_free(&r);
	close(s);
	close(c);
	close(l);
}

/* The SNI name and the URL's host must agree (a proxy request if not). */
static void
test_sni(void)
{
	struct request_ctx	ctx;
	struct reply		r;

	fixture_ctx(&ctx);
	ctx.sni = "localhost";
	ctx.sni_host = 0;
	respond(&ctx, "gemini://other.org/page.gmi", &r);
	CHECK(fixture_header_is(&r, 53, ""), "SNI of one host, URL of another");
	reply_free(&r);
	ctx.sni = "other.org";
	ctx.sni_host = 1;
	respond(&ctx, "gemini://other.org/page.gmi", &r);
	CHECK(fixture_header_is(&r, 20, "text/gemini"), "SNI and URL agree");
	reply_free(&r);
}

int
main(void)
{
	if (mime_init() == -1)
		fprintf(stderr, "no libmagic database: magic cases may fail\n");
	make_capsule();
	fixture_load(conf_text);
	test_cases();
	test_file_source();
	test_need_more();
	test_our_address();
	test_sni();
	test_rate_limit();
	fixture_cleanup();
	mime_free();
	return test_done("gemini");
}
