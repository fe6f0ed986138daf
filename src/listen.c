/* listen.c: listening sockets. */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

#define LISTEN_BACKLOG	1024

static int
listen_socket(const struct addrinfo *ai)
{
	int	fd, on = 1, defer = 10;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	/* Separate IPv4 and IPv6 sockets, so both can bind the port. */
	if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/* Wake us only once the ClientHello (or selector) is there: the
	 * first read right after accept finds it, no epoll round needed. */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void
listen_name(const struct addrinfo *ai, char *buf, size_t bufsize)
{
	char	host[INET6_ADDRSTRLEN + 8], serv[8];
	int	n;

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		n = snprintf(buf, bufsize, "?");
	else if (ai->ai_family == AF_INET6)
		n = snprintf(buf, bufsize, "[%s]:%s", host, serv);
	else
		n = snprintf(buf, bufsize, "%s:%s", host, serv);
	if (n < 0 || (size_t)n >= bufsize)
		snprintf(buf, bufsize, "?");
}

int
listen_open(const char *addr, int port, enum listen_proto proto,
    struct listener *out, int *n, int max, char *errbuf, size_t errbufsize)
{
	struct addrinfo	 hints, *res, *ai;
	char		 portstr[16];
	int		 rc, fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(addr[0] && strcmp(addr, "*") ? addr : NULL, portstr,
	    &hints, &res);
	if (rc != 0) {
		snprintf(errbuf, errbufsize, "listen %s: %s", addr,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (*n >= max) {
			snprintf(errbuf, errbufsize, "too many listeners");
			goto fail;
		}
		listen_name(ai, out[*n].name, sizeof(out[*n].name));
		if ((fd = listen_socket(ai)) == -1) {
			/* No IPv6 on this machine: IPv4 alone will do. */
			if (ai->ai_family == AF_INET6 &&
			    errno == EAFNOSUPPORT && !addr[0])
				continue;
			snprintf(errbuf, errbufsize, "listen on %s: %s",
			    out[*n].name, strerror(errno));
			goto fail;
		}
		out[*n].fd = fd;
		out[*n].proto = proto;
		(*n)++;
	}
	freeaddrinfo(res);
	return 0;
fail:
	freeaddrinfo(res);
	return -1;
}

/* A dotted quad by hand into buf (16 bytes at least): inet_ntop() and
 * getnameinfo() format it with sprintf(), whose parse was a tenth of a
 * Gopher request's own work. */
static void
listen_ipv4_string(const struct in_addr *a, char *buf)
{
	const unsigned char	*b = (const unsigned char *)&a->s_addr;
	char			*p = buf;
	int			 i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

void
listen_addr_string(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t bufsize)
{
	if (sa->sa_family == AF_INET && bufsize >= 16) {
		listen_ipv4_string(&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, buf);
		return;
	}
	if (getnameinfo(sa, salen, buf, bufsize, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, bufsize, "?");
}

int
listen_local_addr(int fd, char *buf, size_t bufsize)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	listen_addr_string((struct sockaddr *)&ss, sslen, buf, bufsize);
	return 0;
}

long
listen_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}
