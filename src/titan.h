/*
 * titan.h: Titan uploads (titan://, the upload companion of Gemini),
 * served on the Gemini listener: the pure request-line parser and the
 * responder that gemini.c hands a titan:// request to once its host is
 * known to be ours.
 *
 * A request is "titan://host[:port]/path;size=N;mime=TYPE;token=T" CRLF
 * and then exactly N bytes of body.  Who may upload is the location's
 * titan settings (capsuled.conf(5)); the bytes are written by upload.c.
 */
#ifndef TITAN_H
#define TITAN_H

#include <stddef.h>
#include <sys/types.h>

#include "url.h"

#define TITAN_MIME_MAX		127	/* bytes of a mime= value */
#define TITAN_TOKEN_MAX		255	/* bytes of a token= value */
#define TITAN_SIZE_DIGITS	15	/* size= up to 10^15 - 1 bytes */
#define TITAN_DEFAULT_MIME	"text/gemini"

struct titan_request {
	struct url	url;		/* the URL without its parameters */
	long long	size;		/* body bytes that follow */
	char		mime[TITAN_MIME_MAX + 1];	/* decoded */
	int		has_token;
	char		token[TITAN_TOKEN_MAX + 1];	/* decoded */
	size_t		token_off;	/* the raw token in the line, so */
	size_t		token_len;	/* the log can leave it out */
};

/* Pure: 1 when buf[0..len) starts with the scheme "titan:" (any case). */
int	titan_request_is(const char *buf, size_t len);

/*
 * Parse one Titan request line from buf[0..len) (picohttpparser style).
 * Returns the bytes consumed (line and CRLF; the body follows), 0 when
 * more are needed, -1 when invalid with a static reason in *errstr.
 * The line rules are Gemini's (gemini_request_line(): 1024 bytes, CRLF,
 * UTF-8, no control bytes); then
 *
 *   titan-URL = URL 1*( ";" param )   the parameters begin at the first
 *                                     ';' after the authority
 *   param     = name [ "=" value ]    value percent-decoded
 *
 * where URL is an absolute titan:// URL that url_parse() accepts, with
 * no query.  size (1-15 digits) is required; mime (type "/" subtype,
 * printable) defaults to TITAN_DEFAULT_MIME; token is optional; they
 * may come in any order, each at most once; other names are ignored.
 * token_off and token_len say where the first ";token=" value lies in
 * buf, even when the line turns out invalid or is not complete yet.
 */
ssize_t	titan_request_parse(const char *buf, size_t len,
	    struct titan_request *out, const char **errstr);

struct conf_host;
struct reply;
struct request_ctx;

/*
 * Answer the parsed Titan request t on host h (ours: gemini.c checked
 * the host, the port and the rate limit).  The location in force must
 * have uploads on (else 59), the client must hold an allowed
 * certificate or a right token (60, 61, 62), size must be within
 * titan-max-size and the type allowed (59), all before the body is
 * read.  Then r asks conn.c for the body (reply_sink()) and, once it is
 * in, says "30 gemini://host[:port]/path" (the request's host and
 * port), the file complete on disk.  size 0 deletes the file where
 * titan-delete is on.  A refusal asks for a lingering close: the
 * client is sending its body.
 */
void	titan_route(const struct request_ctx *, const struct conf_host *,
	    const struct titan_request *, struct reply *);

#endif
