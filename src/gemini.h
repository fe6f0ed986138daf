/*
 * gemini.h: the Gemini request parser (pure) and responder.
 */
#ifndef GEMINI_H
#define GEMINI_H

#include <stddef.h>
#include <sys/types.h>

#include "url.h"

#define GEMINI_REQUEST_MAX	1024	/* bytes of URL, without CRLF */

/*
 * Parse one request "URL CRLF" from buf[0..len) (picohttpparser style).
 * Returns bytes consumed (URL + CRLF), 0 when more bytes are needed,
 * -1 when invalid, with a static reason in *errstr.  Rejects: a leading
 * BOM, more than 1024 bytes without CRLF, a bare LF or CR, invalid UTF-8,
 * and everything url_parse() rejects.
 */
ssize_t	gemini_request_parse(const char *buf, size_t len, struct url *out,
	    const char **errstr);

/* The line rules alone (the URL is not parsed): the same returns, the
 * line being buf[0..n - 2).  Titan's parser (titan.h) shares them. */
ssize_t	gemini_request_line(const char *buf, size_t len,
	    const char **errstr);

struct reply;
struct request_ctx;

/*
 * The Gemini responder (a reply_fn): parse the request line in in[0..len)
 * and answer it, rejections included.  0 when more bytes are needed,
 * else 1 with r filled in.  A titan:// request (an upload, titan.h) is
 * parsed by Titan's rules, held to the same rate limit and host checks,
 * and answered by titan_route().
 */
int	gemini_respond(const struct request_ctx *, const char *in, size_t len,
	    struct reply *r);

#endif
