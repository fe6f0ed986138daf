/*
 * conn.c: the connection state machine: PROXY header, TLS handshake,
 * request bytes, the reply sent with back-pressure, close_notify,
 * timeouts.
 *
 * Nothing is parsed or decided here: the request bytes go to the front
 * end's responder (reply.h) and its reply comes back as bytes and a body
 * source to move.  The PROXY header and the ClientHello length are read
 * by the pure proxy.c and hello.c.
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
#define CONN_CHUNK	(32 * 1024) /* body bytes read per refill */
#define CONN_PROXY_MAX	536	/* PROXY v1, or v2 with a few TLVs */
#define CONN_RECORD_MAX	(5 + 16384 + 256) /* TLS record, RFC 8446 5.1 */
#define CONN_FPR_MAX	64	/* SHA-256 in hex */

enum conn_state {
	CONN_PROXY,		/* waiting for the PROXY protocol header */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_REQUEST,		/* waiting for the request */
	CONN_RESPOND,		/* sending the reply */
	CONN_SHUTDOWN,		/* sending close_notify */
	CONN_CLOSED		/* waiting to be freed */
};

/*
 * Two timeout queues, each in deadline order because each has one
 * timeout: the request phase has a fixed deadline from accept (so a
 * client trickling bytes cannot extend it), the write phase a deadline
 * pushed back on every chunk of progress.
 */
enum conn_queue {
	CONN_Q_NONE,
	CONN_Q_REQUEST,
	CONN_Q_WRITE
};

/* conn_write_some()'s verdicts besides the loop interests. */
#define CONN_SENT	0	/* everything is out */
#define CONN_FAILED	(-1)
#define CONN_WAIT_SOURCE (-2)	/* the stream has nothing for now */

struct conn {
	struct loop_ev		 ev;
	int			 fd;
	const struct conn_front	*front;
	enum conn_state		 state;
	SSL			*ssl;	/* made by conn_hello() */
	int			 lowat;	/* SO_RCVLOWAT, 1 by default */
	size_t			 peeked;	/* bytes seen by the last peek */
	char			 addr[LISTEN_ADDR_MAX];	/* client, printable */
	char			 sni[CONF_NAME_MAX + 1];
	int			 sni_host;	/* host index or -1 */
	enum request_cert	 cert;
	char			 fingerprint[CONN_FPR_MAX + 1];

	char			 in[CONN_IN_MAX + 1];
	size_t			 inlen;

	struct reply		 reply;		/* what the responder said */
	struct loop_ev		 srcev;		/* its stream, when waited on */
	int			 client_quiet;	/* sent bytes while we waited */
	size_t			 outoff;	/* of reply.out sent */
	long long		 bytes;		/* sent to the client */
	size_t			 progress;	/* sent since the deadline moved */

	long long		 start_ms;
	long long		 deadline_ms;
	enum conn_queue		 queue;
	TAILQ_ENTRY(conn)	 entry;
	unsigned		 addrslot;	/* admit.c's count of addr */
};

TAILQ_HEAD(conn_list, conn);

static struct conn_list		 conn_reqq = TAILQ_HEAD_INITIALIZER(conn_reqq);
static struct conn_list		 conn_writeq =
				    TAILQ_HEAD_INITIALIZER(conn_writeq);
static struct conn_list		 conn_dead = TAILQ_HEAD_INITIALIZER(conn_dead);
static struct loop		*conn_loop;
static const struct conf	*conn_conf;

static void	conn_io(int, int, void *);
static void	conn_source_io(int, int, void *);
static void	conn_send(struct conn *);

void
conn_setup(struct loop *loop, const struct conf *conf)
{
	conn_loop = loop;
	conn_conf = conf;
}

static void
conn_queue(struct conn *c, enum conn_queue queue, long long deadline)
{
	if (c->queue == CONN_Q_REQUEST)
		TAILQ_REMOVE(&conn_reqq, c, entry);
	else if (c->queue == CONN_Q_WRITE)
		TAILQ_REMOVE(&conn_writeq, c, entry);
	c->queue = queue;
	c->deadline_ms = deadline;
	if (queue == CONN_Q_REQUEST)
		TAILQ_INSERT_TAIL(&conn_reqq, c, entry);
	else if (queue == CONN_Q_WRITE)
		TAILQ_INSERT_TAIL(&conn_writeq, c, entry);
}

int
conn_new(int fd, const struct conn_front *front, const char *addr,
    int proxy)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->fd = fd;
	c->front = front;
	c->sni_host = -1;
	c->lowat = 1;
	c->srcev.fd = -1;
	reply_init(&c->reply);
	c->start_ms = loop_now_ms();
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	if (proxy)
		c->state = CONN_PROXY;
	else if (front->tls)
		c->state = CONN_HANDSHAKE;	/* TLS object: conn_hello() */
	else
		c->state = CONN_REQUEST;
	if (loop_add(conn_loop, &c->ev, fd, LOOP_READ, conn_io, c) == -1) {
		free(c);
		return -1;
	}
	c->addrslot = admit_enter(c->addr);
	conn_queue(c, CONN_Q_REQUEST, c->start_ms +
	    (long long)conn_conf->timeout * 1000);
	return 0;
}

/* Stop reading the reply's stream or file (EOF, or the end). */
static void
conn_source_close(struct conn *c)
{
	loop_del(conn_loop, &c->srcev);
	reply_end_source(&c->reply);
}

/* Tear down now (idempotent); the memory goes at conn_reap(). */
static void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	if (why != NULL)
		log_debug("%s: closed: %s", c->addr, why);
	loop_del(conn_loop, &c->ev);
	conn_queue(c, CONN_Q_NONE, 0);
	conn_source_close(c);
	SSL_free(c->ssl);
	c->ssl = NULL;
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
		free(c);
	}
}

static void
conn_expire(struct conn_list *q, long long now, const char *why)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(q)) != NULL && c->deadline_ms <= now)
		conn_close(c, why);
}

void
conn_sweep(long long now)
{
	conn_expire(&conn_reqq, now, "request timeout");
	conn_expire(&conn_writeq, now, "write timeout");
}

void
conn_close_all(const char *why)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conn_reqq)) != NULL)
		conn_close(c, why);
	while ((c = TAILQ_FIRST(&conn_writeq)) != NULL)
		conn_close(c, why);
	conn_reap();
}

/* The one access-log line of a request, however it ended. */
static void
conn_log(const struct conn *c)
{
	struct access_entry	e;

	e.proto = c->front->name;
	e.addr = c->addr;
	e.request = c->in;
	/* A request cut short has no parsed length: log what arrived. */
	e.reqlen = c->reply.reqlen ? c->reply.reqlen : c->inlen;
	e.status = c->reply.status;
	e.bytes = c->bytes;
	e.ms = loop_now_ms() - c->start_ms;
	e.fingerprint = c->fingerprint;
	access_log(conn_conf, &e);
}

/*
 * Refill reply.out from the body source once it has drained (the
 * watermark is "empty": a client that does not read holds at most one
 * chunk of ours, and a stream is not read while the client is behind).
 * The reply's first bytes share the first chunk, so a small page goes
 * out in one SSL_write and one TLS record.  0, CONN_WAIT_SOURCE when a
 * stream has nothing yet, CONN_FAILED on a read error.
 */
static int
conn_refill(struct conn *c)
{
	struct reply	*r = &c->reply;
	ssize_t		 n;
	size_t		 want = CONN_CHUNK;

	if (r->fd == -1 || r->out.len - c->outoff >= CONN_CHUNK)
		return 0;
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
		return r->source == REPLY_STREAM ? CONN_WAIT_SOURCE : 0;
	if (n == -1)
		return CONN_FAILED;
	r->out.len += (size_t)n;
	if (r->source == REPLY_FILE)
		r->size -= n;
	/* EOF, or the file shrank under us: send what we have and stop. */
	if (n == 0 || (r->source == REPLY_FILE && r->size <= 0))
		conn_source_close(c);
	return 0;
}

/* Send bytes[0..len) to the client: bytes written, or a loop interest
 * to wait for (negated), or CONN_FAILED. */
static ssize_t
conn_write(struct conn *c, const char *bytes, size_t len)
{
	enum tls_result	r;
	size_t		n;
	ssize_t		w;

	if (c->ssl == NULL) {
		w = write(c->fd, bytes, len);
		if (w == -1 && errno == EAGAIN)
			return -LOOP_WRITE;
		return w <= 0 ? CONN_FAILED : w;
	}
	r = tls_write(c->ssl, bytes, len, &n);
	if (r == TLS_DONE)
		return (ssize_t)n;
	if (r == TLS_WANT_WRITE)
		return -LOOP_WRITE;
	if (r == TLS_WANT_READ)
		return -LOOP_READ;
	return CONN_FAILED;
}

/* Write pending output: CONN_SENT when all is out, a loop interest
 * (LOOP_READ, LOOP_WRITE) to wait for, CONN_WAIT_SOURCE or CONN_FAILED. */
static int
conn_write_some(struct conn *c)
{
	struct reply	*r = &c->reply;
	ssize_t		 n;
	int		 rc;

	while (c->outoff < r->out.len || r->fd != -1) {
		if ((rc = conn_refill(c)) == CONN_FAILED)
			return CONN_FAILED;
		if (c->outoff == r->out.len) {
			if (rc == CONN_WAIT_SOURCE)
				return CONN_WAIT_SOURCE;
			continue;	/* a source at EOF was just closed */
		}
		n = conn_write(c, r->out.data + c->outoff,
		    r->out.len - c->outoff);
		if (n == CONN_FAILED)
			return CONN_FAILED;
		if (n < 0)
			return (int)-n;
		c->outoff += (size_t)n;
		c->bytes += n;
		/*
		 * The deadline moves only for a chunk's worth of progress: a
		 * reader taking one record per write-timeout would otherwise
		 * hold the connection for hours.  The floor this sets is
		 * CONN_CHUNK bytes per write-timeout (32 KiB / 30 s).
		 */
		c->progress += (size_t)n;
		if (c->progress >= CONN_CHUNK) {
			c->progress = 0;
			conn_queue(c, CONN_Q_WRITE, loop_now_ms() +
			    (long long)conn_conf->write_timeout * 1000);
		}
	}
	return CONN_SENT;
}

/*
 * Wait for one side only: the client (events) while it is behind, or
 * the reply's stream while it has nothing, never both, so that neither
 * a full socket nor a dry pipe can spin the loop.  While the client is
 * waited on, the stream is out of the loop altogether: a pipe whose
 * writer has gone would report its hang-up at every turn (level
 * triggered) though we may not read it yet.  While the stream is waited
 * on, the client is watched for its going away (conn_gone()).
 */
static int
conn_wait(struct conn *c, int client_events, int source_events)
{
	if (source_events != 0 && !c->client_quiet)
		client_events = LOOP_READ;
	if (loop_mod(conn_loop, &c->ev, client_events) == -1)
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
 * unread and the client is then heard from only on a hang-up or at the
 * next write, so that they cannot spin the loop.
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
	loop_mod(conn_loop, &c->ev, 0);
}

static void
conn_finish(struct conn *c)
{
	enum tls_result	r;

	if (c->ssl != NULL) {
		c->state = CONN_SHUTDOWN;
		r = tls_shutdown(c->ssl);
		if (r == TLS_WANT_WRITE || r == TLS_WANT_READ) {
			loop_mod(conn_loop, &c->ev, r == TLS_WANT_WRITE ?
			    LOOP_WRITE : LOOP_READ);
			return;
		}
	}
	conn_log(c);
	conn_close(c, NULL);
}

static void
conn_send(struct conn *c)
{
	int	rc;

	if (c->state != CONN_RESPOND) {
		c->state = CONN_RESPOND;
		conn_queue(c, CONN_Q_WRITE, loop_now_ms() +
		    (long long)conn_conf->write_timeout * 1000);
	}
	switch (rc = conn_write_some(c)) {
	case CONN_SENT:
		conn_finish(c);
		return;
	case CONN_WAIT_SOURCE:
		rc = conn_wait(c, 0, LOOP_READ);
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

/* The reply's stream has bytes (or EOF) for the client. */
static void
conn_source_io(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	conn_send(arg);
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
	if (!c->front->respond(&ctx, c->in, c->inlen, &c->reply))
		return 0;
	conn_send(c);
	return 1;
}

/*
 * Read request bytes until the responder has a verdict or the socket is
 * dry.  With read-ahead OpenSSL may hold a second record already, so
 * keep reading rather than wait for an event that will not come.
 */
static void
conn_read_request(struct conn *c)
{
	enum tls_result	r;
	size_t		n;
	ssize_t		rd;

	while (c->state == CONN_REQUEST) {
		if (c->inlen >= CONN_IN_MAX) {
			conn_dispatch(c);
			return;
		}
		if (c->ssl != NULL) {
			r = tls_read(c->ssl, c->in + c->inlen,
			    CONN_IN_MAX - c->inlen, &n);
			if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
				loop_mod(conn_loop, &c->ev,
				    r == TLS_WANT_READ ? LOOP_READ : LOOP_WRITE);
				return;
			}
			if (r != TLS_DONE) {
				conn_close(c, "closed before a full request");
				return;
			}
		} else {
			rd = read(c->fd, c->in + c->inlen,
			    CONN_IN_MAX - c->inlen);
			if (rd == -1 && errno == EAGAIN)
				return;
			if (rd <= 0) {
				conn_close(c, "closed before a full request");
				return;
			}
			n = (size_t)rd;
		}
		c->inlen += n;
		c->in[c->inlen] = '\0';
		if (conn_dispatch(c))
			return;
	}
}

/*
 * Peeked bytes stay in the socket, so level-triggered epoll would wake
 * us again at once: ask the kernel to wait until want bytes are there.
 * Woken with no more bytes than last time means the peer has shut its
 * side (EOF keeps a socket readable whatever the low-water mark): -1,
 * so a half-sent header followed by FIN cannot spin the worker.
 */
static int
conn_peek_wait(struct conn *c, size_t n, int want)
{
	if (n == c->peeked)
		return -1;
	c->peeked = n;
	if (want != c->lowat && setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT,
	    &want, sizeof(want)) == 0)
		c->lowat = want;
	return 0;
}

/* The header is whole: back to waking on any byte. */
static void
conn_peek_done(struct conn *c)
{
	int	one = 1;

	c->peeked = 0;
	if (c->lowat != 1 && setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT,
	    &one, sizeof(one)) == 0)
		c->lowat = 1;
}

/*
 * The TLS object is made only once the first record (the ClientHello)
 * is whole in the socket buffer: OpenSSL allocates about 45 KB at its
 * first read, which a client trickling bytes would hold until the
 * request timeout (1000 such clients: 47 MB instead of 2 MB).  Until
 * then SO_RCVLOWAT keeps epoll quiet.  1: go on, 0: wait, -1: EOF.
 */
static int
conn_hello(struct conn *c)
{
	static unsigned char	rec[CONN_RECORD_MAX];
	ssize_t			n;
	int			need;

	n = recv(c->fd, rec, sizeof(rec), MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	/* Whole, or not a handshake at all: OpenSSL's turn (it says what
	 * is wrong with bad bytes). */
	if ((need = (int)hello_need(rec, (size_t)n, sizeof(rec))) == 0) {
		conn_peek_done(c);
		return 1;
	}
	return conn_peek_wait(c, (size_t)n, need) == -1 ? -1 : 0;
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

static void
conn_handshake(struct conn *c)
{
	if (c->ssl == NULL) {
		switch (conn_hello(c)) {
		case 0:
			return;
		case -1:
			conn_close(c, "closed before a TLS handshake");
			return;
		}
		if ((c->ssl = tls_new(c->fd)) == NULL) {
			conn_close(c, "cannot set up TLS");
			return;
		}
	}
	switch (tls_handshake(c->ssl)) {
	case TLS_DONE:
		conn_quickack(c);
		conn_peer(c);
		c->state = CONN_REQUEST;
		conn_read_request(c);	/* read-ahead may hold it already */
		break;
	case TLS_WANT_READ:
		loop_mod(conn_loop, &c->ev, LOOP_READ);
		break;
	case TLS_WANT_WRITE:
		loop_mod(conn_loop, &c->ev, LOOP_WRITE);
		break;
	default:
		conn_close(c, "TLS handshake failed");
		break;
	}
}

/*
 * The PROXY header names the real client: from here on logs, rate
 * limits and the per-address cap see it, not the load balancer.  The
 * header is peeked, then exactly its bytes are consumed, so the client's
 * own first bytes (a ClientHello) stay in the socket for conn_hello().
 */
static void
conn_proxy(struct conn *c)
{
	unsigned char		 buf[CONN_PROXY_MAX];
	struct proxy_header	 h;
	const char		*errstr = NULL;
	ssize_t			 n, used;

	n = recv(c->fd, buf, sizeof(buf), MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c, "closed before the PROXY header");
		return;
	}
	used = proxy_parse(buf, (size_t)n, &h, &errstr);
	if (used == 0 && (size_t)n < sizeof(buf)) {
		if (conn_peek_wait(c, (size_t)n, (int)n + 1) == -1)
			conn_close(c, "closed inside the PROXY header");
		return;
	}
	conn_peek_done(c);
	if (used <= 0) {
		conn_close(c, errstr ? errstr : "PROXY header too long");
		return;
	}
	if (recv(c->fd, buf, (size_t)used, 0) != used) {
		conn_close(c, "cannot read the PROXY header");
		return;
	}
	if (!h.local) {
		if (admit_move(&c->addrslot, h.src) == -1) {
			conn_close(c, "per-address cap reached");
			return;
		}
		snprintf(c->addr, sizeof(c->addr), "%s", h.src);
	}
	c->state = c->front->tls ? CONN_HANDSHAKE : CONN_REQUEST;
}

static void
conn_io(int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)events;
	switch (c->state) {
	case CONN_PROXY:
		conn_proxy(c);
		break;
	case CONN_HANDSHAKE:
		conn_handshake(c);
		break;
	case CONN_REQUEST:
		conn_read_request(c);
		break;
	case CONN_RESPOND:
		if (c->srcev.fd != -1)
			conn_gone(c);
		else
			conn_send(c);
		break;
	case CONN_SHUTDOWN:
		conn_finish(c);
		break;
	case CONN_CLOSED:
		break;
	}
}
