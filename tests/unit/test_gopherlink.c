/* test_gopherlink.c: gemtext link targets resolved to Gopher items. */
#include "test.h"
#include "gopherlink.h"

#define L	GOPHERLINK_LOCAL
#define G	GOPHERLINK_GOPHER
#define U	GOPHERLINK_URL
#define NO	-1		/* no item: gopherlink_resolve() returns -1 */

static const struct gopherlink_base base = {
	"/blog/", "example.org", 1965
};

/* For L and U items host is "" and port 0; type 0 for L. */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	int		 kind;
	char		 type;
	const char	*sel;
	const char	*host;
	int		 port;
	const char	*why;
} cases[] = {
	/* local paths */
	{ "notes.txt", 0, L, 0, "/blog/notes.txt", "", 0,
	    "relative path resolved against the directory" },
	{ "sub/", 0, L, 0, "/blog/sub/", "", 0, "trailing slash kept" },
	{ "../../../../secret.txt", 0, L, 0, "/secret.txt", "", 0,
	    "../ cannot climb above /" },
	{ "%2e%2e/%2e%2e/%2e%2e/etc", 0, L, 0, "/etc", "", 0,
	    "encoded dot-dot decoded, then normalised away" },
	{ "./a/../b.gmi", 0, L, 0, "/blog/b.gmi", "", 0,
	    "dot segments removed" },
	{ "/about.gmi", 0, L, 0, "/about.gmi", "", 0,
	    "absolute path ignores the directory" },
	{ "/a//b/../c", 0, L, 0, "/a/c", "", 0,
	    "absolute path normalised too" },
	{ "my%20file.txt?q=1#top", 0, L, 0, "/blog/my file.txt", "", 0,
	    "percent-decoded; query and fragment cut" },
	{ "100%.txt", 0, L, 0, "/blog/100%.txt", "", 0,
	    "a stray '%' is literal" },
	{ "a%00b", 0, L, 0, "/blog/a%00b", "", 0,
	    "%00 is no escape url.c decodes: kept literally" },
	{ "?q", 0, L, 0, "/blog/", "", 0,
	    "query alone: the directory itself" },
	{ "a/b:c", 0, L, 0, "/blog/a/b:c", "", 0,
	    "a colon after a '/' is no scheme" },
	{ ":x", 0, L, 0, "/blog/:x", "", 0, "a scheme cannot be empty" },
	{ "1a:b", 0, L, 0, "/blog/1a:b", "", 0,
	    "a scheme starts with a letter" },
	{ "caf\xc3\xa9.gmi", 0, L, 0, "/blog/caf\xc3\xa9.gmi", "", 0,
	    "UTF-8 kept (IRI)" },
	/* gemini:// to ourselves */
	{ "gemini://example.org/x.gmi", 0, L, 0, "/x.gmi", "", 0,
	    "gemini:// to us, no port" },
	{ "GEMINI://EXAMPLE.org:1965/pics/p.png", 0, L, 0, "/pics/p.png", "",
	    0, "scheme and host without case, explicit default port" },
	{ "gemini://example.org", 0, L, 0, "/", "", 0, "empty path is /" },
	{ "gemini://example.org./a.txt#frag", 0, L, 0, "/a.txt", "", 0,
	    "trailing dot of the host and fragment dropped" },
	{ "gemini://example.org/a/../../b?q", 0, L, 0, "/b", "", 0,
	    "path normalised by url_parse(), query dropped" },
	{ "//example.org/n.txt", 0, L, 0, "/n.txt", "", 0,
	    "network-path reference takes the gemini scheme" },
	{ "gemini://example.org:1966/x", 0, U, 'h',
	    "URL:gemini://example.org:1966/x", "", 0,
	    "our host on another port is foreign" },
	{ "gemini://other.net/", 0, U, 'h', "URL:gemini://other.net/", "", 0,
	    "another host is foreign" },
	{ "//other.net/x", 0, U, 'h', "URL:gemini://other.net/x", "", 0,
	    "a foreign network-path reference keeps the gemini: it took" },
	{ "gemini://example.org/a%0d%0a", 0, U, 'h',
	    "URL:gemini://example.org/a%0d%0a", "", 0,
	    "url_parse() refuses an encoded CRLF: URL: item, still encoded" },
	/* gopher:// native items */
	{ "gopher://gopher.floodgap.com:7070/0/my%20notes.txt", 0, G, '0',
	    "/my notes.txt", "gopher.floodgap.com", 7070,
	    "type, port and encoded selector" },
	{ "gopher://sdf.org", 0, G, '1', "", "sdf.org", 70,
	    "host alone: root menu on port 70" },
	{ "gopher://sdf.org/", 0, G, '1', "", "sdf.org", 70,
	    "host and slash: root menu" },
	{ "gopher://sdf.org:/1/", 0, G, '1', "/", "sdf.org", 70,
	    "empty port is the default" },
	{ "gopher://[::1]:7070/7/find%09words", 0, G, '7', "/find", "::1",
	    7070, "IPv6 host; an encoded TAB starts the search part" },
	{ "gopher://[2001:DB8::1]/1", 0, G, '1', "", "2001:db8::1", 70,
	    "IPv6 host lower-cased, brackets dropped" },
	{ "gopher://h/0a?b#c", 0, G, '0', "a?b#c", "h", 70,
	    "'?' and '#' are selector bytes after the type" },
	{ "gopher://h/ifoo", 0, G, 'i', "foo", "h", 70,
	    "type i resolves (gophermap.c shows it as text)" },
	{ "gopher://h/%41b", 0, G, '%', "41b", "h", 70,
	    "the type byte is taken as written, never decoded" },
	{ "gopher://h:65535/9x", 0, G, '9', "x", "h", 65535,
	    "largest port" },
	{ "gopher://192.0.2.7/1", 0, G, '1', "", "192.0.2.7", 70,
	    "IPv4 host" },
	/* edges where the old gophermap.c parser differed: url.c's rules */
	{ "gopher://Gopher.Example.ORG/1", 0, G, '1', "",
	    "gopher.example.org", 70,
	    "host lower-cased (the old parser kept its case)" },
	{ "gopher://sdf.org./1", 0, G, '1', "", "sdf.org", 70,
	    "one trailing dot removed (the old parser kept it)" },
	{ "gopher://h:000070/1x", 0, G, '1', "x", "h", 70,
	    "leading zeros beyond five digits (the old parser refused)" },
	{ "gopher://a..b/1", 0, U, 'h', "URL:gopher://a..b/1", "", 0,
	    "empty label refused (the old parser accepted)" },
	{ "gopher://.a/1", 0, U, 'h', "URL:gopher://.a/1", "", 0,
	    "leading dot refused (the old parser accepted)" },
	{ "gopher://1.2.3/1", 0, U, 'h', "URL:gopher://1.2.3/1", "", 0,
	    "short dotted number refused (the old parser accepted)" },
	{ "gopher://0/1", 0, U, 'h', "URL:gopher://0/1", "", 0,
	    "a digits-only host must be a dotted quad: \"0\" is not one" },
	{ "gopher://256.1.1.1/", 0, U, 'h', "URL:gopher://256.1.1.1/", "", 0,
	    "IPv4 octet above 255 refused (the old parser accepted)" },
	{ "gopher://[zz::1]/", 0, U, 'h', "URL:gopher://[zz::1]/", "", 0,
	    "IPv6 literal checked by inet_pton (the old parser took letters)" },
	{ "gopher://h/0a%0Db", 0, U, 'h', "URL:gopher://h/0a%0Db", "", 0,
	    "encoded CR in the selector: no native item (was a space)" },
	{ "gopher://h/0a%7Fb", 0, U, 'h', "URL:gopher://h/0a%7Fb", "", 0,
	    "encoded DEL in the selector: no native item" },
	/* gopher:// refused by both parsers: a URL: item */
	{ "gopher://h:0/1", 0, U, 'h', "URL:gopher://h:0/1", "", 0,
	    "port 0: nothing to connect to" },
	{ "gopher://h:65536/", 0, U, 'h', "URL:gopher://h:65536/", "", 0,
	    "port above 65535" },
	{ "gopher://h:7x/", 0, U, 'h', "URL:gopher://h:7x/", "", 0,
	    "non-numeric port" },
	{ "gopher://h:70:70/", 0, U, 'h', "URL:gopher://h:70:70/", "", 0,
	    "two colons" },
	{ "gopher://us@er/", 0, U, 'h', "URL:gopher://us@er/", "", 0,
	    "userinfo" },
	{ "gopher:///1x", 0, U, 'h', "URL:gopher:///1x", "", 0,
	    "empty host (url.c allows it outside gemini; we do not)" },
	{ "gopher://", 0, U, 'h', "URL:gopher://", "", 0, "nothing at all" },
	{ "gopher://h?x", 0, U, 'h', "URL:gopher://h?x", "", 0,
	    "'?' right after the host" },
	{ "gopher://h#x", 0, U, 'h', "URL:gopher://h#x", "", 0,
	    "'#' right after the host" },
	{ "gopher://[::1]x/", 0, U, 'h', "URL:gopher://[::1]x/", "", 0,
	    "junk after the IPv6 host" },
	{ "gopher://[::1/", 0, U, 'h', "URL:gopher://[::1/", "", 0,
	    "unclosed bracket" },
	{ "gopher://h/0%zz", 0, U, 'h', "URL:gopher://h/0%zz", "", 0,
	    "bad escape in the selector" },
	{ "gopher://h/0%00", 0, U, 'h', "URL:gopher://h/0%00", "", 0,
	    "encoded NUL in the selector" },
	{ "gopher://h/ x", 0, U, 'h', "URL:gopher://h/ x", "", 0,
	    "a space is no type" },
	{ "gopher:h/1", 0, U, 'h', "URL:gopher:h/1", "", 0,
	    "no authority" },
	/* everything else */
	{ "https://www.example.com/a?b=c", 0, U, 'h',
	    "URL:https://www.example.com/a?b=c", "", 0, "https, query kept" },
	{ "mailto:me@example.org", 0, U, 'h', "URL:mailto:me@example.org", "",
	    0, "mailto" },
	{ "x:", 0, U, 'h', "URL:x:", "", 0, "one-letter scheme" },
	/* no item at all */
	{ "a%0Ab.txt", 0, NO, 0, NULL, NULL, 0,
	    "encoded LF in a local path (url_parse() refuses it too)" },
	{ "a%09b", 0, NO, 0, NULL, NULL, 0, "encoded TAB in a local path" },
	{ "a\x01" "b", 0, NO, 0, NULL, NULL, 0, "raw control byte" },
	{ "a.txt?\x7f", 0, NO, 0, NULL, NULL, 0,
	    "raw DEL, even in the query" },
	{ "gopher://h/0a\0b", 15, NO, 0, NULL, NULL, 0,
	    "raw NUL would cut the URL short" },
	{ "gopher://[::1\0x]/", 17, NO, 0, NULL, NULL, 0,
	    "raw NUL inside IPv6 brackets" },
};

static int
streq(const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return 1;
	fprintf(stderr, "  got [%s], want [%s]\n", got, want);
	return 0;
}

static void
test_resolve(void)
{
	struct gopherlink	 t;
	const char		*s;
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		s = test_guarded(cases[i].in, len);
		rc = gopherlink_resolve(s, len, &base, &t);
		if (cases[i].kind == NO) {
			CHECK(rc == -1, cases[i].why);
			continue;
		}
		CHECK(rc == 0, cases[i].why);
		if (rc != 0)
			continue;
		CHECK((int)t.kind == cases[i].kind, cases[i].why);
		CHECK(t.type == cases[i].type, cases[i].why);
		CHECK(streq(cases[i].sel, t.selector), cases[i].why);
		CHECK(streq(cases[i].host, t.host), cases[i].why);
		CHECK(t.port == cases[i].port, cases[i].why);
	}
}

/* Lengths and bases the table cannot hold. */
static void
test_limits(void)
{
	static const struct gopherlink_base nobase = { NULL, NULL, 0 };
	struct gopherlink	 t;
	char			 big[URL_MAX + 1];
	const char		*s;

	memset(big, 'a', sizeof(big));
	s = test_guarded(big, URL_MAX - 1);
	CHECK(gopherlink_resolve(s, URL_MAX - 1, &base, &t) == 0 &&
	    strlen(t.selector) == strlen("/blog/") + URL_MAX - 1,
	    "a 1023-byte relative link fits");
	s = test_guarded(big, URL_MAX);
	CHECK(gopherlink_resolve(s, URL_MAX, &base, &t) == -1,
	    "a 1024-byte link is no item");
	memcpy(big, "gopher://", 9);
	big[9 + 256] = '/';
	s = test_guarded(big, 9 + 257);
	CHECK(gopherlink_resolve(s, 9 + 257, &base, &t) == 0 &&
	    t.kind == GOPHERLINK_URL, "256-byte gopher host: URL: item");
	big[9 + 255] = '/';
	s = test_guarded(big, 9 + 256);
	CHECK(gopherlink_resolve(s, 9 + 256, &base, &t) == 0 &&
	    t.kind == GOPHERLINK_GOPHER && strlen(t.host) == 255,
	    "255-byte gopher host: native item");

	s = test_guarded("x.txt", 5);
	CHECK(gopherlink_resolve(s, 5, &nobase, &t) == 0 &&
	    strcmp(t.selector, "/x.txt") == 0, "no directory means /");
	s = test_guarded("gemini://example.org/x", 22);
	CHECK(gopherlink_resolve(s, 22, &nobase, &t) == 0 &&
	    t.kind == GOPHERLINK_URL,
	    "no Gemini host: no gemini:// link maps back");
	s = test_guarded("", 0);
	CHECK(gopherlink_resolve(s, 0, &base, &t) == 0 &&
	    strcmp(t.selector, "/blog/") == 0, "empty link: the directory");
}

static const struct {
	const char	*dir;
	const char	*path;
	const char	*out;	/* NULL: expect -1 */
	const char	*why;
} path_cases[] = {
	{ "/blog/", "x", "/blog/x", "relative joined" },
	{ "/blog/", "/x", "/x", "absolute kept" },
	{ "/blog/", "../../x", "/x", "dot-dot stays under /" },
	{ "/blog/", "", "/blog/", "empty: the directory" },
	{ NULL, "x", "/x", "NULL directory is /" },
	{ "", "x", NULL, "a result not starting with '/'" },
	{ "/", "a//b/./", "/a/b/", "slashes and dots normalised" },
};

static void
test_path(void)
{
	char		 dst[16];
	const char	*s;
	size_t		 i, len;
	int		 rc;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		len = strlen(path_cases[i].path);
		s = test_guarded(path_cases[i].path, len);
		rc = gopherlink_path(dst, sizeof(dst), path_cases[i].dir, s,
		    len);
		if (path_cases[i].out == NULL)
			CHECK(rc == -1, path_cases[i].why);
		else
			CHECK(rc == 0 && streq(path_cases[i].out, dst),
			    path_cases[i].why);
	}
	s = test_guarded("0123456789abcd", 14);
	CHECK(gopherlink_path(dst, sizeof(dst), "/", s, 14) == 0 &&
	    strlen(dst) == 15, "exact fit");
	s = test_guarded("0123456789abcde", 15);
	CHECK(gopherlink_path(dst, sizeof(dst), "/", s, 15) == -1,
	    "one byte too many");
	s = test_guarded("0123456789abcdef", 16);
	CHECK(gopherlink_path(dst, sizeof(dst), NULL, s, 16) == -1,
	    "path as long as dst");
}

int
main(void)
{
	test_resolve();
	test_limits();
	test_path();
	return test_done("gopherlink");
}
