/*
 * gopherlink.c: gemtext link targets as Gopher menu items (see
 * gopherlink.h for the mapping).  Pure: no allocation, no I/O.
 *
 * The scheme, host and port of every absolute link are url.c's
 * (url_scheme_len(), url_parse() for gemini://, url_parse_origin() and
 * its port parser for gopher://), so a gopher:// host obeys the rules
 * a Gemini request's host does: an LDH name without empty labels, a
 * valid dotted quad or an IPv6 address inet_pton() accepts, lower-cased,
 * one trailing dot removed.  A link url.c refuses is not dropped: it
 * becomes a "URL:" item, and the client decides what to make of it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gopherlink.h"
#include "url.h"

/* 1 when s[0..len) holds no control byte: RFC 1436 selectors exclude
 * TAB, CR-LF and NUL, and no file we serve needs another C0 or DEL. */
static int
gopherlink_printable(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* An item on this server: no host or port of its own. */
static void
gopherlink_here(struct gopherlink *out, enum gopherlink_kind kind, char type)
{
	out->kind = kind;
	out->type = type;
	out->host[0] = '\0';
	out->port = 0;
}

int
gopherlink_path(char *dst, size_t dstsize, const char *dir,
    const char *path, size_t len)
{
	int	r;

	if (dir == NULL)
		dir = "/";
	if (len > 0 && path[0] == '/')
		dir = "";
	if (len >= dstsize)
		return -1;
	r = snprintf(dst, dstsize, "%s%.*s", dir, (int)len, path);
	if (r < 0 || (size_t)r >= dstsize || dst[0] != '/')
		return -1;
	return url_normalize_path(dst);
}

/*
 * relative-ref = relative-part [ "?" query ] [ "#" fragment ]
 * (RFC 3986 4.2): only the path names a file here.
 */
static int
gopherlink_local(struct gopherlink *out, const char *s, size_t len,
    const struct gopherlink_base *base)
{
	char	dec[URL_MAX + 1];
	size_t	i;
	long	n;

	for (i = 0; i < len && s[i] != '?' && s[i] != '#'; i++)
		;
	len = i;
	if ((n = url_pct_decode(s, len, dec, sizeof(dec))) == -1) {
		if (len >= sizeof(dec))
			return -1;
		memcpy(dec, s, len);	/* a stray '%' is literal */
		n = (long)len;
	}
	if (!gopherlink_printable(dec, (size_t)n) ||
	    gopherlink_path(out->selector, sizeof(out->selector), base->dir,
	    dec, (size_t)n) == -1)
		return -1;
	gopherlink_here(out, GOPHERLINK_LOCAL, 0);
	return 0;
}

/*
 * gemini://host[:port]/path to this capsule (host compared without
 * case, an absent port meaning 1965): the path url_parse() gives,
 * decoded and normalised.  -1 for every other URL, or one url_parse()
 * refuses.  A fragment is cut first (url_parse() refuses one in a
 * request, but a link may carry it).
 */
static int
gopherlink_gemini(struct gopherlink *out, const char *s, size_t len,
    const struct gopherlink_base *base)
{
	struct url	 u;
	const char	*errstr, *hash;
	int		 r;

	if (base->gemini_host == NULL)
		return -1;
	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	if (url_parse(s, len, &u, &errstr) == -1)
		return -1;
	if (strcasecmp(u.host, base->gemini_host) != 0 ||
	    (u.port == -1 ? GOPHERLINK_GEMINI_PORT : u.port) !=
	    base->gemini_port)
		return -1;
	r = snprintf(out->selector, sizeof(out->selector), "%s", u.path);
	if (r < 0 || (size_t)r >= sizeof(out->selector))
		return -1;
	gopherlink_here(out, GOPHERLINK_LOCAL, 0);
	return 0;
}

/*
 * gopher://host[:port][/Tselector] (RFC 4266 sect. 2.1):
 *   gopher-path = "" / "/" / "/" gophertype selector [ "%09" search ]
 * The type is one printable, non-space byte.  -1 when url.c refuses
 * the authority, the host is empty, the port is 0, a '?' or '#' follows
 * the host directly, or the selector is not one a request can carry.
 */
static int
gopherlink_gopher(struct gopherlink *out, const char *s, size_t len)
{
	struct url	 u;
	const char	*errstr, *tab;
	size_t		 end;
	long		 n;

	if (url_parse_origin(s, len, &u, &end, &errstr) == -1 ||
	    u.host[0] == '\0' || u.port == 0)
		return -1;
	out->type = '1';
	out->selector[0] = '\0';
	if (end < len && s[end] != '/')
		return -1;
	if (end + 1 < len) {
		s += end + 1;
		len -= end + 1;
		if (s[0] <= 0x20 || s[0] >= 0x7f)
			return -1;
		out->type = s[0];
		if ((n = url_pct_decode(s + 1, len - 1, out->selector,
		    sizeof(out->selector))) == -1)
			return -1;
		if ((tab = memchr(out->selector, '\t', (size_t)n)) != NULL) {
			n = tab - out->selector;
			out->selector[n] = '\0';
		}
		if (!gopherlink_printable(out->selector, (size_t)n))
			return -1;
	}
	out->kind = GOPHERLINK_GOPHER;
	memcpy(out->host, u.host, sizeof(out->host));
	out->port = u.port == -1 ? GOPHERLINK_GOPHER_PORT : u.port;
	return 0;
}

/* Anything else: the "URL:" convention for links out of Gopherspace;
 * gopher.c answers the selector with an HTML page that links on. */
static int
gopherlink_url(struct gopherlink *out, const char *s, size_t len)
{
	int	r;

	r = snprintf(out->selector, sizeof(out->selector), "URL:%.*s",
	    (int)len, s);
	if (r < 0 || (size_t)r >= sizeof(out->selector))
		return -1;
	gopherlink_here(out, GOPHERLINK_URL, 'h');
	return 0;
}

int
gopherlink_resolve(const char *s, size_t len,
    const struct gopherlink_base *base, struct gopherlink *out)
{
	char	full[URL_MAX + 8];
	size_t	schemelen;
	int	r;

	/* A control byte would also end snprintf()'s %.*s early (NUL). */
	if (len >= URL_MAX || !gopherlink_printable(s, len))
		return -1;
	if (len >= 2 && s[0] == '/' && s[1] == '/') {
		/* A network-path reference takes our scheme (RFC 3986
		 * sect. 4.2): gemini. */
		r = snprintf(full, sizeof(full), "gemini:%.*s", (int)len, s);
		if (r < 0 || (size_t)r >= sizeof(full))
			return -1;
		s = full;
		len = (size_t)r;
	}
	if ((schemelen = url_scheme_len(s, len)) == 0)
		return gopherlink_local(out, s, len, base);
	if (schemelen == 6 && strncasecmp(s, "gemini", 6) == 0 &&
	    gopherlink_gemini(out, s, len, base) == 0)
		return 0;
	if (schemelen == 6 && strncasecmp(s, "gopher", 6) == 0 &&
	    gopherlink_gopher(out, s, len) == 0)
		return 0;
	return gopherlink_url(out, s, len);
}
