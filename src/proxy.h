/*
 * proxy.h: the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2) that a load balancer sends before the client's
 * bytes, naming the real client.  Pure parser, picohttpparser contract.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>
#include <sys/types.h>

#define PROXY_V1_MAX	107	/* "PROXY ..." line, CRLF included */
#define PROXY_V2_MAX	(16 + 65535)
#define PROXY_PEEK	232	/* enough for v1, and v2 without TLVs */

struct proxy_header {
	int	local;		/* LOCAL/UNKNOWN: keep the socket's address */
	char	src[64];	/* client address, printable */
	int	src_port;
};

/*
 * Parse a v1 or v2 header at buf[0..len).  Returns the header's length
 * (consume exactly that many bytes), 0 when more bytes are needed, -1
 * when invalid with a static reason in *errstr.
 */
ssize_t	proxy_parse(const unsigned char *buf, size_t len,
	    struct proxy_header *out, const char **errstr);

#endif
