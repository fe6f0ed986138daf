/*
 * gemini.c: answer a Gemini request (spec v0.24 sections 3 and 4).
 * The request bytes are parsed by the pure gemini_request_parse(), the
 * path routed by serve.c; this file decides the status and meta, and
 * which body follows.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dirindex.h"
#include "dynamic.h"
#include "gemini.h"
#include "listen.h"
#include "location.h"
#include "mime.h"
#include "ratelimit.h"
#include "reply.h"
#include "serve.h"
#include "titan.h"
#include "vhost.h"

/* An IP-literal URL host is ours when it is the address the client
 * connected to (clients send no SNI for addresses, RFC 6066 sect. 3). */
static int
gemini_is_our_address(const struct request_ctx *ctx, const struct url *u)
{
	unsigned char	a[16], b[16];
	char		local[LISTEN_ADDR_MAX];
	int		af = u->host_is_ipv6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, u->host, a) != 1 ||
	    listen_local_addr(ctx->fd, local, sizeof(local)) == -1 ||
	    inet_pton(af, local, b) != 1)
		return 0;
	return memcmp(a, b, af == AF_INET6 ? 16 : 4) == 0;
}

/* Spec sect. 4: requests for hosts or ports we do not serve are 53. */
static const struct conf_host *
gemini_host(const struct request_ctx *ctx, const struct url *u)
{
	const struct conf		*conf = ctx->conf;
	const struct conf_host		*h;
	unsigned char			 a[16];
	int				 port;

	port = u->port == -1 ? CONF_DEFAULT_PORT : u->port;
	if (port != conf->public_port)
		return NULL;
	if (u->host_is_ipv6 || inet_pton(AF_INET, u->host, a) == 1) {
		if (!gemini_is_our_address(ctx, u))
			return NULL;
		return ctx->sni_host >= 0 ? &conf->hosts[ctx->sni_host] :
		    &conf->hosts[0];
	}
	if ((h = vhost_find(conf, u->host)) == NULL)
		return NULL;
	/* A URL host other than the SNI name is a proxy request. */
	if (ctx->sni[0] != '\0' && !vhost_match(ctx->sni, u->host) &&
	    strcasecmp(ctx->sni, u->host) != 0)
		return NULL;
	return h;
}

/* A generated body (listing, gemlog document) after a 20 header. */
static void
gemini_body(struct reply *r, const char *mime, const char *body,
    size_t len)
{
	if (reply_header(r, 20, mime) == -1 ||
	    reply_append(r, body, len) == -1)
		reply_header(r, 40, "out of memory");
}

/* Type: location override, extension table, location default, magic
 * (found when the file was kept in memory, else asked now). */
static void
gemini_file(const struct conf_host *h, struct serve_result *sr,
    struct reply *r)
{
	const struct conf_location	*loc = sr->loc;
	char				 type[160], meta[200];
	const char			*m, *lang = h->lang;

	if (loc != NULL && loc->lang[0] != '\0')
		lang = loc->lang;
	if ((m = location_mime(loc, sr->path)) == NULL &&
	    (m = mime_from_name(sr->path)) == NULL) {
		if (loc != NULL && loc->default_type[0] != '\0')
			m = loc->default_type;
		else if (sr->body != NULL)
			m = sr->type;
		else
			m = mime_from_fd(sr->fd, type, sizeof(type));
	}
	if (strcmp(m, "text/gemini") == 0 && lang[0] != '\0')
		snprintf(meta, sizeof(meta), "%s; lang=%s", m, lang);
	else
		snprintf(meta, sizeof(meta), "%s", m);
	if (sr->body != NULL) {
		gemini_body(r, meta, sr->body, (size_t)sr->size);
		return;
	}
	if (reply_header(r, 20, meta) == -1) {
		close(sr->fd);
		reply_header(r, 40, "out of memory");
		return;
	}
	reply_file(r, sr->fd, sr->size);
}

static void
gemini_listing(const struct conf_host *h, struct serve_result *sr,
    struct reply *r)
{
	struct buf	listing = { 0 };
	int		auto_index = h->auto_index;

	if (sr->loc != NULL && sr->loc->auto_index != CONF_UNSET)
		auto_index = sr->loc->auto_index;
	if (!auto_index)
		reply_header(r, 51, "not found");
	else if (dirindex_scan(sr->fd, sr->path, &listing) == -1)
		reply_header(r, 40, "cannot list directory");
	else
		gemini_body(r, "text/gemini", listing.data, listing.len);
	close(sr->fd);
	buf_free(&listing);
}

/* A directory asked for without its '/': send the client there. */
static void
gemini_redirect(const char *path, struct reply *r)
{
	char	enc[3 * URL_MAX + 2];
	long	n;

	n = url_pct_encode(path, strlen(path), enc, sizeof(enc) - 1, 0);
	if (n < 0) {
		reply_header(r, 59, "path too long");
		return;
	}
	enc[n] = '/';
	enc[n + 1] = '\0';
	reply_header(r, 31, enc);
}

/* t: a Titan request, whose URL is t->url; NULL for Gemini's u, whose
 * request line is line[0..len) (a program is told it as it came). */
static void
gemini_route(const struct request_ctx *ctx, const char *line, size_t len,
    const struct url *u, const struct titan_request *t, struct reply *r)
{
	const struct conf_host	*h;
	struct serve_result	 sr;
	char			 wait[16];
	int			 secs;

	if ((secs = ratelimit_take(ctx->ratelimit, ctx->addr,
	    ctx->now_ms)) > 0) {
		snprintf(wait, sizeof(wait), "%d", secs);
		reply_header(r, 44, wait);
		r->linger = t != NULL;
		return;
	}
	if (t == NULL && strcmp(u->scheme, "gemini") != 0) {
		reply_header(r, 53, "proxy requests are refused");
		return;
	}
	if ((h = gemini_host(ctx, u)) == NULL) {
		reply_header(r, 53, "this server does not serve that host");
		r->linger = t != NULL;
		return;
	}
	if (t != NULL) {
		titan_route(ctx, h, t, r);
		return;
	}
	serve_route(ctx, h, u->path, NULL, &sr);
	switch (sr.kind) {
	case SERVE_FILE:
	case SERVE_DIRMAP:	/* not asked for: never here */
		gemini_file(h, &sr, r);
		break;
	case SERVE_DIR:
		gemini_listing(h, &sr, r);
		break;
	case SERVE_GEMLOG_INDEX:
		gemini_body(r, "text/gemini", sr.doc->data, sr.doc->len);
		break;
	case SERVE_GEMLOG_ATOM:
		gemini_body(r, "application/atom+xml", sr.doc->data,
		    sr.doc->len);
		break;
	case SERVE_REDIRECT:
		gemini_redirect(u->path, r);
		break;
	case SERVE_DYNAMIC:
		dynamic_start(ctx, h, sr.loc, line, len, u, r);
		break;
	case SERVE_DENIED:
	case SERVE_ERROR:
		reply_header(r, sr.status, sr.meta);
		break;
	}
}

int
gemini_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	struct titan_request	 t;	/* its url serves Gemini too */
	const char		*errstr = NULL, *crlf;
	ssize_t			 n;
	int			 titan = titan_request_is(in, len);

	if (titan)
		n = titan_request_parse(in, len, &t, &errstr);
	else
		n = gemini_request_parse(in, len, &t.url, &errstr);
	if (n == 0)
		return 0;
	if (n < 0) {
		reply_header(r, 59, errstr ? errstr : "bad request");
		r->reqlen = len;
	} else {
		gemini_route(ctx, in, (size_t)n - 2, &t.url, titan ? &t : NULL,
		    r);
		r->reqlen = (size_t)n;
	}
	if (titan) {
		/* A refusal while the body comes: a gentle close, and the
		 * log keeps the line, not the body after it. */
		if (n < 0) {
			r->linger = 1;
			if ((crlf = memmem(in, len, "\r\n", 2)) != NULL)
				r->reqlen = (size_t)(crlf - in) + 2;
		}
		r->hide_off = t.token_off;
		r->hide_len = t.token_len;
	}
	return 1;
}
