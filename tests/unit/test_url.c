/* test_url.c: absolute-URL parsing, percent coding, dot segments. */
#include "test.h"
#include "buf.h"
#include "url.h"

/* A NULL expected field is not checked; port is checked when ok. */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	int		 ok;
	const char	*host;
	int		 port;
	const char	*path;
	const char	*query;
	const char	*err;
	const char	*why;
} parse_cases[] = {
	/* accepted forms */
	{ "gemini://example.org/", 0, 1, "example.org", -1, "/", NULL, NULL,
	    "plain URL" },
	{ "gemini://example.org", 0, 1, "example.org", -1, "/", NULL, NULL,
	    "empty path becomes /" },
	{ "gemini://192.0.2.7/x", 0, 1, "192.0.2.7", -1, "/x", NULL, NULL,
	    "IPv4 host" },
	{ "gemini://[::1]:1965/", 0, 1, "::1", 1965, "/", NULL, NULL,
	    "bracketed IPv6 host with port" },
	{ "gemini://[2001:DB8::1]/", 0, 1, "2001:db8::1", -1, "/", NULL, NULL,
	    "IPv6 host is lower-cased" },
	{ "gemini://example.org./a", 0, 1, "example.org", -1, "/a", NULL,
	    NULL, "one trailing dot of the host is stripped" },
	{ "GEMINI://Example.ORG/Path", 0, 1, "example.org", -1, "/Path", NULL,
	    NULL, "scheme and host lower-cased, path case kept" },
	{ "gemini://h:1966/", 0, 1, "h", 1966, "/", NULL, NULL, "port" },
	{ "gemini://h:/", 0, 1, "h", -1, "/", NULL, NULL,
	    "empty port is absent" },
	{ "gemini://h:65535/", 0, 1, "h", 65535, "/", NULL, NULL,
	    "largest port" },
	{ "gemini://h:0/", 0, 1, "h", 0, "/", NULL, NULL,
	    "port 0 parses (it matches no listener)" },
	{ "gemini://h:0001965/", 0, 1, "h", 1965, "/", NULL, NULL,
	    "leading zeros in the port" },
	{ "gemini://h/search?q=a%20b?c", 0, 1, "h", -1, "/search", "q=a%20b?c",
	    NULL, "query kept raw, '?' allowed inside it" },
	{ "gemini://h?x", 0, 1, "h", -1, "/", "x", NULL,
	    "query without a path" },
	{ "gemini://h/a?", 0, 1, "h", -1, "/a", "", NULL, "empty query" },
	{ "gemini://h/../../etc/passwd", 0, 1, "h", -1, "/etc/passwd", NULL,
	    NULL, "dot-dot cannot climb above /" },
	{ "gemini://h/%2e%2e/%2e%2e/etc/passwd", 0, 1, "h", -1, "/etc/passwd",
	    NULL, NULL, "encoded dot-dot normalised away" },
	{ "gemini://h/a/..%2f..%2fetc", 0, 1, "h", -1, "/etc", NULL, NULL,
	    "encoded slash decoded before normalising" },
	{ "gemini://h//etc//passwd", 0, 1, "h", -1, "/etc/passwd", NULL, NULL,
	    "repeated slashes collapsed" },
	{ "gemini://h/a/./b/../c/", 0, 1, "h", -1, "/a/c/", NULL, NULL,
	    "dot segments removed, trailing slash kept" },
	{ "gemini://h/dir/", 0, 1, "h", -1, "/dir/", NULL, NULL,
	    "trailing slash kept" },
	{ "gemini://h/caf%C3%A9.gmi", 0, 1, "h", -1, "/caf\xc3\xa9.gmi", NULL,
	    NULL, "percent-encoded UTF-8 path decoded" },
	{ "gemini://h/caf\xc3\xa9", 0, 1, "h", -1, "/caf\xc3\xa9", NULL, NULL,
	    "raw UTF-8 in path (IRI)" },
	{ "gemini://h/a/..", 0, 1, "h", -1, "/", NULL, NULL,
	    "final dot-dot leaves a slash" },
	{ "gemini://h/?a/../b", 0, 1, "h", -1, "/", "a/../b", NULL,
	    "query is not normalised" },
	{ "gemini://my-host_1.example/", 0, 1, "my-host_1.example", -1, "/",
	    NULL, NULL, "LDH host with underscore" },
	{ "file:///etc", 0, 1, "", -1, "/etc", NULL, NULL,
	    "empty host allowed for non-gemini schemes" },
	{ "https://example.org/", 0, 1, "example.org", -1, "/", NULL, NULL,
	    "other schemes parse (the responder refuses them)" },
	/* rejections */
	{ "", 0, 0, NULL, 0, NULL, NULL, "empty URL", "empty input" },
	{ "/index.gmi", 0, 0, NULL, 0, NULL, NULL, "not an absolute URL",
	    "relative reference" },
	{ "//example.org/", 0, 0, NULL, 0, NULL, NULL, "not an absolute URL",
	    "network-path reference without scheme" },
	{ "example.org", 0, 0, NULL, 0, NULL, NULL, "not an absolute URL",
	    "no colon at all" },
	{ "1gemini://h/", 0, 0, NULL, 0, NULL, NULL, "not an absolute URL",
	    "scheme must start with a letter" },
	{ "gemini:h/", 0, 0, NULL, 0, NULL, NULL, "URL has no authority",
	    "no // after the scheme" },
	{ "gemini://h/#top", 0, 0, NULL, 0, NULL, NULL, "URL has a fragment",
	    "fragment" },
	{ "gemini://user@h/", 0, 0, NULL, 0, NULL, NULL, "URL has userinfo",
	    "userinfo" },
	{ "gemini://h/a b", 0, 0, NULL, 0, NULL, NULL,
	    "URL contains a space or control byte", "space" },
	{ "gemini://h/a\tb", 0, 0, NULL, 0, NULL, NULL,
	    "URL contains a space or control byte", "tab" },
	{ "gemini://h/a\x7f", 0, 0, NULL, 0, NULL, NULL,
	    "URL contains a space or control byte", "DEL" },
	{ "gemini://h/a\0b", 14, 0, NULL, 0, NULL, NULL,
	    "URL contains a space or control byte", "raw NUL byte" },
	{ "gemini://h/%zz", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a bad percent escape", "non-hex escape" },
	{ "gemini://h/%4", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a bad percent escape", "truncated escape" },
	{ "gemini://h/a%00b", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a bad percent escape", "encoded NUL" },
	{ "gemini://h/a%0d%0a", 0, 0, NULL, 0, NULL, NULL,
	    "URL path has an encoded control byte", "encoded CRLF in path" },
	{ "gemini://h/?a%00", 0, 0, NULL, 0, NULL, NULL,
	    "URL query has a bad percent escape", "encoded NUL in query" },
	{ "gemini://h/?%g1", 0, 0, NULL, 0, NULL, NULL,
	    "URL query has a bad percent escape", "bad escape in query" },
	{ "gemini://h:19x5/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a non-numeric port", "non-digit port" },
	{ "gemini://h:65536/", 0, 0, NULL, 0, NULL, NULL,
	    "URL port out of range", "port above 65535" },
	{ "gemini://h:99999999999999999999/", 0, 0, NULL, 0, NULL, NULL,
	    "URL port out of range", "port that would overflow" },
	{ "gemini://h:1:2/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a non-numeric port", "two colons" },
	{ "gemini:///path", 0, 0, NULL, 0, NULL, NULL, "URL has an empty host",
	    "empty host for gemini" },
	{ "gemini://./", 0, 0, NULL, 0, NULL, NULL, "URL has an empty host",
	    "host of only a dot" },
	{ "gemini://:1965/", 0, 0, NULL, 0, NULL, NULL, "URL has an empty host",
	    "port without host" },
	{ "gemini://a..b/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "empty label" },
	{ "gemini://.a/", 0, 0, NULL, 0, NULL, NULL, "URL has an invalid host",
	    "leading dot" },
	{ "gemini://ex!ample/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "sub-delim in host" },
	{ "gemini://ex%41mple/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "percent escape in host" },
	{ "gemini://caf\xc3\xa9.example/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "UTF-8 host (must be punycode)" },
	{ "gemini://256.1.1.1/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "IPv4 octet above 255" },
	{ "gemini://1.2.3/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid host", "short dotted number" },
	{ "gemini://[::g]/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid IPv6 host", "bad IPv6 literal" },
	{ "gemini://[]/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid IPv6 host", "empty brackets" },
	{ "gemini://[fe80::1%25eth0]/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid IPv6 host", "zone id" },
	{ "gemini://[v1.x]/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an invalid IPv6 host", "IPvFuture" },
	{ "gemini://[::1/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an unclosed '[' in the host", "unclosed bracket" },
	{ "gemini://[::1]x/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has junk after the IPv6 host", "junk after bracket" },
	{ "gemini://::1/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has an empty host", "IPv6 without brackets" },
	{ "gemini://h::1/", 0, 0, NULL, 0, NULL, NULL,
	    "URL has a non-numeric port", "second colon in the port" },
	{ "abcdefghijabcdefghijabcdefghijabc://h/", 0, 0, NULL, 0, NULL, NULL,
	    "URL scheme too long", "33-byte scheme" },
};

static const struct {
	const char	*in;
	const char	*out;
	const char	*why;
} norm_cases[] = {
	{ "/", "/", "root" },
	{ "/a/b/c/./../../g", "/a/g", "RFC 3986 5.2.4 example" },
	{ "/mid/content=5/../6", "/mid/6", "RFC 3986 5.2.4 example 2" },
	{ "/..", "/", "dot-dot at the top stays at the top" },
	{ "/../../..", "/", "many dot-dots" },
	{ "/.", "/", "lone dot" },
	{ "/a/.", "/a/", "final dot leaves a slash" },
	{ "/a/b/..", "/a/", "final dot-dot leaves a slash" },
	{ "///", "/", "only slashes" },
	{ "/a//b///", "/a/b/", "runs of slashes collapse" },
	{ "/.../a", "/.../a", "three dots is a name" },
	{ "/.a/..b/", "/.a/..b/", "dot-prefixed names are names" },
	{ "/a/../../b", "/b", "climb then descend" },
	{ "/a/b/../../../../c/.", "/c/", "over-climb then dot" },
};

static const struct {
	const char	*in;
	const char	*out;	/* NULL: expect -1 */
	const char	*why;
} dec_cases[] = {
	{ "abc", "abc", "nothing to decode" },
	{ "%41%62", "Ab", "upper and lower hex" },
	{ "%2F%2e", "/.", "slash and dot decode" },
	{ "%C3%A9", "\xc3\xa9", "UTF-8 bytes" },
	{ "%", NULL, "lone percent" },
	{ "%a", NULL, "one hex digit" },
	{ "%ag", NULL, "non-hex second digit" },
	{ "%00", NULL, "encoded NUL" },
	{ "", "", "empty" },
};

static const struct {
	const char	*in;
	int		 keep_utf8;
	const char	*out;
	const char	*why;
} enc_cases[] = {
	{ "/a-b_c.d~e/", 0, "/a-b_c.d~e/", "unreserved and slash kept" },
	{ "a b#c?d%e", 0, "a%20b%23c%3Fd%25e", "space # ? % escaped" },
	{ "caf\xc3\xa9", 0, "caf%C3%A9", "UTF-8 escaped" },
	{ "caf\xc3\xa9", 1, "caf\xc3\xa9", "UTF-8 kept for IRIs" },
	{ "\r\n", 1, "%0D%0A", "CRLF always escaped" },
	{ "", 0, "", "empty" },
};

static const struct {
	const char	*in;
	size_t		 want;
	const char	*why;
} scheme_cases[] = {
	{ "gemini://h/", 6, "scheme before ':'" },
	{ "a+b-c.d1:x", 8, "'+', '-', '.' and digits after the first letter" },
	{ "mailto:me@h", 6, "no authority needed" },
	{ "x:", 1, "one letter" },
	{ ":x", 0, "empty scheme" },
	{ "1a:x", 0, "starts with a digit" },
	{ "a/b:c", 0, "'/' before the ':': a relative path" },
	{ "a b:c", 0, "space" },
	{ "abc", 0, "no ':'" },
	{ "", 0, "empty" },
	{ "abcdefghijabcdefghijabcdefghijabcdefghij:", 40,
	    "not bounded by struct url's scheme field" },
};

/* url_parse_origin(): scheme and authority only. */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	int		 ok;
	const char	*scheme;
	const char	*host;
	int		 ipv6;
	int		 port;
	size_t		 end;
	const char	*err;
	const char	*why;
} origin_cases[] = {
	{ "gopher://h.example:7070/1/x y", 0, 1, "gopher", "h.example", 0,
	    7070, 23, NULL, "the rest, with a space, is not read" },
	{ "GOPHER://Sdf.ORG.", 0, 1, "gopher", "sdf.org", 0, -1, 17, NULL,
	    "lower-cased, trailing dot removed, no path" },
	{ "gopher://[::1]:70?x", 0, 1, "gopher", "::1", 1, 70, 17, NULL,
	    "IPv6; '?' ends the authority" },
	{ "gopher://h#x", 0, 1, "gopher", "h", 0, -1, 10, NULL,
	    "'#' ends the authority (url_parse() refuses it earlier)" },
	{ "gopher://h:/", 0, 1, "gopher", "h", 0, -1, 11, NULL,
	    "empty port is absent" },
	{ "gopher://h:0/", 0, 1, "gopher", "h", 0, 0, 12, NULL,
	    "port 0 parses; callers that connect refuse it" },
	{ "gopher://h:0000070/", 0, 1, "gopher", "h", 0, 70, 18, NULL,
	    "leading zeros" },
	{ "gopher:///x", 0, 1, "gopher", "", 0, -1, 9, NULL,
	    "empty host allowed outside gemini, as url_parse() does" },
	{ "gopher://h/\x01\x7f", 0, 1, "gopher", "h", 0, -1, 10, NULL,
	    "control bytes after the authority are the caller's" },
	{ "gemini://", 0, 0, NULL, NULL, 0, 0, 0, "URL has an empty host",
	    "empty host refused for gemini" },
	{ "gopher://a..b/", 0, 0, NULL, NULL, 0, 0, 0,
	    "URL has an invalid host", "empty label" },
	{ "gopher://0/", 0, 0, NULL, NULL, 0, 0, 0, "URL has an invalid host",
	    "digits-only host that is no dotted quad" },
	{ "gopher://h\x01/", 0, 0, NULL, NULL, 0, 0, 0,
	    "URL has an invalid host", "control byte in the host" },
	{ "gopher://[::1\0x]/", 17, 0, NULL, NULL, 0, 0, 0,
	    "URL has an invalid IPv6 host",
	    "NUL in brackets would end inet_pton()'s string early" },
	{ "gopher://[zz::1]/", 0, 0, NULL, NULL, 0, 0, 0,
	    "URL has an invalid IPv6 host", "IPv6 checked by inet_pton()" },
	{ "gopher://u@h/", 0, 0, NULL, NULL, 0, 0, 0, "URL has userinfo",
	    "userinfo" },
	{ "gopher://h:65536/", 0, 0, NULL, NULL, 0, 0, 0,
	    "URL port out of range", "port above 65535" },
	{ "gopher:h", 0, 0, NULL, NULL, 0, 0, 0, "URL has no authority",
	    "no //" },
	{ "h/x", 0, 0, NULL, NULL, 0, 0, 0, "not an absolute URL",
	    "relative reference" },
};

static const struct {
	const char	*in;
	int		 want;
	const char	*err;
	const char	*why;
} port_cases[] = {
	{ "70", 70, NULL, "plain" },
	{ "0", 0, NULL, "zero is a number" },
	{ "65535", 65535, NULL, "largest" },
	{ "000000070", 70, NULL, "any number of leading zeros" },
	{ "", -1, "URL has an empty port", "empty" },
	{ "65536", -1, "URL port out of range", "too large" },
	{ "99999999999999999999", -1, "URL port out of range", "no overflow" },
	{ "7x", -1, "URL has a non-numeric port", "non-digit" },
	{ "+70", -1, "URL has a non-numeric port", "sign" },
	{ " 70", -1, "URL has a non-numeric port", "space" },
};

static int
streq_or_null(const char *want, const char *got)
{
	return want == NULL || strcmp(want, got) == 0;
}

static void
test_parse(void)
{
	struct url	 u;
	const char	*s, *err;
	size_t		 i, len;
	int		 rc;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		len = parse_cases[i].len;
		if (len == 0)
			len = strlen(parse_cases[i].in);
		s = test_guarded(parse_cases[i].in, len);
		err = NULL;
		rc = url_parse(s, len, &u, &err);
		if (!parse_cases[i].ok) {
			CHECK(rc == -1, parse_cases[i].why);
			CHECK(err != NULL && streq_or_null(parse_cases[i].err,
			    err), parse_cases[i].why);
			continue;
		}
		CHECK(rc == 0, parse_cases[i].why);
		if (rc != 0) {
			fprintf(stderr, "  %s: %s\n", parse_cases[i].in, err);
			continue;
		}
		CHECK(streq_or_null(parse_cases[i].host, u.host),
		    parse_cases[i].why);
		CHECK(u.port == parse_cases[i].port, parse_cases[i].why);
		CHECK(streq_or_null(parse_cases[i].path, u.path),
		    parse_cases[i].why);
		CHECK(parse_cases[i].query == NULL ? !u.has_query :
		    u.has_query && strcmp(u.query, parse_cases[i].query) == 0,
		    parse_cases[i].why);
	}
}

static void
test_parse_misc(void)
{
	struct url	 u;
	char		 big[URL_MAX + 2];
	const char	*s, *err;
	size_t		 pre;

	s = test_guarded("gemini://[::1]:1965/", 20);
	CHECK(url_parse(s, 20, &u, &err) == 0 && u.host_is_ipv6 == 1,
	    "IPv6 flag set");
	s = test_guarded("GEMINI://h/", 11);
	CHECK(url_parse(s, 11, &u, &err) == 0 && u.host_is_ipv6 == 0 &&
	    strcmp(u.scheme, "gemini") == 0, "IPv6 flag clear, scheme stored");

	/* 1024 bytes is the limit (Gemini spec 1.2), 1025 is one too many */
	memcpy(big, "gemini://h/", 11);
	pre = 11;
	memset(big + pre, 'a', sizeof(big) - pre);
	s = test_guarded(big, URL_MAX);
	CHECK(url_parse(s, URL_MAX, &u, &err) == 0 &&
	    strlen(u.path) == URL_MAX - 10, "1024-byte URL accepted");
	s = test_guarded(big, URL_MAX + 1);
	CHECK(url_parse(s, URL_MAX + 1, &u, &err) == -1,
	    "1025-byte URL rejected");

	/* a 256-byte host overflows URL_HOST_MAX */
	memset(big, 'a', sizeof(big));
	memcpy(big, "gemini://", 9);
	big[9 + 256] = '/';
	s = test_guarded(big, 9 + 257);
	CHECK(url_parse(s, 9 + 257, &u, &err) == -1 &&
	    strcmp(err, "URL host too long") == 0, "256-byte host rejected");
	big[9 + 255] = '/';
	s = test_guarded(big, 9 + 256);
	CHECK(url_parse(s, 9 + 256, &u, &err) == 0 &&
	    strlen(u.host) == 255, "255-byte host accepted");
}

static void
test_scheme_origin_port(void)
{
	struct url	 u;
	const char	*s, *err;
	size_t		 i, len, end;
	int		 rc;

	for (i = 0; i < sizeof(scheme_cases) / sizeof(scheme_cases[0]); i++) {
		len = strlen(scheme_cases[i].in);
		s = test_guarded(scheme_cases[i].in, len);
		CHECK(url_scheme_len(s, len) == scheme_cases[i].want,
		    scheme_cases[i].why);
	}
	for (i = 0; i < sizeof(origin_cases) / sizeof(origin_cases[0]); i++) {
		len = origin_cases[i].len;
		if (len == 0)
			len = strlen(origin_cases[i].in);
		s = test_guarded(origin_cases[i].in, len);
		err = NULL;
		end = 0;
		rc = url_parse_origin(s, len, &u, &end, &err);
		if (!origin_cases[i].ok) {
			CHECK(rc == -1 && err != NULL &&
			    strcmp(err, origin_cases[i].err) == 0,
			    origin_cases[i].why);
			continue;
		}
		CHECK(rc == 0 &&
		    strcmp(u.scheme, origin_cases[i].scheme) == 0 &&
		    strcmp(u.host, origin_cases[i].host) == 0 &&
		    u.host_is_ipv6 == origin_cases[i].ipv6 &&
		    u.port == origin_cases[i].port &&
		    end == origin_cases[i].end && u.path[0] == '\0' &&
		    !u.has_query, origin_cases[i].why);
	}
	for (i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
		len = strlen(port_cases[i].in);
		s = test_guarded(port_cases[i].in, len);
		err = NULL;
		rc = url_parse_port(s, len, &err);
		CHECK(rc == port_cases[i].want && (port_cases[i].err == NULL ||
		    (err != NULL && strcmp(err, port_cases[i].err) == 0)),
		    port_cases[i].why);
	}
}

static void
test_normalize(void)
{
	char	p[64];
	size_t	i;

	for (i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s", norm_cases[i].in) >=
		    sizeof(p)) {
			CHECK(0, "norm case fits the test buffer");
			continue;
		}
		CHECK(url_normalize_path(p) == 0 &&
		    strcmp(p, norm_cases[i].out) == 0, norm_cases[i].why);
		CHECK(url_normalize_path(p) == 0 &&
		    strcmp(p, norm_cases[i].out) == 0, "idempotent");
	}
	memcpy(p, "a/b", 4);
	CHECK(url_normalize_path(p) == -1, "relative path refused");
	p[0] = '\0';
	CHECK(url_normalize_path(p) == -1, "empty path refused");
}

static void
test_decode(void)
{
	char		 dst[32];
	const char	*s;
	size_t		 i, len;
	long		 n;

	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		len = strlen(dec_cases[i].in);
		s = test_guarded(dec_cases[i].in, len);
		n = url_pct_decode(s, len, dst, sizeof(dst));
		if (dec_cases[i].out == NULL)
			CHECK(n == -1, dec_cases[i].why);
		else
			CHECK(n == (long)strlen(dec_cases[i].out) &&
			    strcmp(dst, dec_cases[i].out) == 0,
			    dec_cases[i].why);
	}
	CHECK(url_pct_decode("abc", 3, dst, 3) == -1, "no room for NUL");
	CHECK(url_pct_decode("abc", 3, dst, 4) == 3, "exact fit");
	CHECK(url_pct_decode("", 0, dst, 0) == -1, "zero-size dst");
}

static void
test_encode(void)
{
	char		 dst[64];
	const char	*s;
	size_t		 i, len;
	long		 n;

	for (i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		len = strlen(enc_cases[i].in);
		s = test_guarded(enc_cases[i].in, len);
		n = url_pct_encode(s, len, dst, sizeof(dst),
		    enc_cases[i].keep_utf8);
		CHECK(n == (long)strlen(enc_cases[i].out) &&
		    strcmp(dst, enc_cases[i].out) == 0, enc_cases[i].why);
	}
	CHECK(url_pct_encode(" ", 1, dst, 3, 0) == -1, "escape needs 4 bytes");
	CHECK(url_pct_encode(" ", 1, dst, 4, 0) == 3, "escape fits in 4");
	CHECK(url_pct_encode("ab", 2, dst, 2, 0) == -1, "no room for NUL");
	CHECK(url_pct_encode("", 0, dst, 0, 0) == -1, "zero-size dst");
}

int
main(void)
{
	test_parse();
	test_parse_misc();
	test_scheme_origin_port();
	test_normalize();
	test_decode();
	test_encode();
	{
		struct buf	b = { 0 };
		char		name[300];

		memset(name, 'a', sizeof(name));
		memcpy(name, "a b#?%:\xc3\xa9", 9);
		CHECK(url_pct_append(&b, name, sizeof(name)) == 0,
		    "append a 300-byte name across chunks");
		CHECK(b.len == sizeof(name) + 2 * 7 &&
		    strncmp(b.data, "a%20b%23%3F%25%3A%C3%A9aaa", 26) == 0,
		    "every unsafe byte escaped, chunk edges seamless");
		buf_free(&b);
	}
	return test_done("url");
}
