/* test_gemreply.c: the header line of a program's or backend's reply. */
#include <sys/types.h>

#include "test.h"
#include "gemreply.h"

static const struct {
	const char	*in;
	ssize_t		 expect;	/* -2: the length of in */
	int		 status;
	const char	*why;
} cases[] = {
	{ "20 text/gemini\r\n", -2, 20, "the usual success" },
	{ "20 text/gemini\r\n# body\n", 16, 20, "the body is not the header's" },
	{ "51 \r\n", -2, 51, "an empty meta" },
	{ "10 Your name?\r\n", -2, 10, "input" },
	{ "69 x\r\n", -2, 69, "the highest status" },
	{ "30 gemini://h/\xc3\xa9\r\n", -2, 30, "UTF-8 in the meta" },
	{ "", 0, 0, "nothing yet" },
	{ "2", 0, 0, "a digit so far" },
	{ "20", 0, 0, "two digits so far" },
	{ "20 text/gemini", 0, 0, "no CRLF yet" },
	{ "20 text/gemini\r", 0, 0, "a CR at the end: LF may come" },
	{ "70 x\r\n", -1, 0, "status above 69" },
	{ "09 x\r\n", -1, 0, "status below 10" },
	{ "7", -1, 0, "known bad at the first byte" },
	{ "2x x\r\n", -1, 0, "not two digits" },
	{ "200 OK\r\n", -1, 0, "three digits: HTTP" },
	{ "20\r\n", -1, 0, "no space (the space is required)" },
	{ "20\t text\r\n", -1, 0, "a tab for the space" },
	{ "20 text/gemini\n", -1, 0, "a bare LF" },
	{ "20 text\rgemini\r\n", -1, 0, "CR not followed by LF" },
	{ "20 te\x01xt\r\n", -1, 0, "a control byte" },
	{ "20 te\x7fxt\r\n", -1, 0, "DEL" },
	{ "20 \xff\xfe\r\n", -1, 0, "not UTF-8" },
	{ "20 \xc3\r\n", -1, 0, "UTF-8 cut short" },
};

/* A meta of n bytes, then CRLF. */
static ssize_t
long_meta(size_t n, int *status, const char **errstr)
{
	static char	buf[GEMREPLY_LINE_MAX + 16];

	memcpy(buf, "20 ", 3);
	memset(buf + 3, 'a', n);
	memcpy(buf + 3 + n, "\r\n", 2);
	return gemreply_parse(test_guarded(buf, n + 5), n + 5, status, errstr);
}

int
main(void)
{
	const char	*errstr;
	size_t		 i, len;
	ssize_t		 n;
	int		 status;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		errstr = NULL;
		status = 0;
		n = gemreply_parse(test_guarded(cases[i].in, len), len, &status,
		    &errstr);
		CHECK(n == (cases[i].expect == -2 ? (ssize_t)len :
		    cases[i].expect), cases[i].why);
		if (n > 0)
			CHECK(status == cases[i].status, cases[i].why);
		if (n == -1)
			CHECK(errstr != NULL, "an error says why");
	}
	CHECK(long_meta(1024, &status, &errstr) == 1029 && status == 20,
	    "a meta of 1024 bytes");
	errstr = NULL;
	CHECK(long_meta(1025, &status, &errstr) == -1 && errstr != NULL,
	    "a meta of 1025 bytes");
	/* Known too long before the CRLF comes: a trickle cannot hold us. */
	errstr = NULL;
	CHECK(gemreply_parse(test_guarded("20 ", 3), 3, &status, &errstr) == 0,
	    "need more");
	{
		char	buf[1100];

		memcpy(buf, "20 ", 3);
		memset(buf + 3, 'a', sizeof(buf) - 3);
		CHECK(gemreply_parse(test_guarded(buf, sizeof(buf)),
		    sizeof(buf), &status, &errstr) == -1,
		    "too long without a CRLF: invalid at once");
	}
	return test_done("gemreply");
}
