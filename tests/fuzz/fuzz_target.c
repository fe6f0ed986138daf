/*
 * fuzz_target.c: a backend's address as the configuration writes it.
 * Properties: it is accepted only as a socket path (when allowed) or an
 * address of the family its form says, with a port of 1-65535; an
 * error has a reason; parsing never reads past the NUL.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss;
	const char		*err = NULL;
	char			 s[512];
	socklen_t		 len;
	int			 rc, port;

	if (size == 0 || size >= sizeof(s))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	rc = target_parse(s, data[0] & 1, &ss, &len, &err);
	if (rc == -1) {
		if (err == NULL)
			abort();
		return 0;
	}
	if (rc != 0)
		abort();
	switch (ss.ss_family) {
	case AF_UNIX:
		if (!(data[0] & 1) || s[0] != '/' ||
		    strcmp(((struct sockaddr_un *)&ss)->sun_path, s) != 0)
			abort();
		return 0;
	case AF_INET:
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		break;
	case AF_INET6:
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		if (s[0] != '[')
			abort();
		break;
	default:
		abort();
	}
	if (port < 1 || port > 65535)
		abort();
	return 0;
}
