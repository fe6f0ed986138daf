/*
 * gopherlink.h: where a gemtext link leads, as the fields of a Gopher
 * menu item (RFC 1436 sect. 3.8; gopher:// URLs, RFC 4266).  Pure: no
 * allocation, no I/O; schemes, hosts and ports are parsed by url.c.
 */
#ifndef GOPHERLINK_H
#define GOPHERLINK_H

#include <stddef.h>

#include "url.h"

#define GOPHERLINK_SEL_MAX	(2 * URL_MAX + 2)	/* dir + link path */
#define GOPHERLINK_GEMINI_PORT	1965	/* Gemini spec 1.2 default */
#define GOPHERLINK_GOPHER_PORT	70	/* RFC 1436 well-known port */

enum gopherlink_kind {
	GOPHERLINK_LOCAL,	/* a selector on this server */
	GOPHERLINK_GOPHER,	/* a native item on a gopher:// server */
	GOPHERLINK_URL		/* 'h' item "URL:<url>", answered by us */
};

/*
 * What a document's links are resolved against (RFC 3986 5.1): its
 * directory, and the Gemini host and port it is served under, so that
 * gemini:// links to this capsule map back to local selectors.
 */
struct gopherlink_base {
	const char	*dir;		/* selector of the document's directory,
					   ending in '/'; NULL means "/" */
	const char	*gemini_host;	/* NULL: no gemini:// link is ours */
	int		 gemini_port;	/* our public Gemini port */
};

struct gopherlink {
	enum gopherlink_kind kind;
	char		 type;		/* GOPHER: the URL's type; URL: 'h';
					   LOCAL: 0, the caller names it from
					   the file name (gophermap_type()) */
	char		 selector[GOPHERLINK_SEL_MAX];
	char		 host[URL_HOST_MAX + 1]; /* GOPHER: lower-cased,
					   never empty; else "" (this server) */
	int		 port;		/* GOPHER: 1..65535; else 0 */
};

/*
 * Resolve the link URL s[0..len) (a gemtext "=>" target, trimmed):
 *   a relative or absolute path -> LOCAL: query and fragment cut,
 *     percent-decoded (a '%' that starts no valid escape is literal),
 *     resolved against base->dir, normalised: starts with '/' and never
 *     climbs above it;
 *   "//host/path" takes our scheme, gemini (RFC 3986 4.2);
 *   gemini:// to base->gemini_host, port absent or base->gemini_port ->
 *     LOCAL, the path as url_parse() decodes and normalises it (the
 *     query is dropped: Gopher cannot carry it to our Gemini side);
 *   gopher://host[:port][/Tselector] with a host and port url.c accepts
 *     (port 0 refused, absent is 70) -> GOPHER of type T ('1' without
 *     one), the selector percent-decoded and cut at an encoded TAB (the
 *     search part, which a menu item cannot hold);
 *   anything else -> URL, selector "URL:" and the URL as written.
 * A selector never holds a control byte (C0 or DEL): no Gopher request
 * line can carry one, so a link holding one, raw or percent-encoded in
 * its selector, is no item.
 * Returns 0, or -1 when s cannot be an item (longer than URL_MAX - 1,
 * a selector too long, a control byte); the caller then shows the
 * link's label as text.
 */
int	gopherlink_resolve(const char *s, size_t len,
	    const struct gopherlink_base *, struct gopherlink *out);

/*
 * Resolve the selector path[0..len) against dir (NULL means "/") into
 * dst: path itself when it starts with '/', else dir followed by path;
 * then normalised as url_normalize_path() does.  Shared with
 * hand-written gophermaps, whose selectors are not URLs (no decoding).
 * Returns 0, or -1 when dst is too small or the result does not start
 * with '/'.
 */
int	gopherlink_path(char *dst, size_t dstsize, const char *dir,
	    const char *path, size_t len);

#endif
