/*
 * serve.c: routing shared by every front end (see serve.h), so that
 * Gemini and Gopher follow one set of rules: no second copy of the
 * location guards, the traversal and dot-file checks, or the error
 * statuses.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsroot.h"
#include "location.h"
#include "mime.h"
#include "reply.h"
#include "serve.h"
#include "url.h"

#define SERVE_INDEX	"index.gmi"

static struct cache	serve_files;	/* small files, see serve_route() */
static int		serve_files_ready;

/*
 * One place maps file-system errors to statuses (httpd's fail: switch).
 * Errors that say "nothing for you here" are 51 so they do not reveal
 * what exists; the rest are temporary failures.
 */
int
serve_errno_status(int err, const char **meta)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case EXDEV:
	case ENAMETOOLONG:
	case EACCES:
	case EPERM:
	case ENXIO:
		*meta = "not found";
		return 51;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EAGAIN:
		*meta = "60";		/* 44: seconds to wait */
		return 44;
	default:
		*meta = "temporary failure";
		return 40;
	}
}

int
serve_base_url(const struct conf *conf, const struct conf_host *h,
    char *buf, size_t bufsize)
{
	int	n;

	if (conf->public_port == CONF_DEFAULT_PORT)
		n = snprintf(buf, bufsize, "gemini://%s", h->name);
	else
		n = snprintf(buf, bufsize, "gemini://%s:%d", h->name,
		    conf->public_port);
	return n < 0 || (size_t)n >= bufsize ? -1 : 0;
}

static void
serve_status(struct serve_result *r, enum serve_kind kind, int status,
    const char *meta)
{
	r->kind = kind;
	r->status = status;
	snprintf(r->meta, sizeof(r->meta), "%s", meta);
}

static void
serve_fail(struct serve_result *r, int err)
{
	const char	*meta;
	int		 status = serve_errno_status(err, &meta);

	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	serve_status(r, SERVE_ERROR, status, meta);
}

/*
 * Client certificates (Gemini spec sect. 3.2.6, statuses 60-62): asked
 * for during the handshake, accepted whoever signed them (TOFU),
 * checked here against the location's rule.  1 when refused.
 */
static int
serve_cert_refused(const struct request_ctx *ctx,
    const struct conf_location *loc, struct serve_result *r)
{
	if (!loc->require_cert && loc->nfingerprints == 0)
		return 0;
	if (ctx->cert == REQUEST_CERT_NONE)
		serve_status(r, SERVE_DENIED, 60,
		    "client certificate required");
	else if (ctx->cert == REQUEST_CERT_INVALID)
		serve_status(r, SERVE_DENIED, 62, "certificate not valid");
	else if (loc->nfingerprints > 0 &&
	    !location_allows(loc, ctx->fingerprint))
		serve_status(r, SERVE_DENIED, 61,
		    "certificate not authorised");
	else
		return 0;
	return 1;
}

/*
 * A location's fixed answer: "block return NN meta" or a redirect.  The
 * path goes into the meta percent-encoded for every status (it was
 * decoded for the file system): a redirect target must stay a URL that
 * a space or "%3F" does not change, and a message must not carry the
 * path's control bytes or invalid UTF-8 into the header.
 */
static void
serve_block(const struct conf_location *loc, const char *path,
    struct serve_result *r)
{
	char	enc[3 * URL_MAX + 1];

	if (url_pct_encode(path, strlen(path), enc, sizeof(enc), 0) < 0)
		serve_status(r, SERVE_DENIED, 59, "path too long");
	else if (location_expand(loc->block_meta, enc, r->meta,
	    sizeof(r->meta)) == -1)
		serve_status(r, SERVE_DENIED, 40, loc->block_status / 10 == 3 ?
		    "redirect target too long" : "message too long");
	else {
		r->kind = SERVE_DENIED;
		r->status = loc->block_status;
	}
}

/* 1 when loc (may be NULL) refuses the client, with r filled in. */
static int
serve_guard(const struct request_ctx *ctx, const struct conf_location *loc,
    const char *path, struct serve_result *r)
{
	if (loc == NULL)
		return 0;
	if (serve_cert_refused(ctx, loc, r))
		return 1;
	if (loc->block_status != 0) {
		serve_block(loc, path, r);
		return 1;
	}
	return 0;
}

static int
serve_is_gemlog(const struct conf_host *h, int dirfd, const char *path)
{
	int	i;

	for (i = 0; i < h->ngemlogs; i++)
		if (strcmp(h->gemlogs[i], path) == 0)
			return 1;
	return gemlog_is_marked(dirfd);
}

/* The gemlog cache's key for directory dir of host h.  0 or -1. */
static int
serve_gemlog_key(const struct conf_host *h, const char *dir, char *key,
    size_t size)
{
	int	n = snprintf(key, size, "%s%s", h->name, dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Generated gemlog documents for directory r->path (ending '/'). */
static int
serve_gemlog(const struct request_ctx *ctx, const struct conf_host *h,
    int dirfd, enum gemlog_doc doc, struct serve_result *r)
{
	char			 url[CONF_NAME_MAX + 32 + 3 * SERVE_PATH_MAX];
	char			 key[CONF_NAME_MAX + 1 + SERVE_PATH_MAX];
	struct gemlog_feed	 feed;
	unsigned long long	 build;
	size_t			 n;

	if (serve_base_url(ctx->conf, h, url, sizeof(url)) == -1)
		return -1;
	n = strlen(url);
	if (url_pct_encode(r->path, strlen(r->path), url + n, sizeof(url) - n,
	    1) < 0)
		return -1;
	if (serve_gemlog_key(h, r->path, key, sizeof(key)) == -1)
		return -1;
	feed.base_url = url;
	feed.title = NULL;	/* the gemlog's heading, else the host */
	feed.entries = (size_t)ctx->conf->feed_entries;
	if ((r->doc = gemlog_get_build(dirfd, key, doc, &feed,
	    &build)) == NULL)
		return -1;
	/* What it is: this worker's build of it (no file has its bytes). */
	memset(&r->id, 0, sizeof(r->id));
	r->id.ino = (ino_t)build;
	r->id.size = (off_t)r->doc->len;
	r->kind = doc == GEMLOG_INDEX ? SERVE_GEMLOG_INDEX : SERVE_GEMLOG_ATOM;
	return 0;
}

static void
serve_found(struct serve_result *r, int fd, const struct stat *sb)
{
	r->fd = fd;
	r->size = sb->st_size;
	r->id.dev = sb->st_dev;
	r->id.ino = sb->st_ino;
	r->id.size = sb->st_size;
	r->id.mtim = sb->st_mtim;
}

/* The regular file name in directory dirfd, opened without following a
 * symlink; -1 when there is none. */
static int
serve_dir_file(int dirfd, const char *name, struct serve_result *r)
{
	struct stat	sb;
	int		fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -1;
	}
	strncat(r->path, name, sizeof(r->path) - strlen(r->path) - 1);
	serve_found(r, fd, &sb);
	return 0;
}

/* A directory (dirfd, consumed): its dirmap, its index.gmi, its gemlog
 * index, else itself. */
static void
serve_dir(const struct request_ctx *ctx, const struct conf_host *h,
    int dirfd, const char *dirmap, struct serve_result *r)
{
	if (dirmap != NULL && serve_dir_file(dirfd, dirmap, r) == 0) {
		close(dirfd);
		r->kind = SERVE_DIRMAP;
		return;
	}
	if (serve_dir_file(dirfd, SERVE_INDEX, r) == 0) {
		close(dirfd);
		r->kind = SERVE_FILE;
		return;
	}
	if (serve_is_gemlog(h, dirfd, r->path)) {
		if (serve_gemlog(ctx, h, dirfd, GEMLOG_INDEX, r) == -1)
			serve_fail(r, errno ? errno : EIO);
		close(dirfd);
		return;
	}
	r->kind = SERVE_DIR;
	r->fd = dirfd;
}

/* "/dir/atom.xml" missing on disk: the feed, when dir is a gemlog. */
static int
serve_feed(const struct request_ctx *ctx, const struct conf_host *h,
    const char *path, struct serve_result *r)
{
	const char	*slash = strrchr(path, '/');
	int		 dirfd, rc = -1;

	if (slash == NULL || strcmp(slash + 1, "atom.xml") != 0)
		return -1;
	snprintf(r->path, sizeof(r->path), "%.*s", (int)(slash - path + 1),
	    path);
	dirfd = fsroot_open(h->rootfd, r->path, O_RDONLY | O_DIRECTORY);
	if (dirfd == -1)
		return -1;
	if (serve_is_gemlog(h, dirfd, r->path))
		rc = serve_gemlog(ctx, h, dirfd, GEMLOG_ATOM, r);
	close(dirfd);
	return rc;
}

/* What answers path, before the index file's own location is asked. */
static void
serve_resolve(const struct request_ctx *ctx, const struct conf_host *h,
    const char *path, const char *dirmap, struct serve_result *r)
{
	struct stat	sb;
	size_t		len = strlen(path);
	int		fd;

	if (len + 16 >= sizeof(r->path)) {
		serve_fail(r, ENAMETOOLONG);
		return;
	}
	memcpy(r->path, path, len + 1);
	if ((fd = fsroot_open(h->rootfd, path, O_RDONLY)) == -1) {
		if (errno == ENOENT && serve_feed(ctx, h, path, r) == 0)
			return;
		serve_fail(r, errno);
		return;
	}
	r->fd = fd;
	if (fstat(fd, &sb) == -1) {
		serve_fail(r, errno);
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		r->fd = -1;
		if (path[len - 1] != '/') {
			close(fd);
			r->kind = SERVE_REDIRECT;
			return;
		}
		serve_dir(ctx, h, fd, dirmap, r);
		return;
	}
	/* FIFOs, devices, sockets: never read from them. */
	if (!S_ISREG(sb.st_mode)) {
		serve_fail(r, ENOENT);
		return;
	}
	r->kind = SERVE_FILE;
	serve_found(r, fd, &sb);
}

void
serve_cache_free(void)
{
	if (serve_files_ready)
		cache_free(&serve_files);
}

/* Answer from the entry e: its bytes, its path, no fd. */
static void
serve_from_cache(const struct cache_entry *e, struct serve_result *r)
{
	r->kind = e->kind;
	r->fd = -1;
	r->size = (off_t)e->data.len;
	r->body = e->data.data != NULL ? e->data.data : "";
	r->type = e->type;
	r->id = e->id;
	snprintf(r->path, sizeof(r->path), "%s", e->path);
}

/*
 * r is a small file, open: keep its bytes under key (or, when entry e
 * still holds them, the file unchanged, just note the check) and answer
 * from memory.  On any failure r is left as it is, to be served from its
 * fd.
 */
static void
serve_remember(const char *key, struct cache_entry *e, long long now_ms,
    struct serve_result *r)
{
	struct buf	 b = { NULL, 0, 0 };
	char		 type[sizeof(e->type)] = "";
	ssize_t		 n = 0;

	if (e != NULL && !e->racy && e->kind == (int)r->kind &&
	    cache_id_same(&e->id, &r->id) && strcmp(e->path, r->path) == 0) {
		e->checked_ms = now_ms;
		close(r->fd);
		serve_from_cache(e, r);
		return;
	}
	if (mime_from_name(r->path) == NULL)
		mime_from_fd(r->fd, type, sizeof(type));
	if (buf_reserve(&b, (size_t)r->size) == -1)
		return;
	while (b.len < (size_t)r->size && (n = read(r->fd, b.data + b.len,
	    (size_t)r->size - b.len)) > 0)
		b.len += (size_t)n;
	b.data[b.len] = '\0';		/* buf_reserve() left room */
	if (n == -1 || (e = cache_put(&serve_files, key, r->path,
	    &b)) == NULL) {
		buf_free(&b);
		lseek(r->fd, 0, SEEK_SET);
		return;
	}
	e->kind = (int)r->kind;
	memcpy(e->type, type, sizeof(type));
	e->id = r->id;
	e->checked_ms = now_ms;
	/* A file that shrank while read is read again at the next check. */
	e->racy = cache_id_racy(&e->id, time(NULL)) ||
	    e->data.len != (size_t)r->size;
	close(r->fd);
	serve_from_cache(e, r);
}

/* The file cache's key for path on host index hi, with or without a
 * dirmap asked for.  0, or -1 when it does not fit. */
static int
serve_key(char *key, size_t size, int hi, int dirmap, const char *path)
{
	size_t	len = strlen(path);

	/* Two characters name the host (at most CONF_HOSTS_MAX of them),
	 * one the kind: put together by hand, as it is per request. */
	if (len + 4 > size || hi < 0 || hi >= CONF_HOSTS_MAX)
		return -1;
	key[0] = (char)('0' + hi / 10);
	key[1] = (char)('0' + hi % 10);
	key[2] = dirmap ? 'm' : '-';
	memcpy(key + 3, path, len + 1);
	return 0;
}

/* Drop the file cache's entries for path (both kinds). */
static void
serve_drop(int hi, const char *path)
{
	struct cache_entry	*e;
	char			 key[16 + SERVE_PATH_MAX];
	int			 m;

	for (m = 0; m < 2 && serve_files_ready; m++)
		if (serve_key(key, sizeof(key), hi, m, path) == 0 &&
		    (e = cache_get(&serve_files, key)) != NULL)
			cache_drop(&serve_files, e);
}

void
serve_forget(const struct conf *conf, const struct conf_host *h,
    const char *path)
{
	char		 dir[SERVE_PATH_MAX];
	char		 key[CONF_NAME_MAX + 1 + SERVE_PATH_MAX];
	const char	*slash = strrchr(path, '/');
	int		 hi = (int)(h - conf->hosts);

	if (slash == NULL || (size_t)(slash - path) + 1 >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path) + 1);
	dir[slash - path + 1] = '\0';
	serve_drop(hi, path);
	serve_drop(hi, dir);
	if (serve_gemlog_key(h, dir, key, sizeof(key)) == 0)
		gemlog_forget(key);
}

/*
 * What answers path: from memory when a small file was checked within
 * CACHE_CHECK_MS; else resolved anew (and small files kept).
 */
static void
serve_lookup(const struct request_ctx *ctx, const struct conf_host *h,
    const char *path, const char *dirmap, struct serve_result *r)
{
	struct cache_entry	*e;
	char			 key[16 + SERVE_PATH_MAX];

	if (!serve_files_ready) {
		cache_init(&serve_files, SERVE_CACHE_MAX);
		serve_files_ready = 1;
	}
	if (serve_key(key, sizeof(key), (int)(h - ctx->conf->hosts),
	    dirmap != NULL, path) == -1) {
		serve_resolve(ctx, h, path, dirmap, r);
		return;
	}
	e = cache_get(&serve_files, key);
	if (e != NULL && ctx->now_ms - e->checked_ms < CACHE_CHECK_MS &&
	    ctx->now_ms >= e->checked_ms) {
		serve_from_cache(e, r);
		return;
	}
	serve_resolve(ctx, h, path, dirmap, r);
	if ((r->kind == SERVE_FILE || r->kind == SERVE_DIRMAP) &&
	    r->size <= SERVE_CACHE_FILE_MAX)
		serve_remember(key, e, ctx->now_ms, r);
	else if (e != NULL)
		cache_drop(&serve_files, e);
}

void
serve_route(const struct request_ctx *ctx, const struct conf_host *h,
    const char *path, const char *dirmap, struct serve_result *r)
{
	const struct conf_location	*l;

	/* Field by field: a memset of the 2 KB of text is per request. */
	r->kind = SERVE_ERROR;
	r->fd = -1;
	r->size = 0;
	r->body = NULL;
	r->type = NULL;
	r->doc = NULL;
	r->status = 0;
	r->meta[0] = '\0';
	r->path[0] = '\0';
	r->loc = location_match(h, path);
	if (serve_guard(ctx, r->loc, path, r))
		return;
	/* The program runner resolves the path itself (runner.c). */
	if (r->loc != NULL && r->loc->dynamic != CONF_DYN_NONE) {
		r->kind = SERVE_DYNAMIC;
		return;
	}
	serve_lookup(ctx, h, path, dirmap, r);
	if ((r->kind != SERVE_FILE && r->kind != SERVE_DIRMAP) ||
	    strcmp(r->path, path) == 0 ||
	    (l = location_match(h, r->path)) == NULL || l == r->loc)
		return;
	if (serve_guard(ctx, l, r->path, r)) {
		if (r->fd != -1)
			close(r->fd);
		r->fd = -1;
		r->body = NULL;
		return;
	}
	r->loc = l;
}
