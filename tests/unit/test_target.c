/* test_target.c: a backend's address from the configuration. */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>

#include "test.h"
#include "target.h"

static const struct {
	const char	*in;
	int		 unix_ok;
	int		 family;	/* 0: refused */
	int		 port;
	const char	*why;
} cases[] = {
	{ "/run/app.sock", 1, AF_UNIX, 0, "a socket path" },
	{ "/run/app.sock", 0, 0, 0, "no socket path for the proxy" },
	{ "127.0.0.1:4000", 1, AF_INET, 4000, "an IPv4 address and port" },
	{ "127.0.0.1:4000", 0, AF_INET, 4000, "... for the proxy too" },
	{ "[::1]:1965", 0, AF_INET6, 1965, "an IPv6 address in brackets" },
	{ "[2001:db8::1]:65535", 0, AF_INET6, 65535, "the highest port" },
	{ "127.0.0.1:1", 0, AF_INET, 1, "the lowest port" },
	{ "127.0.0.1:0", 0, 0, 0, "port 0" },
	{ "127.0.0.1:65536", 0, 0, 0, "port above 65535" },
	{ "127.0.0.1:99999999", 0, 0, 0, "a long port" },
	{ "127.0.0.1:", 0, 0, 0, "no port" },
	{ "127.0.0.1", 0, 0, 0, "no colon" },
	{ "127.0.0.1:4x", 0, 0, 0, "junk in the port" },
	{ "::1:1965", 0, 0, 0, "IPv6 without brackets" },
	{ "[127.0.0.1]:1965", 0, 0, 0, "IPv4 in brackets" },
	{ "[::1:1965", 0, 0, 0, "an open bracket" },
	{ "localhost:1965", 0, 0, 0, "names are not resolved" },
	{ ":1965", 0, 0, 0, "no address" },
	{ "app.sock", 1, 0, 0, "a relative socket path" },
	{ "", 1, 0, 0, "empty" },
};

int
main(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	char			 longpath[200];
	const char		*errstr;
	socklen_t		 len;
	size_t			 i;
	int			 rc, port;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errstr = NULL;
		rc = target_parse(cases[i].in, cases[i].unix_ok, &ss, &len,
		    &errstr);
		CHECK(rc == (cases[i].family ? 0 : -1), cases[i].why);
		if (rc == -1) {
			CHECK(errstr != NULL, "an error says why");
			continue;
		}
		CHECK(ss.ss_family == cases[i].family, cases[i].why);
		port = ss.ss_family == AF_INET ?
		    ntohs(((struct sockaddr_in *)&ss)->sin_port) :
		    ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) : 0;
		CHECK(port == cases[i].port, cases[i].why);
	}
	CHECK(target_parse("/run/app.sock", 1, &ss, &len, &errstr) == 0 &&
	    strcmp(sun->sun_path, "/run/app.sock") == 0 &&
	    len == offsetof(struct sockaddr_un, sun_path) + 14,
	    "the path and its length");
	longpath[0] = '/';
	memset(longpath + 1, 'a', sizeof(longpath) - 2);
	longpath[108] = '\0';
	CHECK(target_parse(longpath, 1, &ss, &len, &errstr) == -1,
	    "108 bytes do not fit sun_path with its NUL");
	longpath[107] = '\0';
	CHECK(target_parse(longpath, 1, &ss, &len, &errstr) == 0,
	    "107 bytes do");
	return test_done("target");
}
