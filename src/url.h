/*
 * url.h: absolute-URL parsing for requests (RFC 3986), the scheme,
 * host and port parsing other modules share (gopherlink.c), percent-
 * decoding and dot-segment removal.  Pure: no allocation, no I/O.
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
 * Length of the scheme s[0..len) starts with, without its ':'
 * (RFC 3986 3.1), or 0 when there is none and s is a relative
 * reference ("a/b:c", ":x", "x").  Not bounded by url.scheme's size.
 */
size_t	url_scheme_len(const char *s, size_t len);

/*
 * Parse only scheme "://" authority at the start of s[0..len), with
 * url_parse()'s rules for them: no userinfo; a host that is an LDH
 * name, a dotted quad or a bracketed IPv6 address, lower-cased, one
 * trailing dot removed, empty only outside gemini; a port of 0..65535,
 * -1 when absent or empty.  Unlike url_parse() nothing after the
 * authority is read: *end is set to the offset of the first '/', '?'
 * or '#' after it (or len), and the caller parses the rest by its own
 * grammar (a gopher:// selector, RFC 4266).  So there is no whole-URL
 * length limit or byte check here; the host's own rules still refuse
 * spaces, control bytes and NUL in it.  out->path and out->query are
 * left empty.  Returns 0, or -1 with a static reason in *errstr.
 */
int	url_parse_origin(const char *s, size_t len, struct url *out,
	    size_t *end, const char **errstr);

/*
 * port = 1*DIGIT with a value of at most 65535, leading zeros allowed
 * (RFC 3986 3.2.3); the port in a URL's authority, also usable for a
 * port field elsewhere (a gophermap line).  0 is a valid result: a
 * caller that needs a port to connect to refuses it.  Returns the
 * port, or -1 with a static reason in *errstr (an empty string is -1
 * here; url_parse() reads "host:" as "host" before calling this).
 */
int	url_parse_port(const char *s, size_t len, const char **errstr);

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
