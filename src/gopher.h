/*
 * gopher.h: the Gopher request parser (pure, RFC 1436 + Gopher+ suffix
 * tolerance) and responder.
 */
#ifndef GOPHER_H
#define GOPHER_H

#include <stddef.h>
#include <sys/types.h>

#define GOPHER_SELECTOR_MAX	255	/* RFC 1436 sect. 3.5 field limit */
#define GOPHER_LINE_MAX		1024	/* selector + TAB + search + suffix */

struct gopher_request {
	char	selector[GOPHER_SELECTOR_MAX + 1];
	int	has_search;
	char	search[GOPHER_LINE_MAX + 1];
	int	gopher_plus;		/* "\t+", "\t$" or "\t!" was sent */
};

/*
 * Parse "selector [TAB search] [TAB +|$|!] CRLF" (bare LF tolerated)
 * from buf[0..len).  Returns bytes consumed, 0 when more is needed,
 * -1 when invalid with a static reason in *errstr: a line longer than
 * GOPHER_LINE_MAX, a selector longer than GOPHER_SELECTOR_MAX, NUL or
 * other control bytes, invalid UTF-8.
 */
ssize_t	gopher_request_parse(const char *buf, size_t len,
	    struct gopher_request *out, const char **errstr);

struct reply;
struct request_ctx;

/*
 * The Gopher responder (a reply_fn): parse the selector line in
 * in[0..len) and answer it, rejections included (a type-3 menu; the
 * reply's status is the Gemini code the access log shows).  0 when more
 * bytes are needed, else 1 with r filled in.
 */
int	gopher_respond(const struct request_ctx *, const char *in, size_t len,
	    struct reply *r);

/* Free the worker's cache of rendered views (at exit, for leak
 * checkers). */
void	gopher_cache_free(void);

#endif
