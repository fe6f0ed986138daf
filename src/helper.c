/*
 * helper.c: supervised helper processes with a socket to each worker.
 * The parent side (open, start, close) and what every helper does first
 * (close what it must not hold).  main.c decides when to restart one.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"
#include "log.h"

int
helper_open(struct helper *h, const struct helper_role *role, int nworkers,
    void *arg)
{
	int	i, sv[2], saved;

	memset(h, 0, sizeof(*h));
	h->role = role;
	h->arg = arg;
	h->pid = -1;
	h->ctl = -1;
	if (nworkers < 1 || nworkers > HELPER_WORKERS_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nworkers; i++) {
		/* CLOEXEC: nothing a helper runs inherits a worker's. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1) {
			saved = errno;
			helper_close(h);
			errno = saved;
			return -1;
		}
		h->wfd[i] = sv[0];
		h->hfd[i] = sv[1];
		h->nfds = i + 1;
	}
	return 0;
}

static int
helper_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor from 3 up but keep[0..n) (sorted here). */
static void
helper_close_others(int *keep, int n)
{
	unsigned int	from = 3;
	long		max, fd;
	int		i;

	qsort(keep, (size_t)n, sizeof(keep[0]), helper_cmp);
	for (i = 0; i <= n; i++) {
		unsigned int	to = i < n ? (unsigned int)keep[i] : ~0U;

		if (to > from && close_range(from, to - 1, 0) == -1) {
			/* Before Linux 5.9: one by one. */
			max = to == ~0U ? sysconf(_SC_OPEN_MAX) : (long)to;
			if (max < 0 || max > 65536)
				max = 65536;
			for (fd = from; fd < max; fd++)
				(void)close((int)fd);
		}
		if (i < n)
			from = (unsigned int)keep[i] + 1;
	}
}

/* The child: what it must not hold goes, then the body runs. */
static void
helper_child(struct helper *h, int ctl, pid_t parent)
{
	int		keep[HELPER_WORKERS_MAX + HELPER_KEEP_MAX + 1], i, n = 0;
	sigset_t	none;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	keep[n++] = ctl;
	for (i = 0; i < h->nfds; i++)
		keep[n++] = h->hfd[i];
	for (i = 0; i < h->nkeep; i++)
		keep[n++] = h->keep[i];
	helper_close_others(keep, n);
	(void)prctl(PR_SET_NAME, h->role->comm, 0, 0, 0);
	log_set_prefix(h->role->name);
	exit(h->role->run(ctl, h->hfd, h->nfds, h->arg));
}

int
helper_keep(struct helper *h, int fd)
{
	if (h->nkeep >= HELPER_KEEP_MAX) {
		errno = EMFILE;
		return -1;
	}
	h->keep[h->nkeep++] = fd;
	return 0;
}

int
helper_start(struct helper *h)
{
	pid_t	pid, parent = getpid();
	int	sv[2], saved;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0)
		helper_child(h, sv[1], parent);
	close(sv[1]);
	if (h->ctl != -1)
		close(h->ctl);
	h->ctl = sv[0];
	h->pid = pid;
	return 0;
}

int
helper_worker(struct helper *h, int slot)
{
	int	i;

	for (i = 0; i < h->nfds; i++) {
		if (i != slot)
			close(h->wfd[i]);
		close(h->hfd[i]);
	}
	if (h->ctl != -1)
		close(h->ctl);
	return slot < h->nfds ? h->wfd[slot] : -1;
}

void
helper_close(struct helper *h)
{
	int	i;

	for (i = 0; i < h->nfds; i++) {
		close(h->wfd[i]);
		close(h->hfd[i]);
	}
	h->nfds = 0;
	if (h->ctl != -1)
		close(h->ctl);
	h->ctl = -1;
}

ssize_t
helper_sendmsg(int sock, const struct iovec *iov, int iovcnt, int fd,
    int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)iov;
	msg.msg_iovlen = (size_t)iovcnt;
	if (fd != -1) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(int));
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(&cm.hdr), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
}

int
helper_send(int sock, const struct iovec *iov, int iovcnt, int fd)
{
	size_t	len = 0;
	int	i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	return helper_sendmsg(sock, iov, iovcnt, fd, 0) == (ssize_t)len ?
	    0 : -1;
}

ssize_t
helper_recv(int sock, void *buf, size_t size, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct pollfd	 pfd = { sock, POLLIN, 0 };
	struct cmsghdr	*c;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	*fd = -1;
	if (timeout_ms > 0) {
		if ((n = poll(&pfd, 1, timeout_ms)) == 0)
			errno = ETIMEDOUT;
		if (n <= 0)
			return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC |
	    (timeout_ms == 0 ? MSG_DONTWAIT : 0));
	if (n == -1)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

void
helper_log_fd(int fd)
{
	if (fd == -1)
		return;
	if (fd != STDERR_FILENO) {
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

int
helper_control(int ctl)
{
	unsigned char	buf[64];
	ssize_t		n;
	int		passed;

	n = helper_recv(ctl, buf, sizeof(buf), &passed, 0);
	if (n > 0 && buf[0] == HELPER_MSG_LOG) {
		helper_log_fd(passed);
		return 0;
	}
	if (passed != -1)
		close(passed);
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR ||
	    errno == EMSGSIZE)))
		return 0;
	return -1;
}
