/*
 * gopherfloor: the least a Gopher server can do per request, to measure
 * capsuled's Gopher listener against: accept, read the selector line,
 * write fixed bytes from memory in one write, close.
 *
 * Build (tests/bench/bench.sh does this):
 *	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
 *	    -o tests/bench/gopherfloor tests/bench/gopherfloor.c
 *
 * Usage: gopherfloor -f file [-l addr] [-p port]
 *
 * The answer to every request is the file's bytes, read once at start
 * (give it the very bytes capsuled sends for the page under test).  One
 * thread, level-triggered epoll, TCP_DEFER_ACCEPT so that accept returns
 * with the selector in, which is read at once; epoll sees a connection
 * only when its line is not all there.  No parsing, no files, no log.
 * Runs until SIGINT or SIGTERM.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKLOG		1024
#define DEFER_SECS	5
#define LINE_MAX_	1024

static volatile sig_atomic_t	 stopping;
static char			*answer;
static size_t			 answerlen;
static unsigned long		 served;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gopherfloor -f file [-l addr] [-p port]\n");
	exit(2);
}

static void
load(const char *path)
{
	struct stat	sb;
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1 ||
	    (answer = malloc((size_t)sb.st_size + 1)) == NULL) {
		perror(path);
		exit(1);
	}
	while (answerlen < (size_t)sb.st_size &&
	    (n = read(fd, answer + answerlen, (size_t)sb.st_size - answerlen)) > 0)
		answerlen += (size_t)n;
	close(fd);
}

static int
listen_on(const char *addr, int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1, defer = DEFER_SECS;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		usage();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		perror("gopherfloor: listen");
		exit(1);
	}
	return fd;
}

/* Read once; answer when a line end is in.  1 when done with fd. */
static int
step(int fd)
{
	char	buf[LINE_MAX_ + 2];
	ssize_t	n;

	n = read(fd, buf, sizeof(buf));
	if (n == -1 && errno == EAGAIN)
		return 0;
	if (n > 0 && memchr(buf, '\n', (size_t)n) != NULL) {
		if (write(fd, answer, answerlen) == (ssize_t)answerlen)
			served++;
	} else if (n > 0)
		return 0;	/* a split line: the bench does not send one */
	close(fd);		/* leaves epoll by itself */
	return 1;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 e, ev[256];
	struct sigaction	 sa;
	const char		*file = NULL, *addr = "127.0.0.1";
	long			 port = 70;
	int			 ch, lfd, ep, fd, i, n;

	while ((ch = getopt(argc, argv, "f:l:p:")) != -1) {
		switch (ch) {
		case 'f': file = optarg; break;
		case 'l': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (file == NULL || port < 1 || port > 65535 || optind != argc)
		usage();
	load(file);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lfd = listen_on(addr, (int)port);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return 1;
	e.events = EPOLLIN;
	e.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	fprintf(stderr, "gopherfloor: listening on %s port %ld\n", addr, port);
	while (!stopping) {
		if ((n = epoll_wait(ep, ev, 256, -1)) == -1)
			continue;
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd != lfd) {
				step(ev[i].data.fd);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
			    SOCK_CLOEXEC)) != -1) {
				if (step(fd))
					continue;
				e.events = EPOLLIN;
				e.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
			}
		}
	}
	fprintf(stderr, "gopherfloor: %lu responses\n", served);
	free(answer);
	return 0;
}
