/*
 * access.c: the access log: one line per request in the configured
 * format, with the client address kept whole, truncated or left out.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "buf.h"
#include "conn.h"
#include "log.h"
#include "worker.h"

/*
 * Privacy by default: keep the network, drop the host part (IPv4 /24,
 * IPv6 /48), which is enough to see abuse and says little of a reader.
 */
void
access_address(const char *addr, int mode, char *out, size_t outsize)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (mode == CONF_ADDR_NONE) {
		snprintf(out, outsize, "-");
		return;
	}
	if (mode == CONF_ADDR_FULL) {
		snprintf(out, outsize, "%s", addr);
		return;
	}
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		a4.s_addr &= htonl(0xffffff00);
		inet_ntop(AF_INET, &a4, out, (socklen_t)outsize);
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		memset(a6.s6_addr + 6, 0, 10);
		inet_ntop(AF_INET6, &a6, out, (socklen_t)outsize);
	} else
		snprintf(out, outsize, "-");
}

/*
 * The request inside the quotes of the common, combined and default
 * lines: '"' and '\\' escaped (as \x22, \x5c), so a request cannot
 * close the quotes and write fields of its own.  Control bytes are
 * escaped later by log.c.
 */
static void
access_quote(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_printf(b, "\\x%02x", (unsigned char)s[i]);
		else
			buf_putc(b, s[i]);
	}
}

/* JSON string body: quotes, backslashes and control bytes escaped. */
static void
access_json_str(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_printf(b, "\\%c", s[i]);
		else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			buf_printf(b, "\\u%04x", (unsigned char)s[i]);
		else
			buf_putc(b, s[i]);
	}
}

static void
access_json(struct buf *b, const struct conn *c, const char *addr,
    const char *req, size_t reqlen, const char *stamp, long long ms)
{
	buf_printf(b, "{\"time\":\"%s\",\"addr\":\"%s\",\"proto\":\"%s\","
	    "\"request\":\"", stamp, addr,
	    c->proto == LISTEN_GEMINI ? "gemini" : "gopher");
	access_json_str(b, req, reqlen);
	buf_printf(b, "\",\"status\":%d,\"bytes\":%lld,\"ms\":%lld", c->status,
	    c->bytes, ms);
	if (c->fingerprint[0] != '\0')
		buf_printf(b, ",\"cert\":\"%s\"", c->fingerprint);
	buf_puts(b, "}");
}

void
access_log(const struct conn *c)
{
	/* One line at a time in a worker: reuse the buffer rather than
	 * allocate per request. */
	static struct buf	 b;
	const struct conf	*conf = worker_conf();
	char			 addr[CONN_ADDR_MAX], stamp[40];
	size_t			 len = c->reqlen;
	long long		 ms = conn_now_ms() - c->start_ms;
	struct tm		 tm;
	time_t			 now = time(NULL);

	/* Rejected lines have no parsed length: log what arrived. */
	if (len == 0)
		len = c->inlen;
	while (len > 0 && (c->in[len - 1] == '\n' || c->in[len - 1] == '\r'))
		len--;
	access_address(c->addr, conf->log_address, addr, sizeof(addr));
	gmtime_r(&now, &tm);
	buf_reset(&b);
	switch (conf->log_format) {
	case CONF_LOG_JSON:
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		access_json(&b, c, addr, c->in, len, stamp, ms);
		break;
	case CONF_LOG_COMMON:
	case CONF_LOG_COMBINED:
		strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		buf_printf(&b, "%s - %s [%s] \"", addr,
		    c->fingerprint[0] ? c->fingerprint : "-", stamp);
		access_quote(&b, c->in, len);
		buf_printf(&b, "\" %d %lld", c->status, c->bytes);
		if (conf->log_format == CONF_LOG_COMBINED)
			buf_printf(&b, " \"-\" \"%s\" %lldms",
			    c->proto == LISTEN_GEMINI ? "gemini" : "gopher",
			    ms);
		break;
	default:
		buf_printf(&b, "%s %s \"", addr,
		    c->proto == LISTEN_GEMINI ? "gemini" : "gopher");
		access_quote(&b, c->in, len);
		buf_printf(&b, "\" %d %lld %lldms%s%s", c->status, c->bytes,
		    ms, c->fingerprint[0] ? " cert=" : "", c->fingerprint);
		break;
	}
	if (b.data != NULL)
		log_access(b.data, conf->log_format == CONF_LOG_DEFAULT);
}
