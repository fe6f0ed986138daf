/*
 * upload.c: atomic writes beneath a capsule root (see upload.h), and
 * the start-up side: the upload directories the sandbox opens up, and
 * the temporary files a crash left behind.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsroot.h"
#include "location.h"
#include "log.h"
#include "upload.h"

#define UPLOAD_MODE	0644
#define UPLOAD_TRIES	4	/* temporary names tried (O_EXCL) */

/*
 * path = dir name, dir ending in '/': the directory to open and the
 * file name in it.  The name is one segment of a normalised path, so
 * it holds no '/' and is neither "." nor "..".
 */
static int
upload_split(const char *path, char *dir, size_t dirsize, char *name)
{
	const char	*slash = strrchr(path, '/');
	size_t		 dirlen;

	if (slash == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (slash[1] == '\0') {
		errno = EISDIR;
		return -1;
	}
	if (slash[1] == '.') {
		errno = EPERM;
		return -1;
	}
	dirlen = (size_t)(slash - path) + 1;
	if (dirlen >= dirsize || strlen(slash + 1) > UPLOAD_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, dirlen);
	dir[dirlen] = '\0';
	memcpy(name, slash + 1, strlen(slash + 1) + 1);
	return 0;
}

/* The directory of path, strictly beneath rootfd, and the name in it. */
static int
upload_open_dir(int rootfd, const char *path, char *name)
{
	char	dir[CONF_PATH_MAX + 2];

	if (upload_split(path, dir, sizeof(dir), name) == -1)
		return -1;
	return fsroot_open_strict(rootfd, dir, O_RDONLY | O_DIRECTORY);
}

/* 0 when name in dirfd is a regular file (or, when absent_ok, none). */
static int
upload_check_target(int dirfd, const char *name, int absent_ok)
{
	struct stat	st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT && absent_ok ? 0 : -1;
	if (S_ISREG(st.st_mode))
		return 0;
	errno = S_ISDIR(st.st_mode) ? EISDIR : S_ISLNK(st.st_mode) ? ELOOP :
	    EINVAL;
	return -1;
}

/* A new temporary file in up->dirfd: UPLOAD_TMP_PREFIX, 16 random hex
 * digits, created with O_EXCL so that it is ours alone. */
static int
upload_create_tmp(struct upload *up)
{
	unsigned char	r[8];
	size_t		j;
	int		i, k;

	for (i = 0; i < UPLOAD_TRIES; i++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		k = snprintf(up->tmp, sizeof(up->tmp), "%s", UPLOAD_TMP_PREFIX);
		for (j = 0; j < sizeof(r); j++)
			k += snprintf(up->tmp + k, sizeof(up->tmp) - (size_t)k,
			    "%02x", r[j]);
		up->fd = openat(up->dirfd, up->tmp, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, UPLOAD_MODE);
		if (up->fd != -1 || errno != EEXIST)
			return up->fd == -1 ? -1 : 0;
	}
	return -1;
}

int
upload_begin(int rootfd, const char *path, struct upload *up)
{
	int	saved;

	up->fd = -1;
	up->tmp[0] = '\0';
	if ((up->dirfd = upload_open_dir(rootfd, path, up->name)) == -1)
		return -1;
	if (upload_check_target(up->dirfd, up->name, 1) == -1 ||
	    upload_create_tmp(up) == -1) {
		saved = errno;
		close(up->dirfd);
		up->dirfd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

void
upload_abort(struct upload *up)
{
	int	saved = errno;

	if (up->fd != -1)
		close(up->fd);
	if (up->dirfd != -1) {
		(void)unlinkat(up->dirfd, up->tmp, 0);
		close(up->dirfd);
	}
	up->fd = up->dirfd = -1;
	errno = saved;
}

int
upload_commit(struct upload *up)
{
	int	rc;

	rc = fsync(up->fd);
	/* close() reports write-back errors on some file systems. */
	if (close(up->fd) == -1)
		rc = -1;
	up->fd = -1;
	if (rc == -1 || renameat(up->dirfd, up->tmp, up->dirfd,
	    up->name) == -1) {
		upload_abort(up);
		return -1;
	}
	/* The rename itself must reach the disk too; if this fails the
	 * new file is in place all the same, so it is not undone. */
	(void)fsync(up->dirfd);
	close(up->dirfd);
	up->dirfd = -1;
	return 0;
}

int
upload_remove(int rootfd, const char *path)
{
	char	name[UPLOAD_NAME_MAX + 1];
	int	dirfd, rc, saved;

	if ((dirfd = upload_open_dir(rootfd, path, name)) == -1)
		return -1;
	rc = upload_check_target(dirfd, name, 0);
	if (rc == 0)
		rc = unlinkat(dirfd, name, 0);
	saved = errno;
	close(dirfd);
	errno = saved;
	return rc;
}

void
upload_dirs_open(struct conf *conf)
{
	struct conf_location	*l;
	char			 dir[CONF_PATH_MAX];
	int			 i, j;

	for (i = 0; i < conf->nhosts; i++) {
		for (j = 0; j < conf->hosts[i].nlocations; j++) {
			l = &conf->hosts[i].locations[j];
			l->titan.dirfd = -1;
			if (!l->titan.on)
				continue;
			if (location_dir(l->pattern, dir, sizeof(dir)) == -1 ||
			    (l->titan.dirfd = fsroot_open_strict(
			    conf->hosts[i].rootfd, dir, O_RDONLY |
			    O_DIRECTORY)) == -1)
				log_warn("%s: location \"%s\": directory %s: "
				    "uploads there will fail",
				    conf->hosts[i].name, l->pattern, dir);
		}
	}
}

void
upload_dirs_close(struct conf *conf)
{
	struct conf_location	*l;
	int			 i, j;

	for (i = 0; i < conf->nhosts; i++) {
		for (j = 0; j < conf->hosts[i].nlocations; j++) {
			l = &conf->hosts[i].locations[j];
			if (l->titan.dirfd != -1)
				close(l->titan.dirfd);
			l->titan.dirfd = -1;
		}
	}
}

/* A directory entry to descend into: a real directory, not hidden. */
static int
upload_sweep_into(int dirfd, const struct dirent *de)
{
	struct stat	st;

	if (de->d_name[0] == '.')
		return 0;
	if (de->d_type == DT_DIR)
		return 1;
	return de->d_type == DT_UNKNOWN && fstatat(dirfd, de->d_name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Remove our temporary files beneath dirfd; how many. */
static int
upload_sweep_dir(int dirfd, int depth)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0, sub;

	if (depth > UPLOAD_SWEEP_DEPTH || (d = fsroot_opendir(dirfd)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, UPLOAD_TMP_PREFIX,
		    strlen(UPLOAD_TMP_PREFIX)) == 0) {
			if (upload_check_target(dirfd, de->d_name, 0) == 0 &&
			    unlinkat(dirfd, de->d_name, 0) == 0)
				n++;
			continue;
		}
		if (!upload_sweep_into(dirfd, de))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub == -1)
			continue;
		n += upload_sweep_dir(sub, depth + 1);
		close(sub);
	}
	closedir(d);
	return n;
}

int
upload_sweep(const struct conf *conf)
{
	const struct conf_location	*l;
	int				 i, j, n = 0;

	for (i = 0; i < conf->nhosts; i++) {
		for (j = 0; j < conf->hosts[i].nlocations; j++) {
			l = &conf->hosts[i].locations[j];
			if (l->titan.on && l->titan.dirfd != -1)
				n += upload_sweep_dir(l->titan.dirfd, 0);
		}
	}
	if (n > 0)
		log_info("removed %d temporary upload file%s left by an "
		    "earlier run", n, n == 1 ? "" : "s");
	return n;
}
