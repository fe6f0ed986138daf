/* test_gemtext.c: the text/gemini line iterator and title extraction. */
#include <stdlib.h>

#include "test.h"
#include "gemtext.h"

/* One line of input classified on its own (outside a pre block); the
 * input may end with its LF or CRLF. */
static const struct {
	const char		*in;
	enum gemtext_kind	 kind;
	const char		*text;
	const char		*url;	/* NULL: not a link */
	const char		*why;
} line_cases[] = {
	{ "plain", GEMTEXT_TEXT, "plain", NULL, "text line" },
	{ "", GEMTEXT_TEXT, "", NULL, "empty input has no lines" },
	{ "\n", GEMTEXT_TEXT, "", NULL, "empty line" },
	{ "\r\n", GEMTEXT_TEXT, "", NULL, "empty line ended by CRLF" },
	{ "# Title\n", GEMTEXT_HEADING1, "Title", NULL, "line with its LF" },
	{ "=> /x y\r\n", GEMTEXT_LINK, "y", "/x", "link with its CRLF" },
	{ "=> gemini://a/ Label", GEMTEXT_LINK, "Label", "gemini://a/",
	  "link with label" },
	{ "=>gemini://a/", GEMTEXT_LINK, "", "gemini://a/",
	  "link without space and label" },
	{ "=>\t \tfoo.gmi\t \tMy  label \t", GEMTEXT_LINK, "My  label",
	  "foo.gmi", "tabs and spaces around URL and label" },
	{ "=> /x", GEMTEXT_LINK, "", "/x", "link with no label" },
	{ "=>   ", GEMTEXT_TEXT, "=>   ", NULL, "link marker, no URL" },
	{ "= > x", GEMTEXT_TEXT, "= > x", NULL, "not a link marker" },
	{ "# Title", GEMTEXT_HEADING1, "Title", NULL, "level 1" },
	{ "#Title", GEMTEXT_HEADING1, "Title", NULL, "level 1, no space" },
	{ "##  Sub", GEMTEXT_HEADING2, "Sub", NULL, "level 2" },
	{ "### Subsub", GEMTEXT_HEADING3, "Subsub", NULL, "level 3" },
	{ "#### Four", GEMTEXT_HEADING3, "# Four", NULL,
	  "four marks are a level 3 heading" },
	{ "* item", GEMTEXT_LIST, "item", NULL, "list item" },
	{ "*item", GEMTEXT_TEXT, "*item", NULL, "list needs the space" },
	{ ">quoted", GEMTEXT_QUOTE, "quoted", NULL, "quote" },
	{ "> quoted", GEMTEXT_QUOTE, "quoted", NULL, "quote with space" },
	{ "```", GEMTEXT_PRE_TOGGLE, "", NULL, "toggle" },
	{ "``` c code", GEMTEXT_PRE_TOGGLE, "c code", NULL, "alt text" },
	{ "``", GEMTEXT_TEXT, "``", NULL, "two backticks are text" },
};

static int
eq(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

static void
test_lines(void)
{
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	const char		*s;
	size_t			 i, n, eolen;
	int			 more;

	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		n = strlen(line_cases[i].in);
		s = test_guarded(line_cases[i].in, n);
		gemtext_init(&it, s, n);
		more = gemtext_next(&it, &l);
		if (n == 0) {
			CHECK(more == 0, "empty input has no lines");
			continue;
		}
		CHECK(more == 1, line_cases[i].why);
		if (!more)
			continue;
		/* The whole line is the input without its line end. */
		eolen = n >= 2 && line_cases[i].in[n - 2] == '\r' &&
		    line_cases[i].in[n - 1] == '\n' ? 2 :
		    line_cases[i].in[n - 1] == '\n' ? 1 : 0;
		CHECK(l.line == s && l.linelen == n - eolen,
		    line_cases[i].why);
		CHECK(l.kind == line_cases[i].kind, line_cases[i].why);
		CHECK(eq(l.text, l.textlen, line_cases[i].text),
		    line_cases[i].why);
		CHECK(line_cases[i].url == NULL ? l.url == NULL :
		    eq(l.url, l.urllen, line_cases[i].url), line_cases[i].why);
		CHECK(gemtext_next(&it, &l) == 0, line_cases[i].why);
	}
}

/* A whole document: the kinds in order, "." marks the end. */
static const struct {
	const char		*in;
	enum gemtext_kind	 kinds[8];
	size_t			 nkinds;
	const char		*why;
} doc_cases[] = {
	{ "```\n# not\n=> x\n```\n# yes\n", { GEMTEXT_PRE_TOGGLE,
	  GEMTEXT_PRE_TEXT, GEMTEXT_PRE_TEXT, GEMTEXT_PRE_TOGGLE,
	  GEMTEXT_HEADING1 }, 5, "headings and links inside ``` are text" },
	{ "a\r\nb\r\n", { GEMTEXT_TEXT, GEMTEXT_TEXT }, 2, "CRLF" },
	{ "a\nb", { GEMTEXT_TEXT, GEMTEXT_TEXT }, 2, "last line, no EOL" },
	{ "\xef\xbb\xbf# T\n", { GEMTEXT_HEADING1 }, 1, "BOM skipped" },
	{ "\n\n", { GEMTEXT_TEXT, GEMTEXT_TEXT }, 2, "two empty lines" },
	{ "```\nx", { GEMTEXT_PRE_TOGGLE, GEMTEXT_PRE_TEXT }, 2,
	  "unterminated pre block" },
};

static void
test_docs(void)
{
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	const char		*s;
	size_t			 i, k, n;
	int			 ok;

	for (i = 0; i < sizeof(doc_cases) / sizeof(doc_cases[0]); i++) {
		n = strlen(doc_cases[i].in);
		s = test_guarded(doc_cases[i].in, n);
		gemtext_init(&it, s, n);
		ok = 1;
		for (k = 0; k < doc_cases[i].nkinds; k++)
			if (!gemtext_next(&it, &l) ||
			    l.kind != doc_cases[i].kinds[k])
				ok = 0;
		CHECK(ok && gemtext_next(&it, &l) == 0, doc_cases[i].why);
	}
}

static void
test_eol(void)
{
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	const char		*s = test_guarded("ab\r\ncd", 6);

	gemtext_init(&it, s, 6);
	CHECK(gemtext_next(&it, &l) && eq(l.line, l.linelen, "ab"),
	    "CR of CRLF is not part of the line");
	CHECK(gemtext_next(&it, &l) && eq(l.line, l.linelen, "cd"),
	    "last line without EOL returned whole");
	s = test_guarded("a\rb\n", 4);
	gemtext_init(&it, s, 4);
	CHECK(gemtext_next(&it, &l) && eq(l.line, l.linelen, "a\rb"),
	    "bare CR is text");
	s = test_guarded("\xef\xbb\xbf", 3);
	gemtext_init(&it, s, 3);
	CHECK(gemtext_next(&it, &l) == 0, "a lone BOM is an empty document");
}

static const struct {
	const char	*in;
	const char	*title;		/* NULL: none */
	const char	*why;
} title_cases[] = {
	{ "# Hello  \nbody\n", "Hello", "trailing space trimmed" },
	{ "intro\n## Two\n#   One\n# Later\n", "One", "first level 1 only" },
	{ "```\n# Code\n```\n# Real\n", "Real", "heading in pre ignored" },
	{ "no heading\n## sub\n", NULL, "no level 1 heading" },
	{ "", NULL, "empty document" },
	{ "#\n#  \t\n# Late", "Late", "empty headings skipped" },
	{ "\xef\xbb\xbf# Bom\r\n", "Bom", "BOM and CRLF" },
	{ "# a\rb\n", "a", "title stops at a bare CR" },
	{ "#\r", NULL, "heading of a bare CR is empty" },
};

static void
test_titles(void)
{
	const char	*s, *t;
	size_t		 i, n, tn;
	int		 r;

	for (i = 0; i < sizeof(title_cases) / sizeof(title_cases[0]); i++) {
		n = strlen(title_cases[i].in);
		s = test_guarded(title_cases[i].in, n);
		r = gemtext_title(s, n, &t, &tn);
		if (title_cases[i].title == NULL)
			CHECK(r == 0, title_cases[i].why);
		else
			CHECK(r == 1 && eq(t, tn, title_cases[i].title),
			    title_cases[i].why);
	}
}

int
main(void)
{
	test_lines();
	test_docs();
	test_eol();
	test_titles();
	return test_done("gemtext");
}
