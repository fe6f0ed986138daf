/*
 * gemini.h: the Gemini request parser (pure) and responder.
 */
#ifndef GEMINI_H
#define GEMINI_H

#include <stddef.h>
#include <sys/types.h>

#include "url.h"

#define GEMINI_REQUEST_MAX	1024	/* bytes of URL, without CRLF */
#define GEMINI_META_MAX		1024

/*
 * Parse one request "URL CRLF" from buf[0..len) (picohttpparser style).
 * Returns bytes consumed (URL + CRLF), 0 when more bytes are needed,
 * -1 when invalid, with a static reason in *errstr.  Rejects: a leading
 * BOM, more than 1024 bytes without CRLF, a bare LF or CR, invalid UTF-8,
 * and everything url_parse() rejects.
 */
ssize_t	gemini_request_parse(const char *buf, size_t len, struct url *out,
	    const char **errstr);

struct conn;
struct conf_host;

/* "gemini://host[:port]" for host h, with the public port: the base of
 * the URLs in feeds, whichever protocol asked. */
void	gemini_base_url(const struct conf_host *, char *buf, size_t bufsize);

/* Decide and start the response for a parsed request (or a 59). */
/* Called with the bytes read so far: 0 when more are needed, else 1
 * after the response (or a rejection) has been started. */
int	gemini_respond(struct conn *);

#endif
