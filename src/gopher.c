/*
 * gopher.c: answer a Gopher request (RFC 1436) from the same capsule
 * and with the same routing as Gemini (serve.c).  Gemtext documents are
 * converted to menus on the fly (gophermap.c): links stay followable,
 * which a plain-text rendering would lose.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cache.h"
#include "dirindex.h"
#include "gopher.h"
#include "gophermap.h"
#include "mime.h"
#include "ratelimit.h"
#include "reply.h"
#include "serve.h"
#include "url.h"

/* Gemtext and text bodies are read whole to convert them; past this
 * size they are sent as they are. */
#define GOPHER_CONVERT_MAX	(1024 * 1024)
#define GOPHER_MENU_MAX		(4 * GOPHER_CONVERT_MAX)
/* The file that, in a directory, is the directory's menu. */
#define GOPHER_DIRMAP		"gophermap"

/* What a cached view was made as (cache_entry.kind). */
enum gopher_view {
	GOPHER_VIEW_MENU,	/* gemtext to menu */
	GOPHER_VIEW_TEXT,	/* dot-stuffed text */
	GOPHER_VIEW_DIRMAP,	/* a hand-written gophermap, filled in */
	GOPHER_VIEW_GEMLOG,	/* a generated gemlog index to menu */
	GOPHER_VIEW_FEED	/* a generated Atom feed as text */
};

/*
 * The views this worker made from files, least recently used out
 * within gopher-cache MiB: a hot page costs no conversion, and its
 * bytes leave with one write, without a copy.
 */
static struct cache	gopher_views;
static int		gopher_views_ready;

static void
gopher_ctx(const struct request_ctx *ctx, struct gophermap_ctx *g,
    const char *dir)
{
	const struct conf	*conf = ctx->conf;

	g->host = conf->gopher_host;
	g->port = conf->gopher_public_port;
	g->dir = dir;
	g->gemini_host = conf->hosts[0].name;
	g->gemini_port = conf->public_port;
}

/* A type-3 menu; status is what the access log shows. */
static void
gopher_fail(const struct request_ctx *ctx, struct reply *r, int status,
    const char *msg)
{
	struct gophermap_ctx	g;

	gopher_ctx(ctx, &g, "/");
	reply_reset(r);
	r->status = status;
	if (gophermap_error(&r->out, msg, &g) == -1 ||
	    gophermap_end(&r->out) == -1)
		buf_reset(&r->out);
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
gopher_menu(const struct request_ctx *ctx, const char *text, size_t len,
    const char *dir, struct reply *r)
{
	struct gophermap_ctx	g;

	gopher_ctx(ctx, &g, dir);
	r->status = 20;
	if (gophermap_from_gemtext(text, len, &g, &r->out) == -1 ||
	    gophermap_end(&r->out) == -1)
		gopher_fail(ctx, r, 40, "out of memory");
	else if (r->out.len > GOPHER_MENU_MAX)
		gopher_fail(ctx, r, 40, "document too large for a menu");
}

/* Type-0 text: dot-stuffed lines and the final ".". */
static void
gopher_text(const struct request_ctx *ctx, const char *text, size_t len,
    struct reply *r)
{
	r->status = 20;
	if (gophermap_text(text, len, &r->out) == -1 ||
	    gophermap_end(&r->out) == -1)
		gopher_fail(ctx, r, 40, "out of memory");
}

static void
gopher_dirname(const char *path, char *dir, size_t dirsize)
{
	const char	*slash = strrchr(path, '/');

	snprintf(dir, dirsize, "%.*s", (int)(slash - path + 1), path);
}

void
gopher_cache_free(void)
{
	if (gopher_views_ready)
		cache_free(&gopher_views);
}

/* The key of sr's view of this kind: kind and resolved path (Gopher
 * serves the first server only). */
static int
gopher_view_key(const struct request_ctx *ctx, const struct serve_result *sr,
    enum gopher_view kind, char *key, size_t keysize)
{
	size_t	n;

	if (!gopher_views_ready) {
		cache_init(&gopher_views, (size_t)ctx->conf->gopher_cache *
		    1024 * 1024);
		gopher_views_ready = 1;
	}
	/* By hand, as it is per request: the kind's digit, the path. */
	n = strlen(sr->path);
	if (n + 2 > keysize)
		return -1;
	key[0] = (char)('0' + kind);
	memcpy(key + 1, sr->path, n + 1);
	return 0;
}

/*
 * The view of sr kept earlier, when its source is still the same file
 * unchanged (serve_route() has just resolved it again, from its own
 * cache at most a second old) and, if it was made from a file written
 * within a second, no older than a second.  1 when it answered.
 */
static int
gopher_view_hit(const struct request_ctx *ctx, struct serve_result *sr,
    const char *key, struct reply *r)
{
	struct cache_entry	*e;

	if ((e = cache_get(&gopher_views, key)) == NULL)
		return 0;
	if (!cache_id_same(&e->id, &sr->id) || (e->racy &&
	    ctx->now_ms - e->checked_ms >= CACHE_CHECK_MS)) {
		cache_drop(&gopher_views, e);
		return 0;
	}
	if (sr->fd != -1)
		close(sr->fd);
	sr->fd = -1;
	r->status = 20;
	cache_hold(e);
	reply_borrow(r, e->data.data, e->data.len, cache_release, e);
	return 1;
}

/* Keep the view just made in r->out, and send it from the cache. */
static void
gopher_view_keep(const struct request_ctx *ctx, struct serve_result *sr,
    enum gopher_view kind, const char *key, struct reply *r)
{
	struct cache_entry	*e;

	if (r->status != 20 || r->out.len == 0)
		return;
	if ((e = cache_put(&gopher_views, key, sr->path, &r->out)) == NULL)
		return;		/* too large for the cache: sent from out */
	e->kind = (int)kind;
	e->id = sr->id;
	e->checked_ms = ctx->now_ms;
	e->racy = cache_id_racy(&sr->id, time(NULL));
	cache_hold(e);
	reply_borrow(r, e->data.data, e->data.len, cache_release, e);
}

/* The bytes of a file to convert: in memory already, or read whole
 * into b.  0 or -1. */
static int
gopher_bytes(struct serve_result *sr, struct buf *b, const char **p,
    size_t *len)
{
	if (sr->body != NULL) {
		*p = sr->body;
		*len = (size_t)sr->size;
		return 0;
	}
	if (gopher_slurp(sr->fd, sr->size, b) == -1)
		return -1;
	*p = b->data;
	*len = b->len;
	return 0;
}

static void
gopher_file(const struct request_ctx *ctx, struct serve_result *sr,
    struct reply *r)
{
	struct buf	 body = { 0 };
	const char	*m = mime_from_name(sr->path), *p;
	char		 dir[sizeof(sr->path)], type[160];
	char		 key[16 + sizeof(sr->path)] = "";
	enum gopher_view kind;
	size_t		 len;
	int		 gemtext, text;

	if (m == NULL)
		m = sr->body != NULL ? sr->type :
		    mime_from_fd(sr->fd, type, sizeof(type));
	gemtext = strcmp(m, "text/gemini") == 0;
	text = gophermap_is_text(m);
	r->status = 20;
	if (!(gemtext || text) || sr->size > GOPHER_CONVERT_MAX) {
		/*
		 * Binaries, and text too large to convert, are sent as they
		 * are, ending at the close: a "." trailer without
		 * dot-stuffing could end a text early at a lone ".".
		 */
		if (sr->body == NULL)
			reply_file(r, sr->fd, sr->size);
		else if (reply_append(r, sr->body, (size_t)sr->size) == -1)
			gopher_fail(ctx, r, 40, "out of memory");
		return;
	}
	kind = gemtext ? GOPHER_VIEW_MENU : GOPHER_VIEW_TEXT;
	if (gopher_view_key(ctx, sr, kind, key, sizeof(key)) == 0 &&
	    gopher_view_hit(ctx, sr, key, r))
		return;
	if (gopher_bytes(sr, &body, &p, &len) == -1)
		gopher_fail(ctx, r, 40, "cannot read file");
	else if (gemtext) {
		gopher_dirname(sr->path, dir, sizeof(dir));
		gopher_menu(ctx, p, len, dir, r);
	} else
		gopher_text(ctx, p, len, r);
	if (key[0] != '\0')
		gopher_view_keep(ctx, sr, kind, key, r);
	if (sr->fd != -1)
		close(sr->fd);
	buf_free(&body);
}

/* A directory's hand-written gophermap: its menu, filled in. */
static void
gopher_dirmap(const struct request_ctx *ctx, struct serve_result *sr,
    const char *dir, struct reply *r)
{
	struct gophermap_ctx	 g;
	struct buf		 map = { 0 };
	const char		*p;
	char			 key[16 + sizeof(sr->path)] = "";
	size_t			 len;

	if (gopher_view_key(ctx, sr, GOPHER_VIEW_DIRMAP, key,
	    sizeof(key)) == 0 && gopher_view_hit(ctx, sr, key, r))
		return;
	if (gopher_bytes(sr, &map, &p, &len) == -1)
		gopher_fail(ctx, r, 40, "cannot read file");
	else {
		gopher_ctx(ctx, &g, dir);
		r->status = 20;
		if (gophermap_fill(p, len, &g, &r->out) == -1 ||
		    gophermap_end(&r->out) == -1)
			gopher_fail(ctx, r, 40, "out of memory");
	}
	if (key[0] != '\0')
		gopher_view_keep(ctx, sr, GOPHER_VIEW_DIRMAP, key, r);
	if (sr->fd != -1)
		close(sr->fd);
	buf_free(&map);
}

/* A generated gemlog index (a menu) or feed (text), kept as a file's
 * view is: while the gemlog cache holds the same build of it. */
static void
gopher_gemlog(const struct request_ctx *ctx, struct serve_result *sr,
    struct reply *r)
{
	enum gopher_view kind = sr->kind == SERVE_GEMLOG_INDEX ?
			    GOPHER_VIEW_GEMLOG : GOPHER_VIEW_FEED;
	char		 key[16 + sizeof(sr->path)] = "";

	if (gopher_view_key(ctx, sr, kind, key, sizeof(key)) == 0 &&
	    gopher_view_hit(ctx, sr, key, r))
		return;
	if (kind == GOPHER_VIEW_GEMLOG)
		gopher_menu(ctx, sr->doc->data, sr->doc->len, sr->path, r);
	else
		gopher_text(ctx, sr->doc->data, sr->doc->len, r);
	if (key[0] != '\0')
		gopher_view_keep(ctx, sr, kind, key, r);
}

static void
gopher_listing(const struct request_ctx *ctx, struct serve_result *sr,
    struct reply *r)
{
	struct buf	listing = { 0 };

	/* Gopher is menus: directories are listed unless a location turns
	 * auto-index off explicitly. */
	if (sr->loc != NULL && sr->loc->auto_index == 0)
		gopher_fail(ctx, r, 51, "not found");
	else if (dirindex_scan(sr->fd, sr->path, &listing) == -1)
		gopher_fail(ctx, r, 40, "cannot list directory");
	else
		gopher_menu(ctx, listing.data, listing.len, sr->path, r);
	close(sr->fd);
	buf_free(&listing);
}

static void
gopher_serve(const struct request_ctx *ctx, const char *path,
    struct reply *r)
{
	const struct conf_host	*h = &ctx->conf->hosts[0];
	struct serve_result	 sr;
	char			 dirpath[URL_MAX + 2];

	serve_route(ctx, h, path, GOPHER_DIRMAP, &sr);
	switch (sr.kind) {
	case SERVE_FILE:
		gopher_file(ctx, &sr, r);
		break;
	case SERVE_DIRMAP:
		gopher_dirmap(ctx, &sr, path, r);
		break;
	case SERVE_DIR:
		gopher_listing(ctx, &sr, r);
		break;
	case SERVE_GEMLOG_INDEX:
	case SERVE_GEMLOG_ATOM:
		gopher_gemlog(ctx, &sr, r);
		break;
	case SERVE_REDIRECT:
		/* Gopher has no redirects: serve the directory itself. */
		snprintf(dirpath, sizeof(dirpath), "%s/", path);
		gopher_serve(ctx, dirpath, r);
		break;
	case SERVE_DENIED:
		/* Gopher carries no client certificate and no redirect:
		 * what a location guards or answers itself is not there. */
		gopher_fail(ctx, r, 51, "not found");
		break;
	case SERVE_DYNAMIC:
		/* A program's reply is a Gemini reply (status, meta,
		 * gemtext): there is no Gopher form of it to give. */
		gopher_fail(ctx, r, 51, "not available over Gopher");
		break;
	case SERVE_ERROR:
		gopher_fail(ctx, r, sr.status, sr.status == 51 ? sr.meta :
		    "temporary failure");
		break;
	}
}

/* "URL:" selectors (the common convention for 'h' items pointing
 * elsewhere): an HTML page that sends the browser on. */
static void
gopher_url_page(const struct request_ctx *ctx, const char *url,
    struct reply *r)
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
		gopher_fail(ctx, r, 51, "not a URL this server links to");
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
	r->status = 20;
	if (rc == -1 || buf_printf(&r->out, "<!DOCTYPE html>\n<html><head>"
	    "<meta http-equiv=\"refresh\" content=\"1;url=%s\">"
	    "<title>Redirect</title></head><body><p>This link leaves Gopher: "
	    "<a href=\"%s\">%s</a></p></body></html>\n", esc.data ? esc.data :
	    "", esc.data ? esc.data : "", esc.data ? esc.data : "") == -1)
		gopher_fail(ctx, r, 40, "out of memory");
	buf_free(&esc);
}

int
gopher_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	struct gopher_request	 req;
	const char		*errstr = NULL;
	char			 path[GOPHER_SELECTOR_MAX + 3];
	ssize_t			 n;
	int			 wait;

	n = gopher_request_parse(in, len, &req, &errstr);
	if (n == 0)
		return 0;
	if (n < 0) {
		gopher_fail(ctx, r, 59, errstr ? errstr : "bad request");
		r->reqlen = len;
		return 1;
	}
	r->reqlen = (size_t)n;
	if ((wait = ratelimit_take(ctx->ratelimit, ctx->addr,
	    ctx->now_ms)) > 0) {
		snprintf(path, sizeof(path), "rate limited: retry in %d s",
		    wait);
		gopher_fail(ctx, r, 44, path);
	} else if (strncmp(req.selector, "URL:", 4) == 0)
		gopher_url_page(ctx, req.selector + 4, r);
	else {
		snprintf(path, sizeof(path), "%s%s",
		    req.selector[0] == '/' ? "" : "/", req.selector);
		if (url_normalize_path(path) == -1)
			gopher_fail(ctx, r, 59, "bad selector");
		else
			gopher_serve(ctx, path, r);
	}
	return 1;
}
