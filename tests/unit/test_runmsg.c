/* test_runmsg.c: the messages between workers and the program runner. */
#include <sys/types.h>

#include "test.h"
#include "runmsg.h"

static unsigned char	buf[RUNMSG_MAX + 64];

static struct runmsg
request(void)
{
	static const char *const fields[RUNMSG_NFIELDS] = {
		"gemini://h/cgi-bin/x?q", "/cgi-bin/x", "q", "h",
		"192.0.2.1", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "", "", "",
		"", "", ""
	};
	struct runmsg	m;
	int		i;

	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_REQUEST;
	m.host = 3;
	m.loc = 0x102;
	m.id = 0x0102030405060708ULL;
	for (i = 0; i < RUNMSG_NFIELDS; i++)
		m.field[i] = fields[i];
	return m;
}

/* Parse buf[0..len) from a guarded copy. */
static ssize_t
parse(size_t len, struct runmsg *out, const char **errstr)
{
	*errstr = NULL;
	return runmsg_parse((const unsigned char *)test_guarded(buf, len), len,
	    out, errstr);
}

static void
test_roundtrips(void)
{
	struct runmsg	 m = request(), p;
	const char	*errstr;
	size_t		 len;
	int		 i;

	len = runmsg_encode(buf, sizeof(buf), &m);
	CHECK(len > RUNMSG_HEADER, "a request encodes");
	CHECK(parse(len, &p, &errstr) == (ssize_t)len, "and parses back");
	CHECK(p.type == RUNMSG_REQUEST && p.host == 3 && p.loc == 0x102 &&
	    p.id == m.id, "its header");
	for (i = 0; i < RUNMSG_NFIELDS; i++)
		CHECK(strcmp(p.field[i], m.field[i]) == 0, "each field");
	CHECK(parse(len - 1, &p, &errstr) == -1 && errstr != NULL,
	    "the last NUL missing");
	CHECK(parse(RUNMSG_HEADER - 1, &p, &errstr) == 0, "a short header");

	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_ANSWER;
	m.status = 20;
	m.flags = RUNMSG_STREAM | RUNMSG_FASTCGI;
	m.id = 7;
	m.body = "20 text/gemini\r\nhi";
	m.bodylen = 18;
	len = runmsg_encode(buf, sizeof(buf), &m);
	CHECK(len == RUNMSG_HEADER + 18, "an answer encodes");
	CHECK(parse(len, &p, &errstr) == (ssize_t)len && p.status == 20 &&
	    p.flags == (RUNMSG_STREAM | RUNMSG_FASTCGI) && p.id == 7 &&
	    p.bodylen == 18 && memcmp(p.body, m.body, 18) == 0,
	    "and parses back");
	m.status = 70;
	CHECK(runmsg_encode(buf, sizeof(buf), &m) == 0, "no status 70");
	m.status = 20;
	m.bodylen = RUNMSG_BODY_MAX + 1;
	CHECK(runmsg_encode(buf, sizeof(buf), &m) == 0, "no body too long");

	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_END;
	m.id = 9;
	CHECK(runmsg_encode(buf, sizeof(buf), &m) == RUNMSG_HEADER &&
	    parse(RUNMSG_HEADER, &p, &errstr) == RUNMSG_HEADER &&
	    p.type == RUNMSG_END && p.id == 9, "an END");
	m.type = RUNMSG_HELLO;
	CHECK(runmsg_encode(buf, sizeof(buf), &m) == RUNMSG_HEADER,
	    "a HELLO");
}

static const struct {
	unsigned char	 hdr[RUNMSG_HEADER];
	const char	*body;
	size_t		 bodylen;
	const char	*why;
} bad[] = {
	{ { 9 }, "", 0, "an unknown type" },
	{ { 0 }, "", 0, "type 0" },
	{ { RUNMSG_END, 0, 0, 1 }, "", 0, "the reserved byte set" },
	{ { RUNMSG_END }, "x", 1, "an END with a body" },
	{ { RUNMSG_HELLO, 1 }, "", 0, "a HELLO with flags" },
	{ { RUNMSG_ANSWER, 0, 9 }, "", 0, "an answer with status 9" },
	{ { RUNMSG_ANSWER, 4, 20 }, "", 0, "an answer with an unknown flag" },
	{ { RUNMSG_REQUEST }, "a\0b\0", 4, "a request with two fields" },
	{ { RUNMSG_REQUEST, 1 }, "", 0, "a request with flags" },
	{ { RUNMSG_REQUEST }, "abc", 3, "a request without a NUL" },
};

static void
test_invalid(void)
{
	struct runmsg	 p;
	const char	*errstr;
	size_t		 i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(buf, bad[i].hdr, RUNMSG_HEADER);
		memcpy(buf + RUNMSG_HEADER, bad[i].body, bad[i].bodylen);
		len = RUNMSG_HEADER + bad[i].bodylen;
		CHECK(parse(len, &p, &errstr) == -1 && errstr != NULL,
		    bad[i].why);
	}
	/* Fourteen fields: one too many. */
	memset(buf, 0, sizeof(buf));
	buf[0] = RUNMSG_REQUEST;
	CHECK(parse(RUNMSG_HEADER + RUNMSG_NFIELDS + 1, &p, &errstr) == -1,
	    "a field too many");
	CHECK(parse(RUNMSG_HEADER + RUNMSG_NFIELDS, &p, &errstr) ==
	    RUNMSG_HEADER + RUNMSG_NFIELDS && p.field[0][0] == '\0',
	    "thirteen empty fields");
	CHECK(parse(RUNMSG_HEADER + RUNMSG_REQUEST_MAX + 1, &p, &errstr) ==
	    -1, "a request too long");
}

int
main(void)
{
	test_roundtrips();
	test_invalid();
	return test_done("runmsg");
}
