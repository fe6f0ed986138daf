/*
 * test_titan_request.c: the Titan request-line parser, each input put
 * against an unreadable page (test_guarded()) so that an over-read
 * faults at once.
 */
#include "test.h"
#include "titan.h"

/* expect: 1 (the line and its CRLF consumed), 0 (need more) or -1
 * (with err when set). */
static const struct {
	const char	*in;
	long		 expect;
	const char	*path;
	long long	 size;
	const char	*mime;
	const char	*token;		/* NULL: none */
	const char	*err;
	const char	*why;
} cases[] = {
	/* accepted */
	{ "titan://h/a.gmi;size=3\r\n", 1, "/a.gmi", 3, "text/gemini",
	    NULL, NULL, "size alone; mime defaults to text/gemini" },
	{ "titan://h/a.gmi;size=3\r\nabc", 1, "/a.gmi", 3, "text/gemini",
	    NULL, NULL, "the body is not consumed" },
	{ "titan://h:1965/p/a.gmi;size=10;mime=text/plain;token=s3cret\r\n",
	    1, "/p/a.gmi", 10, "text/plain", "s3cret", NULL,
	    "size, mime and token" },
	{ "titan://h/a.png;token=t;mime=image/png;size=0\r\n", 1,
	    "/a.png", 0, "image/png", "t", NULL, "any order, size 0" },
	{ "titan://h/a;size=5;foo=bar;baz\r\n", 1, "/a", 5, "text/gemini",
	    NULL, NULL, "unknown parameters are ignored" },
	{ "titan://h/a;size=007\r\n", 1, "/a", 7, "text/gemini", NULL,
	    NULL, "leading zeros" },
	{ "titan://h/a;size=999999999999999\r\n", 1, "/a", 999999999999999LL,
	    "text/gemini", NULL, NULL, "15 digits" },
	{ "titan://h/a;size=1;token=a%20b%3Bc\r\n", 1, "/a", 1,
	    "text/gemini", "a b;c", NULL, "a percent-encoded token" },
	{ "titan://h/a;size=1;mime=text/plain%3B%20charset=utf-8\r\n", 1,
	    "/a", 1, "text/plain; charset=utf-8", NULL, NULL,
	    "mime with parameters, encoded" },
	{ "titan://h/new%20post.gmi;size=1\r\n", 1, "/new post.gmi", 1,
	    "text/gemini", NULL, NULL, "the path is percent-decoded" },
	{ "titan://h/x/../../etc/passwd;size=1\r\n", 1, "/etc/passwd", 1,
	    "text/gemini", NULL, NULL, "dot segments stay beneath /" },
	{ "TITAN://h/a;size=1\r\n", 1, "/a", 1, "text/gemini", NULL, NULL,
	    "the scheme in capitals" },
	/* need more */
	{ "titan://h/a;size=3", 0, NULL, 0, NULL, NULL, NULL,
	    "no CRLF yet" },
	{ "titan://h/a;size=3\r", 0, NULL, 0, NULL, NULL, NULL,
	    "CR without LF yet" },
	/* rejected */
	{ "titan://h/a.gmi\r\n", -1, NULL, 0, NULL, NULL,
	    "no Titan parameters", "no parameters" },
	{ "titan://h/a;mime=text/plain\r\n", -1, NULL, 0, NULL, NULL,
	    "no Titan size", "no size" },
	{ "titan://h/a;size=\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan size", "an empty size" },
	{ "titan://h/a;size\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan size", "size without '='" },
	{ "titan://h/a;size=-1\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan size", "a negative size" },
	{ "titan://h/a;size=1e3\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan size", "not digits" },
	{ "titan://h/a;size=1000000000000000\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan size", "16 digits" },
	{ "titan://h/a;size=1;size=2\r\n", -1, NULL, 0, NULL, NULL,
	    "a Titan parameter given twice", "size twice" },
	{ "titan://h/a;size=1;mime=text\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan mime", "a type without a subtype" },
	{ "titan://h/a;size=1;mime=\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan mime", "an empty mime" },
	{ "titan://h/a;size=1;token=\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan token", "an empty token" },
	{ "titan://h/a;size=1;token=%01\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan token", "a control byte in the decoded token" },
	{ "titan://h/a;size=1;token=%00\r\n", -1, NULL, 0, NULL, NULL,
	    "bad Titan token", "an encoded NUL in the token" },
	{ "titan://h/a;size=1?q\r\n", -1, NULL, 0, NULL, NULL,
	    "a query or fragment in a Titan request", "a query after" },
	{ "titan://h/a?q;size=1\r\n", -1, NULL, 0, NULL, NULL,
	    "not a Titan URL", "a query before the parameters" },
	{ "titan://u@h/a;size=1\r\n", -1, NULL, 0, NULL, NULL,
	    NULL, "userinfo" },
	{ "titan:/a;size=1\r\n", -1, NULL, 0, NULL, NULL, NULL,
	    "no authority" },
	{ "titan://h/a;size=1\n", -1, NULL, 0, NULL, NULL,
	    "bare LF without CR", "the Gemini line rules apply" },
	{ "titan://h/\x01;size=1\r\n", -1, NULL, 0, NULL, NULL,
	    "request contains a control byte", "a control byte" },
};

static void
test_table(void)
{
	struct titan_request	 t;
	const char		*in, *err;
	size_t			 i, len;
	ssize_t			 n, want;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		in = test_guarded(cases[i].in, len);
		err = NULL;
		n = titan_request_parse(in, len, &t, &err);
		want = cases[i].expect;
		if (want == 1)
			want = strstr(cases[i].in, "\r\n") - cases[i].in + 2;
		CHECK(n == want, cases[i].why);
		if (n != want)
			fprintf(stderr, "  got %zd (%s)\n", n, err ? err : "");
		if (n == -1)
			CHECK(err != NULL && (cases[i].err == NULL ||
			    strcmp(err, cases[i].err) == 0), cases[i].why);
		if (n <= 0 || n != want)
			continue;
		CHECK(strcmp(t.url.path, cases[i].path) == 0, cases[i].why);
		CHECK(t.size == cases[i].size, cases[i].why);
		CHECK(strcmp(t.mime, cases[i].mime) == 0, cases[i].why);
		CHECK(t.has_token == (cases[i].token != NULL), cases[i].why);
		if (cases[i].token != NULL)
			CHECK(strcmp(t.token, cases[i].token) == 0,
			    cases[i].why);
		CHECK(strcmp(t.url.scheme, "titan") == 0, cases[i].why);
	}
}

/* Where the raw token lies: the log hides exactly those bytes, even in
 * a line the parser refuses or has not seen the end of. */
static void
test_token_position(void)
{
	static const char	*lines[] = {
		"titan://h/a;size=3;token=abc%20d;mime=text/plain\r\n",
		"titan://h/a;size=x;token=abc%20d\r\n",
		"titan://h/a;token=abc%20d",
	};
	struct titan_request	 t;
	const char		*err, *in;
	size_t			 i, len;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		len = strlen(lines[i]);
		in = test_guarded(lines[i], len);
		(void)titan_request_parse(in, len, &t, &err);
		CHECK(t.token_len == 7 && t.token_off + 7 <= len &&
		    memcmp(in + t.token_off, "abc%20d", 7) == 0 &&
		    memcmp(in + t.token_off - 7, ";token=", 7) == 0,
		    "the raw token's place is known");
	}
	len = strlen("titan://h/a;size=3\r\n");
	in = test_guarded("titan://h/a;size=3\r\n", len);
	(void)titan_request_parse(in, len, &t, &err);
	CHECK(t.token_len == 0, "no token, nothing hidden");
}

/* Trickled in byte by byte: "need more" until the CRLF, never invalid
 * before the whole line is. */
static void
test_prefixes(void)
{
	static const char	 line[] =
	    "titan://h/p/a.gmi;size=12;mime=text/gemini;token=x\r\n";
	struct titan_request	 t;
	const char		*err, *in;
	size_t			 i, len = strlen(line);
	int			 ok = 1;

	for (i = 0; i < len; i++) {
		in = test_guarded(line, i);
		if (titan_request_parse(in, i, &t, &err) != 0)
			ok = 0;
	}
	CHECK(ok, "every prefix needs more");
	in = test_guarded(line, len);
	CHECK(titan_request_parse(in, len, &t, &err) == (ssize_t)len,
	    "the whole line parses");
	CHECK(titan_request_is("titan:", 6) && titan_request_is("TiTaN://", 8)
	    && !titan_request_is("titan", 5) &&
	    !titan_request_is("gemini://h/", 11), "the scheme is recognised");
}

int
main(void)
{
	test_table();
	test_token_position();
	test_prefixes();
	return test_done("titan_request");
}
