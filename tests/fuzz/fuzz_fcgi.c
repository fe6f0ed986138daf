/*
 * fuzz_fcgi.c: a FastCGI backend's reply records, as a worker decodes
 * them in place.  Properties: fcgi_read() consumes at least one byte
 * of a non-empty input and never more than it was given; content it
 * reports lies within what it consumed; decoding the input whole and
 * in two pieces (split where the first byte says) gives the same
 * stdout, the same stderr and the same verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	errs[2][65536];
static size_t	errlen[2];
static int	which;

static void
on_err(void *arg, const char *p, size_t n)
{
	(void)arg;
	if (errlen[which] + n <= sizeof(errs[0])) {
		memcpy(errs[which] + errlen[which], p, n);
		errlen[which] += n;
	}
}

/* Decode data[0..size) in pieces cut at `cut`: the verdict; the stdout
 * bytes into out. */
static int
decode(const uint8_t *data, size_t size, size_t cut, char *out,
    size_t *outlen)
{
	struct fcgi_reader	 r;
	const char		*err;
	size_t			 n, off = 0;
	int			 rc = 0;

	memset(&r, 0, sizeof(r));
	*outlen = 0;
	while (off < size && rc == 0) {
		n = off < cut ? cut - off : size - off;
		memcpy(out + *outlen, data + off, n);
		off += n;
		rc = fcgi_decode(&r, out + *outlen, &n, on_err, NULL, &err);
		*outlen += n;
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 a[1 << 20], b[1 << 20];
	struct fcgi_reader	 r;
	enum fcgi_piece		 piece;
	const char		*d, *err;
	size_t			 alen, blen, dlen;
	ssize_t			 n;
	int			 ra, rb;

	if (size > sizeof(a))
		return 0;
	memset(&r, 0, sizeof(r));
	n = fcgi_read(&r, (const char *)data, size, &piece, &d, &dlen, &err);
	if (n < -1 || n > (ssize_t)size || (size > 0 && n == 0) ||
	    (n > 0 && dlen > 0 && (d < (const char *)data ||
	    d + dlen > (const char *)data + n)))
		abort();
	which = 0;
	errlen[0] = errlen[1] = 0;
	ra = decode(data, size, size, a, &alen);
	which = 1;
	rb = decode(data, size, size > 0 ? data[0] % size : 0, b, &blen);
	if (ra != rb || (ra != -1 && (alen != blen || memcmp(a, b, alen) != 0 ||
	    errlen[0] != errlen[1] || memcmp(errs[0], errs[1], errlen[0]))))
		abort();
	return 0;
}
