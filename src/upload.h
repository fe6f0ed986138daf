/*
 * upload.h: writing files beneath a capsule root, atomically: the
 * bytes go to a temporary dot-file beside the target (never served:
 * fsroot.c hides dot-files), which is fsync'ed and renamed over it, so
 * a reader sees the old file or the new one, never a part, and two
 * writers to one path leave one of them whole.  A crash leaves at most
 * a temporary file, which upload_sweep() removes at the next start.
 *
 * Who may write what is titan.c's business; this file only resolves
 * beneath the root, strictly (no symlink on the way), and writes.  The
 * worker's sandbox (sandbox.c) allows writing only beneath the
 * directories of upload locations (upload_dirs_open()), so a write
 * anywhere else fails even if a bug let the path through.
 */
#ifndef UPLOAD_H
#define UPLOAD_H

#include <sys/types.h>

#include "capsuled.h"

#define UPLOAD_TMP_PREFIX	".capsuled-upload-"
#define UPLOAD_TMP_MAX		48	/* the prefix and 16 hex digits */
#define UPLOAD_NAME_MAX		255	/* a file name (NAME_MAX) */

/* One file being written; the caller's to keep until commit or abort. */
struct upload {
	int	dirfd;				/* the target's directory */
	int	fd;				/* the temporary file */
	char	tmp[UPLOAD_TMP_MAX];		/* its name in dirfd */
	char	name[UPLOAD_NAME_MAX + 1];	/* the target's name */
};

/*
 * Start replacing (or creating) the file path, a normalised absolute
 * URL path such as "/posts/a.gmi", beneath rootfd: open its directory
 * with fsroot_open_strict(), check the target (a regular file, or
 * none), and create a new temporary file beside it (O_EXCL, mode 0644)
 * to write the bytes to (up->fd, blocking).  Fails (-1 with errno) for
 * a path ending in '/' (EISDIR), a name starting with '.' (EPERM), a
 * directory as target (EISDIR), a symlink as target or on the way
 * (ELOOP), another kind of file (EINVAL), a directory that is not there
 * (ENOENT), and whatever the kernel or the sandbox refuses (EACCES...).
 */
int	upload_begin(int rootfd, const char *path, struct upload *);

/*
 * Make the written bytes the target: fsync the temporary file, rename
 * it over the target, fsync the directory (so the rename survives a
 * crash).  Closes everything.  0, or -1 with errno, the temporary file
 * then removed and the target untouched.
 */
int	upload_commit(struct upload *);

/* Give up: remove the temporary file, close everything. */
void	upload_abort(struct upload *);

/* Delete the regular file path beneath rootfd, resolved as by
 * upload_begin().  0, or -1 with errno. */
int	upload_remove(int rootfd, const char *path);

/*
 * Start-up, in the parent, before any worker exists (and before
 * privileges are dropped): open the directory of every location with
 * uploads on (location_dir(), beneath its host's root) into
 * its titan.dirfd for the workers' sandbox; one that cannot be opened
 * is logged, and uploads there fail.  upload_dirs_close() closes them.
 */
void	upload_dirs_open(struct conf *);
void	upload_dirs_close(struct conf *);

/*
 * At start only (a reload must not remove the files of uploads still in
 * flight in retiring workers): remove the temporary files a crash left
 * beneath those directories, subdirectories included (not following
 * symlinks, not into dot-directories, at most UPLOAD_SWEEP_DEPTH deep).
 * Returns how many were removed.
 */
#define UPLOAD_SWEEP_DEPTH	16
int	upload_sweep(const struct conf *);

#endif
