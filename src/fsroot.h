/*
 * fsroot.h: open files beneath a capsule root, never outside it.
 */
#ifndef FSROOT_H
#define FSROOT_H

#include <dirent.h>

/*
 * Open path (a normalised absolute URL path such as "/posts/a.gmi";
 * "/" is the root itself) beneath the directory rootfd, with flags
 * (O_RDONLY plus O_DIRECTORY etc.; O_NONBLOCK|O_CLOEXEC|O_NOCTTY are
 * always added).  Any segment beginning with '.' fails with ENOENT.
 * On Linux, openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS); elsewhere,
 * or where openat2 is missing, a walk segment by segment with O_NOFOLLOW
 * that refuses symlinks outright.  Symlinks that stay beneath the root
 * work with openat2.
 * Returns an fd, or -1 with errno (ENOENT, EACCES, ELOOP, EXDEV...).
 */
int	fsroot_open(int rootfd, const char *path, int flags);

/*
 * As fsroot_open(), but no symlink may be on the way at all, even one
 * that stays beneath the root (RESOLVE_NO_SYMLINKS): the write path
 * (upload.c) creates and replaces files only where they are named.
 */
int	fsroot_open_strict(int rootfd, const char *path, int flags);

/* A DIR for reading directory dirfd without moving dirfd's offset
 * (fdopendir on a fresh open of "."); NULL with errno. */
DIR	*fsroot_opendir(int dirfd);

#endif
