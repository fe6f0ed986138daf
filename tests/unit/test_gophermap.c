/* test_gophermap.c: gemtext to Gopher menu, items, fill, text bodies. */
#include "test.h"
#include "buf.h"
#include "gophermap.h"

/* The fields every item for our own server ends with. */
#define HERE	"\texample.org\t70\r\n"
/* An info line's empty selector and our host/port. */
#define INFO	"\t" HERE

static const struct gophermap_ctx ctx = {
	"example.org", 70, "/blog/", "example.org", 1965
};

struct conv_case {
	const char	*in;
	const char	*expect;
	const char	*why;
};

static const struct conv_case link_cases[] = {
	/* Fuzzer finding: a gopher:// link of type 'i' made an info item
	 * whose text was the whole (unwrapped) URL. */
	{ "=> gopher://example.net/ifoo An info line in disguise",
	  "iAn info line in disguise" INFO,
	  "gopher:// link of type i is shown as text, not an item" },
	{ "=> gopher://example.net/3oops", "igopher://example.net/3oops" INFO,
	  "gopher:// link of type 3 is shown as text" },
	{ "=> notes.txt Notes", "0Notes\t/blog/notes.txt" HERE,
	    "relative text file resolved against ctx->dir" },
	{ "=> sub/ Sub", "1Sub\t/blog/sub/" HERE,
	    "relative directory keeps its slash, type 1" },
	{ "=> ../../../../secret.txt Up", "0Up\t/secret.txt" HERE,
	    "../ links stay under /" },
	{ "=> ./a/../b.gmi B", "1B\t/blog/b.gmi" HERE,
	    "dot segments removed; .gmi served as a menu" },
	{ "=> /about.gmi About", "1About\t/about.gmi" HERE,
	    "absolute path is a local selector" },
	{ "=> docs Docs", "9Docs\t/blog/docs" HERE,
	    "extension-less link: unknown type, 9 (only a '/' says menu)" },
	{ "=> my%20file.txt?q=1#top F", "0F\t/blog/my file.txt" HERE,
	    "relative link: percent-decoded, query and fragment cut" },
	{ "=> photo.jpg", "Iphoto.jpg\t/blog/photo.jpg" HERE,
	    "no label: the URL is the label; images are I" },
	{ "=> anim.gif A", "gA\t/blog/anim.gif" HERE, "GIF is g" },
	{ "=> song.mp3 S", "sS\t/blog/song.mp3" HERE, "audio is s" },
	{ "=> page.html P", "hP\t/blog/page.html" HERE, "HTML is h" },
	{ "=> a.zip Z", "9Z\t/blog/a.zip" HERE, "other binaries are 9" },
	{ "=> gemini://example.org/x.gmi Self",
	    "1Self\t/x.gmi" HERE, "gemini:// to ourselves, no port" },
	{ "=> gemini://EXAMPLE.org:1965/pics/p.png",
	    "Igemini://EXAMPLE.org:1965/pics/p.png\t/pics/p.png" HERE,
	    "gemini:// to ourselves, host case-insensitive, explicit port" },
	{ "=> gemini://example.org Home", "1Home\t/" HERE,
	    "gemini:// to our root: empty path is /" },
	{ "=> gemini://example.org/a.txt#frag A", "0A\t/a.txt" HERE,
	    "gemini:// to ourselves: fragment dropped" },
	{ "=> gemini://example.org:1966/x.gmi X",
	    "hX\tURL:gemini://example.org:1966/x.gmi" HERE,
	    "gemini:// to our host on another port is foreign" },
	{ "=> gemini://other.net/ Other",
	    "hOther\tURL:gemini://other.net/" HERE,
	    "gemini:// elsewhere becomes a URL: item" },
	{ "=> //example.org/n.txt N", "0N\t/n.txt" HERE,
	    "network-path reference takes the gemini scheme" },
	{ "=> https://www.example.com/a?b=c Web",
	    "hWeb\tURL:https://www.example.com/a?b=c" HERE,
	    "https:// becomes a URL: item with the query kept" },
	{ "=> mailto:me@example.org Mail",
	    "hMail\tURL:mailto:me@example.org" HERE,
	    "mailto: becomes a URL: item" },
	{ "=> gopher://gopher.floodgap.com:7070/0/my%20notes.txt G",
	    "0G\t/my notes.txt\tgopher.floodgap.com\t7070\r\n",
	    "gopher:// with type, port and encoded selector" },
	{ "=> gopher://sdf.org",
	    "1gopher://sdf.org\t\tsdf.org\t70\r\n",
	    "gopher://host alone is the root menu on port 70" },
	{ "=> gopher://sdf.org/ SDF", "1SDF\t\tsdf.org\t70\r\n",
	    "gopher://host/ is the root menu" },
	{ "=> gopher://[::1]:7070/7/find%09words S",
	    "7S\t/find\t::1\t7070\r\n",
	    "IPv6 host; an encoded TAB starts the search part" },
	{ "=> gopher://us@er/ B", "hB\tURL:gopher://us@er/" HERE,
	    "userinfo in a gopher URL falls back to URL:" },
	{ "=> x.txt A\tB", "0A B\t/blog/x.txt" HERE,
	    "a TAB in the label becomes a space" },
	/* Where gopherlink.c's rules (url.c's host and port parsing)
	 * differ from the parser gophermap.c had. */
	{ "=> gopher://Gopher.Example.ORG.:000070/1/ G",
	    "1G\t/\tgopher.example.org\t70\r\n",
	    "gopher:// host lower-cased, trailing dot and leading zeros gone" },
	{ "=> gopher://a..b/1/ B", "hB\tURL:gopher://a..b/1/" HERE,
	    "gopher:// host with an empty label falls back to URL:" },
	{ "=> gopher://far.example/0a%0Db C",
	    "hC\tURL:gopher://far.example/0a%0Db" HERE,
	    "encoded CR in a gopher selector: URL: item, not a mangled one" },
	{ "=> a%0Ab.txt Broken", "iBroken" INFO,
	    "encoded LF in a local link: no item, the label as text" },
};

static const struct conv_case text_cases[] = {
	{ "", "", "empty document gives an empty menu" },
	{ "\n", "i" INFO, "a blank line is an empty info line" },
	{ "hello\r\nworld", "ihello" INFO "iworld" INFO,
	    "CRLF and a last line without EOL" },
	{ "a\x01" "b\x7f" "c", "ia b c" INFO, "control bytes become spaces" },
	{ "bad \xff byte", "ibad ? byte" INFO, "invalid UTF-8 becomes ?" },
	{ "# Title", "iTitle" INFO "i=====" INFO,
	    "level 1 heading underlined with =" },
	{ "##  Caf\xc3\xa9 ", "iCaf\xc3\xa9" INFO "i----" INFO,
	    "level 2 underline counts characters, not bytes" },
	{ "### Small", "iSmall" INFO, "level 3 heading is plain" },
	{ "#", "i" INFO, "empty heading has no underline" },
	{ "* one", "i* one" INFO, "list item" },
	{ ">quoted", "i> quoted" INFO, "quote prefix" },
	{ "```alt\n# not a heading\n=> not.txt a link\na\tb\n```\nafter",
	    "i# not a heading" INFO "i=> not.txt a link" INFO
	    "ia       b" INFO "iafter" INFO,
	    "preformatted: toggles dropped, lines verbatim, tabs expanded" },
};

/* Run one conversion on input placed against an unreadable page. */
static int
conv(const char *in, struct buf *out)
{
	const char	*g = test_guarded(in, strlen(in));

	buf_reset(out);
	return gophermap_from_gemtext(g, strlen(in), &ctx, out);
}

static int
same(const struct buf *b, const char *expect)
{
	size_t	n = strlen(expect);

	if (b->len == n && (n == 0 || memcmp(b->data, expect, n) == 0))
		return 1;
	fprintf(stderr, "got:    [%.*s]\nexpect: [%s]\n", (int)b->len,
	    b->data ? b->data : "", expect);
	return 0;
}

static void
test_table(const struct conv_case *c, size_t n)
{
	struct buf	out = { 0 };
	size_t		i;

	for (i = 0; i < n; i++)
		CHECK(conv(c[i].in, &out) == 0 && same(&out, c[i].expect),
		    c[i].why);
	buf_free(&out);
}

/* s repeated n times, in a static buffer. */
static const char *
rep(const char *s, size_t n)
{
	static char	r[4][2048];
	static int	slot;
	char		*p = r[slot++ % 4];
	size_t		i;

	p[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(p, s);
	return p;
}

static void
test_wrap(void)
{
	struct buf	out = { 0 };
	char		in[2048], expect[4096], *p;
	int		i;

	snprintf(in, sizeof(in), "%s", rep("\xc3\xa9", 100));
	snprintf(expect, sizeof(expect), "i%s" INFO "i%s" INFO,
	    rep("\xc3\xa9", 70), rep("\xc3\xa9", 30));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "100 two-byte characters: 70 then 30");

	snprintf(in, sizeof(in), "%s", rep("\xe2\x82\xac", 75));
	snprintf(expect, sizeof(expect), "i%s" INFO "i%s" INFO,
	    rep("\xe2\x82\xac", 70), rep("\xe2\x82\xac", 5));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "75 three-byte euro signs: 70 then 5");

	snprintf(in, sizeof(in), "%s", rep("a", 100));
	snprintf(expect, sizeof(expect), "i%s" INFO "i%s" INFO,
	    rep("a", 70), rep("a", 30));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "a 100-character word is hard-broken at 70");

	snprintf(in, sizeof(in), "%sabcd", rep("abcd ", 14));
	snprintf(expect, sizeof(expect), "i%sabcd" INFO "iabcd" INFO,
	    rep("abcd ", 13));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "break at the last space before column 70");

	snprintf(in, sizeof(in), "%s   x", rep("b", 70));
	snprintf(expect, sizeof(expect), "i%s" INFO "ix" INFO, rep("b", 70));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "a space right after 70 characters is the break; blanks dropped");

	snprintf(in, sizeof(in), "%s \xc3\xa9\xc3\xa9", rep("\xe2\x82\xac",
	    69));
	snprintf(expect, sizeof(expect), "i%s" INFO "i\xc3\xa9\xc3\xa9" INFO,
	    rep("\xe2\x82\xac", 69));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "multi-byte words broken at a space");

	snprintf(in, sizeof(in), "* %s", rep("c", 100));
	snprintf(expect, sizeof(expect), "i* %s" INFO "i  %s" INFO,
	    rep("c", 68), rep("c", 32));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "list continuation indented, prefix counts toward 70");

	snprintf(in, sizeof(in), "> %s", rep("q", 140));
	snprintf(expect, sizeof(expect), "i> %s" INFO "i> %s" INFO
	    "i> %s" INFO, rep("q", 68), rep("q", 68), rep("q", 4));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "quote prefix on every wrapped line");

	snprintf(in, sizeof(in), "# %s", rep("T", 80));
	snprintf(expect, sizeof(expect), "i%s" INFO "i%s" INFO "i%s" INFO,
	    rep("T", 70), rep("T", 10), rep("=", 70));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "long heading wraps, underline capped at 70");

	/* Relative, so it would be a type 9 item "/blog/uuu..." if it fit:
	 * instead the URL is info text, hard-broken at 70 (15 x 70 + 50). */
	snprintf(in, sizeof(in), "=> %s", rep("u", 1100));
	p = expect;
	for (i = 0; i < 15; i++)
		p += sprintf(p, "i%s" INFO, rep("u", 70));
	sprintf(p, "i%s" INFO, rep("u", 50));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "a link too long for a selector is kept as wrapped text");

	snprintf(in, sizeof(in), "```\n%s\n```", rep("x", 100));
	snprintf(expect, sizeof(expect), "i%s" INFO, rep("x", 100));
	CHECK(conv(in, &out) == 0 && same(&out, expect),
	    "preformatted 100-character line is not wrapped");
	buf_free(&out);
}

static void
test_item(void)
{
	struct buf	b = { 0 };

	CHECK(gophermap_item(&b, '0', "a\tb\rc\nd", 7, "/x\ty\r", 5,
	    "h.example", 7070) == 0 &&
	    same(&b, "0a b c d\t/x y \th.example\t7070\r\n"),
	    "TAB, CR, LF in display and selector become spaces");
	buf_reset(&b);
	CHECK(gophermap_item(&b, '\n', "x", 1, "", 0, "h", 70) == 0 &&
	    same(&b, "ix\t\th\t70\r\n"), "an unprintable type becomes i");
	buf_reset(&b);
	CHECK(gophermap_error(&b, "not found", &ctx) == 0 &&
	    same(&b, "3not found" INFO), "type 3 error line");
	buf_reset(&b);
	CHECK(gophermap_end(&b) == 0 && same(&b, ".\r\n"), "menu end");
	buf_reset(&b);
	CHECK(gophermap_info(&b, "", 0, &ctx) == 0 && same(&b, "i" INFO),
	    "empty info line");
	buf_free(&b);

	CHECK(gophermap_type("dir/") == '1', "trailing slash is a menu");
	CHECK(gophermap_type("/a/post.gmi") == '1', ".gmi is a menu");
	CHECK(gophermap_type("x.TXT") == '0', "text, case-insensitive");
	CHECK(gophermap_type("x.gif") == 'g', "GIF");
	CHECK(gophermap_type("x.png") == 'I', "image");
	CHECK(gophermap_type("x.ogg") == 's', "sound");
	CHECK(gophermap_type("x.htm") == 'h', "HTML");
	CHECK(gophermap_type("x.pdf") == '9', "binary");
	CHECK(gophermap_type("README") == '9', "unknown is binary");
	CHECK(gophermap_type("a.d/README") == '9', "dot only in dir name");
}

static const struct conv_case text_body_cases[] = {
	{ "", "", "empty body" },
	{ "a\n.b\r\n..c\nd", "a\r\n..b\r\n...c\r\nd\r\n",
	    "dot-stuffing, CRLF, last line without LF" },
	{ ".\n", "..\r\n", "a lone dot line is doubled" },
	{ "\n\n", "\r\n\r\n", "empty lines kept" },
	{ "x.y\n", "x.y\r\n", "dots not at line start untouched" },
};

static const struct conv_case fill_cases[] = {
	{ "Welcome\n", "iWelcome" INFO, "line without TAB is info" },
	{ "0Notes\tnotes.txt\n", "0Notes\t/blog/notes.txt" HERE,
	    "relative selector resolved, host and port filled" },
	{ "0About me\t\n", "0About me\t/blog/About me" HERE,
	    "empty selector: the display string as a relative name" },
	{ "1Up\t../../..\n", "1Up\t/" HERE, "relative .. stays under /" },
	{ "1Floodgap\t/\tgopher.floodgap.com\t70\r\n",
	    "1Floodgap\t/\tgopher.floodgap.com\t70\r\n",
	    "complete remote item kept" },
	{ "1Far\tfoo\tfar.example\n", "1Far\tfoo\tfar.example\t70\r\n",
	    "remote selector not resolved; port filled" },
	{ "hWeb\tURL:https://x.example/\n",
	    "hWeb\tURL:https://x.example/" HERE, "URL: selector kept" },
	{ "9File\t/abs/f.bin\t\t7070\n", "9File\t/abs/f.bin\texample.org\t7070"
	    "\r\n", "absolute selector kept, missing host filled" },
	{ "0P\tp.txt\texample.org\tnope\n", "0P\t/blog/p.txt" HERE,
	    "bad port replaced" },
	{ "iInfo\tfake\t(NULL)\t0\n", "iInfo\tfake\t(NULL)\t70\r\n",
	    "info line selector not resolved; port 0 replaced" },
	{ "1Far\tfoo\tfar.example\t0007070\n",
	    "1Far\tfoo\tfar.example\t7070\r\n",
	    "port read by url_parse_port(): leading zeros allowed" },
	{ "1Far\tfoo\tfar.example\t65536\n",
	    "1Far\tfoo\tfar.example\t70\r\n", "port above 65535 replaced" },
	{ "0Abs\t/a/../b.txt\n", "0Abs\t/a/../b.txt" HERE,
	    "an absolute hand-written selector is kept as written" },
	{ "\tno type\n", "i no type" INFO, "line starting with TAB is info" },
	{ "a\n.\nb\tc\n", "ia" INFO, "a lone dot ends the map" },
	{ "\n", "i" INFO, "empty line is an empty info line" },
};

static void
test_bodies(void)
{
	struct buf	 out = { 0 };
	const char	*g;
	size_t		 i, n;

	for (i = 0; i < sizeof(text_body_cases) / sizeof(text_body_cases[0]);
	    i++) {
		n = strlen(text_body_cases[i].in);
		g = test_guarded(text_body_cases[i].in, n);
		buf_reset(&out);
		CHECK(gophermap_text(g, n, &out) == 0 &&
		    same(&out, text_body_cases[i].expect),
		    text_body_cases[i].why);
	}
	for (i = 0; i < sizeof(fill_cases) / sizeof(fill_cases[0]); i++) {
		n = strlen(fill_cases[i].in);
		g = test_guarded(fill_cases[i].in, n);
		buf_reset(&out);
		CHECK(gophermap_fill(g, n, &ctx, &out) == 0 &&
		    same(&out, fill_cases[i].expect), fill_cases[i].why);
	}
	buf_free(&out);
}

int
main(void)
{
	test_table(link_cases, sizeof(link_cases) / sizeof(link_cases[0]));
	test_table(text_cases, sizeof(text_cases) / sizeof(text_cases[0]));
	test_wrap();
	test_item();
	test_bodies();
	return test_done("gophermap");
}
