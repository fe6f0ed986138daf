/* test_gemini_request.c: the Gemini request-line parser. */
#include "test.h"
#include "gemini.h"

/* expect: bytes consumed, 0 (need more) or -1 (with err when set). */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	long		 expect;
	const char	*path;
	const char	*err;
	const char	*why;
} cases[] = {
	/* accepted */
	{ "gemini://h/\r\n", 0, 13, "/", NULL, "minimal request" },
	{ "gemini://h/\r\nextra", 0, 13, "/", NULL,
	    "only the first line is consumed" },
	{ "gemini://Example.org:1965/a?q\r\n", 0, 31, "/a", NULL,
	    "host, port and query" },
	{ "gemini://h/caf\xc3\xa9\r\n", 0, 18, "/caf\xc3\xa9", NULL,
	    "UTF-8 in the path (IRI)" },
	{ "gemini://h/caf%C3%A9\r\n", 0, 22, "/caf\xc3\xa9", NULL,
	    "percent-encoded UTF-8 path" },
	{ "gemini://h/../../etc/passwd\r\n", 0, 29, "/etc/passwd", NULL,
	    "traversal normalised under /" },
	{ "gemini://h/%2e%2e/%2e%2e/etc/passwd\r\n", 0, 37, "/etc/passwd",
	    NULL, "encoded traversal normalised under /" },
	/* need more */
	{ "", 0, 0, NULL, NULL, "nothing received yet" },
	{ "gemini://h/", 0, 0, NULL, NULL, "partial line" },
	{ "gemini://h/\r", 0, 0, NULL, NULL, "partial CRLF" },
	{ "\r", 0, 0, NULL, NULL, "lone CR, LF may follow" },
	{ "\xef\xbb", 0, 0, NULL, NULL, "start of a BOM is not yet known" },
	{ "gemini://h/\xc3", 0, 0, NULL, NULL,
	    "split UTF-8 character waits for the rest" },
	/* rejected */
	{ "\r\n", 0, -1, NULL, "empty request", "empty request" },
	{ "gemini://h/\n", 0, -1, NULL, "bare LF without CR", "bare LF" },
	{ "\n", 0, -1, NULL, "bare LF without CR", "bare LF alone" },
	{ "gemini://h/\rx", 0, -1, NULL, "CR not followed by LF",
	    "CR followed by another byte" },
	{ "gemini://h/\r\r\n", 0, -1, NULL, "CR not followed by LF",
	    "CR CR LF" },
	{ "\xef\xbb\xbfgemini://h/\r\n", 0, -1, NULL,
	    "request starts with a byte order mark", "leading BOM" },
	{ "gemini://h/\xff\r\n", 0, -1, NULL, "request is not valid UTF-8",
	    "0xFF byte" },
	{ "gemini://h/\xc3\r\n", 0, -1, NULL, "request is not valid UTF-8",
	    "truncated UTF-8 before CRLF" },
	{ "gemini://h/\xc0\xaf\r\n", 0, -1, NULL, "request is not valid UTF-8",
	    "overlong slash" },
	{ "gemini://h/\0\r\n", 14, -1, NULL, "request contains a NUL byte",
	    "NUL byte" },
	{ "gemini://h/\x01", 0, -1, NULL, "request contains a control byte",
	    "control byte known before CRLF" },
	{ "gemini://h/\x7f\r\n", 0, -1, NULL, "request contains a control byte",
	    "DEL byte" },
	{ "gemini://h/\tx\r\n", 0, -1, NULL, "request contains a control byte",
	    "tab byte" },
	{ "gemini://h/#x\r\n", 0, -1, NULL, "URL has a fragment",
	    "fragment (from url_parse)" },
	{ "gemini://u@h/\r\n", 0, -1, NULL, "URL has userinfo",
	    "userinfo (from url_parse)" },
	{ "/index.gmi\r\n", 0, -1, NULL, "not an absolute URL",
	    "relative reference" },
	{ "gemini://h/a b\r\n", 0, -1, NULL,
	    "URL contains a space or control byte", "space in URL" },
	{ "gemini://h/%00\r\n", 0, -1, NULL, "URL has a bad percent escape",
	    "encoded NUL" },
	{ "gemini://h:70000/\r\n", 0, -1, NULL, "URL port out of range",
	    "bad port" },
	{ "gemini:///\r\n", 0, -1, NULL, "URL has an empty host",
	    "empty host" },
	{ " gemini://h/\r\n", 0, -1, NULL,
	    "URL contains a space or control byte", "leading space" },
};

static void
test_table(void)
{
	struct url	 u;
	const char	*s, *err;
	size_t		 i, len;
	ssize_t		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len;
		if (len == 0)
			len = strlen(cases[i].in);
		s = test_guarded(cases[i].in, len);
		err = NULL;
		rc = gemini_request_parse(s, len, &u, &err);
		CHECK(rc == cases[i].expect, cases[i].why);
		if (rc != cases[i].expect)
			fprintf(stderr, "  got %zd (%s)\n", rc,
			    err ? err : "no error");
		if (cases[i].expect == -1)
			CHECK(err != NULL && (cases[i].err == NULL ||
			    strcmp(err, cases[i].err) == 0), cases[i].why);
		if (cases[i].path != NULL && rc > 0)
			CHECK(strcmp(u.path, cases[i].path) == 0,
			    cases[i].why);
	}
}

/*
 * A request of n bytes of URL, then the trailer (CRLF, CR or nothing):
 * the 1024-byte limit is on the URL, so the full line is up to 1026.
 */
static ssize_t
request_of(size_t n, const char *trailer, const char **err)
{
	static char	 big[4096];
	struct url	 u;
	size_t		 tlen = strlen(trailer);
	const char	*s;

	memset(big, 'a', sizeof(big));
	memcpy(big, "gemini://h/", 11);
	memcpy(big + n, trailer, tlen);
	s = test_guarded(big, n + tlen);
	*err = NULL;
	return gemini_request_parse(s, n + tlen, &u, err);
}

static void
test_lengths(void)
{
	const char	*err;

	CHECK(request_of(1024, "\r\n", &err) == 1026,
	    "1024-byte URL accepted");
	CHECK(request_of(1024, "", &err) == 0,
	    "1024 bytes without CRLF needs more");
	CHECK(request_of(1024, "\r", &err) == 0,
	    "1024 bytes plus CR needs more");
	CHECK(request_of(1025, "\r\n", &err) == -1 && err != NULL &&
	    strcmp(err, "request longer than 1024 bytes") == 0,
	    "1025-byte URL rejected");
	CHECK(request_of(1025, "", &err) == -1,
	    "1025 bytes without CRLF rejected at once");
	CHECK(request_of(3000, "", &err) == -1,
	    "long garbage rejected without waiting for CRLF");
}

int
main(void)
{
	test_table();
	test_lengths();
	return test_done("gemini_request");
}
