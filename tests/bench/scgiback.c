/*
 * scgiback.c: a trivial SCGI backend for the benchmarks: on a Unix
 * socket, for every connection, read the request's netstring header
 * (and its CONTENT_LENGTH body, none from capsuled), answer with a
 * Gemini header and the bytes of one file, close.  One process, one
 * connection at a time: what it costs is the backend's, not the
 * server's, and it stays out of the server's process tree.
 *
 *	scgiback -s SOCKET -f FILE [-t MIME]
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
	int		 ch, lfd, fd;

	while ((ch = getopt(argc, argv, "f:s:t:")) != -1) {
		switch (ch) {
		case 'f': file = optarg; break;
		case 's': sock = optarg; break;
		case 't': mime = optarg; break;
		default:
			fprintf(stderr, "usage: scgiback -s SOCKET -f FILE "
			    "[-t MIME]\n");
			return 2;
		}
	}
	if (sock == NULL || file == NULL)
		errx(2, "-s and -f are needed");
	signal(SIGPIPE, SIG_IGN);
	scgiback_load(file, mime);
	lfd = scgiback_listen(sock);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			err(1, "accept");
		}
		if (scgiback_request(fd) == 0)
			for (off = 0; off < replylen; off += (size_t)n)
				if ((n = write(fd, reply + off,
				    replylen - off)) <= 0)
					break;
		close(fd);
	}
}
