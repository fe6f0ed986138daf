/*
 * fsroot.c: resolve request paths beneath a capsule root directory.
 *
 * The path given is already percent-decoded and normalised (url.c), so
 * it holds no "." or ".." segment; this file adds the defence that does
 * not depend on that: the kernel refuses to leave the root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include "fsroot.h"

#define FSROOT_SEGMENT_MAX	255

/* Any segment starting with '.' (dot-files, ".git", "..") is hidden. */
static int
fsroot_hidden(const char *path)
{
	const char	*p;

	for (p = path; *p != '\0'; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return 1;
	return 0;
}

#ifdef __linux__
/*
 * -1 with errno ENOSYS when the kernel lacks openat2 (before 5.6):
 * the caller then falls back to the portable walk.
 */
static int
fsroot_openat2(int rootfd, const char *rel, int flags, int strict)
{
	struct open_how	how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if (strict)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}
#endif

/*
 * Portable fallback: open one segment at a time with O_NOFOLLOW, so a
 * symlink anywhere on the way fails with ELOOP.  Stricter than openat2
 * (no symlinks at all) but never escapes.
 */
static int
fsroot_walk(int rootfd, const char *rel, int flags)
{
	char		 seg[FSROOT_SEGMENT_MAX + 1];
	const char	*p = rel, *slash;
	size_t		 len;
	int		 dirfd, fd, saved;

	if ((dirfd = dup(rootfd)) == -1)
		return -1;
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > FSROOT_SEGMENT_MAX) {
			close(dirfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(seg, p, len);
		seg[len] = '\0';
		if (slash == NULL || slash[1] == '\0') {
			fd = openat(dirfd, seg, flags | O_NOFOLLOW);
			saved = errno;
			close(dirfd);
			errno = saved;
			return fd;
		}
		fd = openat(dirfd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		saved = errno;
		close(dirfd);
		if (fd == -1) {
			errno = saved;
			return -1;
		}
		dirfd = fd;
		p = slash + 1;
	}
}

/* strict: no symlink at all, even one that stays beneath the root. */
static int
fsroot_resolve(int rootfd, const char *path, int flags, int strict)
{
	const char	*rel;
	int		 fd;

	flags |= O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	if (path[0] != '/' || fsroot_hidden(path)) {
		errno = ENOENT;
		return -1;
	}
	rel = path + 1;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
#ifdef __linux__
	fd = fsroot_openat2(rootfd, rel, flags, strict);
	if (fd != -1 || errno != ENOSYS)
		return fd;
#else
	(void)strict;	/* the walk below follows no symlink anyway */
#endif
	if (strcmp(rel, ".") == 0)
		return openat(rootfd, ".", flags);
	return fsroot_walk(rootfd, rel, flags);
}

int
fsroot_open(int rootfd, const char *path, int flags)
{
	return fsroot_resolve(rootfd, path, flags, 0);
}

int
fsroot_open_strict(int rootfd, const char *path, int flags)
{
	return fsroot_resolve(rootfd, path, flags, 1);
}

/*
 * A fresh open file description for the directory: a dup() would share
 * dirfd's offset, so readdir() here would move the caller's position.
 * This also works when dirfd was opened O_PATH.
 */
DIR *
fsroot_opendir(int dirfd)
{
	DIR	*d;
	int	 fd, saved;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}
