/*
 * test_listen.c: addresses as text, as the log, the caps and the PROXY
 * allow-list see them (the IPv4 case is formatted by hand).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "test.h"
#include "listen.h"

static const char *const ipv4[] = {
	"0.0.0.0", "255.255.255.255", "10.0.12.5", "192.0.2.100",
	"1.20.199.9", "127.0.0.1",
};

int
main(void)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	char			buf[LISTEN_ADDR_MAX];
	size_t			i;

	for (i = 0; i < sizeof(ipv4) / sizeof(ipv4[0]); i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		inet_pton(AF_INET, ipv4[i], &sin.sin_addr);
		memset(buf, 'x', sizeof(buf));
		listen_addr_string((struct sockaddr *)&sin, sizeof(sin), buf,
		    sizeof(buf));
		CHECK(strcmp(buf, ipv4[i]) == 0, ipv4[i]);
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	listen_addr_string((struct sockaddr *)&sin6, sizeof(sin6), buf,
	    sizeof(buf));
	CHECK(strcmp(buf, "2001:db8::1") == 0, "IPv6 by getnameinfo()");
	listen_addr_string((struct sockaddr *)&sin, sizeof(sin), buf, 8);
	CHECK(strlen(buf) < 8, "a short buffer is never overrun");
	return test_done("listen");
}
