/*
 * serve.c: map a normalised request path to what answers it.  Shared by
 * gemini.c and gopher.c so that both protocols follow one set of path
 * rules (no second copy of the traversal or dot-file checks).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsroot.h"
#include "serve.h"
#include "url.h"

int
serve_is_gemlog(const struct conf_host *h, int dirfd, const char *path)
{
	int	i;

	for (i = 0; i < h->ngemlogs; i++)
		if (strcmp(h->gemlogs[i], path) == 0)
			return 1;
	return gemlog_is_marked(dirfd);
}

static void
serve_error(struct serve_result *r, int err)
{
	r->kind = SERVE_ERROR;
	r->err = err;
	r->fd = -1;
}

/* Generated gemlog documents for directory path (ending '/'). */
static int
serve_gemlog(const struct conf_host *h, int dirfd, const char *dirpath,
    enum gemlog_doc doc, const char *base_url, struct serve_result *r)
{
	char			 url[2200], key[1400], enc[3 * 1100];
	struct gemlog_feed	 feed;
	int			 n;

	if (url_pct_encode(dirpath, strlen(dirpath), enc, sizeof(enc), 1) < 0)
		return -1;
	n = snprintf(url, sizeof(url), "%s%s", base_url, enc);
	if (n < 0 || (size_t)n >= sizeof(url))
		return -1;
	n = snprintf(key, sizeof(key), "%s%s", h->name, dirpath);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	feed.base_url = url;
	feed.title = h->name;
	r->doc = gemlog_get(dirfd, key, doc, &feed);
	if (r->doc == NULL)
		return -1;
	r->kind = doc == GEMLOG_INDEX ? SERVE_GEMLOG_INDEX : SERVE_GEMLOG_ATOM;
	r->fd = -1;
	return 0;
}

/* A directory: its index.gmi, else its gemlog index, else itself. */
static void
serve_dir(const struct conf_host *h, int dirfd, const char *base_url,
    struct serve_result *r)
{
	struct stat	sb;
	int		fd;

	fd = openat(dirfd, "index.gmi", O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd != -1 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		close(dirfd);
		strncat(r->path, "index.gmi", sizeof(r->path) -
		    strlen(r->path) - 1);
		r->kind = SERVE_FILE;
		r->fd = fd;
		r->size = sb.st_size;
		return;
	}
	if (fd != -1)
		close(fd);
	if (serve_is_gemlog(h, dirfd, r->path)) {
		if (serve_gemlog(h, dirfd, r->path, GEMLOG_INDEX, base_url,
		    r) == -1)
			serve_error(r, errno ? errno : EIO);
		close(dirfd);
		return;
	}
	r->kind = SERVE_DIR;
	r->fd = dirfd;
}

/* "/dir/atom.xml" missing on disk: the feed, when dir is a gemlog. */
static int
serve_feed(const struct conf_host *h, const char *path, const char *base_url,
    struct serve_result *r)
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
		rc = serve_gemlog(h, dirfd, r->path, GEMLOG_ATOM, base_url, r);
	close(dirfd);
	return rc;
}

void
serve_resolve(const struct conf_host *h, const char *path,
    const char *base_url, struct serve_result *r)
{
	struct stat	sb;
	size_t		len = strlen(path);
	int		fd;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (len + 16 >= sizeof(r->path)) {
		serve_error(r, ENAMETOOLONG);
		return;
	}
	memcpy(r->path, path, len + 1);
	fd = fsroot_open(h->rootfd, path, O_RDONLY);
	if (fd == -1) {
		if (errno == ENOENT && serve_feed(h, path, base_url, r) == 0)
			return;
		serve_error(r, errno);
		return;
	}
	if (fstat(fd, &sb) == -1) {
		serve_error(r, errno);
		close(fd);
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		if (path[len - 1] != '/') {
			close(fd);
			r->kind = SERVE_REDIRECT;
			return;
		}
		serve_dir(h, fd, base_url, r);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		/* FIFOs, devices, sockets: never read from them. */
		close(fd);
		serve_error(r, ENOENT);
		return;
	}
	r->kind = SERVE_FILE;
	r->fd = fd;
	r->size = sb.st_size;
}
