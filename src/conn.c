/*
 * conn.c: the connection state machine: PROXY header, TLS handshake,
 * request bytes, a request body when the reply asks for one (an
 * upload), the reply sent with back-pressure, close_notify, a lingering
 * close when the reply asks for one, timeouts.
 *
 * Nothing is parsed or decided here: the request bytes go to the front
 * end's responder (reply.h) and its reply comes back as bytes and a body
 * source to move.  The PROXY header and the ClientHello length are read
 * by the pure proxy.c and hello.c.
 *
 * System calls are what a request costs most in this VM, so each is
 * counted: the socket is read once per readable event into memory
 * (OpenSSL reads from there, tls.h), each flight leaves in one write (a
 * small reply and its close_notify together), a connection is first
 * served right after accept (TCP_DEFER_ACCEPT brought its first bytes)
 * and enters the loop only when it must wait, and a closed socket leaves
 * the loop with its close().
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "access.h"
#include "admit.h"
#include "conn.h"
#include "hello.h"
#include "listen.h"
#include "log.h"
#include "proxy.h"
#include "tls.h"

#define CONN_IN_MAX	1030	/* a full request line and then some */
#define CONN_CHUNK	(32 * 1024) /* body bytes read per refill, and TLS
				       bytes gathered per write */
#define CONN_PROXY_MAX	536	/* PROXY v1, or v2 with a few TLVs */
#define CONN_RECORD_MAX	(5 + 16384 + 256) /* TLS record, RFC 8446 5.1 */
#define CONN_KEYWAIT_IN_MAX (2 * CONN_RECORD_MAX) /* read while signing */
#define CONN_FPR_MAX	64	/* SHA-256 in hex */
#define CONN_BODY_CHUNK	(64 * 1024) /* body bytes read per step */
#define CONN_BODY_TURNS	16	/* steps per event: other fds get a turn */
#define CONN_LINGER_MS	2000	/* a lingering close waits at most */
#define CONN_LINGER_MAX	(16 * 1024 * 1024) /* ... and drops at most */

enum conn_state {
	CONN_PROXY,		/* waiting for the PROXY protocol header */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_REQUEST,		/* waiting for the request */
	CONN_UPLOAD,		/* reading its body into the reply's sink */
	CONN_RESPOND,		/* sending the reply */
	CONN_SHUTDOWN,		/* sending the last bytes (close_notify) */
	CONN_LINGER,		/* dropping what the client still sends */
	CONN_CLOSED		/* waiting to be freed */
};

/*
 * Timeout queues, each in deadline order because each has one timeout:
 * the request phase has a fixed deadline from accept (so a client
 * trickling bytes cannot extend it), the write phase a deadline pushed
 * back on every chunk of progress, an upload's body the request
 * timeout pushed back the same way, a lingering close a fixed one.
 */
enum conn_queue {
	CONN_Q_NONE,
	CONN_Q_REQUEST,
	CONN_Q_WRITE,
	CONN_Q_UPLOAD,
	CONN_Q_LINGER,
	CONN_Q_PENDING,		/* a pending reply (reply.h): its deadline is
				   its giver's, not ours: never swept */
	CONN_Q_COUNT
};

/* Verdicts of the I/O steps besides the loop interests (LOOP_*). */
#define CONN_DONE	0	/* nothing left to wait for */
#define CONN_FAILED	(-1)
#define CONN_WAIT_SOURCE (-2)	/* the stream has nothing for now */
#define CONN_EOF	(-3)	/* the client closed its side */
#define CONN_AGAIN	(-4)	/* no bytes at hand */
#define CONN_WAIT_PENDING (-5)	/* the reply is not known yet */

struct conn {
	struct loop_ev		 ev;	/* fd -1 until it must wait */
	int			 fd;
	const struct conn_front	*front;
	enum conn_state		 state;
	SSL			*ssl;	/* made once the ClientHello is in */
	int			 keywait;	/* the key process signs for it */
	int			 cut;		/* the body was cut short: no
						   close_notify to say "whole" */
	struct tls_io		 io;	/* raw bytes both ways (TLS, PROXY) */
	char			 addr[LISTEN_ADDR_MAX];	/* client, printable */
	char			 sni[CONF_NAME_MAX + 1];
	int			 sni_host;	/* host index or -1 */
	enum request_cert	 cert;
	char			 fingerprint[CONN_FPR_MAX + 1];

	char			 in[CONN_IN_MAX + 1];	/* the request */
	size_t			 inlen;

	struct reply		 reply;		/* what the responder said */
	struct loop_ev		 srcev;		/* its stream, when waited on */
	int			 client_quiet;	/* sent bytes while we waited */
	size_t			 outoff;	/* of reply.out sent */
	size_t			 boff;		/* of reply.borrowed sent */
	long long		 bytes;		/* sent to the client */
	size_t			 progress;	/* moved since the deadline
						   did */

	struct buf		 body;		/* upload bytes read ... */
	size_t			 bodyoff;	/* ... and those in the sink */
	long long		 received;	/* body bytes, -1: no upload */
	size_t			 lingered;	/* dropped while lingering */

	long long		 start_ms;
	long long		 deadline_ms;
	enum conn_queue		 queue;
	TAILQ_ENTRY(conn)	 entry;
	unsigned		 addrslot;	/* admit.c's count of addr */
};

TAILQ_HEAD(conn_list, conn);

static struct conn_list		 conn_q[CONN_Q_COUNT] = {
	TAILQ_HEAD_INITIALIZER(conn_q[0]),
	TAILQ_HEAD_INITIALIZER(conn_q[1]),
	TAILQ_HEAD_INITIALIZER(conn_q[2]),
	TAILQ_HEAD_INITIALIZER(conn_q[3]),
	TAILQ_HEAD_INITIALIZER(conn_q[4]),
	TAILQ_HEAD_INITIALIZER(conn_q[5])
};
static struct conn_list		 conn_dead = TAILQ_HEAD_INITIALIZER(conn_dead);
static struct loop		*conn_loop;
static const struct conf	*conn_conf;

static void	conn_io(int, int, void *);
static void	conn_source_io(int, int, void *);
static void	conn_step(struct conn *, int);
static void	conn_send(struct conn *);
static void	conn_source_close(struct conn *);
static void	conn_ready(void *);
static void	conn_upload_step(struct conn *, int);

void
conn_setup(struct loop *loop, const struct conf *conf)
{
	conn_loop = loop;
	conn_conf = conf;
}

static void
conn_queue(struct conn *c, enum conn_queue queue, long long deadline)
{
	if (c->queue != CONN_Q_NONE)
		TAILQ_REMOVE(&conn_q[c->queue], c, entry);
	c->queue = queue;
	c->deadline_ms = deadline;
	if (queue != CONN_Q_NONE)
		TAILQ_INSERT_TAIL(&conn_q[queue], c, entry);
}

/* Wait for events on the client socket, entering the loop the first
 * time a connection has to wait at all.  0 or -1. */
static int
conn_want(struct conn *c, int events)
{
	if (c->ev.fd == -1)
		return loop_add(conn_loop, &c->ev, c->fd, events, conn_io, c);
	return loop_mod(conn_loop, &c->ev, events);
}

int
conn_new(int fd, const struct conn_front *front, const char *addr,
    int proxy)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->fd = fd;
	c->io.fd = fd;
	c->front = front;
	c->sni_host = -1;
	c->ev.fd = -1;
	c->srcev.fd = -1;
	c->received = -1;
	reply_init(&c->reply);
	c->start_ms = loop_now_ms();
	memcpy(c->addr, addr, strnlen(addr, sizeof(c->addr) - 1));
	if (proxy)
		c->state = CONN_PROXY;
	else if (front->tls)
		c->state = CONN_HANDSHAKE;
	else
		c->state = CONN_REQUEST;
	c->addrslot = admit_enter(c->addr);
	conn_queue(c, CONN_Q_REQUEST, c->start_ms +
	    (long long)conn_conf->timeout * 1000);
	/* TCP_DEFER_ACCEPT: its first bytes are most likely in. */
	conn_step(c, LOOP_READ);
	return 0;
}

/* Stop reading the reply's stream or file (EOF, or the end). */
static void
conn_source_close(struct conn *c)
{
	loop_del(conn_loop, &c->srcev);
	reply_end_source(&c->reply);
}

static void	conn_log(const struct conn *);

/* An upload that ends unfinished (err: why) is undone and logged. */
static void
conn_upload_cut(struct conn *c, int err)
{
	if (c->reply.sink.commit == NULL)
		return;
	reply_sink_end(&c->reply, err);
	conn_log(c);
}

/*
 * Free the TLS object before the socket is closed: a handshake waiting
 * for the key process is given up, and the alert that tells the client
 * lands in io.out (tls.h); one last write, whatever it takes.
 */
static void
conn_tls_free(struct conn *c)
{
	size_t	had = c->io.out.len;

	tls_ssl_free(c->ssl);
	c->ssl = NULL;
	if (c->io.out.len > had && write(c->fd, c->io.out.data +
	    c->io.outoff, c->io.out.len - c->io.outoff) == -1)
		log_debug("%s: the alert was not sent: %s", c->addr,
		    strerror(errno));
}

/* Tear down now (idempotent); the memory goes at conn_reap(). */
static void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	if (why != NULL)
		log_debug("%s: closed: %s", c->addr, why);
	conn_upload_cut(c, ECANCELED);
	loop_forget(conn_loop, &c->ev);		/* close() takes it out */
	conn_queue(c, CONN_Q_NONE, 0);
	conn_source_close(c);
	conn_tls_free(c);
	close(c->fd);
	c->fd = -1;
	admit_leave(c->addrslot);
	c->state = CONN_CLOSED;
	TAILQ_INSERT_TAIL(&conn_dead, c, entry);
}

void
conn_reap(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conn_dead)) != NULL) {
		TAILQ_REMOVE(&conn_dead, c, entry);
		reply_free(&c->reply);
		buf_free(&c->body);
		buf_free(&c->io.in);
		buf_free(&c->io.out);
		free(c);
	}
}

static void
conn_expire(enum conn_queue q, long long now, const char *why)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conn_q[q])) != NULL &&
	    c->deadline_ms <= now) {
		conn_upload_cut(c, ETIMEDOUT);
		conn_close(c, why);
	}
}

void
conn_sweep(long long now)
{
	conn_expire(CONN_Q_REQUEST, now, "request timeout");
	conn_expire(CONN_Q_WRITE, now, "write timeout");
	conn_expire(CONN_Q_UPLOAD, now, "upload timeout");
	conn_expire(CONN_Q_LINGER, now, NULL);
}

int
conn_evict(void)
{
	struct conn	*c;

	/* The request queue is in accept order: its head is the oldest
	 * connection that has not finished sending its request.  One that
	 * lingers has had its answer. */
	if ((c = TAILQ_FIRST(&conn_q[CONN_Q_REQUEST])) == NULL &&
	    (c = TAILQ_FIRST(&conn_q[CONN_Q_LINGER])) == NULL)
		return -1;
	conn_close(c, "evicted for a new connection");
	return 0;
}

void
conn_close_all(const char *why)
{
	struct conn	*c;
	int		 q;

	for (q = CONN_Q_NONE + 1; q < CONN_Q_COUNT; q++)
		while ((c = TAILQ_FIRST(&conn_q[q])) != NULL)
			conn_close(c, why);
	conn_reap();
}

/* The one access-log line of a request, however it ended. */
static void
conn_log(const struct conn *c)
{
	const struct reply	*r = &c->reply;
	struct access_entry	 e;
	char			 shown[CONN_IN_MAX + 4];
	size_t			 end;

	e.proto = c->front->name;
	e.addr = c->addr;
	e.request = c->in;
	/* A request cut short has no parsed length: log what arrived. */
	e.reqlen = r->reqlen ? r->reqlen : c->inlen;
	/* A secret in the request (a Titan token) is not logged. */
	end = r->hide_off + r->hide_len;
	if (r->hide_len > 0 && end <= e.reqlen) {
		memcpy(shown, c->in, r->hide_off);
		memcpy(shown + r->hide_off, "***", 3);
		memcpy(shown + r->hide_off + 3, c->in + end, e.reqlen - end);
		e.request = shown;
		e.reqlen = e.reqlen - r->hide_len + 3;
	}
	e.status = r->status;
	e.bytes = c->bytes;
	e.received = c->received;
	e.ms = loop_now_ms() - c->start_ms;
	e.fingerprint = c->fingerprint;
	access_log(conn_conf, &e);
}

/*
 * Bytes reached the client.  The write deadline moves only for a
 * chunk's worth of progress: a reader taking one record per
 * write-timeout would otherwise hold the connection for hours.  The
 * floor this sets is CONN_CHUNK bytes per write-timeout (32 KiB / 30 s).
 */
static void
conn_progress(struct conn *c, size_t n)
{
	c->progress += n;
	if (c->progress >= CONN_CHUNK) {
		c->progress = 0;
		conn_queue(c, CONN_Q_WRITE, loop_now_ms() +
		    (long long)conn_conf->write_timeout * 1000);
	}
}

/*
 * Read what the socket holds into io.in, once: a whole client flight
 * fits, and a second read would only say EAGAIN.  Bytes read, CONN_EOF,
 * CONN_AGAIN when there was nothing, CONN_FAILED.
 */
static ssize_t
conn_fill(struct conn *c)
{
	static char	scratch[CONN_RECORD_MAX];
	ssize_t		n;

	n = read(c->fd, scratch, sizeof(scratch));
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? CONN_AGAIN :
		    CONN_FAILED;
	if (n == 0)
		return CONN_EOF;
	if (buf_append(&c->io.in, scratch, (size_t)n) == -1)
		return CONN_FAILED;
	return n;
}

/* Write io.out (TLS records) in one go: CONN_DONE when it is all out,
 * LOOP_WRITE when the socket is full, CONN_FAILED. */
static int
conn_flush(struct conn *c)
{
	struct tls_io	*io = &c->io;
	ssize_t		 w;

	while (io->outoff < io->out.len) {
		w = write(c->fd, io->out.data + io->outoff,
		    io->out.len - io->outoff);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return LOOP_WRITE;
		if (w <= 0)
			return CONN_FAILED;
		io->outoff += (size_t)w;
		conn_progress(c, (size_t)w);
	}
	io->out.len = io->outoff = 0;
	return CONN_DONE;
}

/*
 * Send what is queued, then wait for events (or close on failure).  A
 * connection waiting for its client's next flight keeps no buffer it
 * has emptied: 10,000 idle connections would hold them all.
 */
static void
conn_flush_then(struct conn *c, int events, const char *why)
{
	int	rc = conn_flush(c);

	if (rc == LOOP_WRITE)
		events = LOOP_WRITE;
	if (rc == CONN_FAILED || conn_want(c, events) == -1) {
		conn_close(c, why);
		return;
	}
	if (c->io.out.len == 0)
		buf_free(&c->io.out);
	if (c->io.in.len == 0) {
		buf_free(&c->io.in);
		c->io.inoff = 0;
	}
}

/* The n bytes just read past reply.out go through its stream's filter
 * (reply.h), which decides what of them is sent and when the body
 * ends. */
static int
conn_filter(struct conn *c, size_t n)
{
	struct reply	*r = &c->reply;

	switch (r->filter(r->filter_arg, r->out.data + r->out.len, &n)) {
	case 0:
		r->out.len += n;
		break;
	case 1:
		r->out.len += n;
		conn_source_close(c);
		break;
	default:
		c->cut = 1;
		conn_source_close(c);
		break;
	}
	return CONN_DONE;
}

/*
 * Refill reply.out from the body source once it has drained (the
 * watermark is "empty": a client that does not read holds at most one
 * chunk of ours, and a stream is not read while the client is behind).
 * The reply's first bytes share the first chunk, so a small page goes
 * out in one TLS record.  CONN_DONE, CONN_WAIT_SOURCE when a stream has
 * nothing yet, CONN_FAILED on a read error.
 */
static int
conn_refill(struct conn *c)
{
	struct reply	*r = &c->reply;
	ssize_t		 n;
	size_t		 want = CONN_CHUNK;

	if (r->fd == -1 || r->out.len - c->outoff >= CONN_CHUNK)
		return CONN_DONE;
	if (c->outoff > 0) {
		memmove(r->out.data, r->out.data + c->outoff,
		    r->out.len - c->outoff);
		r->out.len -= c->outoff;
		c->outoff = 0;
	}
	if (r->source == REPLY_FILE && (off_t)want > r->size)
		want = (size_t)r->size;
	if (buf_reserve(&r->out, want) == -1)
		return CONN_FAILED;
	n = want ? read(r->fd, r->out.data + r->out.len, want) : 0;
	if (n == -1 && errno == EAGAIN)
		return r->source == REPLY_STREAM ? CONN_WAIT_SOURCE : CONN_DONE;
	if (n == -1)
		return CONN_FAILED;
	if (r->source == REPLY_FILE)
		r->size -= n;
	if (n > 0 && r->filter != NULL)
		return conn_filter(c, (size_t)n);
	r->out.len += (size_t)n;
	/* EOF, or the file shrank under us: send what we have and stop. */
	if (n == 0 || (r->source == REPLY_FILE && r->size <= 0))
		conn_source_close(c);
	return CONN_DONE;
}

/* Hand plaintext to the client: encrypted into io.out (no system call)
 * or written to the socket.  Bytes taken, CONN_AGAIN when the socket is
 * full, or CONN_FAILED. */
static ssize_t
conn_put(struct conn *c, const char *p, size_t len)
{
	size_t	n;
	ssize_t	w;

	if (c->ssl != NULL) {
		if (tls_write(c->ssl, p, len, &n) != TLS_DONE)
			return CONN_FAILED;
		/* Large records went to the socket at once (tls.h). */
		if (c->io.written > 0) {
			conn_progress(c, c->io.written);
			c->io.written = 0;
		}
		return (ssize_t)n;
	}
	w = write(c->fd, p, len);
	if (w == -1 && (errno == EAGAIN || errno == EINTR))
		return CONN_AGAIN;
	if (w <= 0)
		return CONN_FAILED;
	conn_progress(c, (size_t)w);
	return w;
}

/*
 * Move the reply on: CONN_DONE when everything, close_notify included,
 * is out; else a loop interest (LOOP_WRITE), CONN_WAIT_SOURCE or
 * CONN_FAILED.  TLS records gather in io.out up to a chunk before they
 * are written, so a small reply and its close_notify leave together.
 */
static int
conn_write_some(struct conn *c)
{
	struct reply	*r = &c->reply;
	const char	*p;
	size_t		*off, len;
	ssize_t		 n;
	int		 rc, idle = 0;

	if (r->source == REPLY_PENDING) {
		rc = conn_flush(c);
		return rc == CONN_DONE ? CONN_WAIT_PENDING : rc;
	}
	for (;;) {
		if (c->io.out.len >= CONN_CHUNK &&
		    (rc = conn_flush(c)) != CONN_DONE)
			return rc;
		if ((rc = conn_refill(c)) == CONN_FAILED)
			return rc;
		/* reply.out first, then what it borrowed, if anything. */
		if (c->outoff < r->out.len) {
			p = r->out.data;
			off = &c->outoff;
			len = r->out.len;
		} else if (r->source == REPLY_BORROWED &&
		    c->boff < r->borrowedlen) {
			p = r->borrowed;
			off = &c->boff;
			len = r->borrowedlen;
		} else
			len = 0;
		if (len > 0) {
			/* Over TLS a chunk at a time, so that io.out never
			 * holds more; in the clear all of it, in one write. */
			n = conn_put(c, p + *off, c->ssl == NULL ||
			    len - *off < CONN_CHUNK ? len - *off : CONN_CHUNK);
			if (n == CONN_AGAIN)
				return LOOP_WRITE;
			if (n < 0)
				return CONN_FAILED;
			*off += (size_t)n;
			c->bytes += n;
			continue;
		}
		if (r->source == REPLY_BORROWED)
			reply_end_source(r);	/* all sent: released */
		/* A stream whose bytes all went to its filter (a FastCGI
		 * backend writing only to stderr) gives the loop back after
		 * a few reads: the other clients wait for no backend. */
		if (rc == CONN_WAIT_SOURCE ||
		    (r->fd != -1 && ++idle >= CONN_BODY_TURNS)) {
			rc = conn_flush(c);
			return rc == CONN_DONE ? CONN_WAIT_SOURCE : rc;
		}
		if (r->fd == -1)
			break;
	}
	if (c->ssl != NULL && !c->cut) {
		c->state = CONN_SHUTDOWN;
		if (tls_shutdown(c->ssl) != TLS_DONE)
			return CONN_FAILED;
	}
	return conn_flush(c);
}

/*
 * Wait for one side only: the client while it is behind, or the reply's
 * stream while it has nothing, never both, so that neither a full socket
 * nor a dry pipe can spin the loop.  While the client is waited on, the
 * stream is out of the loop altogether: a pipe whose writer has gone
 * would report its hang-up at every turn (level triggered) though we
 * may not read it yet.  While the stream is waited on, the client is
 * watched for its going away (conn_gone()).
 */
static int
conn_wait(struct conn *c, int client_events, int source_events)
{
	if (source_events != 0)
		client_events = c->client_quiet ? LOOP_HUP : LOOP_READ;
	if (conn_want(c, client_events) == -1)
		return -1;
	if (source_events == 0)
		return loop_del(conn_loop, &c->srcev);
	if (c->srcev.fd == -1)
		return loop_add(conn_loop, &c->srcev, c->reply.fd,
		    source_events, conn_source_io, c);
	return loop_mod(conn_loop, &c->srcev, source_events);
}

/*
 * The client stirred while its reply's stream had nothing: at EOF or an
 * error it went away, and the stream is closed at once (a program on
 * the other end sees EPIPE).  Other bytes (a TLS alert, junk) are left
 * unread and the client is then heard from only on a hang-up (LOOP_HUP:
 * a close_notify and then a FIN, as a client that gives up sends) or at
 * the next write, so that they cannot spin the loop.
 */
static void
conn_gone(struct conn *c)
{
	char	b;
	ssize_t	n;

	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_log(c);
		conn_close(c, "client went away");
		return;
	}
	c->client_quiet = 1;
	conn_want(c, LOOP_HUP);
}

/*
 * The reply is pending (reply.h): out of the write timeout's queue (the
 * answer's deadline is its giver's), the client watched only for going
 * away, as while a stream is dry.  0 or -1.
 */
static int
conn_wait_pending(struct conn *c)
{
	conn_queue(c, CONN_Q_PENDING, 0);
	reply_wait(&c->reply, conn_ready, c);
	return conn_want(c, c->client_quiet ? LOOP_HUP : LOOP_READ);
}

/*
 * A lingering close (struct reply's linger): the answer is out; shut
 * down writing (the client reads our FIN after it) and drop what the
 * client still sends until it closes, so that no unread input makes
 * the kernel reset the connection under the answer.  Bounded by
 * CONN_LINGER_MS and CONN_LINGER_MAX bytes.
 */
static void
conn_drain(struct conn *c)
{
	static char	scratch[CONN_CHUNK];
	ssize_t		n;
	int		i;

	for (i = 0; i < CONN_BODY_TURNS; i++) {
		n = read(c->fd, scratch, sizeof(scratch));
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (conn_want(c, LOOP_READ) == 0)
				return;
			break;
		}
		if (n <= 0)
			break;
		c->lingered += (size_t)n;
		if (c->lingered >= CONN_LINGER_MAX)
			break;
	}
	if (i == CONN_BODY_TURNS && conn_want(c, LOOP_READ) == 0)
		return;		/* more next time round */
	conn_close(c, NULL);
}

static void
conn_linger(struct conn *c)
{
	c->state = CONN_LINGER;
	if (shutdown(c->fd, SHUT_WR) == -1) {
		conn_close(c, NULL);
		return;
	}
	conn_queue(c, CONN_Q_LINGER, loop_now_ms() + CONN_LINGER_MS);
	conn_drain(c);
}

static void
conn_send(struct conn *c)
{
	int	rc;

	if (c->state == CONN_REQUEST || c->state == CONN_UPLOAD) {
		c->state = CONN_RESPOND;
		conn_queue(c, CONN_Q_WRITE, loop_now_ms() +
		    (long long)conn_conf->write_timeout * 1000);
		/* No more request bytes are wanted: nor their buffer. */
		buf_free(&c->io.in);
		c->io.inoff = 0;
	}
	/* Once close_notify is queued, only io.out is left to send. */
	rc = c->state == CONN_SHUTDOWN ? conn_flush(c) : conn_write_some(c);
	switch (rc) {
	case CONN_DONE:
		conn_log(c);
		if (c->reply.linger)
			conn_linger(c);
		else
			conn_close(c, NULL);
		return;
	case CONN_WAIT_SOURCE:
		rc = conn_wait(c, 0, LOOP_READ);
		break;
	case CONN_WAIT_PENDING:
		rc = conn_wait_pending(c);
		break;
	case CONN_FAILED:
		break;
	default:
		rc = conn_wait(c, rc, 0);
		break;
	}
	if (rc == CONN_FAILED || rc == -1) {
		conn_log(c);
		conn_close(c, "write failed");
	}
}

/* A pending reply is ready: back under the write timeout, and on. */
static void
conn_ready(void *arg)
{
	struct conn	*c = arg;

	conn_queue(c, CONN_Q_WRITE, loop_now_ms() +
	    (long long)conn_conf->write_timeout * 1000);
	conn_send(c);
}

/* The reply's stream has bytes (or EOF) for the client, or its sink
 * room for the body. */
static void
conn_source_io(int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)events;
	if (c->state == CONN_UPLOAD)
		conn_upload_step(c, 0);
	else
		conn_send(c);
}

/* Plaintext into p[0..len): from the socket, or from OpenSSL (which
 * has the records conn_fill() brought).  Bytes, or CONN_AGAIN, CONN_EOF,
 * CONN_FAILED. */
static ssize_t
conn_recv(struct conn *c, char *p, size_t len, int readable)
{
	enum tls_result	r;
	size_t		n;
	ssize_t		rd;

	if (c->ssl == NULL) {
		if (!readable)
			return CONN_AGAIN;
		rd = read(c->fd, p, len);
		if (rd == -1)
			return errno == EAGAIN || errno == EINTR ? CONN_AGAIN :
			    CONN_FAILED;
		return rd == 0 ? CONN_EOF : rd;
	}
	if (readable && (rd = conn_fill(c)) < 0 && rd != CONN_AGAIN)
		return rd;
	r = tls_read(c->ssl, p, len, &n);
	if (r == TLS_DONE)
		return (ssize_t)n;
	if (r == TLS_WANT_READ)
		return CONN_AGAIN;
	return r == TLS_CLOSED ? CONN_EOF : CONN_FAILED;
}

static ssize_t
conn_read_plain(struct conn *c, int readable)
{
	return conn_recv(c, c->in + c->inlen, CONN_IN_MAX - c->inlen,
	    readable);
}

/*
 * An upload's body (struct reply_sink).  The bytes go through c->body:
 * read from the client only once the sink has taken the last ones
 * (back-pressure), so at most CONN_BODY_CHUNK bytes wait here.
 */

/* Write what body holds to the sink: CONN_DONE when it took it all,
 * LOOP_WRITE when it is full, CONN_FAILED (errno). */
static int
conn_sink_put(struct conn *c)
{
	ssize_t	w;

	while (c->bodyoff < c->body.len) {
		w = write(c->reply.sink.fd, c->body.data + c->bodyoff,
		    c->body.len - c->bodyoff);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN)
			return LOOP_WRITE;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return CONN_FAILED;
		}
		c->bodyoff += (size_t)w;
	}
	c->body.len = c->bodyoff = 0;
	return CONN_DONE;
}

/* A TLS client's body records: a large slice of the socket into io.in
 * at once, rather than conn_fill()'s one flight.  As conn_fill(). */
static ssize_t
conn_body_fill(struct conn *c)
{
	ssize_t	n;

	if (buf_reserve(&c->io.in, CONN_BODY_CHUNK) == -1)
		return CONN_FAILED;
	n = read(c->fd, c->io.in.data + c->io.in.len, CONN_BODY_CHUNK);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? CONN_AGAIN :
		    CONN_FAILED;
	if (n == 0)
		return CONN_EOF;
	c->io.in.len += (size_t)n;
	return n;
}

/*
 * Read body bytes into c->body, up to what the sink still expects:
 * one read() of the socket (readable), then, for TLS, what OpenSSL can
 * decrypt from the records at hand.  Bytes, or CONN_AGAIN, CONN_EOF,
 * CONN_FAILED.
 */
static ssize_t
conn_body_read(struct conn *c, int readable)
{
	off_t	 left = c->reply.sink.size - c->received;
	size_t	 want = left < CONN_BODY_CHUNK ? (size_t)left : CONN_BODY_CHUNK;
	ssize_t	 n = CONN_AGAIN;
	int	 eof = 0;

	if (buf_reserve(&c->body, want) == -1)
		return CONN_FAILED;
	if (c->ssl != NULL && readable) {
		if ((n = conn_body_fill(c)) == CONN_FAILED)
			return n;
		eof = n == CONN_EOF;
		readable = 0;
	}
	while (c->body.len < want) {
		n = conn_recv(c, c->body.data + c->body.len,
		    want - c->body.len, readable);
		if (n <= 0)
			break;
		c->body.len += (size_t)n;
		if (c->ssl == NULL)
			break;		/* one read() */
	}
	if (c->body.len > 0)
		return (ssize_t)c->body.len;
	return eof || n == 0 ? CONN_EOF : n;
}

/* Body bytes already read from the socket, waiting in io.in or in
 * OpenSSL: no readable event will announce them. */
static int
conn_body_buffered(struct conn *c)
{
	return c->ssl != NULL && (c->io.inoff < c->io.in.len ||
	    SSL_has_pending(c->ssl));
}

/* Body bytes arrived: the request timeout moves per chunk of them. */
static void
conn_body_progress(struct conn *c, size_t n)
{
	c->received += (long long)n;
	c->progress += n;
	if (c->progress >= CONN_CHUNK) {
		c->progress = 0;
		conn_queue(c, CONN_Q_UPLOAD, loop_now_ms() +
		    (long long)conn_conf->timeout * 1000);
	}
}

/* The body is in (err 0) or will never be: the reply's hook says what
 * to answer; a client that has gone hears nothing. */
static void
conn_upload_end(struct conn *c, int err)
{
	loop_del(conn_loop, &c->srcev);
	buf_free(&c->body);
	c->bodyoff = 0;
	reply_sink_end(&c->reply, err);
	if (c->reply.out.len == 0) {
		conn_log(c);
		conn_close(c, err ? "upload cut short" : NULL);
		return;
	}
	conn_send(c);	/* a client that closed its side may still read */
}

/*
 * Wait on one side only: the sink while it is full, else the client.
 * While the sink is waited on the client is out of the loop altogether:
 * its hang-up would be reported at every turn (level triggered) though
 * its bytes may not be read yet.
 */
static void
conn_upload_wait(struct conn *c, int sink)
{
	int	rc;

	if (sink) {
		rc = loop_del(conn_loop, &c->ev);
		if (rc == 0 && c->srcev.fd == -1)
			rc = loop_add(conn_loop, &c->srcev, c->reply.sink.fd,
			    LOOP_WRITE, conn_source_io, c);
	} else {
		rc = loop_del(conn_loop, &c->srcev);
		if (rc == 0)
			rc = conn_want(c, LOOP_READ);
	}
	if (rc == -1)
		conn_upload_end(c, errno ? errno : EIO);
}

/* Move the body on: sink what is here, then read more, the socket a
 * bounded number of times per event (the bytes read are always sunk,
 * and the body judged, before waiting: a client that has sent it all
 * sends nothing more to wake us). */
static void
conn_upload_step(struct conn *c, int readable)
{
	ssize_t	n;
	int	i, rc;

	for (i = 0;; i++) {
		if ((rc = conn_sink_put(c)) == LOOP_WRITE) {
			conn_upload_wait(c, 1);
			return;
		}
		if (rc == CONN_FAILED) {
			conn_upload_end(c, errno);
			return;
		}
		if (c->received == c->reply.sink.size) {
			conn_upload_end(c, 0);
			return;
		}
		/* Past the turns only what OpenSSL holds is taken: the
		 * socket may have nothing more to wake us for it. */
		if ((i >= CONN_BODY_TURNS && !conn_body_buffered(c)) ||
		    (n = conn_body_read(c, i < CONN_BODY_TURNS &&
		    (readable || i > 0))) == CONN_AGAIN) {
			conn_upload_wait(c, 0);
			return;
		}
		if (n < 0) {
			conn_upload_end(c, ECONNRESET);
			return;
		}
		conn_body_progress(c, (size_t)n);
	}
}

/* The reply wants the request's body first: the bytes that came after
 * the request line, then the socket. */
static void
conn_upload(struct conn *c)
{
	struct reply	*r = &c->reply;
	size_t		 extra = c->inlen - r->reqlen;

	c->state = CONN_UPLOAD;
	c->received = 0;
	c->progress = 0;
	conn_queue(c, CONN_Q_UPLOAD, loop_now_ms() +
	    (long long)conn_conf->timeout * 1000);
	if ((off_t)extra > r->sink.size)
		extra = (size_t)r->sink.size;
	if (buf_append(&c->body, c->in + r->reqlen, extra) == -1) {
		conn_upload_end(c, ENOMEM);
		return;
	}
	conn_body_progress(c, extra);
	conn_upload_step(c, 0);
}

/* Hand the bytes so far to the responder; 0 when it needs more. */
static int
conn_dispatch(struct conn *c)
{
	struct request_ctx	ctx;

	ctx.conf = conn_conf;
	ctx.ratelimit = admit_ratelimit();
	ctx.now_ms = loop_now_ms();
	ctx.fd = c->fd;
	ctx.addr = c->addr;
	ctx.sni = c->sni;
	ctx.sni_host = c->sni_host;
	ctx.cert = c->cert;
	ctx.fingerprint = c->fingerprint;
	ctx.ssl = c->ssl;
	if (!c->front->respond(&ctx, c->in, c->inlen, &c->reply))
		return 0;
	if (c->reply.sink.commit != NULL)
		conn_upload(c);
	else
		conn_send(c);
	return 1;
}

/*
 * Read request bytes until the responder has a verdict or nothing more
 * is at hand.  A TLS client's request usually came with its Finished,
 * in the same read.
 */
static void
conn_read_request(struct conn *c, int readable)
{
	ssize_t	n;

	while (c->state == CONN_REQUEST) {
		if (c->inlen >= CONN_IN_MAX) {
			conn_dispatch(c);
			return;
		}
		n = conn_read_plain(c, readable);
		readable = 0;	/* one read() per event */
		if (n == CONN_AGAIN) {
			conn_flush_then(c, LOOP_READ, "write failed");
			return;
		}
		if (n < 0) {
			conn_close(c, "closed before a full request");
			return;
		}
		c->inlen += (size_t)n;
		c->in[c->inlen] = '\0';
		if (conn_dispatch(c))
			return;
	}
}

/*
 * A TLS 1.3 client's Finished gets no answer from us (no tickets by
 * default), so the kernel delays its ACK, and a client with Nagle on
 * holds its request line until that ACK: 40 ms per request.  ACK now.
 */
static void
conn_quickack(struct conn *c)
{
	int	on = 1;

	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
}

/* What the handshake tells the responders: SNI and client certificate. */
static void
conn_peer(struct conn *c)
{
	c->sni_host = tls_sni_host(c->ssl, c->sni, sizeof(c->sni));
	switch (tls_peer_fingerprint(c->ssl, c->fingerprint)) {
	case TLS_PEER_NONE:
		c->cert = REQUEST_CERT_NONE;
		break;
	case TLS_PEER_OK:
		c->cert = REQUEST_CERT_OK;
		break;
	case TLS_PEER_INVALID:
		c->cert = REQUEST_CERT_INVALID;
		break;
	}
}

/*
 * The TLS object is made only once the whole ClientHello is in (read
 * into io.in, counted across records by hello.c): OpenSSL allocates
 * about 45 KB for it, which a client trickling bytes would otherwise
 * hold until the request timeout (1000 such clients: 47 MB instead of
 * 2 MB).  1: go on, 0: wait.
 */
static int
conn_hello(struct conn *c)
{
	struct tls_io	*io = &c->io;

	if (io->in.len == io->inoff || hello_need((unsigned char *)io->in.data +
	    io->inoff, io->in.len - io->inoff, CONN_RECORD_MAX) != 0)
		return 0;
	if ((c->ssl = tls_new(io)) == NULL) {
		conn_close(c, "cannot set up TLS");
		return -1;
	}
	return 1;
}

static void
conn_handshake(struct conn *c, int readable)
{
	ssize_t	n;

	if (readable && (n = conn_fill(c)) < 0 && n != CONN_AGAIN) {
		conn_close(c, c->keywait ? "client gone while the key process "
		    "signed" : "closed before a TLS handshake");
		return;
	}
	/* Bytes that come while the key process signs wait in io.in: the
	 * handshake goes on when the answer does (fd -1, not readable).
	 * A client has a record or two to send before our flight: past
	 * that it is read no more until then (a stalled key process must
	 * not let one client fill the worker's memory). */
	if (c->keywait && readable) {
		if (c->io.in.len - c->io.inoff > CONN_KEYWAIT_IN_MAX &&
		    conn_want(c, LOOP_HUP) == -1)
			conn_close(c, "cannot wait for the key process");
		return;
	}
	c->keywait = 0;
	if (c->ssl == NULL) {
		switch (conn_hello(c)) {
		case 0:
			conn_want(c, LOOP_READ);
			/* FALLTHROUGH */
		case -1:
			return;
		}
	}
	switch (tls_handshake(c->ssl)) {
	case TLS_DONE:
		conn_quickack(c);
		conn_peer(c);
		c->state = CONN_REQUEST;
		conn_read_request(c, 0);	/* it came with the Finished */
		break;
	case TLS_WANT_READ:
		conn_flush_then(c, LOOP_READ, "write failed");
		break;
	case TLS_WANT_ASYNC:
		/* The key process signs: the rest of the flight waits for
		 * it.  Watching the client for what it will want next
		 * anyway (reading) also sees it hang up meanwhile. */
		if (conn_want(c, LOOP_READ) == -1) {
			conn_close(c, "cannot wait for the key process");
			break;
		}
		c->keywait = 1;
		tls_async_wait(c->ssl, conn_loop, conn_io, c);
		break;
	default:
		(void)conn_flush(c);	/* the alert, if it fits */
		conn_close(c, "TLS handshake failed");
		break;
	}
}

/*
 * The PROXY header names the real client: from here on logs, rate
 * limits and the per-address cap see it, not the load balancer.  Its
 * bytes are read into io.in like the ClientHello that follows it; a
 * plain-text front end's first request bytes move on to c->in.
 */
static void
conn_proxy(struct conn *c, int readable)
{
	struct tls_io		*io = &c->io;
	struct proxy_header	 h;
	const char		*errstr = NULL;
	ssize_t			 n, used;
	size_t			 rest;

	if (readable && (n = conn_fill(c)) < 0 && n != CONN_AGAIN) {
		conn_close(c, "closed before the PROXY header");
		return;
	}
	used = io->in.len == 0 ? 0 : proxy_parse((unsigned char *)io->in.data,
	    io->in.len, &h, &errstr);
	if (used == 0 && io->in.len < CONN_PROXY_MAX) {
		conn_want(c, LOOP_READ);
		return;
	}
	if (used <= 0) {
		conn_close(c, errstr ? errstr : "PROXY header too long");
		return;
	}
	io->inoff = (size_t)used;
	if (!h.local) {
		if (admit_move(&c->addrslot, h.src) == -1) {
			conn_close(c, "per-address cap reached");
			return;
		}
		snprintf(c->addr, sizeof(c->addr), "%s", h.src);
	}
	if (c->front->tls) {
		c->state = CONN_HANDSHAKE;
		return;
	}
	rest = io->in.len - io->inoff;
	if (rest > CONN_IN_MAX)
		rest = CONN_IN_MAX;
	memcpy(c->in, io->in.data + io->inoff, rest);
	c->inlen = rest;
	c->in[rest] = '\0';
	buf_free(&io->in);
	io->inoff = 0;
	c->state = CONN_REQUEST;
}

/* One step of the state machine; readable: the socket may have bytes. */
static void
conn_step(struct conn *c, int readable)
{
	switch (c->state) {
	case CONN_PROXY:
		conn_proxy(c, readable);
		if (c->state == CONN_HANDSHAKE)
			conn_handshake(c, 0);
		else if (c->state == CONN_REQUEST && c->inlen > 0 &&
		    !conn_dispatch(c))
			conn_want(c, LOOP_READ);
		else if (c->state == CONN_REQUEST && c->inlen == 0)
			conn_want(c, LOOP_READ);
		break;
	case CONN_HANDSHAKE:
		conn_handshake(c, readable);
		break;
	case CONN_REQUEST:
		conn_read_request(c, readable);
		break;
	case CONN_UPLOAD:
		conn_upload_step(c, readable);
		break;
	case CONN_RESPOND:
		if (c->srcev.fd != -1 || c->reply.source == REPLY_PENDING)
			conn_gone(c);
		else
			conn_send(c);
		break;
	case CONN_SHUTDOWN:
		conn_send(c);
		break;
	case CONN_LINGER:
		conn_drain(c);
		break;
	case CONN_CLOSED:
		break;
	}
}

static void
conn_io(int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	/* A quiet client hung up while its reply waits (conn_gone()). */
	if ((events & LOOP_HUP) && c->client_quiet &&
	    c->state == CONN_RESPOND) {
		conn_log(c);
		conn_close(c, "client went away");
		return;
	}
	conn_step(c, events & LOOP_READ);
}
