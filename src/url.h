/*
 * url.h: absolute-URL parsing for requests (RFC 3986), percent-decoding
 * and dot-segment removal.  Pure: no allocation, no I/O.
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>

#define URL_MAX		1024	/* Gemini request URL limit, spec 1.2 */
#define URL_HOST_MAX	255

struct url {
	char	scheme[32];		/* lower-cased, e.g. "gemini" */
	char	host[URL_HOST_MAX + 1];	/* lower-cased; IPv6 without [] */
	int	host_is_ipv6;		/* host was written as [IPv6] */
	int	port;			/* -1 when the URL names none */
	char	path[URL_MAX + 1];	/* decoded, normalised, starts '/' */
	int	has_query;
	char	query[URL_MAX + 1];	/* raw (still percent-encoded) */
};

/*
 * Parse an absolute URL s[0..len) (no CRLF).  Rejects: empty input, no
 * scheme (relative reference), userinfo, a fragment, control bytes or
 * spaces, bad percent escapes, an encoded NUL, a bad port, a host that
 * is neither reg-name nor IP literal.  The path is percent-decoded and
 * then normalised (RFC 3986 5.2.4 plus collapsing repeated slashes), so
 * it never contains "." or ".." segments and always starts with '/'.
 * A trailing dot of the host is removed.
 * Returns 0, or -1 with a static reason in *errstr.
 */
int	url_parse(const char *s, size_t len, struct url *out,
	    const char **errstr);

/*
 * Percent-decode src[0..len) into dst (size dstsize, NUL-terminated).
 * Returns the decoded length, or -1 on a malformed escape, an encoded
 * NUL, or when dst is too small.
 */
long	url_pct_decode(const char *src, size_t len, char *dst,
	    size_t dstsize);

/*
 * Normalise an absolute path in place: remove "." and ".." segments
 * (".." at the top stays at the top) and collapse runs of '/'.
 * A trailing slash is kept (it marks a directory request).  The result
 * starts with '/'.  Returns 0, or -1 if path does not start with '/'.
 */
int	url_normalize_path(char *path);

/*
 * Percent-encode s for use in a URL path or link line: keeps unreserved
 * characters, '/', and bytes >= 0x80 only when keep_utf8 is set (IRIs);
 * escapes everything else, including space, '#', '?', '%'.
 * Writes at most dstsize bytes including the NUL; returns the length,
 * or -1 when dst is too small.
 */
long	url_pct_encode(const char *s, size_t len, char *dst, size_t dstsize,
	    int keep_utf8);

struct buf;

/*
 * Append s[0..len) percent-encoded as url_pct_encode() does with
 * keep_utf8 unset (spaces, '#', '?', '%', ':' and non-ASCII escaped), so
 * a file name of any length makes a link line that parses.  0 or -1.
 */
int	url_pct_append(struct buf *, const char *s, size_t len);

#endif
