/*
 * runner.c: the program runner (see runner.h).
 *
 * One event loop over the workers' sockets, the control socket, a
 * signalfd for SIGCHLD, and each request's pipe or socket.  A request
 * is checked against the runner's own configuration (a worker in an
 * attacker's hands can ask only for what a dynamic location would run
 * for a client anyway), then:
 *
 * - cgi: the program is found beneath the location's directory (the
 *   path split into SCRIPT_NAME and PATH_INFO at the first regular
 *   file), forked in a process group of its own with the CGI variables
 *   as its whole environment, its directory as working directory,
 *   stdin /dev/null, stderr the log, and limits; its stdout is a pipe.
 * - scgi, fastcgi: a non-blocking connect to the backend, then the
 *   request (a netstring of the variables, or FastCGI records).
 * - proxy: a connect, a TLS handshake with the request's host as SNI
 *   (or proxy-sni), the certificate pinned when proxy-fingerprint says
 *   so, then the request line exactly as the client sent it.
 *
 * Then the reply is read until its header line is whole, and checked
 * here, where the program and its deadline are known: a bad one, or
 * none within cgi-timeout, is answered 42 and logged.  The worker gets
 * the bytes read so far and the descriptor for the rest: the pipe, the
 * backend's socket (FastCGI records decoded by the worker, in place),
 * or for the proxy a pipe this process relays the decrypted reply into
 * (TLS needs a state machine and a copy either way; here it stays out
 * of the workers, which serve every other request).  A reply read to
 * its end already goes whole in the answer, with no descriptor.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "cgienv.h"
#include "fcgi.h"
#include "fsroot.h"
#include "gemreply.h"
#include "location.h"
#include "log.h"
#include "loop.h"
#include "runmsg.h"
#include "runner.h"
#include "sandbox.h"
#include "target.h"
#include "url.h"

#define RUNNER_BATCH		16	/* requests read per socket per wakeup */
#define RUNNER_GRACE_MS		15000	/* after SIGTERM, for the workers */
#define RUNNER_NOFILE		1024	/* a program's open files */
#define RUNNER_BUSY		"5"	/* 44: seconds to wait */
#define RUNNER_RELAY_CHUNK	(16 * 1024)
/* Answers a worker has not taken yet: past this many its requests are
 * not read (a worker has far fewer outstanding; one that asks and never
 * reads must not grow the runner). */
#define RUNNER_OUT_MAX		1024

enum runner_state {
	RUNNER_CONNECT,		/* a backend: connecting */
	RUNNER_TLS,		/* the proxy: the TLS handshake */
	RUNNER_SEND,		/* a backend: writing the request */
	RUNNER_HEADER,		/* reading until the header line is whole */
	RUNNER_RELAY,		/* the proxy: TLS into the worker's pipe */
	RUNNER_DONE		/* answered; its program may still run */
};

struct runner_req {
	int			 slot;		/* the worker socket it came on */
	uint64_t		 id;
	const struct conf_host	*h;
	const struct conf_location *loc;
	enum runner_state	 state;
	int			 answered;	/* or cancelled: no answer */
	pid_t			 pid;		/* a program's (its group), -1 */
	int			 fd;		/* the reply comes on it, -1 */
	struct loop_ev		 ev;
	long long		 deadline_ms;	/* 0: none */
	struct buf		 req;		/* what a backend is sent */
	size_t			 reqoff;
	char			*in;		/* the reply's first bytes, raw */
	size_t			 inlen;
	int			 eof;		/* the reply is whole in in */
	struct fcgi_reader	 fcgi;
	char			 line[GEMREPLY_LINE_MAX]; /* FastCGI stdout,
						   decoded, up to the header */
	size_t			 linelen;
	SSL			*ssl;		/* the proxy's */
	int			 relay;		/* the proxy: pipe to the worker */
	struct loop_ev		 relayev;
	char			*rbuf;		/* what the pipe did not take */
	size_t			 rlen, roff;
	char			 name[CONF_PATH_MAX + 16]; /* for logs */
	TAILQ_ENTRY(runner_req)	 entry;
};

TAILQ_HEAD(runner_list, runner_req);

/* An answer the worker's socket did not take yet (its buffer full). */
struct runner_out {
	TAILQ_ENTRY(runner_out)	 entry;
	int			 fd;		/* to pass, or -1 */
	size_t			 len;
	unsigned char		 buf[];		/* header and body */
};

struct runner_slot {
	struct loop_ev		 ev;
	int			 fd;
	int			 index;
	TAILQ_HEAD(, runner_out) outq;		/* in order */
	int			 nout;		/* in outq */
};

static struct runner_list	 runner_live = TAILQ_HEAD_INITIALIZER(runner_live);
static struct runner_list	 runner_dead = TAILQ_HEAD_INITIALIZER(runner_dead);
static const struct conf	*runner_conf;
static struct loop		*runner_loop;
static struct runner_slot	 runner_slots[HELPER_WORKERS_MAX];
static int			 runner_nopen;	/* worker sockets still open */
static int			 runner_n;	/* live requests */
static struct loop_ev		 runner_ctlev, runner_sigev;
static int			 runner_devnull = -1;
static SSL_CTX			*runner_tls;
static volatile sig_atomic_t	 runner_term;
static int			 runner_retired;
static long long		 runner_deadline;

static void	runner_io(int, int, void *);
static void	runner_relay_io(int, int, void *);
static void	runner_read(struct runner_req *);
static void	runner_relay(struct runner_req *);

int
runner_needed(const struct conf *conf)
{
	int	i, j;

	for (i = 0; i < conf->nhosts; i++)
		for (j = 0; j < conf->hosts[i].nlocations; j++)
			if (conf->hosts[i].locations[j].dynamic !=
			    CONF_DYN_NONE)
				return 1;
	return 0;
}

/* --- answers ------------------------------------------------------- */

/* One datagram to a worker; what sendmsg() returned. */
static ssize_t
runner_sendmsg(int sock, const void *p, size_t len, int fd)
{
	struct iovec	iov = { (void *)p, len };

	return helper_sendmsg(sock, &iov, 1, fd, MSG_DONTWAIT);
}

/*
 * Send what waits for a slot, in order, until its socket is full again.
 * A worker busy with a burst of handshakes reads its answers late, and
 * a socket holds some 200 KB: past that the answers wait here, and the
 * slot is watched for room.
 */
static void
runner_flush(struct runner_slot *s)
{
	struct runner_out	*o;
	ssize_t			 n;

	while ((o = TAILQ_FIRST(&s->outq)) != NULL) {
		n = runner_sendmsg(s->fd, o->buf, o->len, o->fd);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n != (ssize_t)o->len)
			log_warn("worker %d: an answer not sent", s->index);
		TAILQ_REMOVE(&s->outq, o, entry);
		s->nout--;
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	loop_mod(runner_loop, &s->ev, TAILQ_EMPTY(&s->outq) ? LOOP_READ :
	    s->nout >= RUNNER_OUT_MAX ? LOOP_WRITE : LOOP_READ | LOOP_WRITE);
}

/* Queue the answer buf[0..len), and a descriptor of its own for fd. */
static void
runner_queue(struct runner_slot *s, const unsigned char *buf, size_t len,
    int fd)
{
	struct runner_out	*o;

	if ((o = malloc(sizeof(*o) + len)) == NULL) {
		log_warn("worker %d: an answer not sent", s->index);
		return;
	}
	/* q closes its own: the file stays open through this one, which
	 * no program started meanwhile inherits (dup() would drop
	 * FD_CLOEXEC: another request's pipe or backend in a script). */
	o->fd = -1;
	if (fd != -1 && (o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("worker %d: an answer not sent", s->index);
		free(o);
		return;
	}
	memcpy(o->buf, buf, len);
	o->len = len;
	TAILQ_INSERT_TAIL(&s->outq, o, entry);
	s->nout++;
	runner_flush(s);
}

/* Send the worker its answer, with fd when it is not -1. */
static void
runner_send(struct runner_req *q, int status, int flags, const char *body,
    size_t len, int fd)
{
	struct runner_slot	*s = &runner_slots[q->slot];
	unsigned char		 buf[RUNMSG_HEADER + RUNMSG_BODY_MAX];
	struct runmsg		 m;
	ssize_t			 n = -1;

	q->answered = 1;
	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_ANSWER;
	m.flags = flags;
	m.status = status;
	m.id = q->id;
	m.body = body;
	m.bodylen = len;
	if (runmsg_encode(buf, sizeof(buf), &m) != RUNMSG_HEADER + len)
		return;
	if (s->fd == -1)
		return;		/* its worker is gone */
	if (TAILQ_EMPTY(&s->outq))
		n = runner_sendmsg(s->fd, buf, RUNMSG_HEADER + len, fd);
	if (n == -1 && (errno == EAGAIN || errno == EINTR ||
	    !TAILQ_EMPTY(&s->outq)))
		runner_queue(s, buf, RUNMSG_HEADER + len, fd);
	else if (n != (ssize_t)(RUNMSG_HEADER + len))
		log_warn("%s: answer not sent to worker %d", q->name, q->slot);
}

/* Stop watching and close what q reads and relays. */
static void
runner_close(struct runner_req *q)
{
	/* Not loop_forget(): epoll watches files, not descriptors, and the
	 * worker, or a child between fork and exec, may hold the file. */
	loop_del(runner_loop, &q->ev);
	loop_del(runner_loop, &q->relayev);
	if (q->ssl != NULL)
		SSL_free(q->ssl);
	q->ssl = NULL;
	if (q->fd != -1)
		close(q->fd);
	if (q->relay != -1)
		close(q->relay);
	q->fd = q->relay = -1;
}

/* q is over but for its program, which is reaped later. */
static void
runner_finish(struct runner_req *q)
{
	runner_close(q);
	q->state = RUNNER_DONE;
	if (q->pid > 0)
		return;
	TAILQ_REMOVE(&runner_live, q, entry);
	TAILQ_INSERT_TAIL(&runner_dead, q, entry);
	runner_n--;
}

/* A program's whole process group: at its deadline, its end, its
 * client's going.  Only while it is unreaped: its id is ours till then. */
static void
runner_kill(struct runner_req *q)
{
	if (q->pid > 0 && kill(-q->pid, SIGKILL) == -1 && errno != ESRCH)
		log_warn("%s: kill", q->name);
}

/* An answer made here: "NN meta", and the request is over. */
static void
runner_refuse(struct runner_req *q, int status, const char *meta)
{
	char	line[64 + GEMREPLY_META_MAX];
	int	n;

	if (!q->answered) {
		n = snprintf(line, sizeof(line), "%02d %s\r\n", status, meta);
		if (n > 0 && (size_t)n < sizeof(line))
			runner_send(q, status, 0, line, (size_t)n, -1);
	}
	runner_kill(q);
	runner_finish(q);
}

static void
runner_free_dead(void *arg)
{
	struct runner_req	*q;

	(void)arg;
	while ((q = TAILQ_FIRST(&runner_dead)) != NULL) {
		TAILQ_REMOVE(&runner_dead, q, entry);
		buf_free(&q->req);
		free(q->in);
		free(q->rbuf);
		free(q);
	}
}

/* Wait for events on q's descriptor, in the loop from the first time. */
static int
runner_want(struct runner_req *q, int events)
{
	if (q->ev.fd == -1)
		return loop_add(runner_loop, &q->ev, q->fd, events, runner_io,
		    q);
	return loop_mod(runner_loop, &q->ev, events);
}

/* --- reading the reply ---------------------------------------------- */

/*
 * Read what has come: bytes read, 0 at the end, -1 when nothing is at
 * hand (q waits for its descriptor), -2 on an error.
 */
static ssize_t
runner_get(struct runner_req *q, char *p, size_t len)
{
	ssize_t	n;
	int	e;

	if (q->ssl == NULL) {
		n = read(q->fd, p, len);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return -1;
		return n < 0 ? -2 : n;
	}
	ERR_clear_error();
	if ((n = SSL_read(q->ssl, p, (int)len)) > 0)
		return n;
	switch ((e = SSL_get_error(q->ssl, (int)n))) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		runner_want(q, e == SSL_ERROR_WANT_READ ? LOOP_READ :
		    LOOP_WRITE);
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		/* A TCP close without close_notify: Gemini servers of old
		 * end so; the reply is what came. */
		return ERR_peek_error() == 0 ||
		    ERR_GET_REASON(ERR_peek_error()) ==
		    SSL_R_UNEXPECTED_EOF_WHILE_READING ? 0 : -2;
	}
}

/* FastCGI: decode what came from off, gathering stdout into q->line. */
static int
runner_fcgi(struct runner_req *q, size_t off, const char **errstr)
{
	enum fcgi_piece	 piece;
	const char	*data;
	size_t		 n, take;
	ssize_t		 used;

	while (off < q->inlen) {
		used = fcgi_read(&q->fcgi, q->in + off, q->inlen - off, &piece,
		    &data, &n, errstr);
		if (used <= 0)
			return -1;
		off += (size_t)used;
		if (piece == FCGI_PIECE_END)
			q->eof = 1;
		if (piece != FCGI_PIECE_OUT)
			continue;
		take = sizeof(q->line) - q->linelen;
		if (take > n)
			take = n;
		memcpy(q->line + q->linelen, data, take);
		q->linelen += take;
	}
	return 0;
}

/*
 * Whether the header line is whole: its status, 0 while more must
 * come, -1 (with errstr) when it is not a Gemini header.
 */
static int
runner_header(struct runner_req *q, const char **errstr)
{
	const char	*p = q->in;
	size_t		 len = q->inlen;
	int		 status = 0;
	ssize_t		 n;

	if (q->loc->dynamic == CONF_DYN_FASTCGI) {
		p = q->line;
		len = q->linelen;
	}
	if ((n = gemreply_parse(p, len, &status, errstr)) < 0)
		return -1;
	if (n > 0)
		return status;
	if (q->eof || q->inlen == RUNMSG_BODY_MAX) {
		*errstr = q->eof ? "no header line before the end" :
		    "no header line in the first 16 KiB";
		return -1;
	}
	return 0;
}

/*
 * The header is whole: hand over what came and the descriptor for the
 * rest.  The proxy's descriptor is a pipe this process fills.
 */
static void
runner_handover(struct runner_req *q, int status)
{
	int	flags = 0, fd = -1, p[2];

	if (q->loc->dynamic == CONF_DYN_FASTCGI)
		flags |= RUNMSG_FASTCGI;
	if (!q->eof && q->loc->dynamic == CONF_DYN_PROXY) {
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
			log_warn("%s: pipe", q->name);
			runner_refuse(q, 42, "cannot relay the reply");
			return;
		}
		fd = p[0];
		q->relay = p[1];
	} else if (!q->eof)
		fd = q->fd;
	runner_send(q, status, flags | (fd != -1 ? RUNMSG_STREAM : 0), q->in,
	    q->inlen, fd);
	if (q->loc->dynamic == CONF_DYN_PROXY && fd != -1) {
		close(fd);
		q->state = RUNNER_RELAY;
		q->deadline_ms = 0;
		runner_relay(q);	/* TLS may hold decrypted bytes */
		return;
	}
	/* The worker has it now; a program runs on till its end. */
	runner_finish(q);
}

/*
 * The reply's descriptor has bytes: read until the header line is
 * whole, then on while bytes are at hand (a reply that ends now goes
 * whole), then hand over.
 */
static void
runner_read(struct runner_req *q)
{
	const char	*errstr = NULL;
	size_t		 off;
	ssize_t		 n;
	int		 status = 0;

	for (;;) {
		off = q->inlen;
		n = q->inlen < RUNMSG_BODY_MAX ? runner_get(q, q->in + off,
		    RUNMSG_BODY_MAX - off) : -1;
		if (n == -2) {
			log_warn("%s: reading the reply", q->name);
			runner_refuse(q, 42, "cannot read the reply");
			return;
		}
		if (n == 0)
			q->eof = 1;
		else if (n > 0)
			q->inlen += (size_t)n;
		/* FastCGI: decoded as it comes, to find the header and
		 * FCGI_END_REQUEST (then the reply is whole). */
		if (q->loc->dynamic == CONF_DYN_FASTCGI && n > 0 &&
		    runner_fcgi(q, off, &errstr) == -1)
			status = -1;
		else if (status == 0)
			status = runner_header(q, &errstr);
		if (status == -1) {
			log_warnx("%s: bad reply: %s", q->name, errstr);
			runner_refuse(q, 42, "bad reply from the program");
			return;
		}
		if (status > 0 && (n <= 0 || q->eof || q->inlen ==
		    RUNMSG_BODY_MAX)) {
			runner_handover(q, status);
			return;
		}
		if (n == -1)
			return;		/* more later */
	}
}

/* --- the proxy's relay ---------------------------------------------- */

/* Pass on what the pipe did not take.  0 when all is out, -1 (wait),
 * -2 (the worker is gone). */
static int
runner_relay_flush(struct runner_req *q)
{
	ssize_t	n;

	while (q->roff < q->rlen) {
		n = write(q->relay, q->rbuf + q->roff, q->rlen - q->roff);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return -1;
		if (n <= 0)
			return -2;
		q->roff += (size_t)n;
	}
	q->roff = q->rlen = 0;
	return 0;
}

/*
 * TLS into the pipe, with back-pressure: while the pipe is full the
 * socket is out of the loop (level-triggered, a backend's reset or
 * close would spin it: epoll reports those whatever was asked), and
 * back in when SSL_read() next wants to read (runner_get()).
 */
static void
runner_relay(struct runner_req *q)
{
	ssize_t	n;
	int	rc;

	if (q->rbuf == NULL && (q->rbuf = malloc(RUNNER_RELAY_CHUNK)) == NULL) {
		runner_finish(q);
		return;
	}
	for (;;) {
		if ((rc = runner_relay_flush(q)) == -2) {
			runner_finish(q);	/* the worker let go */
			return;
		}
		if (rc == -1) {
			loop_del(runner_loop, &q->ev);
			if (q->relayev.fd == -1)
				loop_add(runner_loop, &q->relayev, q->relay,
				    LOOP_WRITE, runner_relay_io, q);
			return;
		}
		loop_del(runner_loop, &q->relayev);
		n = runner_get(q, q->rbuf, RUNNER_RELAY_CHUNK);
		if (n == -1)
			return;
		if (n <= 0) {
			runner_finish(q);	/* the end: the pipe closes */
			return;
		}
		q->rlen = (size_t)n;
	}
}

static void
runner_relay_io(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	runner_relay(arg);
}

/* --- backends ------------------------------------------------------- */

static void
runner_send_request(struct runner_req *q)
{
	ssize_t	n;

	while (q->reqoff < q->req.len) {
		n = q->ssl != NULL ? SSL_write(q->ssl, q->req.data + q->reqoff,
		    (int)(q->req.len - q->reqoff)) : write(q->fd, q->req.data +
		    q->reqoff, q->req.len - q->reqoff);
		if (n > 0) {
			q->reqoff += (size_t)n;
			continue;
		}
		if (q->ssl == NULL && n == -1 && (errno == EAGAIN ||
		    errno == EINTR))
			return;
		if (q->ssl != NULL && (SSL_get_error(q->ssl, (int)n) ==
		    SSL_ERROR_WANT_WRITE || SSL_get_error(q->ssl, (int)n) ==
		    SSL_ERROR_WANT_READ))
			return;
		log_warnx("%s: cannot send the request", q->name);
		runner_refuse(q, 43, "backend unreachable");
		return;
	}
	buf_free(&q->req);
	q->state = RUNNER_HEADER;
	if (runner_want(q, LOOP_READ) == -1)
		runner_refuse(q, 43, "backend unreachable");
}

/* The proxy's certificate, when proxy-fingerprint pins it. */
static int
runner_pinned(struct runner_req *q)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			 fpr[65];
	X509			*x;

	if (q->loc->proxy_fpr[0] == '\0')
		return 1;
	if ((x = SSL_get0_peer_certificate(q->ssl)) == NULL ||
	    X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		return 0;
	for (i = 0; i < mdlen; i++) {
		fpr[2 * i] = hex[md[i] >> 4];
		fpr[2 * i + 1] = hex[md[i] & 0xf];
	}
	fpr[64] = '\0';
	return strcmp(fpr, q->loc->proxy_fpr) == 0;
}

static void
runner_handshake(struct runner_req *q)
{
	int	rc, e;

	ERR_clear_error();
	if ((rc = SSL_connect(q->ssl)) != 1) {
		e = SSL_get_error(q->ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			runner_want(q, e == SSL_ERROR_WANT_READ ? LOOP_READ :
			    LOOP_WRITE);
			return;
		}
		log_warnx("%s: TLS handshake failed: %s", q->name,
		    ERR_reason_error_string(ERR_peek_error()) != NULL ?
		    ERR_reason_error_string(ERR_peek_error()) : "closed");
		runner_refuse(q, 43, "backend unreachable");
		return;
	}
	if (!runner_pinned(q)) {
		log_warnx("%s: the certificate is not the pinned one "
		    "(proxy-fingerprint)", q->name);
		runner_refuse(q, 43, "backend certificate mismatch");
		return;
	}
	q->state = RUNNER_SEND;
	runner_send_request(q);
}

/* Connected, or not: SO_ERROR says. */
static void
runner_connected(struct runner_req *q)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		log_warnx("%s: %s", q->name, strerror(err));
		runner_refuse(q, 43, "backend unreachable");
		return;
	}
	if (q->ssl != NULL) {
		q->state = RUNNER_TLS;
		runner_handshake(q);
		return;
	}
	q->state = RUNNER_SEND;
	runner_send_request(q);
}

static void
runner_io(int fd, int events, void *arg)
{
	struct runner_req	*q = arg;

	(void)fd;
	(void)events;
	switch (q->state) {
	case RUNNER_CONNECT:
		runner_connected(q);
		break;
	case RUNNER_TLS:
		runner_handshake(q);
		break;
	case RUNNER_SEND:
		runner_send_request(q);
		break;
	case RUNNER_HEADER:
		runner_read(q);
		break;
	case RUNNER_RELAY:
		runner_relay(q);
		break;
	case RUNNER_DONE:
		break;
	}
}

/* The backend's address: a socket path inside the chroot is written as
 * seen from outside it (runner_check() holds it to that). */
static int
runner_target(const struct conf_location *loc, struct sockaddr_storage *ss,
    socklen_t *len, const char **errstr)
{
	const char	*t = loc->backend;
	size_t		 n = strlen(runner_conf->chroot);

	if (t[0] == '/' && n > 0 && sandbox_chrooted() &&
	    strncmp(t, runner_conf->chroot, n) == 0 && t[n] == '/')
		t += n;
	return target_parse(t, loc->dynamic != CONF_DYN_PROXY, ss, len,
	    errstr);
}

static int
runner_connect(struct runner_req *q)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr = NULL;
	int			 rc;

	if (runner_target(q->loc, &ss, &len, &errstr) == -1) {
		log_warnx("%s: %s", q->name, errstr);
		return -1;
	}
	q->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (q->fd == -1) {
		log_warn("%s: socket", q->name);
		return -1;
	}
	rc = connect(q->fd, (struct sockaddr *)&ss, len);
	if (rc == -1 && errno != EINPROGRESS && errno != EINTR) {
		log_warn("%s", q->name);
		return -1;
	}
	if (rc == 0 && q->ssl == NULL) {
		/* A Unix socket connects at once: no wait to write. */
		q->state = RUNNER_SEND;
		runner_send_request(q);
		return 0;
	}
	q->state = RUNNER_CONNECT;
	return runner_want(q, LOOP_WRITE);
}

/* --- the CGI variables ------------------------------------------------ */

static void
runner_env_req(const struct runmsg *m, struct cgienv_req *r)
{
	memset(r, 0, sizeof(*r));
	r->url = m->field[RUNMSG_URL];
	r->query = m->field[RUNMSG_QUERY];
	r->server_name = m->field[RUNMSG_HOST];
	r->remote_addr = m->field[RUNMSG_ADDR];
	r->tls_version = m->field[RUNMSG_TLS_VERSION];
	r->tls_cipher = m->field[RUNMSG_TLS_CIPHER];
	r->cert_hash = m->field[RUNMSG_CERT_HASH];
	r->cert_subject = m->field[RUNMSG_CERT_SUBJECT];
	r->cert_cn = m->field[RUNMSG_CERT_CN];
	r->cert_not_before = m->field[RUNMSG_CERT_NOT_BEFORE];
	r->cert_not_after = m->field[RUNMSG_CERT_NOT_AFTER];
	r->cert_serial = m->field[RUNMSG_CERT_SERIAL];
}

/*
 * The variables of a request whose script is path[0..scriptlen) and
 * whose path info is the rest.  0, or -1 when they do not fit.
 */
static int
runner_env(struct runner_req *q, const struct runmsg *m, size_t scriptlen,
    struct cgienv *env)
{
	static char		 script[URL_MAX + 1], translated[CONF_PATH_MAX +
				    URL_MAX + 1];
	struct cgienv_req	 r;
	const char		*path = m->field[RUNMSG_PATH];
	char			 port[8];
	int			 i, n;

	runner_env_req(m, &r);
	snprintf(script, sizeof(script), "%.*s", (int)scriptlen, path);
	r.script_name = script;
	r.path_info = path + scriptlen;
	n = snprintf(translated, sizeof(translated), "%s%s", q->h->root,
	    r.path_info);
	if (n < 0 || (size_t)n >= sizeof(translated))
		return -1;
	r.path_translated = translated;
	snprintf(port, sizeof(port), "%d", runner_conf->public_port);
	r.server_port = port;
	r.scgi = q->loc->dynamic == CONF_DYN_SCGI;
	r.path = q->loc->dynamic == CONF_DYN_CGI;
	if (cgienv_build(env, &r) == -1)
		return -1;
	for (i = 0; i < q->loc->nparams; i++)
		if (cgienv_set(env, q->loc->params[i].name,
		    q->loc->params[i].value) == -1)
			return -1;
	return 0;
}

/* --- cgi ------------------------------------------------------------ */

/*
 * Find the program: beneath the location's directory, the first path
 * segment that is a regular file; what follows it is PATH_INFO.
 * Returns the length of its path, with *dirfd its directory and name
 * its file name, or minus the status to answer (51: nothing there;
 * 40: the file system failed).
 */
static ssize_t
runner_split(struct runner_req *q, const char *path, int *dirfd,
    char *name, size_t namesize)
{
	char		 prefix[URL_MAX + 1];
	struct stat	 sb;
	size_t		 end, seg;
	int		 fd;

	/* "/" for a pattern that starts with a wildcard: from the root. */
	if (location_dir(q->loc->pattern, prefix, sizeof(prefix)) == -1)
		return -51;
	end = strlen(prefix);
	if (strncmp(path, prefix, end) != 0)
		return -51;
	for (;;) {
		seg = end;
		while (path[end] != '\0' && path[end] != '/')
			end++;
		if (end == seg || end >= sizeof(prefix) || end - seg >= namesize)
			return -51;	/* a directory, or too long */
		memcpy(prefix, path, end);
		prefix[end] = '\0';
		if ((fd = fsroot_open(q->h->rootfd, prefix, O_RDONLY)) == -1)
			return errno == ENOENT || errno == ENOTDIR ||
			    errno == EACCES || errno == ELOOP ||
			    errno == EXDEV ? -51 : -40;
		if (fstat(fd, &sb) == -1 || (!S_ISDIR(sb.st_mode) &&
		    !S_ISREG(sb.st_mode))) {
			close(fd);
			return -51;
		}
		close(fd);
		if (S_ISREG(sb.st_mode))
			break;
		if (path[end] == '\0')
			return -51;	/* a directory without its slash */
		end++;
	}
	memcpy(name, path + seg, end - seg);
	name[end - seg] = '\0';
	prefix[seg] = '\0';
	if ((*dirfd = fsroot_open(q->h->rootfd, prefix, O_RDONLY |
	    O_DIRECTORY)) == -1)
		return -40;
	return (ssize_t)end;
}

/* In the child: the program's world, then the program.  Never returns. */
static void
runner_exec(int out, int dirfd, const char *name, char *const envp[])
{
	struct rlimit	 rl;
	sigset_t	 none;
	char		*argv[2];

	setpgid(0, 0);
	/* If the runner dies, so does the program (its group is killed
	 * by the deadline no more). */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Ignored signals stay ignored across execve(): not ours. */
	(void)signal(SIGPIPE, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGUSR1, SIG_DFL);
	(void)signal(SIGUSR2, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(runner_devnull, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1 || fchdir(dirfd) == -1)
		_exit(127);
	/* Every descriptor is close-on-exec already; this is the second
	 * lock on that door (stderr, the log, stays). */
	(void)close_range(3, ~0U, 0);
	if (sandbox_seccomp_program() == -1)
		_exit(127);
	rl.rlim_cur = rl.rlim_max = (rlim_t)runner_conf->cgi_timeout + 1;
	(void)setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = RUNNER_NOFILE;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
	argv[0] = (char *)name;
	argv[1] = NULL;
	/* The file runner_split() checked, not a symlink put in its place
	 * since (its directory is the one it opened: the cwd). */
	execveat(AT_FDCWD, name, argv, envp, AT_SYMLINK_NOFOLLOW);
	/* Kernels before 3.19 answer ENOSYS, and valgrind 3.19 (Debian
	 * 12's) EBADF, taking AT_FDCWD for a bad descriptor: plain
	 * execve() then, with runner_split()'s check of the name standing
	 * alone.  Never after ELOOP: that is the symlink refused. */
	if (errno == ENOSYS || errno == EBADF)
		execve(name, argv, envp);
	_exit(127);
}

static int
runner_spawn(struct runner_req *q, int dirfd, const char *name,
    struct cgienv *env)
{
	char	exe[CONF_PATH_MAX];
	int	p[2];

	/* "./name": execve() looks up no PATH, but say so. */
	snprintf(exe, sizeof(exe), "./%s", name);
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((q->pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (q->pid == 0)
		runner_exec(p[1], dirfd, exe, env->vars);
	/* Both sides, so that no kill() finds the group missing. */
	(void)setpgid(q->pid, q->pid);
	close(p[1]);
	q->fd = p[0];
	/* The worker reads it without blocking: the flag goes with it. */
	if (fcntl(q->fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	q->state = RUNNER_HEADER;
	return loop_add(runner_loop, &q->ev, q->fd, LOOP_READ, runner_io, q);
}

static void
runner_cgi(struct runner_req *q, const struct runmsg *m)
{
	static struct cgienv	 env;
	char			 name[256];
	ssize_t			 len;
	int			 dirfd, rc;

	len = runner_split(q, m->field[RUNMSG_PATH], &dirfd, name,
	    sizeof(name));
	if (len < 0) {
		runner_refuse(q, (int)-len, len == -51 ? "not found" :
		    "temporary failure");
		return;
	}
	snprintf(q->name, sizeof(q->name), "%.*s", (int)len,
	    m->field[RUNMSG_PATH]);
	if (faccessat(dirfd, name, X_OK, 0) == -1) {
		/* Not served as a file either: its source may hold what
		 * was never meant to be read (runner.h). */
		log_warnx("%s: not executable: not run, not served", q->name);
		close(dirfd);
		runner_refuse(q, 51, "not found");
		return;
	}
	if (runner_env(q, m, (size_t)len, &env) == -1) {
		close(dirfd);
		runner_refuse(q, 59, "request too long for a program");
		return;
	}
	rc = runner_spawn(q, dirfd, name, &env);
	close(dirfd);
	if (rc == -1) {
		log_warn("%s: cannot start", q->name);
		runner_refuse(q, 42, "cannot start the program");
	}
}

/* --- scgi, fastcgi, proxy --------------------------------------------- */

static void
runner_backend(struct runner_req *q, const struct runmsg *m)
{
	static struct cgienv	 env;
	static char		 scgi[CGIENV_MAX + 64];
	const char		*path = m->field[RUNMSG_PATH];
	size_t			 n, lit = location_literal(q->loc->pattern);

	snprintf(q->name, sizeof(q->name), "%s %s", q->loc->dynamic ==
	    CONF_DYN_SCGI ? "scgi" : "fastcgi", q->loc->backend);
	/* Mounted at the pattern's literal start, without its slash. */
	if (lit > 0 && q->loc->pattern[lit - 1] == '/')
		lit--;
	if (strncmp(path, q->loc->pattern, lit) != 0)
		lit = 0;
	if (runner_env(q, m, lit, &env) == -1) {
		runner_refuse(q, 59, "request too long for a backend");
		return;
	}
	if (q->loc->dynamic == CONF_DYN_SCGI) {
		if ((n = cgienv_scgi(&env, scgi, sizeof(scgi))) == 0 ||
		    buf_append(&q->req, scgi, n) == -1) {
			runner_refuse(q, 59, "request too long for a backend");
			return;
		}
	} else if (fcgi_request(&q->req, &env) == -1) {
		runner_refuse(q, 44, RUNNER_BUSY);
		return;
	}
	if (runner_connect(q) == -1)
		runner_refuse(q, errno == EAGAIN ? 44 : 43, errno == EAGAIN ?
		    RUNNER_BUSY : "backend unreachable");
}

static void
runner_proxy(struct runner_req *q, const struct runmsg *m)
{
	const char	*host = m->field[RUNMSG_HOST];
	struct in6_addr	 a;

	snprintf(q->name, sizeof(q->name), "proxy %s", q->loc->backend);
	if (buf_printf(&q->req, "%s\r\n", m->field[RUNMSG_URL]) == -1 ||
	    runner_tls == NULL || (q->ssl = SSL_new(runner_tls)) == NULL) {
		runner_refuse(q, 43, "backend unreachable");
		return;
	}
	/* The backend sees the public URL; SNI names its host (never an
	 * address, RFC 6066 sect. 3), unless proxy-sni says otherwise. */
	if (q->loc->proxy_sni[0] != '\0')
		host = q->loc->proxy_sni;
	if (inet_pton(AF_INET, host, &a) != 1 &&
	    inet_pton(AF_INET6, host, &a) != 1)
		(void)SSL_set_tlsext_host_name(q->ssl, host);
	if (runner_connect(q) == -1 || SSL_set_fd(q->ssl, q->fd) != 1) {
		runner_refuse(q, 43, "backend unreachable");
		return;
	}
}

/* --- requests --------------------------------------------------------- */

/* The location asked for, if it is one a client's request reaches. */
static int
runner_location(struct runner_req *q, const struct runmsg *m)
{
	const struct conf_location	*l;

	if (m->host >= runner_conf->nhosts)
		return -1;
	q->h = &runner_conf->hosts[m->host];
	if (m->loc >= q->h->nlocations)
		return -1;
	q->loc = &q->h->locations[m->loc];
	l = location_match(q->h, m->field[RUNMSG_PATH]);
	return l == q->loc && l->dynamic != CONF_DYN_NONE ? 0 : -1;
}

static void
runner_take(int slot, const struct runmsg *m)
{
	struct runner_req	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->in = malloc(RUNMSG_BODY_MAX)) == NULL) {
		free(q);
		log_warnx("worker %d: request dropped: out of memory", slot);
		return;
	}
	q->slot = slot;
	q->id = m->id;
	q->pid = -1;
	q->fd = q->relay = -1;
	q->ev.fd = q->relayev.fd = -1;
	q->deadline_ms = loop_now_ms() + (long long)runner_conf->cgi_timeout *
	    1000;
	TAILQ_INSERT_TAIL(&runner_live, q, entry);
	runner_n++;
	snprintf(q->name, sizeof(q->name), "worker %d", slot);
	if (runner_location(q, m) == -1) {
		log_warnx("worker %d asked for what no location runs: %s",
		    slot, m->field[RUNMSG_PATH]);
		runner_refuse(q, 51, "not found");
		return;
	}
	if (runner_n > runner_conf->max_programs) {
		log_warnx("max-programs (%d) reached",
		    runner_conf->max_programs);
		runner_refuse(q, 44, RUNNER_BUSY);
		return;
	}
	if (q->loc->dynamic == CONF_DYN_CGI)
		runner_cgi(q, m);
	else if (q->loc->dynamic == CONF_DYN_PROXY)
		runner_proxy(q, m);
	else
		runner_backend(q, m);
}

/* A worker is done with request id (or gone: all of its requests). */
static void
runner_end(int slot, uint64_t id, int all)
{
	struct runner_req	*q, *next;

	for (q = TAILQ_FIRST(&runner_live); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->slot != slot || (!all && q->id != id))
			continue;
		q->answered = 1;	/* nobody waits for an answer */
		runner_kill(q);
		runner_finish(q);
		if (!all)
			break;
	}
}

static void
runner_message(int slot, const unsigned char *buf, size_t len)
{
	struct runmsg	 m;
	const char	*errstr = "truncated";

	if (runmsg_parse(buf, len, &m, &errstr) != (ssize_t)len) {
		log_warnx("worker %d: bad message: %s", slot, errstr);
		return;
	}
	if (m.type == RUNMSG_REQUEST)
		runner_take(slot, &m);
	else if (m.type == RUNMSG_END)
		runner_end(slot, m.id, 0);
	else
		log_warnx("worker %d: a message for workers, ignored", slot);
}

static void
runner_maybe_stop(void)
{
	if (runner_nopen == 0 && (runner_retired || runner_term))
		loop_stop(runner_loop);
}

/* Its worker is gone: what waited for it goes. */
static void
runner_drop(struct runner_slot *s)
{
	struct runner_out	*o;

	while ((o = TAILQ_FIRST(&s->outq)) != NULL) {
		TAILQ_REMOVE(&s->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	s->nout = 0;
}

/* A worker's socket: every request waiting, in one recvmmsg(). */
static void
runner_serve(int fd, int events, void *arg)
{
	static unsigned char	 req[RUNNER_BATCH][RUNMSG_HEADER +
				    RUNMSG_REQUEST_MAX];
	struct runner_slot	*s = arg;
	struct mmsghdr		 in[RUNNER_BATCH];
	struct iovec		 iov[RUNNER_BATCH];
	int			 i, n;

	if (events & LOOP_WRITE)
		runner_flush(s);
	if (!(events & LOOP_READ))
		return;
	memset(in, 0, sizeof(in));
	for (i = 0; i < RUNNER_BATCH; i++) {
		iov[i].iov_base = req[i];
		iov[i].iov_len = sizeof(req[i]);
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, in, RUNNER_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	for (i = 0; i < n && in[i].msg_len > 0; i++)
		runner_message(s->index, req[i], (in[i].msg_hdr.msg_flags &
		    MSG_TRUNC) ? 0 : in[i].msg_len);
	if (n <= 0 || i < n) {
		/* End of file: its worker is gone, and its requests. */
		runner_end(s->index, 0, 1);
		loop_del(runner_loop, &s->ev);
		close(fd);
		s->fd = -1;
		runner_drop(s);
		runner_nopen--;
		runner_maybe_stop();
	}
}

/* --- children --------------------------------------------------------- */

static struct runner_req *
runner_by_pid(pid_t pid)
{
	struct runner_req	*q;

	TAILQ_FOREACH(q, &runner_live, entry)
		if (q->pid == pid)
			return q;
	return NULL;
}

/*
 * SIGCHLD: reap every child that has ended.  A program's group is
 * killed before its leader is reaped, while its id cannot have been
 * given to another process: what it left running dies with it.
 * Orphans of its group come back to us (a child subreaper) and are
 * reaped here too.
 */
static void
runner_reap(int fd, int events, void *arg)
{
	struct signalfd_siginfo	 si;
	struct runner_req	*q;
	siginfo_t		 info;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		;
	for (;;) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 ||
		    info.si_pid == 0)
			break;
		if ((q = runner_by_pid(info.si_pid)) != NULL) {
			runner_kill(q);
			q->pid = -1;
			if (info.si_code != CLD_EXITED || info.si_status != 0)
				log_debug("%s: %s %d", q->name, info.si_code ==
				    CLD_EXITED ? "exited with" : "killed by signal",
				    info.si_status);
		}
		(void)waitpid(info.si_pid, NULL, WNOHANG);
		if (q != NULL && q->state == RUNNER_DONE)
			runner_finish(q);
	}
}

/* Deadlines: cgi-timeout from the request for a program (its whole
 * run) and for a backend's header. */
static void
runner_sweep(long long now)
{
	struct runner_req	*q, *next;

	for (q = TAILQ_FIRST(&runner_live); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->deadline_ms == 0 || q->deadline_ms > now)
			continue;
		if (q->state == RUNNER_DONE) {
			/* Answered, still running past cgi-timeout. */
			log_warnx("%s: killed after cgi-timeout (%d s)",
			    q->name, runner_conf->cgi_timeout);
			runner_kill(q);
			q->deadline_ms = 0;
			continue;
		}
		log_warnx("%s: no reply within cgi-timeout (%d s)", q->name,
		    runner_conf->cgi_timeout);
		runner_refuse(q, q->state == RUNNER_CONNECT ||
		    q->state == RUNNER_TLS ? 43 : 42, q->state ==
		    RUNNER_CONNECT || q->state == RUNNER_TLS ?
		    "backend unreachable" : "no reply in time");
	}
}

/* --- the process ------------------------------------------------------- */

static void
runner_control(int fd, int events, void *arg)
{
	(void)events;
	(void)arg;
	if (helper_control(fd) == 0)
		return;
	loop_del(runner_loop, &runner_ctlev);
	close(fd);
	runner_retired = 1;
	runner_maybe_stop();
}

static void
runner_signal(int sig)
{
	(void)sig;
	runner_term = 1;
}

static void
runner_tick(void *arg)
{
	long long	now = loop_now_ms();

	(void)arg;
	runner_sweep(now);
	if (!runner_term)
		return;
	if (runner_deadline == 0)
		runner_deadline = now + RUNNER_GRACE_MS;
	if (now >= runner_deadline)
		loop_stop(runner_loop);
	runner_maybe_stop();
}

/* Requests sent to a runner before us will not be answered. */
static void
runner_hello(const int *fds, int nfds)
{
	unsigned char	buf[RUNMSG_MAX];
	struct runmsg	m;
	size_t		len;
	int		i;

	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_HELLO;
	len = runmsg_encode(buf, sizeof(buf), &m);
	for (i = 0; i < nfds; i++) {
		while (recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		(void)send(fds[i], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

/* SIGCHLD through the loop; SIGTERM ends the loop after a grace. */
static int
runner_signals(void)
{
	struct sigaction	sa;
	sigset_t		mask;
	int			fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = runner_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    loop_add(runner_loop, &runner_sigev, fd, LOOP_READ, runner_reap,
	    NULL) == -1)
		return -1;
	return 0;
}

/* What programs get and the proxy's TLS, before any request. */
static void
runner_setup(void)
{
	if ((runner_loop = loop_new()) == NULL)
		fatal("loop_new");
	if (runner_signals() == -1)
		fatal("signalfd");
	/* Orphans of a program's group come back here to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("PR_SET_CHILD_SUBREAPER");
	if ((runner_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("/dev/null (inside the chroot?)");
	if ((runner_tls = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(runner_tls, TLS1_2_VERSION) != 1)
		log_warnx("proxy: no TLS context: %s",
		    ERR_reason_error_string(ERR_get_error()));
	else
		/* Gemini servers are self-signed: pinned or trusted as the
		 * configuration says, never by a CA. */
		SSL_CTX_set_verify(runner_tls, SSL_VERIFY_NONE, NULL);
	loop_set_hooks(runner_loop, 100, runner_tick, runner_free_dead, NULL);
}

static int
runner_run(int ctl, const int *fds, int nfds, void *arg)
{
	struct runner_req	*q;
	int			 i;

	runner_conf = arg;
	runner_setup();
	sandbox_runner(runner_conf);
	runner_hello(fds, nfds);
	for (i = 0; i < nfds; i++) {
		runner_slots[i].fd = fds[i];
		runner_slots[i].index = i;
		TAILQ_INIT(&runner_slots[i].outq);
		if (loop_add(runner_loop, &runner_slots[i].ev, fds[i],
		    LOOP_READ, runner_serve, &runner_slots[i]) == -1)
			fatal("loop_add");
		runner_nopen++;
	}
	if (loop_add(runner_loop, &runner_ctlev, ctl, LOOP_READ,
	    runner_control, NULL) == -1)
		fatal("loop_add");
	if (loop_run(runner_loop) == -1)
		log_warn("event loop");
	/* What still runs goes with us. */
	TAILQ_FOREACH(q, &runner_live, entry)
		runner_kill(q);
	SSL_CTX_free(runner_tls);
	return 0;
}

const struct helper_role	runner_role = {
	"program runner", "capsuled-run", runner_run
};

/* --- checks (-n, start, reload) ---------------------------------------- */

static int
runner_check_location(const struct conf *conf, const struct conf_host *h,
    const struct conf_location *l, char *err, size_t errsize)
{
	char	dir[CONF_PATH_MAX];
	size_t	n = strlen(conf->chroot);
	int	fd;

	if (l->dynamic == CONF_DYN_CGI) {
		if (location_dir(l->pattern, dir, sizeof(dir)) == -1 ||
		    (fd = fsroot_open(h->rootfd, dir, O_RDONLY |
		    O_DIRECTORY)) == -1) {
			snprintf(err, errsize, "%s: cgi directory %s beneath "
			    "%s: %s", l->where, dir, h->root, strerror(errno));
			return -1;
		}
		close(fd);
	}
	if ((l->dynamic == CONF_DYN_SCGI || l->dynamic == CONF_DYN_FASTCGI) &&
	    l->backend[0] == '/' && n > 0 &&
	    (strncmp(l->backend, conf->chroot, n) != 0 ||
	    l->backend[n] != '/')) {
		snprintf(err, errsize, "%s: socket %s is outside the chroot "
		    "%s: the program runner, inside it, cannot reach it",
		    l->where, l->backend, conf->chroot);
		return -1;
	}
	return 0;
}

int
runner_check(const struct conf *conf, char *err, size_t errsize)
{
	const struct conf_host	*h;
	int			 i, j;

	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		for (j = 0; j < h->nlocations; j++)
			if (runner_check_location(conf, h, &h->locations[j],
			    err, errsize) == -1)
				return -1;
	}
	return 0;
}
