/* test_gopher_request.c: the Gopher request line parser. */
#include "test.h"
#include "gopher.h"

struct req_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	ssize_t		 ret;		/* -2: the whole input's length */
	const char	*selector;	/* when ret > 0 */
	const char	*search;	/* NULL: no search field */
	int		 plus;
	const char	*why;
};

#define ALL	(-2)

static const struct req_case cases[] = {
	{ "/notes.txt\r\n", 0, ALL, "/notes.txt", NULL, 0,
	    "plain selector with CRLF" },
	{ "\r\n", 0, ALL, "", NULL, 0, "empty selector asks for the root" },
	{ "/x\n", 0, ALL, "/x", NULL, 0, "bare LF tolerated" },
	{ "/x\r\nGET", 0, 4, "/x", NULL, 0, "bytes after the line not consumed" },
	{ "/search\tgopher clients\r\n", 0, ALL, "/search", "gopher clients",
	    0, "type 7 search after a TAB" },
	{ "/search\t\r\n", 0, ALL, "/search", "", 0, "empty search string" },
	{ "/\t+\r\n", 0, ALL, "/", NULL, 1, "Gopher+ view request" },
	{ "/\t$\r\n", 0, ALL, "/", NULL, 1, "Gopher+ directory attributes" },
	{ "/x\t!\r\n", 0, ALL, "/x", NULL, 1, "Gopher+ item attributes" },
	{ "/x\t+application/pdf\r\n", 0, ALL, "/x", NULL, 1,
	    "Gopher+ view with a content type" },
	{ "/x\t!+ABSTRACT\r\n", 0, ALL, "/x", NULL, 1,
	    "Gopher+ attribute name" },
	{ "/s\tterms\t+\r\n", 0, ALL, "/s", "terms", 1,
	    "search then Gopher+ marker" },
	{ "/x\t+\t1\r\n", 0, ALL, "/x", NULL, 1, "Gopher+ data flag ignored" },
	{ "/s\t!important\r\n", 0, ALL, "/s", "!important", 0,
	    "a search that only starts with ! is a search" },
	{ "/caf\xc3\xa9\r\n", 0, ALL, "/caf\xc3\xa9", NULL, 0,
	    "UTF-8 selector" },
	{ "/s\ta\tb\r\n", 0, -1, NULL, NULL, 0,
	    "a third field that is not Gopher+ is invalid" },
	{ "", 0, 0, NULL, NULL, 0, "nothing yet: need more" },
	{ "/partial", 0, 0, NULL, NULL, 0, "no EOL yet: need more" },
	{ "/x\r", 0, 0, NULL, NULL, 0, "CR without LF yet: need more" },
	{ "/x\ry\r\n", 0, -1, NULL, NULL, 0, "bare CR inside the line" },
	{ "/a\0b\r\n", 6, -1, NULL, NULL, 0, "NUL byte" },
	{ "/a\x1b[0m\r\n", 0, -1, NULL, NULL, 0, "escape byte" },
	{ "/a\x7f\r\n", 0, -1, NULL, NULL, 0, "DEL byte" },
	{ "\x16\x03\x01", 0, -1, NULL, NULL, 0,
	    "TLS handshake rejected at once" },
	{ "/bad\xff\r\n", 0, -1, NULL, NULL, 0, "invalid UTF-8" },
	{ "/over\xc0\xaf\r\n", 0, -1, NULL, NULL, 0, "overlong UTF-8" },
	{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, -1, NULL, NULL, 0,
	    "HTTP request" },
	{ "POST ", 0, -1, NULL, NULL, 0, "HTTP method known before EOL" },
	{ "GETTER\r\n", 0, ALL, "GETTER", NULL, 0,
	    "a selector that merely starts with GET" },
};

static void
test_table(void)
{
	struct gopher_request	 r;
	const char		*errstr, *g;
	size_t			 i, len;
	ssize_t			 want, got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		want = cases[i].ret == ALL ? (ssize_t)len : cases[i].ret;
		g = test_guarded(cases[i].in, len);
		errstr = NULL;
		got = gopher_request_parse(g, len, &r, &errstr);
		CHECK(got == want, cases[i].why);
		if (got != want) {
			fprintf(stderr, "  got %zd want %zd (%s)\n", got, want,
			    errstr ? errstr : "-");
			continue;
		}
		if (want == -1)
			CHECK(errstr != NULL && *errstr != '\0', cases[i].why);
		if (want <= 0)
			continue;
		CHECK(strcmp(r.selector, cases[i].selector) == 0,
		    cases[i].why);
		CHECK(r.has_search == (cases[i].search != NULL), cases[i].why);
		CHECK(cases[i].search == NULL ||
		    strcmp(r.search, cases[i].search) == 0, cases[i].why);
		CHECK(r.gopher_plus == cases[i].plus, cases[i].why);
	}
}

/* Lengths at and around the limits, and how early they are refused. */
static void
test_limits(void)
{
	static char		 in[GOPHER_LINE_MAX + 64];
	struct gopher_request	 r;
	const char		*errstr;
	size_t			 n;

	memset(in, 'a', GOPHER_SELECTOR_MAX);
	memcpy(in + GOPHER_SELECTOR_MAX, "\r\n", 2);
	n = GOPHER_SELECTOR_MAX + 2;
	CHECK(gopher_request_parse(test_guarded(in, n), n, &r, &errstr) ==
	    (ssize_t)n && strlen(r.selector) == GOPHER_SELECTOR_MAX,
	    "a 255-byte selector is accepted");

	memset(in, 'a', GOPHER_SELECTOR_MAX + 1);
	n = GOPHER_SELECTOR_MAX + 1;
	CHECK(gopher_request_parse(test_guarded(in, n), n, &r, &errstr) ==
	    -1 && strcmp(errstr, "selector too long") == 0,
	    "a 256-byte selector is refused before its EOL");

	in[0] = '/';
	in[1] = '\t';
	memset(in + 2, 's', GOPHER_LINE_MAX - 2);
	memcpy(in + GOPHER_LINE_MAX, "\r\n", 2);
	n = GOPHER_LINE_MAX + 2;
	CHECK(gopher_request_parse(test_guarded(in, n), n, &r, &errstr) ==
	    (ssize_t)n && strlen(r.search) == GOPHER_LINE_MAX - 2,
	    "a line of exactly GOPHER_LINE_MAX bytes is accepted");

	n = GOPHER_LINE_MAX + 1;
	in[GOPHER_LINE_MAX] = 's';
	CHECK(gopher_request_parse(test_guarded(in, n), n, &r, &errstr) ==
	    -1 && strcmp(errstr, "request line too long") == 0,
	    "one byte over GOPHER_LINE_MAX without EOL is refused at once");

	n = GOPHER_LINE_MAX;
	CHECK(gopher_request_parse(test_guarded(in, n), n, &r, &errstr) == 0,
	    "GOPHER_LINE_MAX bytes without EOL may still end well");
}

int
main(void)
{
	test_table();
	test_limits();
	return test_done("gopher_request");
}
