/*
 * scgiback.c: a trivial SCGI (or, with -F, FastCGI) backend for the
 * benchmarks: on a Unix socket, for every connection, read the request
 * (SCGI: its netstring header; FastCGI: records up to the empty
 * FCGI_STDIN), answer with a Gemini header and the bytes of one file
 * (FastCGI: in FCGI_STDOUT records, then FCGI_END_REQUEST), close.  One
 * process, one connection at a time: what it costs is the backend's,
 * not the server's, and it stays out of the server's process tree.
 *
 *	scgiback [-F] -s SOCKET -f FILE [-t MIME] [-d MICROSECONDS]
 *
 * -d: wait that long before each answer, as a backend that works would
 * (the server then has fewer requests at hand per wakeup).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCGIBACK_HEADER_MAX	(64 * 1024)

static char	reply[1 << 20];
static size_t	replylen;
static int	fastcgi;

/* FastCGI: read records until the empty FCGI_STDIN (type 5); 0 or -1. */
static int
scgiback_fcgi_request(int fd)
{
	static unsigned char	buf[SCGIBACK_HEADER_MAX];
	size_t			len = 0, off = 0, clen;
	ssize_t			n;

	for (;;) {
		while (off + 8 <= len) {
			clen = (size_t)(buf[off + 4] << 8 | buf[off + 5]);
			if (off + 8 + clen + buf[off + 6] > len)
				break;
			if (buf[off + 1] == 5 && clen == 0)
				return 0;
			off += 8 + clen + buf[off + 6];
		}
		if (len == sizeof(buf))
			return -1;
		if ((n = read(fd, buf + len, sizeof(buf) - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
}

/* The reply as FCGI_STDOUT records of at most 65535 bytes, an empty
 * one, and FCGI_END_REQUEST. */
static void
scgiback_fcgi_wrap(void)
{
	static char	plain[sizeof(reply)];
	size_t		off, n, out = 0;

	memcpy(plain, reply, replylen);
	for (off = 0; off <= replylen; off += n) {
		n = replylen - off > 65535 ? 65535 : replylen - off;
		memcpy(reply + out, (char[]){ 1, 6, 0, 1, (char)(n >> 8),
		    (char)n, 0, 0 }, 8);
		memcpy(reply + out + 8, plain + off, n);
		out += 8 + n;
		if (n == 0)
			break;
	}
	memcpy(reply + out, (char[]){ 1, 3, 0, 1, 0, 8, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 }, 16);
	replylen = out + 16;
}

/* Read until the netstring "LEN:...," is whole; 0, or -1. */
static int
scgiback_request(int fd)
{
	static char	buf[SCGIBACK_HEADER_MAX];
	size_t		len = 0, need = 0;
	ssize_t		n;
	char		*colon;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		if (need == 0 && (colon = memchr(buf, ':', len)) != NULL)
			need = (size_t)(colon - buf) + 1 +
			    strtoul(buf, NULL, 10) + 1;
		if (need > sizeof(buf))
			return -1;
		if (need > 0 && len >= need)
			return 0;
	}
}

static void
scgiback_load(const char *path, const char *mime)
{
	ssize_t	n;
	int	fd;

	replylen = (size_t)snprintf(reply, sizeof(reply), "20 %s\r\n", mime);
	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "%s", path);
	while ((n = read(fd, reply + replylen, sizeof(reply) - replylen)) > 0)
		replylen += (size_t)n;
	close(fd);
}

static int
scgiback_listen(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "socket path too long");
	strcpy(sun.sun_path, path);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1024) == -1)
		err(1, "%s", path);
	return fd;
}

int
main(int argc, char *argv[])
{
	const char	*sock = NULL, *file = NULL, *mime = "text/gemini";
	size_t		 off;
	ssize_t		 n;
	long		 delay = 0;
	int		 ch, lfd, fd;

	while ((ch = getopt(argc, argv, "d:Ff:s:t:")) != -1) {
		switch (ch) {
		case 'd': delay = strtol(optarg, NULL, 10); break;
		case 'F': fastcgi = 1; break;
		case 'f': file = optarg; break;
		case 's': sock = optarg; break;
		case 't': mime = optarg; break;
		default:
			fprintf(stderr, "usage: scgiback [-F] -s SOCKET -f FILE "
			    "[-t MIME] [-d MICROSECONDS]\n");
			return 2;
		}
	}
	if (sock == NULL || file == NULL)
		errx(2, "-s and -f are needed");
	signal(SIGPIPE, SIG_IGN);
	scgiback_load(file, mime);
	if (fastcgi)
		scgiback_fcgi_wrap();
	lfd = scgiback_listen(sock);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			err(1, "accept");
		}
		if ((fastcgi ? scgiback_fcgi_request(fd) :
		    scgiback_request(fd)) == 0) {
			if (delay > 0)
				usleep((useconds_t)delay);
			for (off = 0; off < replylen; off += (size_t)n)
				if ((n = write(fd, reply + off,
				    replylen - off)) <= 0)
					break;
		}
		close(fd);
	}
}
