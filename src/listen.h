/*
 * listen.h: listening sockets for Gemini and Gopher.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <sys/socket.h>
#include <stddef.h>

#define LISTEN_MAX	16	/* sockets per worker */
#define LISTEN_ADDR_MAX	64	/* a printable address, IPv6 with scope */

enum listen_proto {
	LISTEN_GEMINI,
	LISTEN_GOPHER
};

struct listener {
	int			fd;
	enum listen_proto	proto;
	char			name[80];	/* "[::]:1965" for logs */
};

/*
 * Open the sockets for addr ("" = every IPv4 and IPv6 address, else a
 * name or literal) and port, appending to out (room for max - *n more).
 * SO_REUSEPORT is set so that every worker can hold its own socket and
 * the kernel spreads connections evenly among them.
 * Returns 0, or -1 with errbuf.
 */
int	listen_open(const char *addr, int port, enum listen_proto,
	    struct listener *out, int *n, int max, char *errbuf,
	    size_t errbufsize);

/* A socket address as text (numeric, never a DNS lookup); "?" when it
 * cannot be written. */
void	listen_addr_string(const struct sockaddr *, socklen_t, char *buf,
	    size_t bufsize);

/* Our own address on the connected socket fd, as text.  Asked only
 * when a request names an IP address: a system call saved on every
 * other request.  0 or -1. */
int	listen_local_addr(int fd, char *buf, size_t bufsize);

/* Raise RLIMIT_NOFILE to its hard limit; returns the new soft limit. */
long	listen_raise_nofile(void);

#endif
