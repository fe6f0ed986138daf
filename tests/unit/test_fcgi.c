/* test_fcgi.c: FastCGI request records and the streaming reply reader. */
#include "test.h"
#include "buf.h"
#include "cgienv.h"
#include "fcgi.h"

static size_t
record(unsigned char *p, int type, const char *content, size_t len,
    int pad, int id)
{
	p[0] = 1;
	p[1] = (unsigned char)type;
	p[2] = (unsigned char)(id >> 8);
	p[3] = (unsigned char)id;
	p[4] = (unsigned char)(len >> 8);
	p[5] = (unsigned char)len;
	p[6] = (unsigned char)pad;
	p[7] = 0;
	memcpy(p + 8, content, len);
	memset(p + 8 + len, 0, (size_t)pad);
	return 8 + len + (size_t)pad;
}

static void
test_request(void)
{
	static struct cgienv	env;
	struct cgienv_req	r;
	struct buf		out = { NULL, 0, 0 };
	const unsigned char	*p;
	char			big[2000];

	memset(&r, 0, sizeof(r));
	r.url = r.script_name = r.path_info = r.path_translated = r.query =
	    r.server_name = r.server_port = r.remote_addr = r.tls_version =
	    r.tls_cipher = r.cert_hash = "";
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	env.n = 0;
	env.len = 0;
	CHECK(cgienv_set(&env, "A", "b") == 0 &&
	    cgienv_set(&env, "LONG", big) == 0, "variables");
	CHECK(fcgi_request(&out, &env) == 0, "encodes");
	p = (const unsigned char *)out.data;
	CHECK(memcmp(p, "\1\1\0\1\0\10\0\0" "\0\1\0\0\0\0\0\0", 16) == 0,
	    "BEGIN_REQUEST: id 1, FCGI_RESPONDER, no FCGI_KEEP_CONN");
	CHECK(p[16] == 1 && p[17] == FCGI_PARAMS &&
	    memcmp(p + 24, "\1\1Ab", 4) == 0, "a short pair");
	CHECK(memcmp(p + 28, "\4\x80\0\7\xcfLONG", 9) == 0,
	    "a long value's length: four bytes, high bit set");
	CHECK(out.len == 16 + 8 + 4 + 5 + 4 + 1999 + 8 + 8,
	    "then an empty PARAMS and an empty STDIN");
	CHECK(memcmp(p + out.len - 16, "\1\4\0\1\0\0\0\0\1\5\0\1\0\0\0\0", 16)
	    == 0, "the two empty records");
	buf_free(&out);
}

/* A reply: stdout, stderr, stdout with padding, END, in one stream. */
static size_t
reply(unsigned char *p)
{
	size_t	n = 0;

	n += record(p + n, FCGI_STDOUT, "20 text/plain\r\n", 15, 1, 1);
	n += record(p + n, FCGI_STDERR, "oops", 4, 4, 1);
	n += record(p + n, FCGI_STDOUT, "body", 4, 0, 1);
	n += record(p + n, FCGI_STDOUT, "", 0, 0, 1);
	n += record(p + n, FCGI_END_REQUEST, "\0\0\0\0\0\0\0\0", 8, 0, 1);
	return n;
}

static char	err[64];
static size_t	errlen;

static void
on_err(void *arg, const char *p, size_t n)
{
	(void)arg;
	memcpy(err + errlen, p, n);
	errlen += n;
}

/* Decode the reply fed in pieces of `step` bytes. */
static int
decode_in_steps(size_t step, char *out, size_t *outlen)
{
	unsigned char		 raw[256];
	struct fcgi_reader	 rd;
	char			 piece[256];
	const char		*errstr;
	size_t			 total = reply(raw), off, n;
	int			 rc = 0;

	memset(&rd, 0, sizeof(rd));
	errlen = 0;
	*outlen = 0;
	for (off = 0; off < total && rc == 0; off += n) {
		n = total - off < step ? total - off : step;
		memcpy(piece, raw + off, n);
		rc = fcgi_decode(&rd, piece, &n, on_err, NULL, &errstr);
		memcpy(out + *outlen, piece, n);
		*outlen += n;
		n = total - off < step ? total - off : step;
	}
	return rc;
}

static void
test_reader(void)
{
	char	out[256];
	size_t	step, len;
	int	all = 1;

	for (step = 1; step < 100; step++) {
		if (decode_in_steps(step, out, &len) != 1 ||
		    len != 19 || memcmp(out, "20 text/plain\r\nbody", 19) != 0 ||
		    errlen != 4 || memcmp(err, "oops", 4) != 0) {
			all = 0;
			fprintf(stderr, "  step %zu\n", step);
		}
	}
	CHECK(all, "the same bytes whatever the pieces: stdout kept, stderr "
	    "handed on, padding and headers dropped, END found");
}

static const struct {
	int		 version, type, id;
	const char	*why;
} bad[] = {
	{ 2, FCGI_STDOUT, 1, "version 2" },
	{ 1, FCGI_STDOUT, 2, "another request's record" },
	{ 1, FCGI_STDOUT, 0, "a management record" },
	{ 1, FCGI_PARAMS, 1, "a type a reply does not have" },
	{ 1, FCGI_BEGIN_REQUEST, 1, "BEGIN_REQUEST in a reply" },
	{ 1, 11, 1, "FCGI_UNKNOWN_TYPE" },
};

static void
test_invalid(void)
{
	unsigned char		 raw[64];
	struct fcgi_reader	 rd;
	enum fcgi_piece		 piece;
	const char		*data, *errstr;
	size_t			 i, n, dlen;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&rd, 0, sizeof(rd));
		n = record(raw, bad[i].type, "x", 1, 0, bad[i].id);
		raw[0] = (unsigned char)bad[i].version;
		errstr = NULL;
		CHECK(fcgi_read(&rd, test_guarded(raw, n), n, &piece, &data,
		    &dlen, &errstr) == -1 && errstr != NULL, bad[i].why);
	}
	memset(&rd, 0, sizeof(rd));
	n = record(raw, FCGI_END_REQUEST, "\0\0\0\0\0\0\0\0", 8, 0, 1);
	raw[n++] = 1;
	CHECK(fcgi_decode(&rd, (char *)raw, &n, NULL, NULL, &errstr) == 1,
	    "END stops the decoding, what follows dropped");
	memset(&rd, 0, sizeof(rd));
	n = record(raw, FCGI_END_REQUEST, "\0\0\0\0\0\0\0\0", 8, 0, 1);
	CHECK(fcgi_read(&rd, (char *)raw, n, &piece, &data, &dlen, &errstr) ==
	    8 && piece == FCGI_PIECE_END, "END reported with its header");
	CHECK(fcgi_read(&rd, (char *)raw + 8, 8, &piece, &data, &dlen,
	    &errstr) == 8 && piece == FCGI_PIECE_NONE, "its content skipped");
	CHECK(fcgi_read(&rd, "x", 1, &piece, &data, &dlen, &errstr) == -1,
	    "a byte after it is invalid");
	CHECK(fcgi_read(&rd, "", 0, &piece, &data, &dlen, &errstr) == 0,
	    "nothing read from nothing");
}

int
main(void)
{
	test_request();
	test_reader();
	test_invalid();
	return test_done("fcgi");
}
