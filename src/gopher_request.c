/*
 * gopher_request.c: the Gopher request line parser (RFC 1436 sect. 2
 * and Appendix NQBNF), tolerant of the Gopher+ suffixes that Gopher+
 * clients append.  Pure: no allocation, no logging, no fds.
 */
#include <string.h>

#include "gopher.h"
#include "utf8.h"

/*
 * Browsers pointed at a Gopher port send an HTTP request line; answering
 * it as a selector would only produce a confusing menu.  The cost: a
 * selector that really starts with one of these words cannot be served.
 */
static const char *const gopher_request_http[] = {
	"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ",
	"CONNECT ", "TRACE ", "PATCH ",
};

static int
gopher_request_is_http(const char *s, size_t len)
{
	size_t	i, n;

	for (i = 0; i < sizeof(gopher_request_http) /
	    sizeof(gopher_request_http[0]); i++) {
		n = strlen(gopher_request_http[i]);
		if (len >= n && memcmp(s, gopher_request_http[i], n) == 0)
			return 1;
	}
	return 0;
}

/*
 * Find the end of the line: *linelen is the content length and the
 * return value the bytes consumed including CRLF or LF.  0 means the
 * line is not complete yet, -1 that it never can be valid: a control
 * byte, a line or selector over its limit (RFC 1436 keeps selectors to
 * 255 bytes) is refused as soon as it is seen, not after a slow client
 * finally sends its EOL.
 */
static ssize_t
gopher_request_eol(const char *buf, size_t len, size_t *linelen,
    const char **errstr)
{
	size_t		i;
	unsigned char	c;
	int		in_selector = 1;

	for (i = 0; i < len; i++) {
		c = (unsigned char)buf[i];
		if (c == '\n') {
			*linelen = i;
			return (ssize_t)i + 1;
		}
		if (c == '\r') {
			if (i + 1 == len)
				return 0;
			if (buf[i + 1] != '\n') {
				*errstr = "bare CR in request";
				return -1;
			}
			*linelen = i;
			return (ssize_t)i + 2;
		}
		if (i >= GOPHER_LINE_MAX) {
			*errstr = "request line too long";
			return -1;
		}
		if (c == '\t')
			in_selector = 0;
		else if (in_selector && i >= GOPHER_SELECTOR_MAX) {
			*errstr = "selector too long";
			return -1;
		}
		if (c == '\0') {
			*errstr = "NUL in request";
			return -1;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*errstr = "control byte in request";
			return -1;
		}
	}
	return 0;
}

/*
 * Gopher+ clients end the request with TAB "+" (a view, optionally
 * "+type/subtype"), TAB "!" (item attributes) or TAB "$" (directory
 * attributes), the last two optionally followed by "+NAME".
 */
static int
gopher_request_is_plus(const char *s, size_t len)
{
	if (len == 0 || (s[0] != '+' && s[0] != '!' && s[0] != '$'))
		return 0;
	return len == 1 || s[0] == '+' || s[1] == '+';
}

/* Length of the next TAB-separated field of s[0..len). */
static size_t
gopher_request_field(const char *s, size_t len)
{
	const char	*tab = memchr(s, '\t', len);

	return tab ? (size_t)(tab - s) : len;
}

/*
 * request  = selector [ TAB search ] [ TAB gplus [ TAB dataflag ] ] EOL
 * Fields after the Gopher+ marker (the data flag of an ASK form) are
 * ignored: we answer as plain Gopher.  The line is already checked for
 * control bytes other than TAB.
 */
static int
gopher_request_fields(const char *s, size_t len,
    struct gopher_request *out, const char **errstr)
{
	size_t	n;

	n = gopher_request_field(s, len);
	if (n > GOPHER_SELECTOR_MAX) {
		*errstr = "selector too long";
		return -1;
	}
	memcpy(out->selector, s, n);
	out->selector[n] = '\0';
	if (n == len)
		return 0;
	s += n + 1;
	len -= n + 1;
	n = gopher_request_field(s, len);
	if (!gopher_request_is_plus(s, n)) {
		out->has_search = 1;
		memcpy(out->search, s, n);
		out->search[n] = '\0';
		if (n == len)
			return 0;
		s += n + 1;
		len -= n + 1;
		n = gopher_request_field(s, len);
		if (!gopher_request_is_plus(s, n)) {
			*errstr = "unexpected field in request";
			return -1;
		}
	}
	out->gopher_plus = 1;
	return 0;
}

ssize_t
gopher_request_parse(const char *buf, size_t len,
    struct gopher_request *out, const char **errstr)
{
	ssize_t	consumed;
	size_t	linelen = 0;

	memset(out, 0, sizeof(*out));
	*errstr = NULL;
	if (gopher_request_is_http(buf, len)) {
		*errstr = "HTTP request on a Gopher port";
		return -1;
	}
	if ((consumed = gopher_request_eol(buf, len, &linelen, errstr)) <= 0)
		return consumed;
	if (!utf8_valid(buf, linelen)) {
		*errstr = "invalid UTF-8 in request";
		return -1;
	}
	if (gopher_request_fields(buf, linelen, out, errstr) == -1)
		return -1;
	return consumed;
}
