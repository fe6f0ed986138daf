/*
 * test_sandbox.c: the worker's Landlock ruleset and seccomp filter,
 * each applied in a forked child (they cannot be undone), which then
 * tries what a compromised worker would.
 *
 * A child runs its CHECKs and sends its counters back through a pipe;
 * a child expected to die is judged by its wait status alone.  Children
 * leave with _exit(), so LeakSanitizer never runs inside a sandbox.
 */
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "sandbox.h"
#include "test.h"
#include "upload.h"

#define MAGIC_DB	"/usr/share/misc/magic.mgc"

struct counts {
	int	passed, failed;
};

static char	tmpdir[] = "/tmp/test_sandbox.XXXXXX";
static char	rootdir[64], logdir[64], keydir[64];

/* Fork; the child runs fn(arg) and reports its counts.  Returns the
 * child's wait status. */
static int
in_child(void (*fn)(void *), void *arg)
{
	struct counts	c;
	pid_t		pid;
	int		p[2], status;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		perror("pipe/fork");
		exit(2);
	}
	if (pid == 0) {
		close(p[0]);
		test_passed = test_failed = 0;
		fn(arg);
		c.passed = test_passed;
		c.failed = test_failed;
		/* The parent counts a short report as a failure. */
		_exit(write(p[1], &c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &c, sizeof(c)) == (ssize_t)sizeof(c)) {
		test_passed += c.passed;
		test_failed += c.failed;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return status;
}

static int
open_errno(const char *path, int flags)
{
	int	fd;

	if ((fd = open(path, flags | O_CLOEXEC, 0644)) == -1)
		return errno;
	close(fd);
	return 0;
}

static void
path(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) {
		fprintf(stderr, "path too long\n");
		exit(2);
	}
}

static void
setup(void)
{
	char	p[128];
	int	fd;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	path(rootdir, sizeof(rootdir), tmpdir, "root");
	path(logdir, sizeof(logdir), tmpdir, "log");
	if (mkdir(rootdir, 0755) == -1 || mkdir(logdir, 0755) == -1) {
		perror("mkdir");
		exit(2);
	}
	path(p, sizeof(p), rootdir, "sub");
	mkdir(p, 0755);
	path(p, sizeof(p), rootdir, "sub/page.gmi");
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1)
		close(fd);
	path(p, sizeof(p), logdir, "capsuled.log");
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1)
		close(fd);
	path(keydir, sizeof(keydir), tmpdir, "keys");
	path(p, sizeof(p), keydir, "x.key");
	if (mkdir(keydir, 0700) == -1 ||
	    (fd = open(p, O_WRONLY | O_CREAT, 0600)) == -1) {
		perror(p);
		exit(2);
	}
	close(fd);
	path(p, sizeof(p), rootdir, "up");
	mkdir(p, 0755);
	path(p, sizeof(p), rootdir, "up/old.gmi");
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1)
		close(fd);
}

static void
cleanup(void)
{
	char	p[128];

	path(p, sizeof(p), rootdir, "sub/page.gmi");
	unlink(p);
	path(p, sizeof(p), rootdir, "sub");
	rmdir(p);
	path(p, sizeof(p), rootdir, "up/old.gmi");
	unlink(p);
	path(p, sizeof(p), rootdir, "up/new.gmi");
	unlink(p);
	path(p, sizeof(p), rootdir, "up");
	rmdir(p);
	path(p, sizeof(p), logdir, "capsuled.log");
	unlink(p);
	path(p, sizeof(p), keydir, "x.key");
	unlink(p);
	rmdir(keydir);
	rmdir(rootdir);
	rmdir(logdir);
	rmdir(tmpdir);
}

/* What a worker under sandbox_landlock() may and may not do. */
static void
landlock_child(void *arg)
{
	char	p[128];
	DIR	*d;
	int	rootfd, logfd, magic;

	(void)arg;
	magic = access(MAGIC_DB, R_OK) == 0;
	rootfd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	logfd = open(logdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(sandbox_landlock(&rootfd, 1, logfd) == 0, "ruleset applies");
	path(p, sizeof(p), rootdir, "sub/page.gmi");
	CHECK(open_errno(p, O_RDONLY) == 0, "a file beneath the root reads");
	CHECK(open_errno(p, O_WRONLY) == EACCES,
	    "a file beneath the root cannot be written");
	CHECK(open_errno("/etc/passwd", O_RDONLY) == EACCES,
	    "/etc/passwd is out of reach even by absolute path");
	if (magic)
		CHECK(open_errno(MAGIC_DB, O_RDONLY) == EACCES,
		    "the magic database is out of reach (loaded before)");
	path(p, sizeof(p), rootdir, "new.gmi");
	CHECK(open_errno(p, O_WRONLY | O_CREAT) == EACCES,
	    "nothing can be created beneath the root");
	path(p, sizeof(p), rootdir, "sub");
	CHECK((d = opendir(p)) != NULL, "a directory beneath the root lists");
	if (d != NULL)
		closedir(d);
	CHECK(opendir("/tmp") == NULL && errno == EACCES,
	    "a directory outside the root does not list");
	path(p, sizeof(p), logdir, "capsuled.log");
	CHECK(open_errno(p, O_WRONLY | O_APPEND) == 0,
	    "the log file reopens for appending (SIGUSR1)");
	if (sandbox_landlock_abi() >= 3)
		CHECK(open_errno(p, O_WRONLY | O_TRUNC) == EACCES,
		    "the log file cannot be truncated");
	path(p, sizeof(p), logdir, "other.log");
	CHECK(open_errno(p, O_WRONLY | O_CREAT) == EACCES,
	    "no file can be created in the log directory");
	CHECK(mkdir("/tmp/test_sandbox_escape", 0755) == -1 &&
	    errno == EACCES, "no directory can be made anywhere");
}

/* What the program runner and its programs see (sandbox_runner()):
 * everything but the hidden directory. */
static void
landlock_hide_child(void *arg)
{
	static char	hidden[1][PATH_MAX];
	char		p[128], q[160];
	DIR		*d;

	(void)arg;
	if (realpath(keydir, hidden[0]) == NULL) {
		CHECK(0, "realpath");
		return;
	}
	CHECK(sandbox_landlock_hide(hidden, 1) == 0, "ruleset applies");
	path(p, sizeof(p), keydir, "x.key");
	CHECK(open_errno(p, O_RDONLY) == EACCES, "the key cannot be read");
	CHECK(open_errno(p, O_WRONLY) == EACCES, "nor written");
	CHECK(opendir(keydir) == NULL && errno == EACCES,
	    "its directory cannot be listed");
	path(q, sizeof(q), rootdir, "x.key");
	CHECK(link(p, q) == -1 && (errno == EXDEV || errno == EACCES),
	    "nor linked where it could be read");
	CHECK(rename(keydir, q) == -1, "nor moved");
	snprintf(q, sizeof(q), "/proc/self/root%s", p);
	CHECK(open_errno(q, O_RDONLY) == EACCES,
	    "nor read by another path to it");
	path(p, sizeof(p), rootdir, "sub/page.gmi");
	CHECK(open_errno(p, O_RDONLY) == 0 && open_errno(p, O_WRONLY) == 0,
	    "a sibling of the way is read and written");
	path(p, sizeof(p), rootdir, "new.txt");
	CHECK(open_errno(p, O_WRONLY | O_CREAT) == 0 && unlink(p) == 0,
	    "and made in and removed from");
	CHECK(open_errno("/etc/passwd", O_RDONLY) == 0,
	    "the rest of the file system is there");
	CHECK((d = opendir("/usr/bin")) != NULL, "and lists");
	if (d != NULL)
		closedir(d);
	path(p, sizeof(p), tmpdir, "new.txt");
	CHECK(open_errno(p, O_WRONLY | O_CREAT) == EACCES,
	    "nothing is made on the way to the hidden directory");
	CHECK(opendir(tmpdir) == NULL, "nor is the way listed");
}

/* An upload (upload.c) under the ruleset, straight to the file layer:
 * titan.c's location rules are bypassed, so only Landlock stands
 * between a path and the disk. */
static int
upload_errno(int rootfd, const char *p)
{
	struct upload	up;

	if (upload_begin(rootfd, p, &up) == -1)
		return errno;
	if (write(up.fd, "new\n", 4) != 4) {
		upload_abort(&up);
		return EIO;
	}
	return upload_commit(&up) == -1 ? errno : 0;
}

/* A worker with an upload directory: writes there, nowhere else. */
static void
landlock_upload_child(void *arg)
{
	char	p[128], q[128];
	int	rootfd, upfd;

	(void)arg;
	rootfd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	path(p, sizeof(p), rootdir, "up");
	upfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(sandbox_landlock_upload(&rootfd, 1, &upfd, 1, -1) == 0,
	    "ruleset with an upload directory applies");
	CHECK(upload_errno(rootfd, "/up/new.gmi") == 0,
	    "an upload into the upload directory is written");
	CHECK(upload_errno(rootfd, "/up/old.gmi") == 0,
	    "one replacing a file there too (rename over it)");
	CHECK(upload_remove(rootfd, "/up/new.gmi") == 0,
	    "a file there can be removed");
	CHECK(upload_errno(rootfd, "/sub/new.gmi") == EACCES,
	    "an upload elsewhere in the root fails, path checks bypassed");
	CHECK(upload_errno(rootfd, "/sub/page.gmi") == EACCES,
	    "so does replacing a file elsewhere");
	CHECK(upload_remove(rootfd, "/sub/page.gmi") == -1 &&
	    errno == EACCES, "and removing one");
	path(p, sizeof(p), rootdir, "up/old.gmi");
	path(q, sizeof(q), rootdir, "sub/moved.gmi");
	CHECK(rename(p, q) == -1 && (errno == EXDEV || errno == EACCES),
	    "no file moves out of the upload directory");
	CHECK(open_errno("/tmp/test_sandbox_upload", O_WRONLY | O_CREAT) ==
	    EACCES, "nothing is created outside the root");
	path(p, sizeof(p), rootdir, "up/dir");
	CHECK(mkdir(p, 0755) == -1 && errno == EACCES,
	    "no directory is made even in the upload directory");
	path(q, sizeof(q), rootdir, "up/link");
	CHECK(symlink("/etc/passwd", q) == -1 && errno == EACCES,
	    "nor a symlink");
	path(p, sizeof(p), rootdir, "up/old.gmi");
	if (sandbox_landlock_abi() >= 3)
		CHECK(open_errno(p, O_WRONLY | O_TRUNC) == EACCES,
		    "a file there is not truncated in place");
}

/* The calls serving needs still work under the filter. */
static void
seccomp_allowed_child(void *arg)
{
	char	buf[16];
	int	fd;

	(void)arg;
	CHECK(sandbox_seccomp() == 0, "filter installs");
	CHECK(getpid() > 0, "getpid (syslog's LOG_PID)");
	fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd != -1, "open(2) of a directory");
	CHECK(fd != -1 && openat(fd, "sub/page.gmi", O_RDONLY) != -1,
	    "openat beneath it");
	CHECK(read(fd, buf, 0) != -1 || errno == EISDIR, "read");
	CHECK(socket(AF_UNIX, SOCK_DGRAM, 0) == -1 && errno == EACCES,
	    "syslog's reconnect (AF_UNIX) fails instead of killing");
}

static void
forbid_execve(void *arg)
{
	char	*argv[] = { "true", NULL }, *envp[] = { NULL };

	(void)arg;
	execve("/bin/true", argv, envp);
}

static void
forbid_socket_inet(void *arg)
{
	(void)arg;
	socket(AF_INET, SOCK_STREAM, 0);
}

static void
forbid_socket_inet6(void *arg)
{
	(void)arg;
	socket(AF_INET6, SOCK_DGRAM, 0);
}

static void
forbid_clone3(void *arg)
{
	(void)arg;
	syscall(SYS_clone3, NULL, 0);
}

static void
forbid_connect(void *arg)
{
	struct sockaddr	sa;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	connect(0, &sa, sizeof(sa));
}

static void
forbid_unlink(void *arg)
{
	(void)arg;
	unlink("/tmp/test_sandbox_nonexistent");
}

static void
forbid_chmod(void *arg)
{
	(void)arg;
	chmod("/tmp/test_sandbox_nonexistent", 0777);
}

static void
forbid_kill(void *arg)
{
	(void)arg;
	kill(getppid(), 0);
}

/* The upload calls: allowed by the worker's filter, killed again by
 * sandbox_seccomp_nowrite() (a worker with no upload location). */
static void
upload_calls(void *arg)
{
	(void)arg;
	(void)syscall(SYS_unlinkat, AT_FDCWD, "/tmp/test_sandbox_none", 0);
	(void)syscall(SYS_renameat2, AT_FDCWD, "/tmp/test_sandbox_none",
	    AT_FDCWD, "/tmp/test_sandbox_none2", 0);
	(void)fsync(0);
}

static void
nowrite_unlinkat(void *arg)
{
	(void)arg;
	(void)syscall(SYS_unlinkat, AT_FDCWD, "/tmp/test_sandbox_none", 0);
}

static void
nowrite_renameat2(void *arg)
{
	(void)arg;
	(void)syscall(SYS_renameat2, AT_FDCWD, "/tmp/test_sandbox_none",
	    AT_FDCWD, "/tmp/test_sandbox_none2", 0);
}

static void
nowrite_fsync(void *arg)
{
	(void)arg;
	(void)fsync(0);
}

static void
forbid_bind(void *arg)
{
	struct sockaddr	sa;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	bind(0, &sa, sizeof(sa));
}

static void
forbid_listen(void *arg)
{
	(void)arg;
	listen(0, 1);
}

static void
forbid_accept4(void *arg)
{
	(void)arg;
	accept4(0, NULL, NULL, 0);
}

static void
forbid_setsockopt(void *arg)
{
	int	on = 1;

	(void)arg;
	setsockopt(0, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
}

static void
forbid_epoll_create(void *arg)
{
	(void)arg;
	epoll_create1(0);
}

static void
forbid_openat(void *arg)
{
	(void)arg;
	openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
}

static void
forbid_mkdir(void *arg)
{
	(void)arg;
	mkdir("/tmp/test_sandbox_nonexistent", 0700);
}

static const struct {
	void		(*fn)(void *);
	const char	*why;
} forbidden[] = {
	{ forbid_execve,	"execve kills with SIGSYS" },
	{ forbid_socket_inet,	"socket(AF_INET) kills with SIGSYS" },
	{ forbid_socket_inet6,	"socket(AF_INET6) kills with SIGSYS" },
	{ forbid_clone3,	"clone3 kills with SIGSYS" },
	{ forbid_connect,	"connect kills with SIGSYS" },
	{ forbid_unlink,	"unlink kills with SIGSYS" },
	{ forbid_chmod,		"chmod kills with SIGSYS" },
	{ forbid_kill,		"kill kills with SIGSYS" },
};

/* The key process may do none of these, nor what a worker may not. */
static const struct {
	void		(*fn)(void *);
	const char	*why;
	int		 sanitizer;	/* 0: sanitizer builds allow it */
} forbidden_keyproc[] = {
	{ forbid_execve,	"key process: execve kills", 1 },
	{ forbid_socket_inet,	"key process: socket(AF_INET) kills", 1 },
	{ forbid_socket_inet6,	"key process: socket(AF_INET6) kills", 1 },
	{ forbid_clone3,	"key process: clone3 kills", 1 },
	{ forbid_connect,	"key process: connect kills", 1 },
	{ forbid_bind,		"key process: bind kills", 1 },
	{ forbid_listen,	"key process: listen kills", 1 },
	{ forbid_accept4,	"key process: accept4 kills", 1 },
	{ forbid_setsockopt,	"key process: setsockopt kills", 1 },
	{ forbid_epoll_create,	"key process: epoll_create1 kills", 1 },
	{ forbid_unlink,	"key process: unlink kills", 1 },
	{ forbid_chmod,		"key process: chmod kills", 1 },
	{ forbid_mkdir,		"key process: mkdir kills", 1 },
	{ forbid_kill,		"key process: kill kills", 1 },
	/* LeakSanitizer opens /proc/self/maps at exit. */
	{ forbid_openat,	"key process: openat kills", 0 },
};

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER	1
#else
#define UNDER_SANITIZER	0
#endif

/* What the key process does once confined still works. */
static void
seccomp_keyproc_allowed_child(void *arg)
{
	unsigned char	rnd[16];
	char		buf[8], type = 'L';
	struct iovec	iov = { &type, 1 };
	struct timespec	ts;
	void		*big;
	int		sv[2], fd = -1;

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		_exit(5);
	CHECK(sandbox_seccomp_keyproc() == 0, "key process filter installs");
	CHECK(helper_send(sv[0], &iov, 1, STDERR_FILENO) == 0,
	    "sendmsg with a descriptor");
	CHECK(helper_recv(sv[1], buf, sizeof(buf), &fd, -1) == 1 && fd != -1,
	    "recvmsg with a descriptor (a reopened log)");
	CHECK(fd != -1 && dup3(fd, 100, 0) == 100, "dup3 onto another fd");
	helper_log_fd(fd);
	CHECK(send(sv[0], "x", 1, MSG_DONTWAIT) == 1 &&
	    recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == 1,
	    "send and recv on its sockets");
	CHECK(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd),
	    "getrandom (ECDSA nonces)");
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock_gettime");
	CHECK(getpid() > 0, "getpid (OpenSSL's fork check)");
	big = malloc(1 << 20);
	CHECK(big != NULL, "malloc of a megabyte (mmap)");
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void
seccomp_keyproc_then(void *arg)
{
	void	(*fn)(void *) = *(void (**)(void *))arg;

	if (sandbox_seccomp_keyproc() == -1)
		_exit(3);
	fn(NULL);
	_exit(4);	/* survived: the call was allowed */
}

/* The key process's Landlock: no file system at all. */
static void
landlock_keyproc_child(void *arg)
{
	char	p[128];

	(void)arg;
	CHECK(sandbox_landlock(NULL, 0, -1) == 0, "an empty ruleset applies");
	CHECK(open_errno("/etc/passwd", O_RDONLY) == EACCES,
	    "key process: /etc/passwd is out of reach");
	path(p, sizeof(p), rootdir, "sub/page.gmi");
	CHECK(open_errno(p, O_RDONLY) == EACCES,
	    "key process: the capsule is out of reach");
	path(p, sizeof(p), logdir, "capsuled.log");
	CHECK(open_errno(p, O_WRONLY | O_APPEND) == EACCES,
	    "key process: the log cannot be opened (it is handed over)");
	CHECK(opendir(rootdir) == NULL && errno == EACCES,
	    "key process: no directory lists");
	CHECK(mkdir("/tmp/test_sandbox_escape", 0755) == -1 &&
	    errno == EACCES, "key process: no directory can be made");
}

static void
test_seccomp_keyproc(void)
{
	size_t	i;
	int	st;

	st = in_child(seccomp_keyproc_allowed_child, NULL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the key process's calls do not kill");
	for (i = 0; i < sizeof(forbidden_keyproc) /
	    sizeof(forbidden_keyproc[0]); i++) {
		void	(*fn)(void *) = forbidden_keyproc[i].fn;

		if (UNDER_SANITIZER && !forbidden_keyproc[i].sanitizer) {
			printf("test_sandbox: %s: not under a sanitizer\n",
			    forbidden_keyproc[i].why);
			continue;
		}
		st = in_child(seccomp_keyproc_then, &fn);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    forbidden_keyproc[i].why);
		if (!WIFSIGNALED(st))
			fprintf(stderr, "  (%s: exited %d)\n",
			    forbidden_keyproc[i].why, WEXITSTATUS(st));
	}
}

static void
seccomp_then(void *arg)
{
	void	(*fn)(void *) = *(void (**)(void *))arg;

	if (sandbox_seccomp() == -1)
		_exit(3);
	fn(NULL);
	_exit(4);	/* survived: the call was allowed */
}

static void
seccomp_nowrite_then(void *arg)
{
	void	(*fn)(void *) = *(void (**)(void *))arg;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    sandbox_seccomp_nowrite() == -1 || sandbox_seccomp() == -1)
		_exit(3);
	fn(NULL);
	_exit(4);
}

static void
test_seccomp_uploads(void)
{
	static void	(*const nowrite[])(void *) = {
		nowrite_unlinkat, nowrite_renameat2, nowrite_fsync
	};
	void		(*fn)(void *) = upload_calls;
	size_t		i;
	int		st;

	st = in_child(seccomp_then, &fn);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4,
	    "the worker's filter allows unlinkat, renameat2, fsync");
	for (i = 0; i < sizeof(nowrite) / sizeof(nowrite[0]); i++) {
		fn = nowrite[i];
		st = in_child(seccomp_nowrite_then, &fn);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    "with no upload location they kill again");
	}
}

static void
test_seccomp(void)
{
	size_t	i;
	int	st;

	st = in_child(seccomp_allowed_child, NULL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the allowed calls do not kill");
	test_seccomp_uploads();
	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		void	(*fn)(void *) = forbidden[i].fn;

		st = in_child(seccomp_then, &fn);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    forbidden[i].why);
		if (!WIFSIGNALED(st))
			fprintf(stderr, "  (%s: exited %d)\n", forbidden[i].why,
			    WEXITSTATUS(st));
	}
}

int
main(void)
{
	int	st;

	setup();
	if (sandbox_landlock_abi() > 0) {
		st = in_child(landlock_child, NULL);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "the Landlock child ends normally");
		st = in_child(landlock_upload_child, NULL);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "the upload Landlock child ends normally");
		st = in_child(landlock_keyproc_child, NULL);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "the key process's Landlock child ends normally");
		st = in_child(landlock_hide_child, NULL);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "the program runner's Landlock child ends normally");
	} else
		printf("test_sandbox: no Landlock in this kernel: skipped\n");
	if (sandbox_seccomp_available()) {
		test_seccomp();
		test_seccomp_keyproc();
	} else
		printf("test_sandbox: no seccomp here: skipped\n");
	cleanup();
	return test_done("test_sandbox");
}
