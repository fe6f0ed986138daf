/*
 * indexcmd.c: `capsuled index`, the gemlog index and feed written to
 * files.  It goes through gemlog_get(), so the output is byte for byte
 * what the server would send for the same directory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "capsuled.h"
#include "gemlog.h"
#include "indexcmd.h"
#include "url.h"

#define INDEXCMD_BASE_MAX	1024

struct indexcmd_opts {
	const char	*dir;
	const char	*outdir;	/* NULL: stdout */
	const char	*base_url;	/* NULL: from dir's name */
	const char	*title;
	int		 atom;		/* -a: the feed to stdout */
};

static int
indexcmd_usage(void)
{
	fprintf(stderr, "usage: capsuled index [-a] [-o outdir] "
	    "[-u baseurl] [-t title] dir\n");
	return 2;
}

/* One place for the message format; returns the exit status 1. */
static int
indexcmd_err(const char *what)
{
	fprintf(stderr, "capsuled index: %s: %s\n", what, strerror(errno));
	return 1;
}

static int
indexcmd_parse(int argc, char *argv[], struct indexcmd_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	/* main() may have run getopt already; 0 makes glibc and musl
	 * start over, resetting their internal state too. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt(argc, argv, "ao:t:u:")) != -1) {
		switch (ch) {
		case 'a':
			o->atom = 1;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case 't':
			o->title = optarg;
			break;
		case 'u':
			o->base_url = optarg;
			break;
		default:
			fprintf(stderr, "capsuled index: -%c: unknown option "
			    "or missing argument\n", optopt);
			return -1;
		}
	}
	if (argc - optind != 1 || (o->atom && o->outdir != NULL))
		return -1;
	o->dir = argv[optind];
	return 0;
}

/*
 * "gemini://localhost/" + the encoded last component of the real path
 * + "/" (realpath() resolves ".", ".." and trailing slashes first).
 */
static int
indexcmd_default_base(const char *realdir, char *dst, size_t size)
{
	const char	*name = strrchr(realdir, '/');
	char		 enc[NAME_MAX * 3 + 1];
	long		 n;
	int		 r;

	name = name != NULL ? name + 1 : realdir;
	n = url_pct_encode(name, strlen(name), enc, sizeof(enc), 0);
	if (n == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	r = snprintf(dst, size, "gemini://localhost/%s%s", enc,
	    n > 0 ? "/" : "");
	if (r < 0 || (size_t)r >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
indexcmd_write_fd(int fd, const char *p, size_t len)
{
	ssize_t	r;

	while (len > 0) {
		if ((r = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * Write into a temporary name and rename it over name, so a server
 * reading outdir meanwhile never sees half a file.
 */
static int
indexcmd_write_file(int outfd, const char *name, const struct buf *b)
{
	char	tmp[NAME_MAX + 1];
	int	fd, r;

	r = snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(outfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	if (indexcmd_write_fd(fd, b->data, b->len) == -1) {
		r = errno;
		close(fd);
		unlinkat(outfd, tmp, 0);
		errno = r;
		return -1;
	}
	if (close(fd) == -1 || renameat(outfd, tmp, outfd, name) == -1) {
		r = errno;
		unlinkat(outfd, tmp, 0);
		errno = r;
		return -1;
	}
	return 0;
}

static int
indexcmd_to_dir(int dirfd, const char *key, const struct gemlog_feed *feed,
    const char *outdir)
{
	const struct buf	*b;
	int			 outfd, rv = 1;

	if ((outfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return indexcmd_err(outdir);
	if ((b = gemlog_get(dirfd, key, GEMLOG_INDEX, feed)) == NULL)
		indexcmd_err(key);
	else if (indexcmd_write_file(outfd, "index.gmi", b) == -1)
		indexcmd_err("index.gmi");
	else if ((b = gemlog_get(dirfd, key, GEMLOG_ATOM, feed)) == NULL)
		indexcmd_err(key);
	else if (indexcmd_write_file(outfd, "atom.xml", b) == -1)
		indexcmd_err("atom.xml");
	else
		rv = 0;
	close(outfd);
	return rv;
}

static int
indexcmd_to_stdout(int dirfd, const char *key,
    const struct gemlog_feed *feed, enum gemlog_doc doc)
{
	const struct buf	*b;

	if ((b = gemlog_get(dirfd, key, doc, feed)) == NULL)
		return indexcmd_err(key);
	if (fwrite(b->data, 1, b->len, stdout) != b->len ||
	    fflush(stdout) == EOF)
		return indexcmd_err("stdout");
	return 0;
}

int
indexcmd_main(int argc, char *argv[])
{
	struct indexcmd_opts	 o;
	struct gemlog_feed	 feed;
	char			 realdir[PATH_MAX], base[INDEXCMD_BASE_MAX];
	int			 dirfd, rv;

	if (indexcmd_parse(argc, argv, &o) == -1)
		return indexcmd_usage();
	if ((dirfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return indexcmd_err(o.dir);
	if (realpath(o.dir, realdir) == NULL ||
	    (o.base_url == NULL &&
	    indexcmd_default_base(realdir, base, sizeof(base)) == -1)) {
		rv = indexcmd_err(o.dir);
		close(dirfd);
		return rv;
	}
	feed.base_url = o.base_url != NULL ? o.base_url : base;
	feed.title = o.title;
	feed.entries = CONF_DEFAULT_FEED;	/* as the server's default */
	if (o.outdir != NULL)
		rv = indexcmd_to_dir(dirfd, realdir, &feed, o.outdir);
	else
		rv = indexcmd_to_stdout(dirfd, realdir, &feed,
		    o.atom ? GEMLOG_ATOM : GEMLOG_INDEX);
	gemlog_cache_free();
	close(dirfd);
	return rv;
}
