/* test_proxy.c: PROXY protocol v1 and v2 headers. */
#include <sys/types.h>

#include "test.h"
#include "proxy.h"

static const struct {
	const char	*in;
	size_t		 len;
	ssize_t		 want;	/* -2: the input's length */
	const char	*src;
	const char	*why;
	int		 local;	/* 1: LOCAL/UNKNOWN, keep the socket's */
} cases[] = {
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 5555 1965\r\nTLS", 0, 42,
	  "192.0.2.7", "v1 TCP4, stops before the client's bytes", 0 },
	{ "PROXY TCP6 2001:db8::1 ::1 5555 1965\r\n", 0, -2, "2001:db8::1",
	  "v1 TCP6", 0 },
	{ "PROXY UNKNOWN\r\n", 0, -2, "", "v1 UNKNOWN keeps the socket's", 1 },
	{ "PROXY UNKNOWN 192.0.2.7 127.0.0.1 5555 1965\r\n", 0, -2, "",
	  "v1 UNKNOWN ignores what follows", 1 },
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 5555", 0, 0, "", "v1 need more", 0 },
	{ "PRO", 0, 0, "", "v1 prefix need more", 0 },
	{ "GET / HTTP/1.0\r\n", 0, -1, "", "not a PROXY header", 0 },
	{ "\x16\x03\x01\x02\x00", 5, -1, "", "a TLS ClientHello is refused",
	  0 },
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 5555 1965\n", 0, -1, "",
	  "v1 bare LF", 0 },
	{ "PROXY TCP4 192.0.2.999 127.0.0.1 5555 1965\r\n", 0, -1, "",
	  "v1 bad address", 0 },
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 99999 1965\r\n", 0, -1, "",
	  "v1 bad port", 0 },
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 5555\r\n", 0, -1, "",
	  "v1 missing field", 0 },
	{ "PROXY TCP4 192.0.2.7 127.0.0.1 5555 1965 x\r\n", 0, -1, "",
	  "v1 extra field", 0 },
	{ "PROXY UDP4 192.0.2.7 127.0.0.1 5555 1965\r\n", 0, -1, "",
	  "v1 unknown protocol", 0 },
	{ "PROXY TCP4 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
	  -1, "", "v1 line too long", 0 },
	/* v2, PROXY TCP4 198.51.100.9:4242 -> 127.0.0.1:1965 */
	{ "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc6\x33\x64\x09\x7f\x00\x00"
	  "\x01\x10\x92\x07\xad", 28, 28, "198.51.100.9", "v2 TCP4", 0 },
	{ "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc6\x33\x64", 19, 0, "",
	  "v2 need more", 0 },
	{ "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00", 16, 16, "",
	  "v2 LOCAL (health check)", 1 },
	/* v2 LOCAL with an address block: the addresses are not a client's */
	{ "\r\n\r\n\0\r\nQUIT\n\x20\x11\x00\x0c\xc6\x33\x64\x09\x7f\x00\x00"
	  "\x01\x10\x92\x07\xad", 28, 28, "", "v2 LOCAL with addresses", 1 },
	/* v2 PROXY with AF_UNSPEC: nothing to take */
	{ "\r\n\r\n\0\r\nQUIT\n\x21\x00\x00\x00", 16, 16, "",
	  "v2 PROXY AF_UNSPEC", 1 },
	{ "\r\n\r\n\0\r\nQUIT\n\x31\x11\x00\x0c", 16, -1, "",
	  "v2 bad version", 0 },
	{ "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x02\x00\x00", 18, -1, "",
	  "v2 address block too short", 0 },
	{ "\r\n\r\n\0\r\nQUIX\n", 12, -1, "", "v2 bad signature", 0 },
};

int
main(void)
{
	struct proxy_header	 h;
	const char		*err, *in;
	size_t			 i, len;
	ssize_t			 n, want;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		in = test_guarded(cases[i].in, len);
		err = NULL;
		/* Junk in: what the parser leaves must be its own doing. */
		memset(&h, 'x', sizeof(h));
		h.local = -1;
		h.src_port = -1;
		n = proxy_parse((const unsigned char *)in, len, &h, &err);
		want = cases[i].want == -2 ? (ssize_t)len : cases[i].want;
		CHECK(n == want, cases[i].why);
		if (n > 0 && cases[i].local) {
			/* The caller keeps the socket's address: no client
			 * address or port may come out of the header. */
			CHECK(h.local == 1, cases[i].why);
			CHECK(h.src[0] == '\0' && h.src_port == 0,
			    cases[i].why);
		} else if (n > 0 && cases[i].src[0] != '\0')
			CHECK(h.local == 0 && strcmp(h.src, cases[i].src) == 0,
			    cases[i].why);
		if (n == -1)
			CHECK(err != NULL, "an error has a reason");
	}
	return test_done("proxy");
}
