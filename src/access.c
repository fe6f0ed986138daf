/* access.c: access log lines. */
#include <stdio.h>

#include "access.h"
#include "conn.h"
#include "log.h"

void
access_log(const struct conn *c)
{
	size_t	len = c->reqlen;

	/* Rejected lines have no parsed length: log what arrived. */
	if (len == 0)
		len = c->inlen;
	while (len > 0 && (c->in[len - 1] == '\n' || c->in[len - 1] == '\r'))
		len--;
	/* log_info() escapes control bytes: a client cannot forge lines. */
	log_info("%s %s \"%.*s\" %d %lld %lldms%s%s", c->addr,
	    c->proto == LISTEN_GEMINI ? "gemini" : "gopher", (int)len, c->in,
	    c->status, c->bytes, conn_now_ms() - c->start_ms,
	    c->fingerprint[0] ? " cert=" : "", c->fingerprint);
}
