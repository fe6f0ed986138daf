/*
 * gemini_request.c: the pure Gemini request-line parser (Gemini spec
 * section 1.2), picohttpparser style: no state kept between calls, the
 * caller passes all bytes received so far each time.
 */
#include <sys/types.h>

#include "gemini.h"
#include "url.h"
#include "utf8.h"

static int	gemini_request_find_eol(const char *, size_t, size_t *,
		    const char **);
static int	gemini_request_check_line(const char *, size_t,
		    const char **);

/*
 * request = URL CRLF, URL at most 1024 bytes.
 * Returns 1 with the offset of the CR in *eol, 0 when more bytes are
 * needed, or -1.  Errors that the bytes so far already prove (a bare LF,
 * a control byte, a 1025th byte that is not CR) are reported at once, so
 * a client cannot hold a connection by trickling an invalid line.
 */
static int
gemini_request_find_eol(const char *buf, size_t len, size_t *eol,
    const char **errstr)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)buf[i];
		if (c == '\r') {
			if (i + 1 == len)
				return 0;
			if (buf[i + 1] != '\n') {
				*errstr = "CR not followed by LF";
				return -1;
			}
			*eol = i;
			return 1;
		}
		if (i >= GEMINI_REQUEST_MAX) {
			*errstr = "request longer than 1024 bytes";
			return -1;
		}
		if (c == '\n') {
			*errstr = "bare LF without CR";
			return -1;
		}
		if (c == '\0') {
			*errstr = "request contains a NUL byte";
			return -1;
		}
		if (c < 0x20 || c == 0x7F) {
			*errstr = "request contains a control byte";
			return -1;
		}
	}
	return 0;
}

/*
 * The line itself: not empty, no byte order mark (the spec forbids one),
 * and well-formed UTF-8 (RFC 3629), since IRIs may carry UTF-8.
 */
static int
gemini_request_check_line(const char *buf, size_t len, const char **errstr)
{
	if (len == 0) {
		*errstr = "empty request";
		return -1;
	}
	if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
	    (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF) {
		*errstr = "request starts with a byte order mark";
		return -1;
	}
	if (!utf8_valid(buf, len)) {
		*errstr = "request is not valid UTF-8";
		return -1;
	}
	return 0;
}

ssize_t
gemini_request_line(const char *buf, size_t len, const char **errstr)
{
	size_t	eol;
	int	found;

	if ((found = gemini_request_find_eol(buf, len, &eol, errstr)) != 1)
		return found;
	if (gemini_request_check_line(buf, eol, errstr) == -1)
		return -1;
	return (ssize_t)eol + 2;
}

ssize_t
gemini_request_parse(const char *buf, size_t len, struct url *out,
    const char **errstr)
{
	ssize_t	n;

	if ((n = gemini_request_line(buf, len, errstr)) <= 0)
		return n;
	if (url_parse(buf, (size_t)n - 2, out, errstr) == -1)
		return -1;
	return n;
}
