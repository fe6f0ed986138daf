/*
 * sandbox.c: least privilege, one function per role (after gmid).
 *
 * Threat model: a client who finds a memory-safety bug in a worker
 * (TLS, the request parsers, libmagic) gets whatever the worker can do.
 * So the parent binds the sockets, loads the keys and the magic database
 * and opens every capsule root as whoever started it, then chroots (if
 * configured) and drops root for good; workers are forked after that
 * and each gives up what serving does not need before its first accept:
 * on Linux Landlock leaves it read access beneath the roots only and a
 * seccomp allow-list takes away exec, new sockets, fork and ptrace.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The Linux sandbox (Landlock, seccomp); -DSANDBOX_NONE leaves it out,
 * to compile the other branch. */
#if defined(__linux__) && !defined(SANDBOX_NONE)
#define SANDBOX_LINUX	1
#endif

#if SANDBOX_LINUX
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include "log.h"
#include "sandbox.h"

/*
 * AddressSanitizer's runtime needs more than the server at exit:
 * LeakSanitizer clones a tracer that ptraces the process and reads
 * /proc/self.  Such builds are for tests, never for production.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER	0
#endif

/*
 * valgrind runs its own system calls inside ours, which no allow-list
 * for capsuled can foresee: under valgrind (memcheck runs for leaks) the
 * seccomp filter is left out and the log says so.  Only valgrind can
 * make this true, never an environment variable or a client.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SANDBOX_HAVE_VALGRIND	1
#endif
#endif

static int	sandbox_confined(void);
static int	sandbox_in_chroot;

int
sandbox_chrooted(void)
{
	return sandbox_in_chroot;
}

static void
sandbox_chroot(const char *dir)
{
	if (chroot(dir) == -1 || chdir("/") == -1)
		fatal("chroot %s", dir);
	sandbox_in_chroot = 1;
	log_info("chrooted to %s", dir);
}

static void
sandbox_setuser(const struct passwd *pw)
{
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", pw->pw_name);
	/* Checked: regaining root must fail now. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("privileges could be regained after dropping them");
	log_info("running as %s (uid %d)", pw->pw_name, (int)pw->pw_uid);
}

/*
 * The keys are in the SSL_CTXs since tls_init(); serving never reads
 * the files again, only a reload (SIGHUP) does.  Say what follows from
 * the dropped user's access to them.
 */
static void
sandbox_keys_check(const struct conf *conf)
{
	const char	*key;
	int		 i;

	for (i = 0; i < conf->nhosts; i++) {
		key = conf->hosts[i].key;
		if (access(key, R_OK) == -1)
			log_info("%s: not readable as %s: serving needs no "
			    "key file, but a reload (SIGHUP) cannot load "
			    "keys; restart instead", key, conf->user);
		else if (!sandbox_confined())
			log_warnx("%s: readable as %s, and workers are not "
			    "confined on this system: a compromised worker "
			    "could read it; make it readable by root only",
			    key, conf->user);
	}
}

void
sandbox_drop(const struct conf *conf)
{
	struct passwd	*pw = NULL;

	/* The parent keeps the key files' bytes (keyproc.h): out of reach
	 * of /proc/PID/mem for the workers, who run as the same user. */
#ifdef PR_SET_DUMPABLE
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		log_warn("prctl(PR_SET_DUMPABLE)");
#endif

	if (geteuid() != 0) {
		if (conf->chroot[0] != '\0')
			log_warnx("chroot %s ignored: only root can chroot",
			    conf->chroot);
		return;
	}
	if (conf->user[0] == '\0')
		log_warnx("WARNING: running as root with no user to drop to; "
		    "use -u USER (or \"user\" in the config)");
	else if ((pw = getpwnam(conf->user)) == NULL)
		fatalx("unknown user %s", conf->user);
	if (conf->chroot[0] != '\0')
		sandbox_chroot(conf->chroot);
	if (pw == NULL)
		return;
	sandbox_setuser(pw);
	sandbox_keys_check(conf);
}

/* What -n prints about privileges and key files, on every system. */
static void
sandbox_report_privileges(const struct conf *conf)
{
	struct stat	sb;
	int		i;

	fprintf(stderr, "privileges: %s\n", geteuid() != 0 ? "not root" :
	    conf->user[0] ? "root, dropping to the configured user" :
	    "root, NO user to drop to");
	if (geteuid() == 0 && conf->user[0] != '\0')
		fprintf(stderr, "user: %s%s\n", conf->user,
		    getpwnam(conf->user) ? "" : " (UNKNOWN user)");
	if (conf->chroot[0] != '\0')
		fprintf(stderr, "chroot: %s%s\n", conf->chroot,
		    geteuid() == 0 ? "" : " (ignored: not root)");
	for (i = 0; i < conf->nhosts; i++)
		if (stat(conf->hosts[i].key, &sb) == 0 &&
		    (sb.st_mode & 077) != 0)
			fprintf(stderr, "WARNING: %s: private key is readable "
			    "by group or others (mode %03o)\n",
			    conf->hosts[i].key, (unsigned)(sb.st_mode & 0777));
}

#if SANDBOX_LINUX

/* Newer than Debian 12's <linux/landlock.h>; values are kernel ABI. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP		(1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)	/* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif

#define SANDBOX_LL_FS_ALL	((LANDLOCK_ACCESS_FS_IOCTL_DEV << 1) - 1)
#define SANDBOX_LL_FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | \
				 LANDLOCK_ACCESS_FS_READ_DIR)
/* Beneath upload directories: create a file, write it, rename it over
 * another in the same directory (no REFER: never across directories),
 * remove one.  No directories made, nothing truncated. */
#define SANDBOX_LL_FS_UPLOAD	(SANDBOX_LL_FS_READ | \
				 LANDLOCK_ACCESS_FS_WRITE_FILE | \
				 LANDLOCK_ACCESS_FS_MAKE_REG | \
				 LANDLOCK_ACCESS_FS_REMOVE_FILE)

/*
 * struct landlock_ruleset_attr as of ABI 6.  Older kernels take the
 * larger struct as long as the fields they do not know are zero.
 */
struct sandbox_ll_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

int
sandbox_landlock_abi(void)
{
	int	abi;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : abi;
}

/*
 * Handle every right the kernel knows, so all of them are denied unless
 * a rule allows them: the fall-through ladder from landlock(7).
 */
static void
sandbox_ll_handled(int abi, struct sandbox_ll_attr *attr)
{
	attr->handled_access_fs = SANDBOX_LL_FS_ALL;
	attr->handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
	    LANDLOCK_ACCESS_NET_CONNECT_TCP;
	attr->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
	    LANDLOCK_SCOPE_SIGNAL;
	switch (abi) {
	case 1:
		attr->handled_access_fs &= ~LANDLOCK_ACCESS_FS_REFER;
		/* FALLTHROUGH */
	case 2:
		attr->handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
		/* FALLTHROUGH */
	case 3:
		attr->handled_access_net = 0;
		/* FALLTHROUGH */
	case 4:
		attr->handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
		/* FALLTHROUGH */
	case 5:
		attr->scoped = 0;
		break;
	}
}

static int
sandbox_ll_allow(int ruleset, int dirfd, uint64_t access)
{
	struct landlock_path_beneath_attr	pb;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = dirfd;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

/* LeakSanitizer reads /proc/self/{maps,task} at exit. */
static int
sandbox_ll_sanitizer(int ruleset)
{
	int	fd, rv, saved;

	if (!SANDBOX_SANITIZER)
		return 0;
	if ((fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rv = sandbox_ll_allow(ruleset, fd, SANDBOX_LL_FS_READ);
	saved = errno;
	close(fd);
	errno = saved;
	return rv;
}

int
sandbox_landlock(const int *readfds, int nread, int appendfd)
{
	return sandbox_landlock_upload(readfds, nread, NULL, 0, appendfd);
}

int
sandbox_landlock_upload(const int *readfds, int nread, const int *upfds,
    int nup, int appendfd)
{
	struct sandbox_ll_attr	attr;
	int			abi, ruleset, i, saved;

	if ((abi = sandbox_landlock_abi()) == 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	sandbox_ll_handled(abi, &attr);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset == -1)
		return -1;
	for (i = 0; i < nread; i++)
		if (sandbox_ll_allow(ruleset, readfds[i],
		    SANDBOX_LL_FS_READ) == -1)
			goto fail;
	for (i = 0; i < nup; i++)
		if (sandbox_ll_allow(ruleset, upfds[i],
		    SANDBOX_LL_FS_UPLOAD) == -1)
			goto fail;
	/* Open existing files only: no MAKE_REG, no TRUNCATE. */
	if (appendfd != -1 && sandbox_ll_allow(ruleset, appendfd,
	    LANDLOCK_ACCESS_FS_WRITE_FILE) == -1)
		goto fail;
	if (sandbox_ll_sanitizer(ruleset) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) == -1)
		goto fail;
	close(ruleset);
	return 0;
fail:
	saved = errno;
	close(ruleset);
	errno = saved;
	return -1;
}

/*
 * SIGUSR1 makes a worker reopen the log file, which the parent has
 * created anew by then: the worker needs to open an existing file
 * beneath the log's directory for writing, nothing more.
 */
static int
sandbox_ll_logdir(const struct conf *conf)
{
	char	dir[CONF_PATH_MAX], *slash;

	if (conf->logfile[0] == '\0')
		return -1;
	snprintf(dir, sizeof(dir), "%s", conf->logfile);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';		/* "/capsuled.log" */
	else
		*slash = '\0';
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int
sandbox_confined(void)
{
	return sandbox_landlock_abi() > 0;
}

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

/* Two instructions per system call keep every jump offset local. */
#define SANDBOX_ALLOW(name)						\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int
sandbox_seccomp_available(void)
{
#ifdef SANDBOX_ARCH
	/* EINVAL: the kernel was built without CONFIG_SECCOMP. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != -1;
#else
	return 0;
#endif
}

#ifdef SANDBOX_ARCH
/* Every filter starts so: another architecture's calls kill. */
#define SANDBOX_FILTER_HEAD						\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,	\
	    arch)),							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),	\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,	\
	    nr))

/*
 * ... and ends so.  glibc's syslog() reconnects to /dev/log with
 * socket(AF_UNIX) after a send fails: let that fail instead of killing
 * the process (the message is lost).  Any other call kills.
 */
#define SANDBOX_FILTER_TAIL						\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,	\
	    args[0])),							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

/* Calls one architecture has and the other does not (aarch64 has only
 * the *at and p* forms). */
#ifdef __NR_epoll_wait
#define SANDBOX_ALLOW_EPOLL_WAIT	SANDBOX_ALLOW(epoll_wait),
#else
#define SANDBOX_ALLOW_EPOLL_WAIT
#endif
#ifdef __NR_dup2
#define SANDBOX_ALLOW_DUP2		SANDBOX_ALLOW(dup2),
#else
#define SANDBOX_ALLOW_DUP2
#endif
#ifdef __NR_time
#define SANDBOX_ALLOW_TIME		SANDBOX_ALLOW(time),
#else
#define SANDBOX_ALLOW_TIME
#endif
#ifdef __NR_renameat
#define SANDBOX_ALLOW_RENAMEAT		SANDBOX_ALLOW(renameat),
#define SANDBOX_DENY_RENAMEAT		SANDBOX_DENY(renameat),
#else
#define SANDBOX_ALLOW_RENAMEAT
#define SANDBOX_DENY_RENAMEAT
#endif

/* LeakSanitizer at exit, in sanitizer builds only: it clones a tracer
 * that ptraces the process and reads /proc/self. */
#if SANDBOX_SANITIZER
#ifdef __NR_getdents
#define SANDBOX_ALLOW_GETDENTS		SANDBOX_ALLOW(getdents),
#else
#define SANDBOX_ALLOW_GETDENTS
#endif
#ifdef __NR_readlink
#define SANDBOX_ALLOW_READLINK		SANDBOX_ALLOW(readlink),
#else
#define SANDBOX_ALLOW_READLINK
#endif
#ifdef __NR_open
#define SANDBOX_ALLOW_OPEN		SANDBOX_ALLOW(open),
#else
#define SANDBOX_ALLOW_OPEN
#endif
#define SANDBOX_ALLOW_SANITIZER						\
	SANDBOX_ALLOW(clone),						\
	SANDBOX_ALLOW(ptrace),						\
	SANDBOX_ALLOW(wait4),						\
	SANDBOX_ALLOW(prctl),						\
	SANDBOX_ALLOW(sched_yield),					\
	SANDBOX_ALLOW(sigaltstack),					\
	SANDBOX_ALLOW(gettid),						\
	SANDBOX_ALLOW(getppid),						\
	SANDBOX_ALLOW(tgkill),						\
	SANDBOX_ALLOW(readlinkat),					\
	SANDBOX_ALLOW(openat),						\
	SANDBOX_ALLOW(getdents64),					\
	SANDBOX_ALLOW(newfstatat),					\
	SANDBOX_ALLOW_GETDENTS						\
	SANDBOX_ALLOW_READLINK						\
	SANDBOX_ALLOW_OPEN
#else
#define SANDBOX_ALLOW_SANITIZER
#endif

/*
 * What a worker calls once serving, found with strace -f over the
 * integration suite: the event loop, accept4, TLS on non-blocking
 * sockets, openat2/getdents beneath the roots, libmagic on an open fd,
 * memory, clocks, logging to stderr or the syslog socket opened at
 * start-up, its socket to the key process.  Not here: execve,
 * fork/clone, ptrace, socket (except the AF_UNIX case), bind, connect,
 * chmod, unlink, mount...
 */
static struct sock_filter sandbox_filter[] = {
	SANDBOX_FILTER_HEAD,
	SANDBOX_ALLOW(read),
	SANDBOX_ALLOW(write),
	SANDBOX_ALLOW(writev),
	SANDBOX_ALLOW(close),
	SANDBOX_ALLOW(epoll_pwait),
	SANDBOX_ALLOW_EPOLL_WAIT
	SANDBOX_ALLOW(epoll_ctl),
	SANDBOX_ALLOW(epoll_create1),
	SANDBOX_ALLOW(accept4),
	SANDBOX_ALLOW(recvfrom),
	SANDBOX_ALLOW(recvmmsg),
	SANDBOX_ALLOW(sendto),
	SANDBOX_ALLOW(shutdown),
	SANDBOX_ALLOW(getsockname),
	SANDBOX_ALLOW(getpeername),
	SANDBOX_ALLOW(setsockopt),
	SANDBOX_ALLOW(openat),
	SANDBOX_ALLOW(openat2),
	SANDBOX_ALLOW(getdents64),
	SANDBOX_ALLOW(fstat),
	SANDBOX_ALLOW(newfstatat),
	SANDBOX_ALLOW(statx),
	SANDBOX_ALLOW(lseek),
	SANDBOX_ALLOW(pread64),
	SANDBOX_ALLOW(dup),
	SANDBOX_ALLOW_DUP2
	SANDBOX_ALLOW(dup3),
	SANDBOX_ALLOW(fcntl),
	SANDBOX_ALLOW(brk),
	SANDBOX_ALLOW(mmap),
	SANDBOX_ALLOW(munmap),
	SANDBOX_ALLOW(mremap),
	SANDBOX_ALLOW(mprotect),
	SANDBOX_ALLOW(madvise),
	SANDBOX_ALLOW(futex),
	SANDBOX_ALLOW(getrandom),
	SANDBOX_ALLOW(clock_gettime),
	SANDBOX_ALLOW(gettimeofday),
	SANDBOX_ALLOW_TIME
	SANDBOX_ALLOW(getpid),
	SANDBOX_ALLOW(prlimit64),
	SANDBOX_ALLOW(rt_sigaction),
	SANDBOX_ALLOW(rt_sigprocmask),
	SANDBOX_ALLOW(rt_sigreturn),
	SANDBOX_ALLOW(restart_syscall),
	SANDBOX_ALLOW(exit),
	SANDBOX_ALLOW(exit_group),
	/* Uploads (upload.c), unless sandbox_seccomp_nowrite() is in. */
	SANDBOX_ALLOW(fsync),
	SANDBOX_ALLOW(unlinkat),
	SANDBOX_ALLOW_RENAMEAT
	SANDBOX_ALLOW(renameat2),
	SANDBOX_ALLOW_SANITIZER
	SANDBOX_FILTER_TAIL
};

/* Where no location takes uploads, installed before the worker's filter
 * (which allows no prctl()): filters only ever narrow, so the write
 * calls kill again. */
#define SANDBOX_DENY(name)						\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

static struct sock_filter sandbox_nowrite_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
	    nr)),
	SANDBOX_DENY(fsync),
	SANDBOX_DENY(unlinkat),
	SANDBOX_DENY_RENAMEAT
	SANDBOX_DENY(renameat2),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/*
 * A program, just before execve() (the runner's child), for it and all
 * it starts: the workers' listening sockets are SO_REUSEPORT and owned
 * by the user programs run as, so a program that set SO_REUSEPORT could
 * bind the server's port and take a share of its connections.  That one
 * option is refused.  Another architecture's calls (a 32-bit program, the
 * x32 numbers) are refused with ENOSYS: their numbers are not these.
 */
#ifdef SANDBOX_ARCH
static struct sock_filter sandbox_program_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
	    arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
	    nr)),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 5),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
	    args[1])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
	    args[2])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_REUSEPORT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
#endif

/*
 * The key process: its event loop over the workers' sockets and its
 * control socket (a new log descriptor comes with recvmsg, goes onto
 * stderr with dup2/dup3), memory and randomness for OpenSSL's signing,
 * clocks, writing the log.  No open of any kind, no new socket, no
 * accept, no exec, no fork, no kill, no ptrace.
 */
static struct sock_filter sandbox_keyproc_filter[] = {
	SANDBOX_FILTER_HEAD,
	SANDBOX_ALLOW(read),
	SANDBOX_ALLOW(write),
	SANDBOX_ALLOW(close),
	SANDBOX_ALLOW(epoll_pwait),
	SANDBOX_ALLOW_EPOLL_WAIT
	SANDBOX_ALLOW(epoll_ctl),
	SANDBOX_ALLOW(recvfrom),
	SANDBOX_ALLOW(sendto),
	SANDBOX_ALLOW(recvmsg),
	SANDBOX_ALLOW(sendmsg),
	SANDBOX_ALLOW(recvmmsg),
	SANDBOX_ALLOW(sendmmsg),
	SANDBOX_ALLOW_DUP2
	SANDBOX_ALLOW(dup3),
	SANDBOX_ALLOW(brk),
	SANDBOX_ALLOW(mmap),
	SANDBOX_ALLOW(munmap),
	SANDBOX_ALLOW(mremap),
	SANDBOX_ALLOW(madvise),
	SANDBOX_ALLOW(futex),
	SANDBOX_ALLOW(getrandom),
	SANDBOX_ALLOW(clock_gettime),
	SANDBOX_ALLOW(gettimeofday),
	SANDBOX_ALLOW_TIME
	SANDBOX_ALLOW(getpid),
	SANDBOX_ALLOW(rt_sigprocmask),
	SANDBOX_ALLOW(rt_sigreturn),
	SANDBOX_ALLOW(restart_syscall),
	SANDBOX_ALLOW(exit),
	SANDBOX_ALLOW(exit_group),
	SANDBOX_ALLOW_SANITIZER
	SANDBOX_FILTER_TAIL
};
#endif

static int
sandbox_filter_install(struct sock_filter *filter, size_t len)
{
#ifdef SANDBOX_ARCH
	struct sock_fprog	prog;

	prog.len = (unsigned short)len;
	prog.filter = filter;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	(void)filter;
	(void)len;
	errno = ENOSYS;
	return -1;
#endif
}

int
sandbox_seccomp(void)
{
#ifdef SANDBOX_ARCH
	return sandbox_filter_install(sandbox_filter,
	    sizeof(sandbox_filter) / sizeof(sandbox_filter[0]));
#else
	return sandbox_filter_install(NULL, 0);
#endif
}

int
sandbox_seccomp_keyproc(void)
{
#ifdef SANDBOX_ARCH
	return sandbox_filter_install(sandbox_keyproc_filter,
	    sizeof(sandbox_keyproc_filter) /
	    sizeof(sandbox_keyproc_filter[0]));
#else
	return sandbox_filter_install(NULL, 0);
#endif
}

int
sandbox_seccomp_program(void)
{
#ifdef SANDBOX_ARCH
	if (!sandbox_seccomp_available())
		return 0;
	return sandbox_filter_install(sandbox_program_filter,
	    sizeof(sandbox_program_filter) /
	    sizeof(sandbox_program_filter[0]));
#else
	return 0;
#endif
}

int
sandbox_seccomp_nowrite(void)
{
#ifdef SANDBOX_ARCH
	return sandbox_filter_install(sandbox_nowrite_filter,
	    sizeof(sandbox_nowrite_filter) /
	    sizeof(sandbox_nowrite_filter[0]));
#else
	return sandbox_filter_install(NULL, 0);
#endif
}

/*
 * No new privileges first (Landlock and seccomp need it), then Landlock,
 * then the filter: its allow-list has no landlock_* calls.  Any failure
 * is fatal: the parent logs the death and restarts the worker.
 */
static int
sandbox_under_valgrind(void)
{
#ifdef SANDBOX_HAVE_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

/* The upload directories the parent opened (upload.h), into upfds
 * (room for every location); how many. */
static int
sandbox_upload_dirs(const struct conf *conf, int *upfds)
{
	int	i, j, n = 0;

	for (i = 0; i < conf->nhosts; i++)
		for (j = 0; j < conf->hosts[i].nlocations; j++)
			if (conf->hosts[i].locations[j].titan.dirfd != -1)
				upfds[n++] =
				    conf->hosts[i].locations[j].titan.dirfd;
	return n;
}

/* A worker with no upload location: the filter that kills the write
 * calls again first, for the worker's own then allows no prctl(). */
static int
sandbox_seccomp_worker_nowrite(void)
{
	if (sandbox_seccomp_nowrite() == -1)
		return -1;
	return sandbox_seccomp();
}

/*
 * A role's seccomp filter, installed by install(), unless valgrind runs
 * us or the kernel has none; what is in force, for the role's log line.
 */
static const char *
sandbox_apply_filter(int (*install)(void))
{
	if (sandbox_under_valgrind())
		return "no seccomp (under valgrind)";
	if (!sandbox_seccomp_available())
		return "no seccomp";
	if (install() == -1)
		fatal("seccomp filter");
	return "seccomp filter";
}

void
sandbox_worker(const struct conf *conf)
{
	static int	 upfds[CONF_HOSTS_MAX * CONF_LOCATIONS_MAX];
	const char	*sc;
	char		 ll[96];
	int		 fds[CONF_HOSTS_MAX], i, abi, logfd, nup;
	int		 root = geteuid() == 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	for (i = 0; i < conf->nhosts; i++)
		fds[i] = conf->hosts[i].rootfd;
	nup = sandbox_upload_dirs(conf, upfds);
	snprintf(ll, sizeof(ll), "no Landlock in this kernel");
	if ((abi = sandbox_landlock_abi()) > 0) {
		logfd = sandbox_ll_logdir(conf);
		if (sandbox_landlock_upload(fds, conf->nhosts, upfds, nup,
		    logfd) == -1)
			fatal("landlock");
		if (logfd != -1)
			close(logfd);
		snprintf(ll, sizeof(ll), "landlock ABI %d%s", abi, nup > 0 ?
		    " (writes beneath the upload directories)" : "");
	}
	sc = sandbox_apply_filter(nup > 0 ? sandbox_seccomp :
	    sandbox_seccomp_worker_nowrite);
	log_info("sandbox: %s, %s, no-new-privs%s%s", ll, sc,
	    root ? ", STILL ROOT (no user to drop to)" : "",
	    SANDBOX_SANITIZER ? " (sanitizer build: /proc readable, "
	    "LeakSanitizer's calls allowed)" : "");
}

/*
 * The key process, before it is sent a key: not dumpable (workers run
 * as the same user, and where Landlock is missing one taken over could
 * otherwise read our memory through /proc/PID/mem), no file system at
 * all (every Landlock right handled, none allowed), and its own filter.
 */
void
sandbox_keyproc(void)
{
	const char	*sc;
	char		 ll[64];
	int		 abi;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl");
	snprintf(ll, sizeof(ll), "no Landlock in this kernel");
	if ((abi = sandbox_landlock_abi()) > 0) {
		if (sandbox_landlock(NULL, 0, -1) == -1)
			fatal("landlock");
		snprintf(ll, sizeof(ll), "landlock ABI %d, no files", abi);
	}
	sc = sandbox_apply_filter(sandbox_seccomp_keyproc);
	log_info("sandbox: %s, %s, no-new-privs, not dumpable%s", ll, sc,
	    SANDBOX_SANITIZER ? " (sanitizer build)" : "");
}

/*
 * The program runner, and every program it starts, see the whole file
 * system but the private keys.  Programs run as the user the keys
 * belong to (the Debian unit runs all of capsuled as "capsuled", who
 * owns /var/lib/capsuled, where the key is made), so file modes cannot
 * keep a script from them.  Landlock allows only what a rule names, so
 * each rule names an entry beside the way to a hidden path, with every
 * right ("/" holds "etc", "usr", "var"...; "/var" holds "cache",
 * "lib"...), and the directories on the way get no rule: in them
 * nothing can be listed, made or removed, and nothing made after start
 * can be reached.  Landlock also keeps a program from ptrace()ing, or
 * (ABI 6) signalling, any process outside its domain: the workers, the
 * key process, the parent.
 */
#define SANDBOX_LL_FS_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | \
				 LANDLOCK_ACCESS_FS_WRITE_FILE | \
				 LANDLOCK_ACCESS_FS_READ_FILE | \
				 LANDLOCK_ACCESS_FS_TRUNCATE | \
				 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* 1 when path is dir or lies beneath it ("/var/lib" and "/var/lib/x"). */
static int
sandbox_within(const char *dir, const char *path)
{
	size_t	n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(dir, path, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

/* Allow every entry of dir but the hidden paths, going down the way to
 * each.  0, or -1 with errno. */
static int
sandbox_hide_dir(int ruleset, uint64_t handled, const char *dir,
    char (*hidden)[PATH_MAX], int nhidden)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	int		 i, fd, way, rc = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ?
		    dir : "", de->d_name) >= (int)sizeof(path))
			continue;
		for (i = 0, way = 0; i < nhidden; i++) {
			if (strcmp(path, hidden[i]) == 0)
				break;
			way |= sandbox_within(path, hidden[i]);
		}
		if (i < nhidden)
			continue;		/* hidden */
		if (way) {
			rc = sandbox_hide_dir(ruleset, handled, path, hidden,
			    nhidden);
			continue;
		}
		/* A symlink is followed when used, and the rules of its
		 * target's own path apply. */
		if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		if (fstat(fd, &sb) == 0 && !S_ISLNK(sb.st_mode))
			rc = sandbox_ll_allow(ruleset, fd, S_ISDIR(sb.st_mode) ?
			    handled : handled & SANDBOX_LL_FS_FILE);
		close(fd);
	}
	closedir(d);
	return rc;
}

int
sandbox_landlock_hide(char (*hidden)[PATH_MAX], int nhidden)
{
	struct sandbox_ll_attr	attr;
	int			abi, ruleset, saved;

	if ((abi = sandbox_landlock_abi()) == 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	sandbox_ll_handled(abi, &attr);
	/* Programs may connect and listen: the network is not handled. */
	attr.handled_access_net = 0;
	attr.scoped &= LANDLOCK_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0);
	if (ruleset == -1)
		return -1;
	if (sandbox_hide_dir(ruleset, attr.handled_access_fs, "/", hidden,
	    nhidden) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) == -1) {
		saved = errno;
		close(ruleset);
		errno = saved;
		return -1;
	}
	close(ruleset);
	return 0;
}

/*
 * A configured path as the runner sees it: in a chroot, an absolute
 * path inside it loses the chroot's prefix; one outside is out of
 * reach anyway (NULL), as is a relative one (it was relative to where
 * the server started).
 */
static const char *
sandbox_seen(const struct conf *conf, const char *path)
{
	size_t	n = strlen(conf->chroot);

	if (!sandbox_chrooted())
		return path;
	if (path[0] != '/' || strncmp(path, conf->chroot, n) != 0 ||
	    path[n] != '/')
		return NULL;
	return path + n;
}

/* Whether a capsule root lies within dir: then only a file is hidden. */
static int
sandbox_holds_root(const struct conf *conf, const char *dir)
{
	char		 real[PATH_MAX];
	const char	*root;
	int		 i;

	for (i = 0; i < conf->nhosts; i++)
		if ((root = sandbox_seen(conf, conf->hosts[i].root)) != NULL &&
		    realpath(root, real) != NULL && sandbox_within(dir, real))
			return 1;
	return 0;
}

/*
 * The paths to hide: each key's directory (where copies such as
 * x.key.bak or x.key.new land too), or the key file alone when that
 * directory is "/" or holds a capsule root.  Their number.
 */
static int
sandbox_key_paths(const struct conf *conf, char (*hidden)[PATH_MAX])
{
	char		 real[PATH_MAX], *slash;
	const char	*key;
	int		 i, j, n = 0;

	for (i = 0; i < conf->nhosts; i++) {
		if ((key = sandbox_seen(conf, conf->hosts[i].key)) == NULL ||
		    realpath(key, real) == NULL)
			continue;
		if ((slash = strrchr(real, '/')) != NULL && slash != real) {
			*slash = '\0';
			if (sandbox_holds_root(conf, real))
				*slash = '/';
		}
		for (j = 0; j < n && strcmp(hidden[j], real) != 0; j++)
			;
		if (j == n)
			memcpy(hidden[n++], real, sizeof(real));
	}
	return n;
}

/*
 * The program runner, before its first program: the keys hidden from
 * it and its programs (above), no-new-privs (a setuid program gains
 * nothing), no capabilities to pass on (the unit's
 * CAP_NET_BIND_SERVICE is ambient: exec would hand it down), not
 * dumpable.  No seccomp filter: running programs is its job.
 */
void
sandbox_runner(const struct conf *conf)
{
	static char	hidden[CONF_HOSTS_MAX][PATH_MAX];
	char		ll[96];
	int		abi, n;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		log_warn("PR_CAP_AMBIENT_CLEAR_ALL");
	n = sandbox_key_paths(conf, hidden);
	if ((abi = sandbox_landlock_abi()) > 0) {
		if (sandbox_landlock_hide(hidden, n) == -1)
			fatal("landlock");
		snprintf(ll, sizeof(ll), "landlock ABI %d, key files hidden "
		    "from programs (%d path%s)", abi, n, n == 1 ? "" : "s");
	} else {
		snprintf(ll, sizeof(ll), "no Landlock in this kernel");
		log_warnx("WARNING: programs run as the user the key files "
		    "belong to, and nothing hides them: make the keys "
		    "readable by root only");
	}
	log_info("sandbox: %s, no-new-privs, no capabilities, not dumpable",
	    ll);
}

static void
sandbox_report_os(void)
{
	int	abi = sandbox_landlock_abi();

	if (abi > 0)
		fprintf(stderr, "landlock: ABI %d: workers read only beneath "
		    "the roots\n", abi);
	else
		fprintf(stderr, "landlock: not available in this kernel\n");
	fprintf(stderr, "seccomp: %s\n", sandbox_seccomp_available() ?
	    "available: workers run under a system call allow-list" :
	    "NOT available (kernel or architecture)");
}

#else	/* !SANDBOX_LINUX */

/*
 * Elsewhere (and in a -DSANDBOX_NONE build, which make check compiles so
 * that this branch cannot rot): privileges are dropped, nothing more.
 * capsuled is built and tested on Linux only; an OpenBSD branch with
 * pledge(2) and unveil(2) was removed, being neither built nor tested.
 */

static int
sandbox_confined(void)
{
	return 0;
}

int
sandbox_landlock_abi(void)
{
	return 0;
}

int
sandbox_landlock(const int *readfds, int nread, int appendfd)
{
	(void)readfds;
	(void)nread;
	(void)appendfd;
	errno = ENOSYS;
	return -1;
}

int
sandbox_landlock_upload(const int *readfds, int nread, const int *upfds,
    int nup, int appendfd)
{
	(void)upfds;
	(void)nup;
	return sandbox_landlock(readfds, nread, appendfd);
}

int
sandbox_seccomp_available(void)
{
	return 0;
}

int
sandbox_seccomp(void)
{
	errno = ENOSYS;
	return -1;
}

int
sandbox_seccomp_program(void)
{
	return 0;
}

int
sandbox_seccomp_keyproc(void)
{
	errno = ENOSYS;
	return -1;
}

int
sandbox_seccomp_nowrite(void)
{
	errno = ENOSYS;
	return -1;
}

void
sandbox_worker(const struct conf *conf)
{
	(void)conf;
	log_info("sandbox: none on this system (privileges dropped only)");
}

void
sandbox_keyproc(void)
{
	log_info("sandbox: none on this system (privileges dropped only)");
}

int
sandbox_landlock_hide(char (*hidden)[PATH_MAX], int nhidden)
{
	(void)hidden;
	(void)nhidden;
	errno = ENOSYS;
	return -1;
}

void
sandbox_runner(const struct conf *conf)
{
	(void)conf;
	log_warnx("sandbox: none for programs on this system: they can read "
	    "what their user can, the key files included");
}

static void
sandbox_report_os(void)
{
	fprintf(stderr, "sandbox: none on this system\n");
}

#endif

void
sandbox_report(const struct conf *conf)
{
	sandbox_report_privileges(conf);
	sandbox_report_os();
}
