/*
 * gopher.c: answer a Gopher request (RFC 1436) from the same capsule
 * and with the same path rules as Gemini (serve.c, fsroot.c).  Gemtext
 * documents are converted to menus on the fly (gophermap.c): links stay
 * followable, which a plain-text rendering would lose.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "dirindex.h"
#include "fsroot.h"
#include "gemini.h"
#include "gopher.h"
#include "gophermap.h"
#include "location.h"
#include "mime.h"
#include "serve.h"
#include "url.h"
#include "worker.h"

/* Gemtext and text bodies are read whole to convert them; past this
 * size they are sent as they are. */
#define GOPHER_CONVERT_MAX	(1024 * 1024)
#define GOPHER_MENU_MAX		(4 * GOPHER_CONVERT_MAX)

static void
gopher_ctx(struct gophermap_ctx *ctx, const char *dir)
{
	const struct conf	*conf = worker_conf();

	ctx->host = conf->gopher_host;
	ctx->port = conf->gopher_public_port;
	ctx->dir = dir;
	ctx->gemini_host = conf->hosts[0].name;
	ctx->gemini_port = conf->public_port;
}

static void
gopher_fail(struct conn *c, int status, const char *msg)
{
	struct gophermap_ctx	ctx;

	gopher_ctx(&ctx, "/");
	c->status = status;
	buf_reset(&c->out);
	c->outoff = 0;
	if (gophermap_error(&c->out, msg, &ctx) == -1 ||
	    gophermap_end(&c->out) == -1)
		buf_reset(&c->out);
}

/* Read a whole (bounded) file for conversion. 0 or -1 with errno. */
static int
gopher_slurp(int fd, off_t size, struct buf *b)
{
	ssize_t	n;

	if (size > GOPHER_CONVERT_MAX || buf_reserve(b, (size_t)size) == -1) {
		errno = EFBIG;
		return -1;
	}
	while ((n = read(fd, b->data + b->len, (size_t)size - b->len)) > 0) {
		b->len += (size_t)n;
		if (b->len == (size_t)size)
			break;
	}
	if (n == -1)
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

/*
 * A menu from gemtext; dir is the selector of its directory.  Each
 * input line costs a menu line of host and port, so a document of blank
 * lines grows about twenty times: past GOPHER_MENU_MAX it is refused
 * rather than held in memory for a slow reader.
 */
static void
gopher_menu(struct conn *c, const char *text, size_t len, const char *dir)
{
	struct gophermap_ctx	ctx;

	gopher_ctx(&ctx, dir);
	c->status = 20;
	if (gophermap_from_gemtext(text, len, &ctx, &c->out) == -1 ||
	    gophermap_end(&c->out) == -1)
		gopher_fail(c, 40, "out of memory");
	else if (c->out.len > GOPHER_MENU_MAX)
		gopher_fail(c, 40, "document too large for a menu");
}

static void
gopher_dirname(const char *path, char *dir, size_t dirsize)
{
	const char	*slash = strrchr(path, '/');

	snprintf(dir, dirsize, "%.*s", (int)(slash - path + 1), path);
}

static void
gopher_file(struct conn *c, struct serve_result *r)
{
	struct buf	 body = { 0 };
	const char	*m = mime_from_name(r->path);
	char		 dir[sizeof(r->path)], type[160];
	int		 gemtext, text;

	if (m == NULL)
		m = mime_from_fd(r->fd, type, sizeof(type));
	gemtext = strcmp(m, "text/gemini") == 0;
	text = gophermap_is_text(m);
	if ((gemtext || text) && r->size <= GOPHER_CONVERT_MAX) {
		if (gopher_slurp(r->fd, r->size, &body) == -1) {
			close(r->fd);
			buf_free(&body);
			gopher_fail(c, 40, "cannot read file");
			return;
		}
		close(r->fd);
		gopher_dirname(r->path, dir, sizeof(dir));
		if (gemtext)
			gopher_menu(c, body.data, body.len, dir);
		else {
			c->status = 20;
			if (gophermap_text(body.data, body.len, &c->out) ==
			    -1 || gophermap_end(&c->out) == -1)
				gopher_fail(c, 40, "out of memory");
		}
		buf_free(&body);
		return;
	}
	/*
	 * Binaries, and text too large to convert, are streamed as they
	 * are, ending at the close: a "." trailer without dot-stuffing
	 * could end a text early at a line holding a lone ".".
	 */
	c->status = 20;
	conn_body_file(c, r->fd, r->size);
}

/* A directory's hand-written "gophermap" wins over everything else. */
static int
gopher_gophermap(struct conn *c, const struct conf_host *h, const char *dir)
{
	struct gophermap_ctx	 ctx;
	struct buf		 map = { 0 };
	struct stat		 sb;
	char			 path[URL_MAX + 16];
	int			 fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%sgophermap", dir) >=
	    sizeof(path))
		return -1;
	if ((fd = fsroot_open(h->rootfd, path, O_RDONLY)) == -1)
		return -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    gopher_slurp(fd, sb.st_size, &map) == 0) {
		gopher_ctx(&ctx, dir);
		c->status = 20;
		if (gophermap_fill(map.data, map.len, &ctx, &c->out) == -1 ||
		    gophermap_end(&c->out) == -1)
			gopher_fail(c, 40, "out of memory");
		rc = 0;
	}
	close(fd);
	buf_free(&map);
	return rc;
}

static void
gopher_listing(struct conn *c, struct serve_result *r)
{
	struct buf	listing = { 0 };

	if (dirindex_scan(r->fd, r->path, &listing) == -1)
		gopher_fail(c, 40, "cannot list directory");
	else
		gopher_menu(c, listing.data, listing.len, r->path);
	close(r->fd);
	buf_free(&listing);
}

/* Gopher cannot carry a client certificate or a redirect: what a
 * location guards or answers itself is simply not there. */
static int
gopher_guarded(const struct conf_location *loc)
{
	return loc != NULL && (loc->require_cert || loc->nfingerprints > 0 ||
	    loc->block_status != 0);
}

static void
gopher_serve(struct conn *c, const char *path)
{
	const struct conf	*conf = worker_conf();
	const struct conf_host		*h = &conf->hosts[0];
	const struct conf_location	*loc;
	struct serve_result		 r;
	char				 base[CONF_NAME_MAX + 32];
	char				 dirpath[URL_MAX + 2];

	loc = location_match(h, path);
	if (gopher_guarded(loc)) {
		gopher_fail(c, 51, "not found");
		return;
	}
	gemini_base_url(h, base, sizeof(base));
	if (path[strlen(path) - 1] == '/' && gopher_gophermap(c, h, path) == 0)
		return;
	serve_resolve(h, path, base, &r);
	/* A directory's index.gmi: the rules on that file hold too. */
	if (r.kind == SERVE_FILE && strcmp(r.path, path) != 0 &&
	    gopher_guarded(location_match(h, r.path))) {
		close(r.fd);
		gopher_fail(c, 51, "not found");
		return;
	}
	if (r.kind == SERVE_REDIRECT) {
		/* Gopher has no redirects: serve the directory itself. */
		snprintf(dirpath, sizeof(dirpath), "%s/", path);
		gopher_serve(c, dirpath);
		return;
	}
	switch (r.kind) {
	case SERVE_FILE:
		gopher_file(c, &r);
		break;
	case SERVE_DIR:
		/* Gopher is menus: directories are listed unless a location
		 * turns auto-index off explicitly. */
		if (loc != NULL && loc->auto_index == 0) {
			close(r.fd);
			gopher_fail(c, 51, "not found");
		} else
			gopher_listing(c, &r);
		break;
	case SERVE_GEMLOG_INDEX:
		gopher_menu(c, r.doc->data, r.doc->len, r.path);
		break;
	case SERVE_GEMLOG_ATOM:
		c->status = 20;
		if (gophermap_text(r.doc->data, r.doc->len, &c->out) == -1 ||
		    gophermap_end(&c->out) == -1)
			gopher_fail(c, 40, "out of memory");
		break;
	default:
		gopher_fail(c, fsroot_status(r.err),
		    fsroot_status(r.err) == 51 ? "not found" :
		    "temporary failure");
		break;
	}
}

/* "URL:" selectors (the common convention for 'h' items pointing
 * elsewhere): an HTML page that sends the browser on. */
static void
gopher_url_page(struct conn *c, const char *url)
{
	static const char *const schemes[] = {
		"gemini:", "gopher:", "http:", "https:", "mailto:", NULL
	};
	struct buf	 esc = { 0 };
	const char	*p;
	int		 rc = 0, i;

	/* Not an open door to javascript: or data: URLs. */
	for (i = 0; schemes[i] != NULL; i++)
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			break;
	if (schemes[i] == NULL) {
		gopher_fail(c, 51, "not a URL this server links to");
		return;
	}

	for (p = url; *p != '\0' && rc == 0; p++) {
		if (*p == '&')
			rc = buf_puts(&esc, "&amp;");
		else if (*p == '<')
			rc = buf_puts(&esc, "&lt;");
		else if (*p == '>')
			rc = buf_puts(&esc, "&gt;");
		else if (*p == '"')
			rc = buf_puts(&esc, "&quot;");
		else
			rc = buf_putc(&esc, *p);
	}
	c->status = 20;
	if (rc == -1 || buf_printf(&c->out, "<!DOCTYPE html>\n<html><head>"
	    "<meta http-equiv=\"refresh\" content=\"1;url=%s\">"
	    "<title>Redirect</title></head><body><p>This link leaves Gopher: "
	    "<a href=\"%s\">%s</a></p></body></html>\n", esc.data ? esc.data :
	    "", esc.data ? esc.data : "", esc.data ? esc.data : "") == -1)
		gopher_fail(c, 40, "out of memory");
	buf_free(&esc);
}

int
gopher_respond(struct conn *c)
{
	struct gopher_request	 req;
	const char		*errstr = NULL;
	char			 path[GOPHER_SELECTOR_MAX + 3];
	ssize_t			 n;
	int			 wait;

	n = gopher_request_parse(c->in, c->inlen, &req, &errstr);
	if (n == 0)
		return 0;
	if (n < 0) {
		gopher_fail(c, 59, errstr ? errstr : "bad request");
		conn_send(c);
		return 1;
	}
	c->reqlen = (size_t)n;
	if ((wait = worker_rate_check(c->addr)) > 0) {
		snprintf(path, sizeof(path), "rate limited: retry in %d s",
		    wait);
		gopher_fail(c, 44, path);
	} else if (strncmp(req.selector, "URL:", 4) == 0)
		gopher_url_page(c, req.selector + 4);
	else {
		snprintf(path, sizeof(path), "%s%s",
		    req.selector[0] == '/' ? "" : "/", req.selector);
		if (url_normalize_path(path) == -1)
			gopher_fail(c, 59, "bad selector");
		else
			gopher_serve(c, path);
	}
	conn_send(c);
	return 1;
}
