/*
 * helper.h: a supervised helper process with a socket to each worker:
 * the key process (keyproc.c), and whatever else a worker must ask for
 * because its sandbox forbids doing it itself.
 *
 * The parent makes one SOCK_SEQPACKET socket pair per worker slot and
 * keeps both ends for as long as the helper is in service: a helper
 * that dies is replaced on the same sockets (the workers lose only what
 * they were waiting for), and a worker that dies is replaced on the same
 * socket.  The helper is forked from the parent, so it runs as the
 * parent does by then (the dropped user, in the chroot), and before its
 * body runs it closes every descriptor but its ends of those sockets,
 * its control socket to the parent and stdin, stdout and the log:
 * no listening socket, no client connection, no capsule root, no other
 * helper's socket.
 */
#ifndef HELPER_H
#define HELPER_H

#include <sys/types.h>
#include <sys/uio.h>

#define HELPER_WORKERS_MAX	64
#define HELPER_KEEP_MAX		64	/* other descriptors a helper keeps */

/* The child's body: its exit status.  fds[i] is worker slot i's socket;
 * ctl is the control socket to the parent. */
typedef int helper_run(int ctl, const int *fds, int nfds, void *arg);

/* What kind of helper: one static instance per kind. */
struct helper_role {
	const char	*name;		/* in logs: "key process" */
	const char	*comm;		/* its process name (ps, /proc/PID/comm,
					   at most 15 bytes) */
	helper_run	*run;
};

struct helper {
	const struct helper_role *role;
	void		*arg;
	pid_t		 pid;		/* -1 when not running */
	int		 ctl;		/* the parent's end, -1 */
	int		 nfds;
	int		 wfd[HELPER_WORKERS_MAX];	/* workers' ends */
	int		 hfd[HELPER_WORKERS_MAX];	/* the helper's ends */
	int		 keep[HELPER_KEEP_MAX];	/* helper_keep() */
	int		 nkeep;
};

/* Make the socket pairs for nworkers slots.  0, or -1 with errno. */
int	helper_open(struct helper *, const struct helper_role *,
	    int nworkers, void *arg);

/*
 * Let the helper keep fd as well (the capsule roots the parent opened
 * before dropping privileges, for the program runner): it is never
 * closed here, and must stay open in the parent for as long as h may
 * be started.  0, or -1 when too many.
 */
int	helper_keep(struct helper *, int fd);

/*
 * Fork the helper (again, after it died): the child closes what it
 * must, leaves with SIGTERM when the parent dies, and exits with run's
 * status.  The parent gets the control socket in h->ctl.  0, or -1
 * with errno.
 */
int	helper_start(struct helper *);

/* In a worker child: close every descriptor of h but slot's end, and
 * return that end. */
int	helper_worker(struct helper *, int slot);

/*
 * The parent lets go of a helper (a reload replaced it, or the server
 * stops): close its copies of every socket.  The helper sees its control
 * socket close, and each worker socket close as its worker exits.
 * h->pid stays, for reaping.
 */
void	helper_close(struct helper *);

/*
 * Control messages, one per datagram: the bytes of iov[0..iovcnt) (the
 * first is the message type), and a descriptor when fd != -1
 * (SCM_RIGHTS).  Gathered, so that a key is sent from where it is kept,
 * without a copy.  helper_send() 0 or -1.  helper_recv() the message's
 * length, 0 at end of file, -1 with errno; *fd gets the descriptor
 * passed, or -1.  helper_recv() waits up to timeout_ms, not at all with
 * 0, as long as it takes with -1.
 */
int	helper_send(int sock, const struct iovec *iov, int iovcnt, int fd);
/* helper_send() for a sender that must not wait (flags MSG_DONTWAIT):
 * what sendmsg() returned. */
ssize_t	helper_sendmsg(int sock, const struct iovec *iov, int iovcnt, int fd,
	    int flags);
ssize_t	helper_recv(int sock, void *buf, size_t size, int *fd,
	    int timeout_ms);

/* Control message types shared by every helper. */
#define HELPER_MSG_LOG	'L'	/* the log file to use from now on */

/* In the helper: install a log descriptor received (HELPER_MSG_LOG). */
void	helper_log_fd(int fd);

/*
 * In the helper, when its control socket is readable: take one message
 * from the parent (a new log is installed).  0 while the parent holds
 * on, -1 when it let go (end of file or an error): the helper is then
 * retired, and leaves once its workers have.
 */
int	helper_control(int ctl);

#endif
