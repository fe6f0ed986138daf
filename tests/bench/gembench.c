/*
 * gembench: a load generator for Gemini (and Gopher) servers.
 *
 * Build (tests/bench/bench.sh does this):
 *	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
 *	    -Wmissing-prototypes -Wstrict-prototypes -O2 \
 *	    -o tests/bench/gembench tests/bench/gembench.c \
 *	    $(pkg-config --cflags --libs openssl)
 *
 * Usage: gembench [-gqr] [-B nsrc] [-c conc] [-d secs] [-h host]
 *	    [-k idle] [-n reqs] [-p port] [-S sni] [-t 1.2|1.3]
 *	    [-u url|path] [-w timeout]
 *
 * Every request opens a new TCP (and TLS) connection, because that is
 * what Gemini clients do: the handshake is most of the server's work,
 * so a keep-alive benchmark would measure the wrong thing.  One thread,
 * epoll, non-blocking OpenSSL; certificates are never verified.
 *
 * Each request reads to EOF and must end with close_notify (Gemini
 * spec sect. 4.3); an EOF without it counts as error "no_close_notify".
 * -B N spreads the connections over N source addresses 127.1.x.y, so a
 * server's per-address connection cap sees N clients rather than one
 * (capsuled allows 32 per address by default; -k 10000 needs -B 313+).
 *
 * Latencies go into a log-linear histogram (1 us steps below 1 ms,
 * then 512 steps per power of two: under 0.2 % error), so memory is
 * fixed whether the run is bounded by -n or by -d.
 *
 * The last line is for scripts (MB/s are 10^6 bytes of header + body;
 * cpu is gembench's own CPU time over the measured wall time, in % of
 * one core: near 100, the load generator and not the server set the
 * pace):
 *	RESULT reqs=N errors=N rps=F mbps=F p50=F p90=F p99=F max=F
 *	    resumed=N cpu=F
 */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define URL_MAX		1024	/* Gemini spec sect. 2: URL length limit */
#define HDR_MAX		1029	/* "NN " + 1024-byte meta + CRLF */
#define IDLE_RAMP	128	/* idle handshakes in flight at once, so
				   10,000 of them do not overflow a 1024
				   backlog and stall on SYN retransmits */
#define TICK_MS		100	/* timeout scan period */
#define READ_BUF	65536
#define HIST_BITS	9
#define HIST_SUB	(1u << HIST_BITS)
#define HIST_N		(2 * HIST_SUB + 32 * HIST_SUB)
#define SRC_MAX		(254 * 256)	/* -B: 127.1.0.1 .. 127.1.255.254 */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24	/* Linux 4.2 */
#endif

enum cstate {
	CS_FREE,
	CS_CONNECT,
	CS_HANDSHAKE,
	CS_WRITE,
	CS_READ,
	CS_IDLE		/* handshake done, holding the connection */
};

enum ekind {
	E_CONNECT,
	E_HANDSHAKE,
	E_READ,
	E_TIMEOUT,
	E_NO_CLOSE_NOTIFY,
	E_BAD_HEADER,
	E_MAX
};

static const char *ekind_name[E_MAX] = {
	"connect", "handshake", "read", "timeout", "no_close_notify",
	"bad_header"
};

struct client {
	int		 fd;
	SSL		*ssl;
	enum cstate	 state;
	int		 idle;		/* belongs to the -k pool */
	uint32_t	 events;	/* registered with epoll */
	uint64_t	 start;		/* ns */
	size_t		 hdrlen;
	int		 hdrdone;
	uint64_t	 got;
	char		 hdr[HDR_MAX + 1];
};

struct opts {
	const char	*host;
	int		 port;
	const char	*url;		/* -u as given */
	const char	*sni;
	int		 conc;
	long		 total;		/* 0 = unbounded by count */
	double		 duration;	/* 0 = unbounded by time */
	int		 resume;
	int		 version;	/* 0, TLS1_2_VERSION, TLS1_3_VERSION */
	int		 gopher;
	int		 idle;
	int		 quiet;
	double		 timeout;
	int		 nsrc;		/* -B */
};

struct stats {
	uint64_t	 ok;
	uint64_t	 err[E_MAX];
	uint64_t	 bytes;
	uint64_t	 resumed;
	uint64_t	 status[100];
	uint64_t	 max_us;
	uint64_t	 idle_up;
	uint64_t	 idle_lost;
	uint64_t	*hist;
};

struct bench {
	struct opts		 o;
	SSL_CTX			*ctx;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			 req[URL_MAX + 3];
	size_t			 reqlen;
	char			 sni[256];
	int			 ep;
	struct client		*cl;
	int			 ncl;
	long			 started;
	int			 inflight;
	int			 idle_started;
	int			 idle_pending;	/* handshakes in flight */
	unsigned		 srcnext;
	int			 measuring;	/* idle pool ready */
	uint64_t		 t0;
	uint64_t		 cpu0;		/* our CPU time at t0 */
	uint64_t		 tstop;		/* ns; 0 = no time bound */
	uint64_t		 tlast;		/* last request finished */
	struct stats		 st;
};

/* TLS 1.3 tickets arrive after the handshake, so keep whatever the
 * new-session callback saw last rather than SSL_get1_session(). */
static SSL_SESSION		*last_session;
static volatile sig_atomic_t	 stopping;

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: gembench [-gqr] [-B nsrc] [-c conc] [-d secs] "
	    "[-h host] [-k idle] [-n reqs]\n"
	    "\t[-p port] [-S sni] [-t 1.2|1.3] [-u url|path|selector] "
	    "[-w timeout]\n");
	exit(2);
}

static uint64_t
clock_ns(clockid_t which)
{
	struct timespec ts;

	clock_gettime(which, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static long
num_arg(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "gembench: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static double
sec_arg(const char *s, const char *what)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v > 0 && v < 86400)) {
		fprintf(stderr, "gembench: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void
opts_parse(struct opts *o, int argc, char **argv)
{
	int	 ch, port_set = 0;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 1965;
	o->conc = 1;
	o->timeout = 10;
	while ((ch = getopt(argc, argv, "B:c:d:gh:k:n:p:qrS:t:u:w:")) != -1) {
		switch (ch) {
		case 'B': o->nsrc = num_arg(optarg, 1, SRC_MAX, "-B"); break;
		case 'c': o->conc = num_arg(optarg, 1, 100000, "-c"); break;
		case 'd': o->duration = sec_arg(optarg, "-d"); break;
		case 'g': o->gopher = 1; break;
		case 'h': o->host = optarg; break;
		case 'k': o->idle = num_arg(optarg, 1, 1000000, "-k"); break;
		case 'n': o->total = num_arg(optarg, 1, 1L << 40, "-n"); break;
		case 'p':
			o->port = num_arg(optarg, 1, 65535, "-p");
			port_set = 1;
			break;
		case 'q': o->quiet = 1; break;
		case 'r': o->resume = 1; break;
		case 'S': o->sni = optarg; break;
		case 't':
			if (strcmp(optarg, "1.2") == 0)
				o->version = TLS1_2_VERSION;
			else if (strcmp(optarg, "1.3") == 0)
				o->version = TLS1_3_VERSION;
			else
				usage();
			break;
		case 'u': o->url = optarg; break;
		case 'w': o->timeout = sec_arg(optarg, "-w"); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o->gopher && !port_set)
		o->port = 70;
	if (o->total == 0 && o->duration == 0)
		o->total = o->idle ? 0 : 1000;
	if (o->idle && o->duration == 0)
		o->duration = 10;
	if (o->idle && o->gopher) {
		fprintf(stderr, "gembench: -k holds TLS connections, not "
		    "with -g\n");
		exit(2);
	}
}

/*
 * The request line: a full URL as given, or gemini://localhost[:PORT]
 * + path (the port left out when it is the default 1965, as a client
 * would write it).  In Gopher mode -u is the selector itself.
 */
static void
bench_request(struct bench *b)
{
	const struct opts	*o = &b->o;
	const char		*u = o->url;
	int			 n;

	if (o->gopher)
		n = snprintf(b->req, sizeof(b->req), "%s\r\n", u ? u : "");
	else if (u != NULL && strstr(u, "://") != NULL)
		n = snprintf(b->req, sizeof(b->req), "%s\r\n", u);
	else if (o->port == 1965)
		n = snprintf(b->req, sizeof(b->req), "gemini://localhost%s%s"
		    "\r\n", (u && *u == '/') ? "" : "/", u ? u : "");
	else
		n = snprintf(b->req, sizeof(b->req), "gemini://localhost:%d"
		    "%s%s\r\n", o->port, (u && *u == '/') ? "" : "/",
		    u ? u : "");
	if (n < 0 || (size_t)n >= sizeof(b->req)) {
		fprintf(stderr, "gembench: request longer than %d bytes\n",
		    URL_MAX);
		exit(2);
	}
	b->reqlen = n;
}

/* SNI from -S, else the URL's host; none for IP literals (RFC 6066
 * sect. 3 forbids them in server_name). */
static void
bench_sni(struct bench *b)
{
	const char	*p, *e;
	char		 tmp[16];
	size_t		 n;

	b->sni[0] = '\0';
	if (b->o.sni != NULL) {
		snprintf(b->sni, sizeof(b->sni), "%s", b->o.sni);
		return;
	}
	if ((p = strstr(b->req, "://")) == NULL)
		return;
	p += 3;
	if (*p == '[')		/* IPv6 literal */
		return;
	e = p + strcspn(p, ":/?#\r");
	n = e - p;
	if (n == 0 || n >= sizeof(b->sni))
		return;
	memcpy(b->sni, p, n);
	b->sni[n] = '\0';
	if (inet_pton(AF_INET, b->sni, tmp) == 1)
		b->sni[0] = '\0';
}

static void
bench_resolve(struct bench *b)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", b->o.port);
	if ((rc = getaddrinfo(b->o.host, port, &hints, &res)) != 0) {
		fprintf(stderr, "gembench: %s: %s\n", b->o.host,
		    gai_strerror(rc));
		exit(1);
	}
	if (b->o.nsrc && res->ai_family != AF_INET) {
		fprintf(stderr, "gembench: -B needs an IPv4 loopback host\n");
		exit(2);
	}
	memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
	b->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static int
tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	if (!SSL_SESSION_is_resumable(sess))
		return 0;
	SSL_SESSION_free(last_session);
	last_session = sess;
	return 1;	/* we keep the reference */
}

static SSL_CTX *
tls_ctx_new(const struct opts *o)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, o->version ? o->version :
	    TLS1_2_VERSION);
	if (o->version)
		SSL_CTX_set_max_proto_version(ctx, o->version);
	/* One read() per readable event instead of one per record part. */
	SSL_CTX_set_read_ahead(ctx, 1);
	if (o->resume) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, tls_new_session);
	} else
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* Raise the soft fd limit to the hard one: -k 10000 needs the fds. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Log-linear bucket: exact below 1024 us, then 512 per octave. */
static size_t
hist_index(uint64_t us)
{
	int	 shift;

	if (us < 2 * HIST_SUB)
		return us;
	if (us >= (1ull << 40))
		us = (1ull << 40) - 1;
	shift = 63 - __builtin_clzll(us) - HIST_BITS;
	return 2 * HIST_SUB + (shift - 1) * HIST_SUB +
	    ((us >> shift) - HIST_SUB);
}

/* The middle of bucket i, in us. */
static double
hist_value(size_t i)
{
	size_t	 k, shift;

	if (i < 2 * HIST_SUB)
		return i;
	k = i - 2 * HIST_SUB;
	shift = k / HIST_SUB + 1;
	return (double)((k % HIST_SUB + HIST_SUB) << shift) +
	    (double)(1u << shift) / 2;
}

static double
hist_pct(const struct stats *st, double p)
{
	uint64_t	 rank, seen = 0;
	size_t		 i;

	if (st->ok == 0)
		return 0;
	rank = (uint64_t)(p * st->ok + 0.999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_N; i++) {
		seen += st->hist[i];
		if (seen >= rank)
			break;
	}
	return hist_value(i) / 1000;
}

static void
client_close(struct bench *b, struct client *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd != -1)
		close(c->fd);	/* also leaves the epoll set */
	c->ssl = NULL;
	c->fd = -1;
	c->state = CS_FREE;
	if (!c->idle)
		b->inflight--;
}

static void
client_fail(struct bench *b, struct client *c, enum ekind k)
{
	if (c->idle) {
		if (c->state == CS_IDLE)
			b->st.idle_lost++;
		else {
			b->st.err[k]++;
			b->idle_pending--;
		}
	} else {
		b->st.err[k]++;
		b->st.bytes += c->got;
		b->tlast = now_ns();
	}
	client_close(b, c);
}

static void
client_done(struct bench *b, struct client *c)
{
	uint64_t	 t, us;

	t = now_ns();
	us = (t - c->start) / 1000;
	b->st.ok++;
	b->st.bytes += c->got;
	b->st.hist[hist_index(us)]++;
	if (us > b->st.max_us)
		b->st.max_us = us;
	b->tlast = t;
	/* Without a shutdown mark SSL_free() takes the session for a bad
	 * one and makes it unresumable; sending our own close_notify
	 * would only cost a write to a socket the server has closed. */
	if (c->ssl != NULL)
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN |
		    SSL_RECEIVED_SHUTDOWN);
	client_close(b, c);
}

static int
client_want(struct bench *b, struct client *c, uint32_t ev)
{
	struct epoll_event e;

	if (c->events == ev)
		return 0;
	e.events = ev;
	e.data.ptr = c;
	c->events = ev;
	return epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &e);
}

/*
 * -B: bind to the next source address.  IP_BIND_ADDRESS_NO_PORT leaves
 * the port to connect(), so each source address has its own ephemeral
 * port range instead of bind() reserving ports from one shared pool.
 */
static int
client_bind(struct bench *b, int fd)
{
	struct sockaddr_in	 sin;
	unsigned		 k = b->srcnext++ % b->o.nsrc;
	int			 one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f010000u | (k / 254) << 8 |
	    (k % 254 + 1));
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* Open a socket and start a non-blocking connect. */
static void
client_start(struct bench *b, struct client *c, int idle)
{
	struct epoll_event	 e;
	int			 one = 1;

	memset(c, 0, sizeof(*c));
	c->idle = idle;
	c->start = now_ns();
	c->ssl = NULL;
	c->state = CS_CONNECT;
	if (!idle)
		b->inflight++;
	c->fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		client_fail(b, c, E_CONNECT);
		return;
	}
	/* TLS 1.3 writes Finished and the request separately; Nagle would
	 * hold the request for the server's delayed ACK. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (b->o.nsrc && client_bind(b, c->fd) == -1) {
		client_fail(b, c, E_CONNECT);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&b->addr, b->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		client_fail(b, c, E_CONNECT);
		return;
	}
	e.events = c->events = EPOLLOUT;
	e.data.ptr = c;
	if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &e) == -1)
		client_fail(b, c, E_CONNECT);
}

static int
client_connected(struct bench *b, struct client *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		client_fail(b, c, E_CONNECT);
		return -1;
	}
	if (b->o.gopher) {
		c->state = CS_WRITE;
		return 0;
	}
	if ((c->ssl = SSL_new(b->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1 ||
	    (b->sni[0] && SSL_set_tlsext_host_name(c->ssl, b->sni) != 1) ||
	    (b->o.resume && last_session != NULL &&
	    SSL_set_session(c->ssl, last_session) != 1)) {
		client_fail(b, c, E_HANDSHAKE);
		return -1;
	}
	SSL_set_connect_state(c->ssl);
	c->state = CS_HANDSHAKE;
	return 0;
}

/* Map an SSL_ERROR_WANT_* to the epoll events to wait for; -1 if the
 * error is not a want. */
static int
tls_want(SSL *ssl, int rc, uint32_t *ev)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		*ev = EPOLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*ev = EPOLLOUT;
		return 0;
	default:
		return -1;
	}
}

static int
client_handshake(struct bench *b, struct client *c)
{
	uint32_t	 ev;
	int		 rc;

	ERR_clear_error();
	if ((rc = SSL_connect(c->ssl)) != 1) {
		if (tls_want(c->ssl, rc, &ev) == -1) {
			client_fail(b, c, E_HANDSHAKE);
			return -1;
		}
		client_want(b, c, ev);
		return 1;
	}
	if (SSL_session_reused(c->ssl))
		b->st.resumed++;
	if (c->idle) {
		c->state = CS_IDLE;
		b->st.idle_up++;
		b->idle_pending--;
		client_want(b, c, EPOLLIN | EPOLLRDHUP);
		return 1;
	}
	c->state = CS_WRITE;
	return 0;
}

static int
client_write(struct bench *b, struct client *c)
{
	uint32_t	 ev;
	ssize_t		 n;
	int		 rc;

	if (c->ssl == NULL) {
		/* Gopher: a selector line fits any socket buffer. */
		n = write(c->fd, b->req, b->reqlen);
		if (n != (ssize_t)b->reqlen) {
			client_fail(b, c, E_CONNECT);
			return -1;
		}
	} else if ((rc = SSL_write(c->ssl, b->req, b->reqlen)) <= 0) {
		if (tls_want(c->ssl, rc, &ev) == -1) {
			client_fail(b, c, E_HANDSHAKE);
			return -1;
		}
		client_want(b, c, ev);
		return 1;
	}
	c->state = CS_READ;
	return 0;
}

/*
 * Gemini header check (spec sect. 3.1): two digits, then a space (or
 * CRLF at once, which older servers send), CRLF within HDR_MAX bytes.
 */
static int
client_header(struct bench *b, struct client *c, const char *p, size_t n)
{
	char	*crlf;
	size_t	 take;

	take = HDR_MAX - c->hdrlen < n ? HDR_MAX - c->hdrlen : n;
	memcpy(c->hdr + c->hdrlen, p, take);
	c->hdrlen += take;
	c->hdr[c->hdrlen] = '\0';
	if ((crlf = memchr(c->hdr, '\n', c->hdrlen)) == NULL)
		return c->hdrlen >= HDR_MAX ? -1 : 0;
	if (crlf < c->hdr + 2 || crlf[-1] != '\r' ||
	    c->hdr[0] < '1' || c->hdr[0] > '6' ||
	    c->hdr[1] < '0' || c->hdr[1] > '9' ||
	    (c->hdr[2] != ' ' && c->hdr + 2 != crlf - 1))
		return -1;
	b->st.status[(c->hdr[0] - '0') * 10 + c->hdr[1] - '0']++;
	c->hdrdone = 1;
	return 0;
}

/* EOF: close_notify is a clean end, a bare FIN is not (OpenSSL 3
 * reports it as SSL_R_UNEXPECTED_EOF_WHILE_READING). */
static void
client_eof(struct bench *b, struct client *c, int rc)
{
	int	 e;

	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_ZERO_RETURN) {
		if (c->hdrdone)
			client_done(b, c);
		else
			client_fail(b, c, E_BAD_HEADER);
	} else if (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING)
		client_fail(b, c, E_NO_CLOSE_NOTIFY);
	else
		client_fail(b, c, E_READ);
}

static void
client_read_tls(struct bench *b, struct client *c)
{
	static char	 buf[READ_BUF];
	uint32_t	 ev;
	int		 rc;

	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_read(c->ssl, buf, sizeof(buf))) <= 0) {
			if (tls_want(c->ssl, rc, &ev) == 0)
				client_want(b, c, ev);
			else
				client_eof(b, c, rc);
			return;
		}
		c->got += rc;
		if (!c->hdrdone && client_header(b, c, buf, rc) == -1) {
			client_fail(b, c, E_BAD_HEADER);
			return;
		}
	}
}

static void
client_read_plain(struct bench *b, struct client *c)
{
	static char	 buf[READ_BUF];
	ssize_t		 n;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			c->got += n;
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			client_want(b, c, EPOLLIN);
		else if (n == 0 && c->got > 0)
			client_done(b, c);
		else if (n == 0)
			client_fail(b, c, E_BAD_HEADER);	/* empty */
		else
			client_fail(b, c, E_READ);
		return;
	}
}

/* A held idle connection became readable: TLS 1.3 tickets are fine,
 * anything that ends the connection means the server dropped it. */
static void
client_idle_event(struct bench *b, struct client *c)
{
	char	 buf[512];
	int	 rc;

	ERR_clear_error();
	while ((rc = SSL_read(c->ssl, buf, sizeof(buf))) > 0)
		;
	if (SSL_get_error(c->ssl, rc) != SSL_ERROR_WANT_READ)
		client_fail(b, c, E_READ);
}

/* Drive one connection as far as it goes without blocking. */
static void
client_step(struct bench *b, struct client *c)
{
	if (c->state == CS_CONNECT && client_connected(b, c) == -1)
		return;
	if (c->state == CS_HANDSHAKE && client_handshake(b, c) != 0)
		return;
	if (c->state == CS_WRITE && client_write(b, c) != 0)
		return;
	if (c->state == CS_READ) {
		if (c->ssl != NULL)
			client_read_tls(b, c);
		else
			client_read_plain(b, c);
	} else if (c->state == CS_IDLE)
		client_idle_event(b, c);
}

static void
bench_timeouts(struct bench *b, uint64_t now)
{
	uint64_t	 limit = (uint64_t)(b->o.timeout * 1e9);
	int		 i;

	for (i = 0; i < b->ncl; i++) {
		struct client *c = &b->cl[i];

		if (c->state != CS_FREE && c->state != CS_IDLE &&
		    now - c->start > limit)
			client_fail(b, c, E_TIMEOUT);
	}
}

/* -k: keep IDLE_RAMP handshakes in flight until the pool is full. */
static void
bench_idle_ramp(struct bench *b)
{
	int	 req = b->ncl - b->o.idle;

	while (b->idle_started < b->o.idle && b->idle_pending < IDLE_RAMP &&
	    !stopping) {
		b->idle_pending++;
		client_start(b, &b->cl[req + b->idle_started++], 1);
	}
	if ((b->idle_started == b->o.idle || stopping) &&
	    b->idle_pending == 0) {
		b->measuring = 1;
		/* Scripts sample the server's memory on this line. */
		fprintf(stderr, "IDLE ready held=%llu failed=%d\n",
		    (unsigned long long)(b->st.idle_up - b->st.idle_lost),
		    b->o.idle - (int)b->st.idle_up);
	}
}

static int
bench_may_start(struct bench *b, uint64_t now)
{
	if (stopping || !b->measuring)
		return 0;
	if (b->o.total && b->started >= b->o.total)
		return 0;
	if (b->tstop && now >= b->tstop)
		return 0;
	return 1;
}

static void
bench_measure_begin(struct bench *b)
{
	b->t0 = b->tlast = now_ns();
	b->cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (b->o.duration > 0)
		b->tstop = b->t0 + (uint64_t)(b->o.duration * 1e9);
}

static void
bench_fill(struct bench *b, uint64_t now)
{
	int	 i, conc = b->o.idle ? 1 : b->o.conc;

	for (i = 0; i < conc && bench_may_start(b, now); i++) {
		if (b->cl[i].state != CS_FREE)
			continue;
		client_start(b, &b->cl[i], 0);
		b->started++;
	}
}

static void
bench_run(struct bench *b)
{
	struct epoll_event	 ev[256];
	uint64_t		 now, tick = 0;
	int			 i, n;

	b->measuring = b->o.idle == 0;
	if (b->measuring)
		bench_measure_begin(b);
	for (;;) {
		now = now_ns();
		if (!b->measuring) {
			bench_idle_ramp(b);
			if (b->measuring)
				bench_measure_begin(b);
		}
		bench_fill(b, now);
		if (b->measuring && b->inflight == 0 &&
		    !bench_may_start(b, now))
			break;
		n = epoll_wait(b->ep, ev, 256, TICK_MS);
		for (i = 0; i < n; i++)
			client_step(b, ev[i].data.ptr);
		now = now_ns();
		if (now - tick >= TICK_MS * 1000000ull) {
			bench_timeouts(b, now);
			tick = now;
		}
	}
}

static void
bench_report(const struct bench *b)
{
	const struct stats	*st = &b->st;
	uint64_t		 errs = 0;
	double			 secs, rps, mbps, cpu;
	int			 i;

	for (i = 0; i < E_MAX; i++)
		errs += st->err[i];
	secs = (b->tlast - b->t0) / 1e9;
	cpu = secs > 0 ? (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - b->cpu0) /
	    1e7 / secs : 0;
	rps = secs > 0 ? st->ok / secs : 0;
	mbps = secs > 0 ? st->bytes / secs / 1e6 : 0;
	if (!b->o.quiet) {
		printf("request:   %.*s\n", (int)b->reqlen - 2, b->req);
		printf("completed: %llu in %.3f s, %llu errors (",
		    (unsigned long long)st->ok, secs,
		    (unsigned long long)errs);
		for (i = 0; i < E_MAX; i++)
			printf("%s%s %llu", i ? ", " : "", ekind_name[i],
			    (unsigned long long)st->err[i]);
		printf(")\nrate:      %.1f req/s, %.3f MB/s\n", rps, mbps);
		printf("cpu:       %.1f %% of one core (gembench itself)\n",
		    cpu);
		printf("latency:   p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n",
		    hist_pct(st, .5), hist_pct(st, .9), hist_pct(st, .99),
		    st->max_us / 1000.0);
		printf("resumed:   %llu\nstatus:   ",
		    (unsigned long long)st->resumed);
		for (i = 0; i < 100; i++)
			if (st->status[i])
				printf(" %02d=%llu", i,
				    (unsigned long long)st->status[i]);
		printf("\n");
		if (b->o.idle)
			printf("idle:      %llu established, %llu dropped "
			    "by the server while held\n",
			    (unsigned long long)st->idle_up,
			    (unsigned long long)st->idle_lost);
	}
	if (b->o.idle)
		fprintf(stderr, "IDLE end established=%llu dropped=%llu\n",
		    (unsigned long long)st->idle_up,
		    (unsigned long long)st->idle_lost);
	printf("RESULT reqs=%llu errors=%llu rps=%.1f mbps=%.3f p50=%.3f "
	    "p90=%.3f p99=%.3f max=%.3f resumed=%llu cpu=%.1f\n",
	    (unsigned long long)st->ok, (unsigned long long)errs, rps, mbps,
	    hist_pct(st, .5), hist_pct(st, .9), hist_pct(st, .99),
	    st->max_us / 1000.0, (unsigned long long)st->resumed, cpu);
}

static void
bench_init(struct bench *b)
{
	struct sigaction	 sa;
	int			 i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	raise_nofile();
	bench_request(b);
	bench_sni(b);
	bench_resolve(b);
	if (!b->o.gopher)
		b->ctx = tls_ctx_new(&b->o);
	b->ncl = (b->o.idle ? 1 : b->o.conc) + b->o.idle;
	b->cl = calloc(b->ncl, sizeof(*b->cl));
	b->st.hist = calloc(HIST_N, sizeof(*b->st.hist));
	if (b->cl == NULL || b->st.hist == NULL ||
	    (b->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("gembench");
		exit(1);
	}
	for (i = 0; i < b->ncl; i++)
		b->cl[i].fd = -1;
}

int
main(int argc, char **argv)
{
	static struct bench	 b;
	int			 i;

	opts_parse(&b.o, argc, argv);
	bench_init(&b);
	bench_run(&b);
	bench_report(&b);
	for (i = 0; i < b.ncl; i++)
		if (b.cl[i].state != CS_FREE)
			client_close(&b, &b.cl[i]);
	SSL_SESSION_free(last_session);
	SSL_CTX_free(b.ctx);
	free(b.cl);
	free(b.st.hist);
	return b.st.ok > 0 ? 0 : 1;
}
