/*
 * conn.c: the connection state machine: TLS handshake, request line,
 * response streaming with back-pressure, close_notify, timeouts.
 *
 * Parsing is not done here: the request bytes go to the pure parsers
 * through gemini_respond()/gopher_respond().
 */
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "conn.h"
#include "gemini.h"
#include "gopher.h"
#include "hello.h"
#include "log.h"
#include "proxy.h"
#include "ratelimit.h"
#include "tls.h"

#define CONN_PERIP_SLOTS	65536

/*
 * Two timeout queues, each in deadline order because each has one
 * timeout: the request phase has a fixed deadline from accept (so a
 * client trickling bytes cannot extend it), the write phase a deadline
 * pushed back on every bit of progress.
 */
enum {
	CONN_Q_NONE,
	CONN_Q_REQUEST,
	CONN_Q_WRITE
};

TAILQ_HEAD(conn_list, conn);

static struct conn_list		 conn_reqq = TAILQ_HEAD_INITIALIZER(conn_reqq);
static struct conn_list		 conn_writeq =
				    TAILQ_HEAD_INITIALIZER(conn_writeq);
static struct conn_list		 conn_dead = TAILQ_HEAD_INITIALIZER(conn_dead);
static struct loop		*conn_loop;
static const struct conf	*conn_conf;
static int			 conn_active;
static unsigned short		 conn_perip[CONN_PERIP_SLOTS];
static int			 conn_perip_cap = 65535;

static void	conn_io(int, int, void *);

long long
conn_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
conn_setup(struct loop *loop, const struct conf *conf, int perip_cap)
{
	conn_loop = loop;
	conn_conf = conf;
	conn_perip_cap = perip_cap;
}

int
conn_count(void)
{
	return conn_active;
}

/* One slot per client (an IPv6 /64 counts as one); collisions only make
 * the cap a little stricter. */
unsigned
conn_addr_slot(const char *addr)
{
	return ratelimit_hash(addr) % CONN_PERIP_SLOTS;
}

int
conn_addr_count(unsigned slot)
{
	return conn_perip[slot];
}

static void
conn_queue(struct conn *c, int queue, long long deadline)
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

static void
conn_printable(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t bufsize)
{
	if (getnameinfo(sa, salen, buf, bufsize, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, bufsize, "?");
}

/* Asked only when a request names an IP address: a system call saved on
 * every other request. */
int
conn_local_addr(const struct conn *c, char *buf, size_t bufsize)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sizeof(ss);

	if (getsockname(c->fd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	conn_printable((struct sockaddr *)&ss, sslen, buf, bufsize);
	return 0;
}

struct conn *
conn_new(int fd, const struct listener *l, const char *addr)
{
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	c->filefd = -1;
	c->proto = l->proto;
	c->sni_host = -1;
	c->lowat = 1;
	c->start_ms = conn_now_ms();
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	if (conn_proxy_policy(c->proto, addr) == 1)
		c->state = CONN_PROXY;
	else if (c->proto == LISTEN_GEMINI)
		c->state = CONN_HANDSHAKE;	/* TLS object: conn_hello() */
	else
		c->state = CONN_REQUEST;
	if (loop_add(conn_loop, &c->ev, fd, LOOP_READ, conn_io, c) == -1) {
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	c->ipslot = conn_addr_slot(c->addr);
	conn_perip[c->ipslot]++;
	conn_active++;
	conn_queue(c, CONN_Q_REQUEST, c->start_ms +
	    (long long)conn_conf->timeout * 1000);
	return c;
}

void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	if (why != NULL)
		log_debug("%s: closed: %s", c->addr, why);
	loop_del(conn_loop, &c->ev);
	conn_queue(c, CONN_Q_NONE, 0);
	if (c->filefd != -1)
		close(c->filefd);
	c->filefd = -1;
	tls_ssl_free(c->ssl);	/* keys branch: before close(), see tls.h */
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
	conn_perip[c->ipslot]--;
	conn_active--;
	c->state = CONN_CLOSED;
	TAILQ_INSERT_TAIL(&conn_dead, c, entry);
}

void
conn_reap(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conn_dead)) != NULL) {
		TAILQ_REMOVE(&conn_dead, c, entry);
		buf_free(&c->out);
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

int
conn_header(struct conn *c, int status, const char *meta)
{
	c->status = status;
	buf_reset(&c->out);
	c->outoff = 0;
	return buf_printf(&c->out, "%02d %.1024s\r\n", status, meta);
}

void
conn_body_file(struct conn *c, int fd, off_t size)
{
	if (c->filefd != -1)
		close(c->filefd);
	c->filefd = fd;
	c->fileleft = size;
}

int
conn_body(struct conn *c, const void *p, size_t len)
{
	return buf_append(&c->out, p, len);
}

/*
 * Refill the output buffer from the file once it has drained (the
 * watermark is "empty": a client that does not read holds at most one
 * chunk of ours).  The header shares the first chunk, so a small page
 * goes out in one SSL_write and one TLS record.
 */
static int
conn_refill(struct conn *c)
{
	ssize_t	n;
	size_t	want;

	if (c->filefd == -1 || c->out.len - c->outoff >= CONN_CHUNK)
		return 0;
	if (c->outoff > 0) {
		memmove(c->out.data, c->out.data + c->outoff,
		    c->out.len - c->outoff);
		c->out.len -= c->outoff;
		c->outoff = 0;
	}
	want = CONN_CHUNK;
	if ((off_t)want > c->fileleft)
		want = (size_t)c->fileleft;
	if (buf_reserve(&c->out, want) == -1)
		return -1;
	n = want ? read(c->filefd, c->out.data + c->out.len, want) : 0;
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	c->out.len += (size_t)n;
	c->fileleft -= n;
	/* EOF, or the file shrank under us: send what we have and stop. */
	if (n == 0 || c->fileleft <= 0) {
		close(c->filefd);
		c->filefd = -1;
	}
	return 0;
}

/* Write pending output; returns the loop interest still needed, 0 when
 * everything is out, -1 on error. */
static int
conn_write_some(struct conn *c)
{
	enum tls_result	r;
	size_t		n;
	ssize_t		w;

	while (c->outoff < c->out.len || c->filefd != -1) {
		if (conn_refill(c) == -1)
			return -1;
		if (c->outoff == c->out.len)
			break;
		if (c->ssl != NULL) {
			r = tls_write(c->ssl, c->out.data + c->outoff,
			    c->out.len - c->outoff, &n);
			if (r == TLS_WANT_WRITE)
				return LOOP_WRITE;
			if (r == TLS_WANT_READ)
				return LOOP_READ;
			if (r != TLS_DONE)
				return -1;
		} else {
			w = write(c->fd, c->out.data + c->outoff,
			    c->out.len - c->outoff);
			if (w == -1 && errno == EAGAIN)
				return LOOP_WRITE;
			if (w <= 0)
				return -1;
			n = (size_t)w;
		}
		c->outoff += n;
		c->bytes += (long long)n;
		/*
		 * The deadline moves only for a chunk's worth of progress: a
		 * reader taking one record per write-timeout would otherwise
		 * hold the connection for hours.  The floor this sets is
		 * CONN_CHUNK bytes per write-timeout (32 KiB / 30 s).
		 */
		c->progress += n;
		if (c->progress >= CONN_CHUNK) {
			c->progress = 0;
			conn_queue(c, CONN_Q_WRITE, conn_now_ms() +
			    (long long)conn_conf->write_timeout * 1000);
		}
	}
	return 0;
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
	access_log(c);
	conn_close(c, NULL);
}

void
conn_send(struct conn *c)
{
	int	want;

	c->state = CONN_RESPOND;
	if (c->queue != CONN_Q_WRITE)
		conn_queue(c, CONN_Q_WRITE, conn_now_ms() +
		    (long long)conn_conf->write_timeout * 1000);
	want = conn_write_some(c);
	if (want == -1) {
		access_log(c);
		conn_close(c, "write failed");
	} else if (want != 0)
		loop_mod(conn_loop, &c->ev, want);
	else
		conn_finish(c);
}

/* Hand the bytes so far to the protocol; 0 when it needs more. */
static int
conn_dispatch(struct conn *c)
{
	if (c->proto == LISTEN_GEMINI)
		return gemini_respond(c);
	return gopher_respond(c);
}

/*
 * Read request bytes until the parser has a verdict or the socket is
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
 * The TLS object is made only once the first record (the ClientHello)
 * is whole in the socket buffer: OpenSSL allocates about 45 KB at its
 * first read, which a client trickling bytes would hold until the
 * request timeout (1000 such clients: 47 MB instead of 2 MB).  Until
 * then SO_RCVLOWAT keeps epoll quiet.  1: go on, 0: wait, -1: EOF.
 */
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
		c->state = CONN_REQUEST;
		c->sni_host = tls_sni_host(c->ssl, c->sni, sizeof(c->sni));
		conn_read_request(c);	/* read-ahead may hold it already */
		break;
	case TLS_WANT_READ:
		loop_mod(conn_loop, &c->ev, LOOP_READ);
		break;
	case TLS_WANT_WRITE:
		loop_mod(conn_loop, &c->ev, LOOP_WRITE);
		break;
	case TLS_WANT_ASYNC:	/* keys branch: the key process signs */
		loop_mod(conn_loop, &c->ev, 0);
		tls_async_wait(c->ssl, conn_loop, conn_io, c);
		break;
	default:
		conn_close(c, "TLS handshake failed");
		break;
	}
}

int
conn_proxy_policy(enum listen_proto proto, const char *addr)
{
	int	i;

	if (proto == LISTEN_GEMINI ? !conn_conf->proxy_gemini :
	    !conn_conf->proxy_gopher)
		return 0;
	if (conn_conf->nproxy_from == 0)
		return 1;
	/* conf.c keeps proxy-from in getnameinfo()'s form (the listeners
	 * are IPv6-only, so an IPv4 peer is never written ::ffff:...). */
	for (i = 0; i < conn_conf->nproxy_from; i++)
		if (strcmp(conn_conf->proxy_from[i], addr) == 0)
			return 1;
	return -1;
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
	unsigned		 slot;

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
		slot = conn_addr_slot(h.src);
		if (conn_perip[slot] >= conn_perip_cap) {
			conn_close(c, "per-address cap reached");
			return;
		}
		conn_perip[c->ipslot]--;
		c->ipslot = slot;
		conn_perip[slot]++;
		snprintf(c->addr, sizeof(c->addr), "%s", h.src);
	}
	c->state = c->proto == LISTEN_GEMINI ? CONN_HANDSHAKE : CONN_REQUEST;
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
		conn_send(c);
		break;
	case CONN_SHUTDOWN:
		conn_finish(c);
		break;
	case CONN_CLOSED:
		break;
	}
}
