/*
 * url.c: absolute-URL parsing (RFC 3986 section 3), percent-decoding
 * (2.1) and dot-segment removal (5.2.4).  Pure: no allocation, no I/O.
 * The scheme, host and port steps are also exported on their own
 * (url_scheme_len(), url_parse_origin(), url_parse_port()), so that
 * gopher:// links are read by the same rules as requests.
 *
 * Choices, stricter or looser than RFC 3986:
 * - The host must be ASCII: letters, digits, '-', '_' and '.' with no
 *   empty label, or a dotted-quad IPv4 address, or a bracketed IPv6
 *   address.  Percent-escapes and UTF-8 in the host are refused: an
 *   internationalised name must arrive as punycode, so a vhost lookup
 *   compares plain ASCII.  A host made only of digits and dots must be a
 *   valid dotted quad, so "1.2.3" cannot mean different hosts to
 *   different readers.
 * - Path and query accept any byte above 0x20 except '#' and 0x7F,
 *   including UTF-8 (IRIs, allowed by the Gemini spec) and printable
 *   ASCII that RFC 3986 wants escaped ('|', '^', ...), because clients
 *   differ on what they escape.
 * - An encoded control byte (%01-%1F, %7F) in the path is refused like
 *   %00: no file name we serve needs one, and a decoded CR or LF must
 *   never reach a response header such as a redirect.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "url.h"

#define URL_ENC_CHUNK	64	/* bytes encoded per step */

static int	url_hexval(unsigned char);
static int	url_lower(int);
static int	url_isalpha(int);
static int	url_isdigit(int);
static int	url_is_unreserved(unsigned char);
static int	url_check_bytes(const char *, size_t, const char **);
static int	url_parse_scheme(const char *, size_t, size_t *, struct url *,
		    const char **);
static int	url_parse_authority(const char *, size_t, struct url *,
		    const char **);
static int	url_parse_host(const char *, size_t, struct url *,
		    const char **);
static int	url_parse_ipv6(const char *, size_t, struct url *,
		    const char **);
static int	url_check_regname(const char *, size_t);
static int	url_check_ipv4(const char *, size_t);
static int	url_parse_head(const char *, size_t, struct url *, size_t *,
		    const char **);
static int	url_parse_path(const char *, size_t, struct url *,
		    const char **);
static int	url_check_pct(const char *, size_t);

static int
url_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
url_lower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

static int
url_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
url_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * Whole-URL byte check.  No space or control byte may appear anywhere
 * (RFC 3986 has no production that admits them), and '#' starts a
 * fragment, which a request must not carry (Gemini spec 1.2).
 */
static int
url_check_bytes(const char *s, size_t len, const char **errstr)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7F) {
			*errstr = "URL contains a space or control byte";
			return -1;
		}
		if (c == '#') {
			*errstr = "URL has a fragment";
			return -1;
		}
	}
	return 0;
}

/*
 * scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
 * The ':' ends the scheme; any other byte outside the set means s is a
 * relative reference.
 */
size_t
url_scheme_len(const char *s, size_t len)
{
	size_t	i;
	int	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ':')
			return i;
		if (!url_isalpha(c) && !(i > 0 && (url_isdigit(c) ||
		    c == '+' || c == '-' || c == '.')))
			return 0;
	}
	return 0;
}

/*
 * scheme ":" "//" (hier-part with authority).  Sets *pos just past
 * the "//".
 */
static int
url_parse_scheme(const char *s, size_t len, size_t *pos, struct url *out,
    const char **errstr)
{
	size_t	i, j;

	if ((i = url_scheme_len(s, len)) == 0) {
		*errstr = "not an absolute URL";
		return -1;
	}
	if (i >= sizeof(out->scheme)) {
		*errstr = "URL scheme too long";
		return -1;
	}
	for (j = 0; j < i; j++)
		out->scheme[j] = (char)url_lower((unsigned char)s[j]);
	out->scheme[i] = '\0';
	if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/') {
		*errstr = "URL has no authority";
		return -1;
	}
	*pos = i + 3;
	return 0;
}

/*
 * scheme "://" authority, the authority ending at the first '/', '?'
 * or '#' (RFC 3986 3.2); *end is set there.
 */
static int
url_parse_head(const char *s, size_t len, struct url *out, size_t *end,
    const char **errstr)
{
	size_t	pos, i;

	if (url_parse_scheme(s, len, &pos, out, errstr) == -1)
		return -1;
	for (i = pos; i < len && s[i] != '/' && s[i] != '?' && s[i] != '#';
	    i++)
		;
	*end = i;
	return url_parse_authority(s + pos, i - pos, out, errstr);
}

/*
 * authority = [ userinfo "@" ] host [ ":" port ]
 * Userinfo is refused: a request has no use for it and it hides the
 * real host from a reader ("gemini://good@evil/").
 */
static int
url_parse_authority(const char *s, size_t len, struct url *out,
    const char **errstr)
{
	size_t	hostlen;

	if (memchr(s, '@', len) != NULL) {
		*errstr = "URL has userinfo";
		return -1;
	}
	if (len > 0 && s[0] == '[') {
		/* IP-literal = "[" IPv6address "]" */
		for (hostlen = 1; hostlen < len && s[hostlen] != ']';
		    hostlen++)
			;
		if (hostlen == len) {
			*errstr = "URL has an unclosed '[' in the host";
			return -1;
		}
		hostlen++;
		if (hostlen < len && s[hostlen] != ':') {
			*errstr = "URL has junk after the IPv6 host";
			return -1;
		}
	} else {
		for (hostlen = 0; hostlen < len && s[hostlen] != ':';
		    hostlen++)
			;
	}
	if (url_parse_host(s, hostlen, out, errstr) == -1)
		return -1;
	/* An empty port counts as absent (RFC 3986 6.2.3 treats "host:"
	 * like "host"). */
	out->port = -1;
	if (hostlen + 1 < len && (out->port = url_parse_port(s + hostlen + 1,
	    len - hostlen - 1, errstr)) == -1)
		return -1;
	return 0;
}

/*
 * host = IP-literal / IPv4address / reg-name
 * Lower-cased, with one trailing dot removed ("example.org." names the
 * same host as "example.org").  An empty host is refused for gemini
 * (spec 1.2: the authority is required), allowed for other schemes
 * ("file:///"), which the responder refuses anyway.
 */
static int
url_parse_host(const char *s, size_t len, struct url *out,
    const char **errstr)
{
	size_t	i;

	out->host_is_ipv6 = 0;
	if (len > 0 && s[0] == '[')
		return url_parse_ipv6(s + 1, len - 2, out, errstr);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 && strcmp(out->scheme, "gemini") == 0) {
		*errstr = "URL has an empty host";
		return -1;
	}
	if (len > URL_HOST_MAX) {
		*errstr = "URL host too long";
		return -1;
	}
	if (url_check_regname(s, len) == -1 || url_check_ipv4(s, len) == -1) {
		*errstr = "URL has an invalid host";
		return -1;
	}
	for (i = 0; i < len; i++)
		out->host[i] = (char)url_lower((unsigned char)s[i]);
	out->host[len] = '\0';
	return 0;
}

/*
 * IPv6address, checked by inet_pton(); IPvFuture and zone ids refused.
 * A NUL would end inet_pton()'s string early ("[::1<NUL>junk]"):
 * url_parse() has refused it already, url_parse_origin() refuses it here.
 */
static int
url_parse_ipv6(const char *s, size_t len, struct url *out,
    const char **errstr)
{
	struct in6_addr	 addr;
	char		 tmp[INET6_ADDRSTRLEN];
	size_t		 i;

	if (len == 0 || len >= sizeof(tmp) || memchr(s, '\0', len) != NULL) {
		*errstr = "URL has an invalid IPv6 host";
		return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &addr) != 1) {
		*errstr = "URL has an invalid IPv6 host";
		return -1;
	}
	for (i = 0; i <= len; i++)
		out->host[i] = (char)url_lower((unsigned char)tmp[i]);
	out->host_is_ipv6 = 1;
	return 0;
}

/*
 * reg-name, restricted to LDH names: label *( "." label ) with
 * label = 1*( ALPHA / DIGIT / "-" / "_" ).  The empty name passes here;
 * url_parse_host() decides whether it may be empty.
 */
static int
url_check_regname(const char *s, size_t len)
{
	size_t	i;
	int	c, prev = '.';

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.' && prev == '.')
			return -1;
		if (c != '.' && c != '-' && c != '_' && !url_isalpha(c) &&
		    !url_isdigit(c))
			return -1;
		prev = c;
	}
	if (len > 0 && prev == '.')
		return -1;
	return 0;
}

/*
 * IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet
 * Only applied to names made of digits and dots; anything else is a
 * reg-name.
 */
static int
url_check_ipv4(const char *s, size_t len)
{
	struct in_addr	 addr;
	char		 tmp[16];
	size_t		 i;

	for (i = 0; i < len; i++)
		if (s[i] != '.' && !url_isdigit((unsigned char)s[i]))
			return 0;
	if (len == 0)
		return 0;
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET, tmp, &addr) == 1 ? 0 : -1;
}

/* port = *DIGIT (RFC 3986 3.2.3), here at least one, at most 65535. */
int
url_parse_port(const char *s, size_t len, const char **errstr)
{
	size_t	i;
	long	port = 0;

	if (len == 0) {
		*errstr = "URL has an empty port";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!url_isdigit((unsigned char)s[i])) {
			*errstr = "URL has a non-numeric port";
			return -1;
		}
		port = port * 10 + (s[i] - '0');
		if (port > 65535) {
			*errstr = "URL port out of range";
			return -1;
		}
	}
	return (int)port;
}

/*
 * path-abempty = *( "/" segment ), percent-decoded and then normalised.
 * Decoding first is deliberate: "%2e%2e" and "..%2f" become ".." and
 * "../" and are removed with the other dot segments, so no spelling of
 * a path can climb above "/".
 */
static int
url_parse_path(const char *s, size_t len, struct url *out,
    const char **errstr)
{
	long	n, i;

	if (len > 0 && s[0] != '/') {
		*errstr = "URL path does not start with '/'";
		return -1;
	}
	if (len == 0) {
		out->path[0] = '/';
		out->path[1] = '\0';
		return 0;
	}
	n = url_pct_decode(s, len, out->path, sizeof(out->path));
	if (n == -1) {
		*errstr = "URL has a bad percent escape";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)out->path[i] < 0x20 ||
		    out->path[i] == 0x7F) {
			*errstr = "URL path has an encoded control byte";
			return -1;
		}
	}
	return url_normalize_path(out->path);
}

/* pct-encoded = "%" HEXDIG HEXDIG, and never %00. */
static int
url_check_pct(const char *s, size_t len)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (len - i < 3)
			return -1;
		hi = url_hexval((unsigned char)s[i + 1]);
		lo = url_hexval((unsigned char)s[i + 2]);
		if (hi == -1 || lo == -1 || (hi == 0 && lo == 0))
			return -1;
		i += 2;
	}
	return 0;
}

/*
 * absolute-URI = scheme ":" "//" authority path-abempty [ "?" query ]
 * The query is kept raw: only the handler that reads it knows how to
 * decode it (a '+' or "%26" may matter there).
 */
int
url_parse(const char *s, size_t len, struct url *out, const char **errstr)
{
	size_t	end, q;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	if (len == 0) {
		*errstr = "empty URL";
		return -1;
	}
	if (len > URL_MAX) {
		*errstr = "URL longer than 1024 bytes";
		return -1;
	}
	if (url_check_bytes(s, len, errstr) == -1 ||
	    url_parse_head(s, len, out, &end, errstr) == -1)
		return -1;
	for (q = end; q < len && s[q] != '?'; q++)
		;
	if (url_parse_path(s + end, q - end, out, errstr) == -1)
		return -1;
	if (q == len)
		return 0;
	q++;
	if (url_check_pct(s + q, len - q) == -1) {
		*errstr = "URL query has a bad percent escape";
		return -1;
	}
	out->has_query = 1;
	memcpy(out->query, s + q, len - q);
	out->query[len - q] = '\0';
	return 0;
}

/*
 * The head of url_parse() alone: what follows the authority is left to
 * the caller, whose grammar for it may differ (a gopher:// selector).
 */
int
url_parse_origin(const char *s, size_t len, struct url *out, size_t *end,
    const char **errstr)
{
	memset(out, 0, sizeof(*out));
	out->port = -1;
	return url_parse_head(s, len, out, end, errstr);
}

/* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 2.1); %00 is refused. */
long
url_pct_decode(const char *src, size_t len, char *dst, size_t dstsize)
{
	size_t	i, n = 0;
	int	hi, lo;
	char	c;

	for (i = 0; i < len; i++) {
		c = src[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			hi = url_hexval((unsigned char)src[i + 1]);
			lo = url_hexval((unsigned char)src[i + 2]);
			if (hi == -1 || lo == -1 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 >= dstsize)
			return -1;
		dst[n++] = c;
	}
	if (dstsize == 0)
		return -1;
	dst[n] = '\0';
	return (long)n;
}

/*
 * remove_dot_segments (RFC 3986 5.2.4), working segment by segment:
 * the output is built in place behind the read position as "/seg/seg"
 * and is never longer than what has been read, so memmove() is safe.
 * Empty segments (runs of '/') are dropped.  A trailing '/', or a
 * final "." or ".." segment, leaves a trailing '/', as 5.2.4 does.
 */
int
url_normalize_path(char *path)
{
	size_t	r = 0, w = 0, n;
	int	trailing = 0;

	if (path[0] != '/')
		return -1;
	for (;;) {
		while (path[r] == '/')
			r++;
		if (path[r] == '\0')
			break;
		for (n = 0; path[r + n] != '/' && path[r + n] != '\0'; n++)
			;
		trailing = path[r + n] == '/';
		if (n == 1 && path[r] == '.') {
			trailing = 1;
		} else if (n == 2 && path[r] == '.' && path[r + 1] == '.') {
			while (w > 0 && path[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
			trailing = 1;
		} else {
			path[w++] = '/';
			memmove(path + w, path + r, n);
			w += n;
		}
		r += n;
	}
	if (w == 0 || trailing)
		path[w++] = '/';
	path[w] = '\0';
	return 0;
}

static int
url_is_unreserved(unsigned char c)
{
	return url_isalpha(c) || url_isdigit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/*
 * unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 2.3),
 * plus '/' as the path separator; everything else becomes %XX.
 */
long
url_pct_encode(const char *s, size_t len, char *dst, size_t dstsize,
    int keep_utf8)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, n = 0;
	unsigned char		 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (url_is_unreserved(c) || c == '/' ||
		    (keep_utf8 && c >= 0x80)) {
			if (n + 1 >= dstsize)
				return -1;
			dst[n++] = (char)c;
			continue;
		}
		if (n + 3 >= dstsize)
			return -1;
		dst[n++] = '%';
		dst[n++] = hex[c >> 4];
		dst[n++] = hex[c & 0x0F];
	}
	if (dstsize == 0)
		return -1;
	dst[n] = '\0';
	return (long)n;
}

/* In chunks: the encoding is byte by byte, so a fixed buffer serves
 * names of any length. */
int
url_pct_append(struct buf *out, const char *s, size_t len)
{
	char	enc[URL_ENC_CHUNK * 3 + 1];
	size_t	n;
	long	r;

	while (len > 0) {
		n = len < URL_ENC_CHUNK ? len : URL_ENC_CHUNK;
		if ((r = url_pct_encode(s, n, enc, sizeof(enc), 0)) == -1 ||
		    buf_append(out, enc, (size_t)r) == -1)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}
