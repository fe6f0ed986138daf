/*
 * dirindex.c: automatic directory listings in gemtext.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirindex.h"
#include "fsroot.h"
#include "url.h"
#include "utf8.h"

#define DIRINDEX_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

static int
dirindex_cmp(const void *a, const void *b)
{
	const struct dirindex_entry	*ea = a, *eb = b;

	return strcmp(ea->name, eb->name);
}

/*
 * A label is one gemtext line: C0/C1 controls and DEL become '?' (as
 * ls(1) shows them), invalid UTF-8 becomes U+FFFD, since the listing is
 * served as text/gemini; charset=utf-8.
 */
static int
dirindex_put_label(struct buf *out, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;
	int			 r;

	while (i < len) {
		n = utf8_charlen(s + i, len - i);
		if (n == 0) {
			r = buf_puts(out, DIRINDEX_REPLACEMENT);
			n = 1;
		} else if ((n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0))
			r = buf_putc(out, '?');
		else
			r = buf_append(out, s + i, n);
		if (r == -1)
			return -1;
		i += n;
	}
	return 0;
}

/* "=> " encoded-name ["/"] SP label ["/"] LF */
static int
dirindex_put_entry(struct buf *out, const struct dirindex_entry *e)
{
	size_t	len = strlen(e->name);

	if (buf_puts(out, "=> ") == -1 ||
	    url_pct_append(out, e->name, len) == -1 ||
	    (e->is_dir && buf_putc(out, '/') == -1) ||
	    buf_putc(out, ' ') == -1 ||
	    dirindex_put_label(out, e->name, len) == -1 ||
	    (e->is_dir && buf_putc(out, '/') == -1) ||
	    buf_putc(out, '\n') == -1)
		return -1;
	return 0;
}

int
dirindex_write(const char *path, struct dirindex_entry *entries, size_t n,
    struct buf *out)
{
	size_t	i;

	if (n > 1)
		qsort(entries, n, sizeof(*entries), dirindex_cmp);
	if (buf_puts(out, "# Index of ") == -1 ||
	    dirindex_put_label(out, path, strlen(path)) == -1 ||
	    buf_puts(out, "\n\n") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		/* Dot-files, and "." and "..", are never listed. */
		if (entries[i].name[0] == '.' || entries[i].name[0] == '\0')
			continue;
		if (dirindex_put_entry(out, &entries[i]) == -1)
			return -1;
	}
	return 0;
}

/* Symlinks are listed as files: their targets are not looked at. */
static int
dirindex_is_dir(int dirfd, const struct dirent *de)
{
	struct stat	st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return S_ISDIR(st.st_mode);
}

static int
dirindex_add(struct dirindex_entry **v, size_t *n, size_t *cap,
    const char *name, int is_dir)
{
	struct dirindex_entry	*p;
	size_t			 ncap;

	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 32;
		if ((p = reallocarray(*v, ncap, sizeof(*p))) == NULL)
			return -1;
		*v = p;
		*cap = ncap;
	}
	if (((*v)[*n].name = strdup(name)) == NULL)
		return -1;
	(*v)[*n].is_dir = is_dir;
	(*n)++;
	return 0;
}

static void
dirindex_free(struct dirindex_entry *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free((char *)v[i].name);
	free(v);
}

int
dirindex_scan(int dirfd, const char *path, struct buf *out)
{
	struct dirindex_entry	*v = NULL;
	struct dirent		*de;
	DIR			*d;
	size_t			 n = 0, cap = 0;
	int			 rv = -1, saved;

	if ((d = fsroot_opendir(dirfd)) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (dirindex_add(&v, &n, &cap, de->d_name,
		    dirindex_is_dir(dirfd, de)) == -1)
			goto fail;
	}
	if (errno == 0)
		rv = dirindex_write(path, v, n, out);
 fail:
	saved = errno;
	closedir(d);
	dirindex_free(v, n);
	errno = saved;
	return rv;
}
