/*
 * sandbox.h: least privilege, one function per role (after gmid).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <limits.h>

#include "capsuled.h"

/* Parent, after binding and loading keys and the magic database:
 * chroot to conf->chroot and drop to conf->user when started as root
 * (setgroups/setgid/setuid, checked); warn when root has no user to
 * drop to, or when the dropped user can still read a private key. */
void	sandbox_drop(const struct conf *);

/* A worker, before serving: on Linux no-new-privs, Landlock (read
 * beneath the roots only) and the seccomp allow-list; on OpenBSD
 * unveil and pledge.  Logs one line naming what is in force; fatal if
 * a protection the system offers cannot be applied. */
void	sandbox_worker(const struct conf *);

/* The key process, before it receives a key: not dumpable, no-new-privs,
 * Landlock with no file system access at all, and its own seccomp
 * allow-list (sandbox_seccomp_keyproc()).  Logs one line; fatal if a
 * protection the system offers cannot be applied. */
void	sandbox_keyproc(void);

/* The program runner (runner.h), before its first program: the key
 * files hidden from it and its programs by Landlock, no-new-privs, no
 * capabilities, not dumpable.  Logs one line; fatal if a protection the
 * system offers cannot be applied. */
void	sandbox_runner(const struct conf *);

/* Whether sandbox_drop() chrooted (configured, and started as root). */
int	sandbox_chrooted(void);

/* For capsuled -n: what this kernel allows, to stderr. */
void	sandbox_report(const struct conf *);

/* The parts of sandbox_worker(), exported for tests/unit/test_sandbox.c.
 * sandbox_landlock_abi() is the kernel's Landlock ABI, 0 without it.
 * sandbox_landlock() restricts the calling process for good to reading
 * beneath the directories readfds[0..nread) and, beneath appendfd (-1
 * for none), opening existing files for writing; nothing else in the
 * file system.  sandbox_seccomp() installs the worker's filter: other
 * system calls kill the process with SIGSYS.  Both return 0, or -1 with
 * errno (ENOSYS/EOPNOTSUPP where unsupported). */
int	sandbox_landlock_abi(void);
int	sandbox_landlock(const int *readfds, int nread, int appendfd);
int	sandbox_seccomp_available(void);
int	sandbox_seccomp(void);
int	sandbox_seccomp_keyproc(void);
/* sandbox_runner()'s Landlock, for tests: restrict the calling process
 * for good to everything but hidden[0..n) (canonical absolute paths,
 * none "/"), which it can neither read nor list nor change. */
int	sandbox_landlock_hide(char (*hidden)[PATH_MAX], int n);

/* sandbox_landlock() that also lets the process create, write, rename
 * (within one directory) and remove regular files beneath the
 * directories upfds[0..nup) (upload locations, upload.h): nothing
 * else is writable.  The worker's filter allows the calls that takes
 * (fsync, renameat, unlinkat); sandbox_seccomp_nowrite() installs a
 * filter that kills them again, for workers with no upload location:
 * before sandbox_seccomp(), whose filter allows no prctl().
 * Both 0, or -1 with errno. */
int	sandbox_landlock_upload(const int *readfds, int nread,
	    const int *upfds, int nup, int appendfd);
int	sandbox_seccomp_nowrite(void);
/* In a program about to be run (the runner's child): refuse the
 * SO_REUSEPORT that would let it share the server's ports.  0, or -1
 * when seccomp is there and the filter was refused. */
int	sandbox_seccomp_program(void);

#endif
