/*
 * target.c: a backend's address from its configuration string (pure).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>
#include <string.h>

#include "target.h"

/* port = 1*5DIGIT, 1-65535; -1 when not one. */
static int
target_port(const char *s)
{
	long	v = 0;
	int	n = 0;

	for (; *s >= '0' && *s <= '9' && n < 6; s++, n++)
		v = v * 10 + (*s - '0');
	if (*s != '\0' || n == 0 || n > 5 || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static int
target_unix(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **errstr)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	size_t			 n = strlen(s);

	if (n >= sizeof(sun->sun_path)) {
		*errstr = "socket path too long (max 107 bytes)";
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, s, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

int
target_parse(const char *s, int unix_ok, struct sockaddr_storage *ss,
    socklen_t *len, const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 addr[64];
	const char		*colon, *host = s;
	size_t			 hostlen;
	int			 port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '/') {
		if (unix_ok)
			return target_unix(s, ss, len, errstr);
		*errstr = "expected an address and port, not a socket path";
		return -1;
	}
	if ((colon = strrchr(s, ':')) == NULL ||
	    (port = target_port(colon + 1)) == -1) {
		*errstr = unix_ok ? "expected a socket path (\"/...\") or an "
		    "address and port" : "expected an address and port";
		return -1;
	}
	hostlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hostlen < 2 || s[hostlen - 1] != ']') {
			*errstr = "an IPv6 address goes in brackets: [::1]:port";
			return -1;
		}
		host++;
		hostlen -= 2;
	}
	if (hostlen == 0 || hostlen >= sizeof(addr)) {
		*errstr = "expected an IP address before the port";
		return -1;
	}
	memcpy(addr, host, hostlen);
	addr[hostlen] = '\0';
	if (s[0] != '[' && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*sin6);
		return 0;
	}
	*errstr = "not an IP address (names are not resolved)";
	return -1;
}
