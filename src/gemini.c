/*
 * gemini.c: answer a Gemini request (spec v0.24 sections 3 and 4).
 * The request bytes are parsed by the pure gemini_request_parse(); this
 * file decides the status, the meta, and what body follows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "dirindex.h"
#include "fsroot.h"
#include "gemini.h"
#include "location.h"
#include "mime.h"
#include "serve.h"
#include "tls.h"
#include "vhost.h"
#include "worker.h"

/* An IP-literal URL host is ours when it is the address the client
 * connected to (clients send no SNI for addresses, RFC 6066 sect. 3). */
static int
gemini_is_our_address(const struct conn *c, const struct url *u)
{
	unsigned char	a[16], b[16];
	char		local[CONN_ADDR_MAX];
	int		af = u->host_is_ipv6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, u->host, a) != 1 ||
	    conn_local_addr(c, local, sizeof(local)) == -1 ||
	    inet_pton(af, local, b) != 1)
		return 0;
	return memcmp(a, b, af == AF_INET6 ? 16 : 4) == 0;
}

/* Spec sect. 4: requests for hosts or ports we do not serve are 53. */
static const struct conf_host *
gemini_host(const struct conn *c, const struct url *u)
{
	const struct conf		*conf = worker_conf();
	const struct conf_host		*h;
	unsigned char			 a[16];
	int				 port;

	port = u->port == -1 ? CONF_DEFAULT_PORT : u->port;
	if (port != conf->public_port)
		return NULL;
	if (u->host_is_ipv6 || inet_pton(AF_INET, u->host, a) == 1) {
		if (!gemini_is_our_address(c, u))
			return NULL;
		return c->sni_host >= 0 ? &conf->hosts[c->sni_host] :
		    &conf->hosts[0];
	}
	if ((h = vhost_find(conf, u->host)) == NULL)
		return NULL;
	/* A URL host other than the SNI name is a proxy request. */
	if (c->sni[0] != '\0' && !vhost_match(c->sni, u->host) &&
	    strcasecmp(c->sni, u->host) != 0)
		return NULL;
	return h;
}

void
gemini_base_url(const struct conf_host *h, char *buf, size_t bufsize)
{
	int	port = worker_conf()->public_port;

	if (port == CONF_DEFAULT_PORT)
		snprintf(buf, bufsize, "gemini://%s", h->name);
	else
		snprintf(buf, bufsize, "gemini://%s:%d", h->name, port);
}

/* Type: location override, extension table, location default, magic. */
static void
gemini_file(struct conn *c, const struct conf_host *h,
    const struct conf_location *loc, struct serve_result *r)
{
	char		 type[160], meta[200];
	const char	*m, *lang = h->lang;

	if (loc != NULL && loc->lang[0] != '\0')
		lang = loc->lang;
	if ((m = location_mime(loc, r->path)) == NULL &&
	    (m = mime_from_name(r->path)) == NULL) {
		if (loc != NULL && loc->default_type[0] != '\0')
			m = loc->default_type;
		else
			m = mime_from_fd(r->fd, type, sizeof(type));
	}
	if (strcmp(m, "text/gemini") == 0 && lang[0] != '\0')
		snprintf(meta, sizeof(meta), "%s; lang=%s", m, lang);
	else
		snprintf(meta, sizeof(meta), "%s", m);
	conn_header(c, 20, meta);
	conn_body_file(c, r->fd, r->size);
}

static void
gemini_listing(struct conn *c, const struct conf_host *h,
    const struct conf_location *loc, struct serve_result *r)
{
	struct buf	listing = { 0 };
	int		auto_index = h->auto_index;

	if (loc != NULL && loc->auto_index != CONF_UNSET)
		auto_index = loc->auto_index;
	if (!auto_index) {
		close(r->fd);
		conn_header(c, 51, "not found");
		return;
	}
	if (dirindex_scan(r->fd, r->path, &listing) == -1) {
		close(r->fd);
		conn_header(c, 40, "cannot list directory");
		buf_free(&listing);
		return;
	}
	close(r->fd);
	conn_header(c, 20, "text/gemini");
	if (conn_body(c, listing.data, listing.len) == -1)
		conn_header(c, 40, "out of memory");
	buf_free(&listing);
}

static void
gemini_redirect(struct conn *c, const char *path)
{
	char	enc[3 * URL_MAX + 2];
	long	n;

	n = url_pct_encode(path, strlen(path), enc, sizeof(enc) - 1, 0);
	if (n < 0) {
		conn_header(c, 59, "path too long");
		return;
	}
	enc[n] = '/';
	enc[n + 1] = '\0';
	conn_header(c, 31, enc);
}

static void
gemini_error(struct conn *c, int err)
{
	int	status = fsroot_status(err);

	conn_header(c, status, status == 51 ? "not found" :
	    status == 44 ? "60" : "temporary failure");
}

/*
 * Client certificates (spec sect. 3.2.6, statuses 60-62): asked for
 * during the handshake, accepted whoever signed them (TOFU), checked
 * here against the location's rule.  Returns 1 when a status was set.
 */
static int
gemini_client_cert(struct conn *c, const struct conf_location *loc)
{
	enum tls_peer	peer;

	peer = tls_peer_fingerprint(c->ssl, c->fingerprint);
	if (!loc->require_cert && loc->nfingerprints == 0)
		return 0;
	if (peer == TLS_PEER_NONE) {
		conn_header(c, 60, "client certificate required");
		return 1;
	}
	if (peer == TLS_PEER_INVALID) {
		conn_header(c, 62, "certificate not valid");
		return 1;
	}
	if (loc->nfingerprints > 0 && !location_allows(loc, c->fingerprint)) {
		conn_header(c, 61, "certificate not authorised");
		return 1;
	}
	return 0;
}

/*
 * A location's fixed answer: "block return NN meta" or a redirect.  In
 * a redirect target the path goes in percent-encoded (it was decoded
 * for the file system): a space or "%3F" must not change the URL.
 */
static void
gemini_block(struct conn *c, const struct conf_location *loc,
    const char *path)
{
	char	meta[GEMINI_META_MAX + 1], enc[3 * URL_MAX + 1];

	/* Encoded again for every status: a redirect target must be a
	 * URL, and a message must not carry the decoded path's control
	 * bytes or invalid UTF-8 into the header. */
	if (url_pct_encode(path, strlen(path), enc, sizeof(enc), 0) < 0) {
		conn_header(c, 59, "path too long");
		return;
	}
	if (location_expand(loc->block_meta, enc, meta, sizeof(meta)) == -1)
		conn_header(c, 40, loc->block_status / 10 == 3 ?
		    "redirect target too long" : "message too long");
	else
		conn_header(c, loc->block_status, meta);
}

/*
 * A directory is answered with its index.gmi: the rules written for that
 * file hold too, or "/private/" would serve what a location on
 * "/private/index.gmi" guards.  1 when that answered the request.
 */
static int
gemini_index_guarded(struct conn *c, const struct conf_host *h,
    const struct conf_location **loc, const char *path,
    struct serve_result *r)
{
	const struct conf_location	*l;

	if (r->kind != SERVE_FILE || strcmp(r->path, path) == 0 ||
	    (l = location_match(h, r->path)) == NULL || l == *loc)
		return 0;
	if (gemini_client_cert(c, l)) {
		close(r->fd);
		return 1;
	}
	if (l->block_status != 0) {
		close(r->fd);
		gemini_block(c, l, r->path);
		return 1;
	}
	*loc = l;
	return 0;
}

static void
gemini_route(struct conn *c, const struct url *u)
{
	const struct conf_location	*loc;
	const struct conf_host		*h;
	struct serve_result		 r;
	char				 base[CONF_NAME_MAX + 32];
	int				 wait;

	if ((wait = worker_rate_check(c->addr)) > 0) {
		snprintf(base, sizeof(base), "%d", wait);
		conn_header(c, 44, base);
		return;
	}
	if (strcmp(u->scheme, "gemini") != 0) {
		conn_header(c, 53, "proxy requests are refused");
		return;
	}
	if ((h = gemini_host(c, u)) == NULL) {
		conn_header(c, 53, "this server does not serve that host");
		return;
	}
	loc = location_match(h, u->path);
	if (loc != NULL && gemini_client_cert(c, loc))
		return;
	if (loc != NULL && loc->block_status != 0) {
		gemini_block(c, loc, u->path);
		return;
	}
	gemini_base_url(h, base, sizeof(base));
	serve_resolve(h, u->path, base, &r);
	if (gemini_index_guarded(c, h, &loc, u->path, &r))
		return;
	switch (r.kind) {
	case SERVE_FILE:
		gemini_file(c, h, loc, &r);
		break;
	case SERVE_DIR:
		gemini_listing(c, h, loc, &r);
		break;
	case SERVE_GEMLOG_INDEX:
	case SERVE_GEMLOG_ATOM:
		conn_header(c, 20, r.kind == SERVE_GEMLOG_INDEX ?
		    "text/gemini" : "application/atom+xml");
		if (conn_body(c, r.doc->data, r.doc->len) == -1)
			conn_header(c, 40, "out of memory");
		break;
	case SERVE_REDIRECT:
		gemini_redirect(c, u->path);
		break;
	case SERVE_ERROR:
		gemini_error(c, r.err);
		break;
	}
}

int
gemini_respond(struct conn *c)
{
	struct url	 u;
	const char	*errstr = NULL;
	ssize_t		 n;

	n = gemini_request_parse(c->in, c->inlen, &u, &errstr);
	if (n == 0)
		return 0;
	if (n < 0)
		conn_header(c, 59, errstr ? errstr : "bad request");
	else {
		c->reqlen = (size_t)n;
		gemini_route(c, &u);
	}
	conn_send(c);
	return 1;
}
