/*
 * titan_request.c: the pure Titan request-line parser (see titan.h),
 * picohttpparser style: no state kept between calls, no allocation.
 * The line rules are shared with Gemini (gemini_request_line()).
 */
#include <string.h>
#include <strings.h>

#include "gemini.h"
#include "titan.h"

/* size = 1*15DIGIT */
static int
titan_request_size(const char *v, size_t len, long long *out)
{
	long long	n = 0;
	size_t		i;

	if (len == 0 || len > TITAN_SIZE_DIGITS)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/* Percent-decode v[0..len) into dst; no control byte may come out. */
static int
titan_request_decode(const char *v, size_t len, char *dst, size_t dstsize)
{
	long	n;
	long	i;

	if (len == 0 || (n = url_pct_decode(v, len, dst, dstsize)) <= 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			return -1;
	return 0;
}

/* mime = type "/" subtype [ ";" params ], printable ASCII or space */
static int
titan_request_mime(const char *m)
{
	size_t	type = strcspn(m, "/;"), i;

	if (type == 0 || m[type] != '/' || m[type + 1] == '\0' ||
	    m[type + 1] == ';')
		return -1;
	for (i = 0; m[i] != '\0'; i++)
		if ((unsigned char)m[i] < 0x20 || (unsigned char)m[i] > 0x7e)
			return -1;
	return 0;
}

/* One "name[=value]" (p[0..len)) into out; seen collects the known
 * names met so far. */
static int
titan_request_param(const char *p, size_t len, struct titan_request *out,
    int *seen, const char **errstr)
{
	const char	*eq = memchr(p, '=', len);
	size_t		 nlen = eq ? (size_t)(eq - p) : len;
	const char	*v = eq ? eq + 1 : p + len;
	size_t		 vlen = (size_t)(p + len - v);
	int		 bit;

	if (nlen == 4 && memcmp(p, "size", 4) == 0)
		bit = 1;
	else if (nlen == 4 && memcmp(p, "mime", 4) == 0)
		bit = 2;
	else if (nlen == 5 && memcmp(p, "token", 5) == 0)
		bit = 4;
	else
		return 0;	/* unknown parameters are ignored */
	if (*seen & bit) {
		*errstr = "a Titan parameter given twice";
		return -1;
	}
	*seen |= bit;
	if (bit == 4)
		out->has_token = 1;
	if ((bit == 1 && (eq == NULL ||
	    titan_request_size(v, vlen, &out->size) == -1)) ||
	    (bit == 2 && (eq == NULL || titan_request_decode(v, vlen,
	    out->mime, sizeof(out->mime)) == -1 ||
	    titan_request_mime(out->mime) == -1)) ||
	    (bit == 4 && (eq == NULL || titan_request_decode(v, vlen,
	    out->token, sizeof(out->token)) == -1))) {
		*errstr = bit == 1 ? "bad Titan size" : bit == 2 ?
		    "bad Titan mime" : "bad Titan token";
		return -1;
	}
	return 0;
}

/* params = 1*( ";" param ), line[start..end), start at the first ';'. */
static int
titan_request_params(const char *line, size_t start, size_t end,
    struct titan_request *out, const char **errstr)
{
	const char	*semi;
	size_t		 p = start + 1, q;
	int		 seen = 0;

	if (memchr(line + start, '?', end - start) != NULL ||
	    memchr(line + start, '#', end - start) != NULL) {
		*errstr = "a query or fragment in a Titan request";
		return -1;
	}
	for (;;) {
		semi = memchr(line + p, ';', end - p);
		q = semi != NULL ? (size_t)(semi - line) : end;
		if (titan_request_param(line + p, q - p, out, &seen,
		    errstr) == -1)
			return -1;
		if (semi == NULL)
			break;
		p = q + 1;
	}
	if (!(seen & 1)) {
		*errstr = "no Titan size";
		return -1;
	}
	return 0;
}

/*
 * Where the first token's raw value lies, looked for before anything
 * else is parsed so that even a line refused as invalid keeps its
 * secret out of the log.
 */
static void
titan_request_find_token(const char *buf, size_t len,
    struct titan_request *out)
{
	const char	*t = memmem(buf, len, ";token=", 7);
	size_t		 i;

	if (t == NULL)
		return;
	out->token_off = (size_t)(t - buf) + 7;
	for (i = out->token_off; i < len && buf[i] != ';' && buf[i] != '\r' &&
	    buf[i] != '\n'; i++)
		;
	out->token_len = i - out->token_off;
}

int
titan_request_is(const char *buf, size_t len)
{
	return len >= 6 && strncasecmp(buf, "titan:", 6) == 0;
}

ssize_t
titan_request_parse(const char *buf, size_t len, struct titan_request *out,
    const char **errstr)
{
	const char	*semi;
	size_t		 end, linelen;
	ssize_t		 n;

	out->size = -1;
	memcpy(out->mime, TITAN_DEFAULT_MIME, sizeof(TITAN_DEFAULT_MIME));
	out->has_token = 0;
	out->token[0] = '\0';
	out->token_off = out->token_len = 0;
	titan_request_find_token(buf, len, out);
	if ((n = gemini_request_line(buf, len, errstr)) <= 0)
		return n;
	linelen = (size_t)n - 2;
	if (url_parse_origin(buf, linelen, &out->url, &end, errstr) == -1)
		return -1;
	if ((semi = memchr(buf + end, ';', linelen - end)) == NULL) {
		*errstr = "no Titan parameters";
		return -1;
	}
	if (titan_request_params(buf, (size_t)(semi - buf), linelen, out,
	    errstr) == -1 ||
	    url_parse(buf, (size_t)(semi - buf), &out->url, errstr) == -1)
		return -1;
	if (strcmp(out->url.scheme, "titan") != 0 || out->url.has_query) {
		*errstr = "not a Titan URL";
		return -1;
	}
	return n;
}
