/*
 * tlsceiling: the least an OpenSSL 3.0 Gemini server can do per request,
 * to measure the crypto ceiling that capsuled is compared against.
 *
 * Build (tests/bench/bench.sh does this):
 *	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
 *	    -Wmissing-prototypes -Wstrict-prototypes -O2 \
 *	    -o tests/bench/tlsceiling tests/bench/tlsceiling.c \
 *	    $(pkg-config --cflags --libs openssl)
 *
 * Usage: tlsceiling -C cert -K key [-b bytes] [-l addr] [-p port]
 *	[-T tickets]
 *
 * One thread, level-triggered epoll, non-blocking accept4 and the
 * handshake started at once; read the request line, answer
 * "20 text/gemini\r\n" and a fixed 2 KB body in one SSL_write (one
 * record), SSL_shutdown once, close.  No parsing, no files, no timeouts,
 * no log: anything capsuled does beyond this is its own overhead.
 *
 * Every lever measured to help is pulled (shared/notes/tls-performance.md
 * and capsuled's own runs): ECDSA, no tickets, AES-128-GCM first,
 * TCP_DEFER_ACCEPT, and for a page memory BIOs, so that each client
 * flight is one read() and each server flight one write(), the reply
 * and its close_notify together.
 *
 * With -b the body is that many bytes from memory instead, sent in
 * SSL_writes of one full record (16 KB) each straight to the socket
 * (SSL_set_fd: no copy through a memory BIO): the ceiling for a large
 * file, which is what OpenSSL and loopback TCP allow one core when no
 * file has to be read.  Runs until SIGINT or SIGTERM.
 */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define BODY_LEN	2048
#define BODY_MAX	(1024L * 1024 * 1024)
#define RECORD_LEN	16384	/* plaintext of one full TLS record */
#define REQ_MAX		1026	/* 1024-byte URL + CRLF */
#define BACKLOG		1024
#define DEFER_SECS	5	/* TCP_DEFER_ACCEPT: wait for ClientHello */

enum sstate {
	SS_FREE,
	SS_HANDSHAKE,
	SS_READ,
	SS_WRITE,
	SS_FLUSH		/* memory BIOs: the last bytes going out */
};

struct sconn {
	SSL		*ssl;
	BIO		*rbio, *wbio;	/* memory mode, else NULL */
	enum sstate	 state;
	uint32_t	 events;	/* registered with epoll */
	size_t		 reqlen;
	size_t		 sent;		/* bytes of the response */
	char		 req[REQ_MAX];
};

struct server {
	SSL_CTX		*ctx;
	int		 lfd;
	int		 ep;
	struct sconn	*conns;		/* indexed by fd */
	int		 nconns;
	unsigned long	 served;
	char		*resp;
	size_t		 resplen;
	int		 memory;	/* memory BIOs (a page), else SSL_set_fd */
};

static volatile sig_atomic_t stopping;

static void	usage(void) __attribute__((noreturn));
static void	fatalx(const char *) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: tlsceiling -C cert -K key [-b bytes] "
	    "[-l addr] [-p port] [-T tickets]\n");
	exit(2);
}

static void
fatalx(const char *what)
{
	fprintf(stderr, "tlsceiling: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* A fixed 2 KB gemtext page, the same size as bench.sh's index.gmi;
 * or with -b, that many bytes of the same lines. */
static void
server_response(struct server *s, size_t body)
{
	static const char hdr[] = "20 text/gemini\r\n";
	char	*p;
	size_t	 n, left;
	int	 i;

	if ((s->resp = malloc(sizeof(hdr) + body)) == NULL)
		fatalx("out of memory");
	memcpy(s->resp, hdr, sizeof(hdr) - 1);
	p = s->resp + sizeof(hdr) - 1;
	left = body;
	for (i = 1; left > 0; i++) {
		n = snprintf(p, left + 1, "Line %04d of the fixed 2 KB "
		    "page served by tlsceiling for benchmarks.\n", i);
		if (n > left)
			n = left;
		p += n;
		left -= n;
	}
	s->resplen = p - s->resp;
}

static SSL_CTX *
server_tls(const char *cert, const char *key, long tickets)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fatalx("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		fatalx("cannot load the certificate or key");
	if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:"
	    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384") != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
	    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
	    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384") != 1)
		fatalx("cipher configuration");
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Stateless tickets stay on (no SSL_OP_NO_TICKET); TLS 1.3 sends
	 * none unless -T; TLS 1.2 resumes by ticket, so no cache. */
	SSL_CTX_set_num_tickets(ctx, tickets);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

static int
server_listen(const char *addr, int port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1, defer = DEFER_SECS;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else
		fatalx("-l needs a numeric address");
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		perror("tlsceiling: listen");
		exit(1);
	}
	return fd;
}

static void
conn_close(struct server *s, int fd)
{
	struct sconn	*c = &s->conns[fd];

	SSL_free(c->ssl);	/* and its BIOs */
	c->ssl = NULL;
	c->rbio = c->wbio = NULL;
	c->state = SS_FREE;
	close(fd);
}

static void
conn_events(struct server *s, int fd, uint32_t events)
{
	struct epoll_event	 e;
	struct sconn		*c = &s->conns[fd];

	if (events == c->events)	/* save the syscall */
		return;
	c->events = events;
	e.events = events;
	e.data.fd = fd;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, fd, &e);
}

/* Memory mode: write what OpenSSL queued.  0 all out, 1 the socket is
 * full, -1 error. */
static int
mem_flush(int fd, struct sconn *c)
{
	char	*p, skip[16384];
	long	 n;
	ssize_t	 w;

	while ((n = BIO_get_mem_data(c->wbio, &p)) > 0) {
		if ((w = write(fd, p, (size_t)n)) == -1)
			return errno == EAGAIN ? 1 : -1;
		if (w == n) {
			(void)BIO_reset(c->wbio);
			return 0;
		}
		while (w > 0) {		/* rare: a partial write */
			n = BIO_read(c->wbio, skip, w > (ssize_t)sizeof(skip) ?
			    (int)sizeof(skip) : (int)w);
			w -= n;
		}
	}
	return 0;
}

/*
 * Memory mode: one read() per readable event into rbio, OpenSSL's steps
 * over it, then one write() of everything it queued.
 */
static void
mem_step(struct server *s, int fd, uint32_t events)
{
	struct sconn	*c = &s->conns[fd];
	char		 buf[17 * 1024];
	ssize_t		 n;
	int		 rc, f;

	if (events & EPOLLIN) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			conn_close(s, fd);
			return;
		}
		if (n > 0)
			BIO_write(c->rbio, buf, (int)n);
	}
	ERR_clear_error();
	if (c->state == SS_HANDSHAKE) {
		if ((rc = SSL_do_handshake(c->ssl)) != 1)
			goto wait;
		c->state = SS_READ;
	}
	while (c->state == SS_READ) {
		rc = SSL_read(c->ssl, c->req + c->reqlen,
		    sizeof(c->req) - c->reqlen);
		if (rc <= 0)
			goto wait;
		c->reqlen += rc;
		if (memchr(c->req, '\n', c->reqlen) != NULL ||
		    c->reqlen == sizeof(c->req))
			c->state = SS_WRITE;
	}
	if (c->state == SS_WRITE) {
		/* A page is one record; with a memory BIO it is all queued. */
		if (SSL_write(c->ssl, s->resp, (int)s->resplen) <= 0) {
			conn_close(s, fd);
			return;
		}
		SSL_shutdown(c->ssl);
		c->state = SS_FLUSH;
	}
	if ((f = mem_flush(fd, c)) == 1) {
		conn_events(s, fd, EPOLLOUT);
		return;
	}
	if (f == 0)
		s->served++;
	conn_close(s, fd);
	return;
 wait:
	if (SSL_get_error(c->ssl, rc) != SSL_ERROR_WANT_READ ||
	    (f = mem_flush(fd, c)) == -1) {
		conn_close(s, fd);
		return;
	}
	conn_events(s, fd, f == 1 ? EPOLLOUT : EPOLLIN);
}

static void
conn_want(struct server *s, int fd, int rc)
{
	struct epoll_event	 e;
	struct sconn		*c = &s->conns[fd];

	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		e.events = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		e.events = EPOLLOUT;
		break;
	default:
		conn_close(s, fd);
		return;
	}
	if (e.events == c->events)	/* save the syscall */
		return;
	c->events = e.events;
	e.data.fd = fd;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, fd, &e);
}

/* Handshake, read to the end of the request line, answer, close. */
static void
conn_step(struct server *s, int fd)
{
	struct sconn	*c = &s->conns[fd];
	size_t		 n;
	int		 rc;

	ERR_clear_error();
	if (c->state == SS_HANDSHAKE) {
		if ((rc = SSL_accept(c->ssl)) != 1) {
			conn_want(s, fd, rc);
			return;
		}
		c->state = SS_READ;
	}
	while (c->state == SS_READ) {
		rc = SSL_read(c->ssl, c->req + c->reqlen,
		    sizeof(c->req) - c->reqlen);
		if (rc <= 0) {
			conn_want(s, fd, rc);
			return;
		}
		c->reqlen += rc;
		if (memchr(c->req, '\n', c->reqlen) != NULL ||
		    c->reqlen == sizeof(c->req))
			c->state = SS_WRITE;
	}
	/* A 2 KB page is one SSL_write; a retry repeats the same call. */
	while (c->sent < s->resplen) {
		n = s->resplen - c->sent;
		if (n > RECORD_LEN)
			n = RECORD_LEN;
		if ((rc = SSL_write(c->ssl, s->resp + c->sent, (int)n)) <= 0) {
			conn_want(s, fd, rc);
			return;
		}
		c->sent += (size_t)rc;
	}
	SSL_shutdown(c->ssl);
	s->served++;
	conn_close(s, fd);
}

static void
server_accept(struct server *s)
{
	struct epoll_event	 e;
	struct sconn		*c;
	int			 fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (fd >= s->nconns) {
			close(fd);
			continue;
		}
		c = &s->conns[fd];
		c->reqlen = 0;
		c->sent = 0;
		c->state = SS_HANDSHAKE;
		c->events = EPOLLIN;
		if ((c->ssl = SSL_new(s->ctx)) == NULL) {
			close(fd);
			continue;
		}
		if (s->memory) {
			c->rbio = BIO_new(BIO_s_mem());
			c->wbio = BIO_new(BIO_s_mem());
			if (c->rbio == NULL || c->wbio == NULL) {
				BIO_free(c->rbio);
				BIO_free(c->wbio);
				conn_close(s, fd);
				continue;
			}
			SSL_set_bio(c->ssl, c->rbio, c->wbio);
		} else if (SSL_set_fd(c->ssl, fd) != 1) {
			conn_close(s, fd);
			continue;
		}
		SSL_set_accept_state(c->ssl);
		e.events = EPOLLIN;
		e.data.fd = fd;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) == -1) {
			conn_close(s, fd);
			continue;
		}
		/* TCP_DEFER_ACCEPT: the ClientHello is already here. */
		if (s->memory)
			mem_step(s, fd, EPOLLIN);
		else
			conn_step(s, fd);
	}
}

static void
server_run(struct server *s)
{
	struct epoll_event	 ev[256];
	int			 i, n;

	while (!stopping) {
		if ((n = epoll_wait(s->ep, ev, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("tlsceiling: epoll_wait");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == s->lfd)
				server_accept(s);
			else if (s->memory)
				mem_step(s, ev[i].data.fd, ev[i].events);
			else
				conn_step(s, ev[i].data.fd);
		}
	}
}

static void
server_init(struct server *s, const char *addr, int port, size_t body)
{
	struct epoll_event	 e;
	struct sigaction	 sa;
	struct rlimit		 rl;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;	/* no SA_RESTART: epoll_wait returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	s->nconns = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
	if ((s->conns = calloc(s->nconns, sizeof(*s->conns))) == NULL)
		fatalx("out of memory");
	server_response(s, body);
	s->memory = body <= RECORD_LEN;
	s->lfd = server_listen(addr, port);
	if ((s->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatalx("epoll_create1");
	e.events = EPOLLIN;
	e.data.fd = s->lfd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &e) == -1)
		fatalx("epoll_ctl");
}

int
main(int argc, char **argv)
{
	static struct server	 s;
	const char		*cert = NULL, *key = NULL, *addr = "127.0.0.1";
	long			 port = 1965, tickets = 0, body = BODY_LEN;
	int			 ch;

	while ((ch = getopt(argc, argv, "b:C:K:l:p:T:")) != -1) {
		switch (ch) {
		case 'b': body = strtol(optarg, NULL, 10); break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'l': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'T': tickets = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (cert == NULL || key == NULL || optind != argc ||
	    port < 1 || port > 65535 || tickets < 0 || tickets > 16 ||
	    body < 0 || body > BODY_MAX)
		usage();
	s.ctx = server_tls(cert, key, tickets);
	server_init(&s, addr, port, (size_t)body);
	fprintf(stderr, "tlsceiling: listening on %s port %ld\n", addr, port);
	server_run(&s);
	fprintf(stderr, "tlsceiling: %lu responses\n", s.served);
	SSL_CTX_free(s.ctx);
	free(s.conns);
	free(s.resp);
	return 0;
}
