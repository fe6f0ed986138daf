/*
 * titanbench: upload (Titan) or download (Gemini) one file over TLS,
 * one request at a time, so that `make bench` compares the two
 * directions with the same bytes, the same client and the same
 * connection pattern (a fresh TLS 1.3 handshake per request, as
 * gembench makes them).
 *
 * usage: titanbench -m up|down -f file -u path [-T token] [-n reqs]
 *	      [-p port] [-h host]
 *
 * up sends "titan://host:port/path;size=N;token=T" and the file's
 * bytes, and wants a 30; down sends "gemini://host:port/path" and wants
 * a 20 followed by exactly the file's size.  Prints a line in
 * gembench's form (times in ms, mbps in MB/s of file bytes, cpu this
 * client's CPU time over the wall time, in % of one core):
 *	RESULT reqs=N errors=N rps=F mbps=F p50=F p90=F p99=F max=F
 *	    resumed=0 cpu=F
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define TB_REQS_MAX	10000
#define TB_CHUNK	(64 * 1024)

struct tb_opts {
	const char	*host, *path, *file, *token;
	int		 port, up;
	long		 reqs;
};

static char		*tb_data;	/* the file's bytes */
static size_t		 tb_size;

static void
tb_usage(void)
{
	fprintf(stderr, "usage: titanbench -m up|down -f file -u path "
	    "[-T token] [-n reqs] [-p port] [-h host]\n");
	exit(2);
}

static double
tb_now(clockid_t clock)
{
	struct timespec	ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
tb_opts(int argc, char *argv[], struct tb_opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 1965;
	o->reqs = 10;
	while ((ch = getopt(argc, argv, "f:h:m:n:p:T:u:")) != -1) {
		switch (ch) {
		case 'f': o->file = optarg; break;
		case 'h': o->host = optarg; break;
		case 'm': o->up = strcmp(optarg, "up") == 0; break;
		case 'n': o->reqs = atol(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 'T': o->token = optarg; break;
		case 'u': o->path = optarg; break;
		default: tb_usage();
		}
	}
	if (o->file == NULL || o->path == NULL || o->reqs < 1 ||
	    o->reqs > TB_REQS_MAX || o->port < 1 || o->port > 65535)
		tb_usage();
}

static void
tb_load(const char *file)
{
	struct stat	st;
	ssize_t		n;
	size_t		off = 0;
	int		fd;

	if ((fd = open(file, O_RDONLY)) == -1 || fstat(fd, &st) == -1 ||
	    (tb_data = malloc((size_t)st.st_size + 1)) == NULL) {
		perror(file);
		exit(2);
	}
	tb_size = (size_t)st.st_size;
	while (off < tb_size && (n = read(fd, tb_data + off,
	    tb_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != tb_size) {
		fprintf(stderr, "%s: short read\n", file);
		exit(2);
	}
}

static int
tb_connect(const struct tb_opts *o)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)o->port);
	if (inet_pton(AF_INET, o->host, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* SSL_write all of p[0..len); 0 or -1. */
static int
tb_write(SSL *ssl, const char *p, size_t len)
{
	size_t	n, off = 0;

	while (off < len) {
		if (SSL_write_ex(ssl, p + off, len - off < TB_CHUNK ?
		    len - off : TB_CHUNK, &n) != 1)
			return -1;
		off += n;
	}
	return 0;
}

/* The answer: its header must start with want, then body bytes. */
static int
tb_read(SSL *ssl, const char *want, size_t body)
{
	static char	buf[TB_CHUNK];
	size_t		n, got = 0, head = 0;
	char		*crlf;

	while (SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1) {
		if (head == 0) {
			if (n < 3 || strncmp(buf, want, 3) != 0 ||
			    (crlf = memchr(buf, '\n', n)) == NULL)
				return -1;
			head = (size_t)(crlf - buf) + 1;
			got += n - head;
		} else
			got += n;
	}
	return head > 0 && got == body ? 0 : -1;
}

/* One request on a fresh connection; its time in seconds, or -1. */
static double
tb_one(SSL_CTX *ctx, const struct tb_opts *o)
{
	char	line[2048];
	double	t0 = tb_now(CLOCK_MONOTONIC);
	SSL	*ssl = NULL;
	int	fd, rc = -1, n;

	if (o->up)
		n = snprintf(line, sizeof(line), "titan://localhost:%d%s;"
		    "size=%zu%s%s\r\n", o->port, o->path, tb_size,
		    o->token ? ";token=" : "", o->token ? o->token : "");
	else
		n = snprintf(line, sizeof(line), "gemini://localhost:%d%s\r\n",
		    o->port, o->path);
	if (n < 0 || (size_t)n >= sizeof(line) || (fd = tb_connect(o)) == -1)
		return -1;
	if ((ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1 &&
	    SSL_set_tlsext_host_name(ssl, "localhost") == 1 &&
	    SSL_connect(ssl) == 1 && tb_write(ssl, line, (size_t)n) == 0 &&
	    (!o->up || tb_write(ssl, tb_data, tb_size) == 0))
		rc = tb_read(ssl, o->up ? "30 " : "20 ", o->up ? 0 : tb_size);
	SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	return rc == 0 ? tb_now(CLOCK_MONOTONIC) - t0 : -1;
}

static int
tb_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	static double	times[TB_REQS_MAX];
	struct tb_opts	o;
	SSL_CTX		*ctx;
	double		wall, cpu0, t, sum = 0;
	long		i, ok = 0, errors = 0;

	tb_opts(argc, argv, &o);
	tb_load(o.file);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return 2;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	wall = tb_now(CLOCK_MONOTONIC);
	cpu0 = tb_now(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < o.reqs; i++) {
		if ((t = tb_one(ctx, &o)) < 0) {
			errors++;
			continue;
		}
		times[ok++] = t;
		sum += t;
	}
	wall = tb_now(CLOCK_MONOTONIC) - wall;
	cpu0 = tb_now(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	qsort(times, (size_t)ok, sizeof(times[0]), tb_cmp);
	printf("RESULT reqs=%ld errors=%ld rps=%.1f mbps=%.3f p50=%.3f "
	    "p90=%.3f p99=%.3f max=%.3f resumed=0 cpu=%.1f\n", ok, errors,
	    ok / wall, sum > 0 ? ok * (double)tb_size / 1e6 / sum : 0,
	    ok ? times[ok / 2] * 1000 : 0, ok ? times[ok * 9 / 10] * 1000 : 0,
	    ok ? times[ok * 99 / 100] * 1000 : 0,
	    ok ? times[ok - 1] * 1000 : 0, 100 * cpu0 / wall);
	SSL_CTX_free(ctx);
	free(tb_data);
	return errors > 0;
}
