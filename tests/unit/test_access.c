/* test_access.c: the request text of an access-log line. */
#include <stdlib.h>

#include "access.h"
#include "buf.h"
#include "test.h"

static const struct {
	const char	*in;
	size_t		 len;
	const char	*text;		/* common, combined, default */
	const char	*json;
	const char	*why;
} cases[] = {
	{ "gemini://h/a b", 14, "gemini://h/a b", "gemini://h/a b",
	  "printable ASCII as it is" },
	{ "a\"b\\c", 5, "a\\x22b\\x5cc", "a\\\"b\\\\c",
	  "quote and backslash cannot close the field" },
	{ "a\0b", 3, "a\\x00b", "a\\u0000b", "NUL escaped, not a line cut" },
	{ "a\r\nb\t", 5, "a\\x0d\\x0ab\\x09", "a\\u000d\\u000ab\\u0009",
	  "C0 controls" },
	{ "\x7f", 1, "\\x7f", "\\u007f", "DEL" },
	{ "caf\xc3\xa9", 5, "caf\xc3\xa9", "caf\xc3\xa9", "UTF-8 kept" },
	{ "\xc2\x85x", 3, "\\xc2\\x85x", "\\u00c2\\u0085x",
	  "C1 control (NEL) escaped byte by byte" },
	{ "\xc2\xa0", 2, "\xc2\xa0", "\xc2\xa0", "U+00A0 is not C1" },
	{ "a\x9b" "2Jb", 5, "a\\x9b2Jb", "a\\u009b2Jb",
	  "lone 8-bit CSI escaped" },
	{ "\xff\xc3", 2, "\\xff\\xc3", "\\u00ff\\u00c3", "invalid UTF-8" },
};

static const char *
escaped(const char *in, size_t len, int json)
{
	static struct buf	b;

	buf_reset(&b);
	access_escape_request(&b, test_guarded(in, len), len, json);
	buf_putc(&b, '\0');
	return b.data;
}

int
main(void)
{
	char	*many;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(strcmp(escaped(cases[i].in, cases[i].len, 0),
		    cases[i].text) == 0, cases[i].why);
		CHECK(strcmp(escaped(cases[i].in, cases[i].len, 1),
		    cases[i].json) == 0, cases[i].why);
	}
	/* 1024 quotes would grow fourfold: cut inside the field. */
	if ((many = malloc(1024)) == NULL)
		return 1;
	memset(many, '"', 1024);
	CHECK(strlen(escaped(many, 1024, 0)) == ACCESS_REQUEST_MAX + 3,
	    "long escaped request cut at the cap");
	CHECK(strcmp(escaped(many, 1024, 0) + ACCESS_REQUEST_MAX, "...") == 0,
	    "and marked with ...");
	CHECK(strlen(escaped(many, 250, 0)) == 1000, "under the cap: whole");
	free(many);
	return test_done("access");
}
