/*
 * hello.c: the wire length of a ClientHello (RFC 8446 sect. 5.1 and
 * 4.1.2).  A handshake message may be split over several records and a
 * record may hold a single byte of it, so waiting for one whole record
 * is not enough: a 4-byte record with the start of a ClientHello would
 * otherwise have OpenSSL allocate its buffers for every such client.
 */
#include "hello.h"

#define HELLO_RECORD_HEADER	5
#define HELLO_TYPE_HANDSHAKE	0x16
#define HELLO_CLIENT_HELLO	0x01

size_t
hello_need(const unsigned char *p, size_t n, size_t max)
{
	unsigned char	hdr[4];
	size_t		pos = 0, body = 0, got = 0, len, i, want;

	for (;;) {
		if (pos + HELLO_RECORD_HEADER > n) {
			want = pos + HELLO_RECORD_HEADER;
			break;
		}
		len = (size_t)p[pos + 3] << 8 | p[pos + 4];
		if (p[pos] != HELLO_TYPE_HANDSHAKE || len == 0)
			return 0;
		if (pos + HELLO_RECORD_HEADER + len > n) {
			want = pos + HELLO_RECORD_HEADER + len;
			break;
		}
		for (i = 0; i < len && got < sizeof(hdr); i++)
			hdr[got++] = p[pos + HELLO_RECORD_HEADER + i];
		body += len;
		pos += HELLO_RECORD_HEADER + len;
		if (got == sizeof(hdr)) {
			if (hdr[0] != HELLO_CLIENT_HELLO)
				return 0;
			if (body >= sizeof(hdr) + ((size_t)hdr[1] << 16 |
			    (size_t)hdr[2] << 8 | hdr[3]))
				return 0;
		}
	}
	/* A message longer than the peek still has to fill it first. */
	if (want > max)
		want = max;
	return want > n ? want : 0;
}
