/*
 * titan.c: answer a Titan upload (see titan.h): the location's rules,
 * checked before a byte of the body is read, then a reply that asks
 * conn.c for the body (reply.h's sink) and, once it is in, makes it the
 * file (upload.c) and sends the client to it.
 *
 * Every refusal asks for a lingering close: clients (Lagrange among
 * them) send the body right after the request line, and a close with
 * that body unread would reset the connection under the refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "location.h"
#include "log.h"
#include "reply.h"
#include "serve.h"
#include "titan.h"
#include "upload.h"

/* One upload between its request line and its last byte. */
struct titan_upload {
	struct upload		 up;
	const struct conf	*conf;
	const struct conf_host	*host;
	char			 path[URL_MAX + 1];
	char			 url[REPLY_META_MAX + 1];	/* then */
};

static void
titan_refuse(struct reply *r, int status, const char *meta)
{
	reply_header(r, status, meta);
	r->linger = 1;
}

/* 1 when token is one of loc's (compared in constant time for each). */
static int
titan_token_ok(const struct conf_titan *tt, const char *token)
{
	size_t	len = strlen(token);
	int	i, ok = 0;

	for (i = 0; i < tt->ntokens; i++)
		if (strlen(tt->tokens[i]) == len &&
		    CRYPTO_memcmp(tt->tokens[i], token, len) == 0)
			ok = 1;
	return ok;
}

/*
 * Who may upload: a token that is given must be right (61), else an
 * allowed certificate or a right token lets the client in; no
 * credentials is 60, a certificate not on the list 61, an expired one
 * 62, as for reading a guarded location.  1 when refused.
 */
static int
titan_denied(const struct request_ctx *ctx, const struct conf_location *loc,
    const struct titan_request *t, struct reply *r)
{
	if (t->has_token) {
		if (titan_token_ok(&loc->titan, t->token))
			return 0;
		titan_refuse(r, 61, "upload token not accepted");
		return 1;
	}
	if (ctx->cert == REQUEST_CERT_OK &&
	    location_titan_allows(loc, ctx->fingerprint))
		return 0;
	if (ctx->cert == REQUEST_CERT_INVALID)
		titan_refuse(r, 62, "certificate not valid");
	else if (ctx->cert == REQUEST_CERT_OK)
		titan_refuse(r, 61, "certificate not authorised to upload");
	else
		titan_refuse(r, 60, loc->titan.nfingerprints > 0 ?
		    "client certificate or token required to upload" :
		    "upload token required");
	return 1;
}

/* The type, without parameters, against titan-mime ("type/" "*" and
 * "*" "/" "*" match whole families). */
static int
titan_type_ok(const struct conf_titan *tt, const char *mime)
{
	const char	*m;
	size_t		 len = strcspn(mime, "; "), slash;
	int		 i;

	if (tt->nmimes == 0)
		return 1;
	slash = strcspn(mime, "/");
	for (i = 0; i < tt->nmimes; i++) {
		m = tt->mimes[i];
		if (strcmp(m, "*/*") == 0 ||
		    (strlen(m) == len && strncasecmp(m, mime, len) == 0) ||
		    (strlen(m) == slash + 2 && strncasecmp(m, mime,
		    slash + 1) == 0 && m[slash + 1] == '*'))
			return 1;
	}
	return 0;
}

/* "gemini://host[:port]" and path (or its directory): where the client
 * goes once the upload is done, with the request's host and port. */
static int
titan_target(const struct titan_request *t, int dir, char *buf,
    size_t size)
{
	const struct url	*u = &t->url;
	const char		*slash = strrchr(u->path, '/');
	size_t			 plen = strlen(u->path), n;
	long			 e;
	int			 k;

	if (dir && slash != NULL)
		plen = (size_t)(slash - u->path) + 1;
	if (u->port != -1)
		k = snprintf(buf, size, u->host_is_ipv6 ? "gemini://[%s]:%d" :
		    "gemini://%s:%d", u->host, u->port);
	else
		k = snprintf(buf, size, u->host_is_ipv6 ? "gemini://[%s]" :
		    "gemini://%s", u->host);
	if (k < 0 || (size_t)k >= size)
		return -1;
	n = (size_t)k;
	e = url_pct_encode(u->path, plen, buf + n, size - n, 0);
	return e < 0 ? -1 : 0;
}

/* A failure of the file system: the status, and a log line when it is
 * ours rather than the client's (what serve_errno_status() calls 40). */
static void
titan_fail(struct reply *r, int err, const char *path)
{
	const char	*meta;
	int		 status;

	if (err == EISDIR) {
		titan_refuse(r, 59, "cannot upload over a directory");
		return;
	}
	if (err == EPERM) {
		titan_refuse(r, 59, "file names starting with '.' are refused");
		return;
	}
	status = serve_errno_status(err, &meta);
	if (status == 40) {
		log_warnx("upload %s: %s", path, strerror(err));
		meta = "cannot store the upload";
	}
	titan_refuse(r, status, meta);
}

/* size=0 where titan-delete is on: the file goes, the client goes to
 * its directory. */
static void
titan_delete(const struct request_ctx *ctx, const struct conf_host *h,
    const struct conf_location *loc, const struct titan_request *t,
    struct reply *r)
{
	char	url[REPLY_META_MAX + 1];

	if (!loc->titan.delete) {
		titan_refuse(r, 59, "deleting (size=0) is not allowed here");
		return;
	}
	if (titan_target(t, 1, url, sizeof(url)) == -1) {
		titan_refuse(r, 59, "path too long");
		return;
	}
	if (upload_remove(h->rootfd, t->url.path) == -1) {
		titan_fail(r, errno, t->url.path);
		return;
	}
	serve_forget(ctx->conf, h, t->url.path);
	reply_header(r, 30, url);
}

/* conn.c has written every byte: the file is replaced. */
static void
titan_commit(struct reply *r, void *arg)
{
	struct titan_upload	*tu = arg;

	if (upload_commit(&tu->up) == -1)
		titan_fail(r, errno, tu->path);
	else {
		serve_forget(tu->conf, tu->host, tu->path);
		reply_header(r, 30, tu->url);
	}
	free(tu);
}

/* The body did not all arrive, or could not be written: nothing of it
 * stays.  A client still there hears why. */
static void
titan_abort(struct reply *r, void *arg, int err)
{
	struct titan_upload	*tu = arg;

	upload_abort(&tu->up);
	if (err == ECONNRESET || err == ETIMEDOUT || err == ECANCELED)
		reply_header(r, 59, "fewer bytes than size: nothing stored");
	else
		titan_fail(r, err, tu->path);
	free(tu);
}

static void
titan_store(const struct request_ctx *ctx, const struct conf_host *h,
    const struct titan_request *t, struct reply *r)
{
	struct titan_upload	*tu;

	if ((tu = calloc(1, sizeof(*tu))) == NULL) {
		titan_refuse(r, 44, "60");
		return;
	}
	tu->conf = ctx->conf;
	tu->host = h;
	memcpy(tu->path, t->url.path, strlen(t->url.path) + 1);
	if (titan_target(t, 0, tu->url, sizeof(tu->url)) == -1) {
		free(tu);
		titan_refuse(r, 59, "path too long");
		return;
	}
	if (upload_begin(h->rootfd, tu->path, &tu->up) == -1) {
		titan_fail(r, errno, tu->path);
		free(tu);
		return;
	}
	reply_reset(r);
	reply_sink(r, tu->up.fd, (off_t)t->size, titan_commit, titan_abort,
	    tu);
}

void
titan_route(const struct request_ctx *ctx, const struct conf_host *h,
    const struct titan_request *t, struct reply *r)
{
	const struct conf_location	*loc;
	char				 meta[128];

	loc = location_match(h, t->url.path);
	if (loc == NULL || !loc->titan.on) {
		titan_refuse(r, 59, "uploads are not accepted here");
		return;
	}
	if (titan_denied(ctx, loc, t, r))
		return;
	if (t->size > loc->titan.max_size) {
		snprintf(meta, sizeof(meta), "upload too large: at most %lld "
		    "bytes here", loc->titan.max_size);
		titan_refuse(r, 59, meta);
		return;
	}
	if (!titan_type_ok(&loc->titan, t->mime)) {
		titan_refuse(r, 59, "this type is not accepted here");
		return;
	}
	if (t->size == 0)
		titan_delete(ctx, h, loc, t, r);
	else
		titan_store(ctx, h, t, r);
}
