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
#include "capsuled.h"
#include "listen.h"
#include "log.h"
#include "utf8.h"

/*
 * The common case of the /24 in text: a dotted quad as getnameinfo()
 * writes it ("192.0.2.33" -> "192.0.2.0"), without parsing and writing
 * it back per request.  0, or -1 to leave it to inet_pton().
 */
static int
access_ipv4_net(const char *addr, char *out, size_t outsize)
{
	const char	*p;
	size_t		 n;
	int		 dots = 0;

	for (p = addr; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			return -1;
	}
	if (dots != 3 || (p = strrchr(addr, '.')) == NULL)
		return -1;
	n = (size_t)(p - addr) + 1;
	if (n + 2 > outsize)
		return -1;
	memcpy(out, addr, n);
	out[n] = '0';
	out[n + 1] = '\0';
	return 0;
}

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
	if (access_ipv4_net(addr, out, outsize) == 0)
		return;
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
 * The request text between the quotes, for every format.  Only printable
 * ASCII other than '"' and '\\', and well-formed UTF-8 other than the C1
 * controls (U+0080 to U+009F, which some terminals obey), go in as they
 * are; every other byte is escaped (\xHH in the text formats, \u00HH
 * in JSON), so a request can neither close the quotes and write fields
 * of its own, nor hide a NUL that would cut the line, nor send a terminal
 * control.  Past ACCESS_REQUEST_MAX bytes of output the rest is "...",
 * inside the quotes: the fields after it are never lost.
 */
void
access_escape_request(struct buf *b, const char *s, size_t len, int json)
{
	size_t		start = b->len, i = 0, n;
	unsigned char	c;

	while (i < len) {
		if (b->len - start >= ACCESS_REQUEST_MAX) {
			buf_puts(b, "...");
			return;
		}
		c = (unsigned char)s[i];
		n = c < 0x80 ? 1 : utf8_charlen(s + i, len - i);
		if (n > 1 && !(c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)) {
			buf_append(b, s + i, n);
			i += n;
			continue;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf_putc(b, (char)c);
		else if (json && (c == '"' || c == '\\'))
			buf_printf(b, "\\%c", c);
		else
			buf_printf(b, json ? "\\u%04x" : "\\x%02x", c);
		i++;
	}
}

static void
access_json(struct buf *b, const struct access_entry *e, const char *addr,
    size_t reqlen, const char *stamp)
{
	buf_printf(b, "{\"time\":\"%s\",\"addr\":\"%s\",\"proto\":\"%s\","
	    "\"request\":\"", stamp, addr, e->proto);
	access_escape_request(b, e->request, reqlen, 1);
	buf_printf(b, "\",\"status\":%d,\"bytes\":%lld,\"ms\":%lld", e->status,
	    e->bytes, e->ms);
	if (e->received >= 0)
		buf_printf(b, ",\"received\":%lld", e->received);
	if (e->fingerprint[0] != '\0')
		buf_printf(b, ",\"cert\":\"%s\"", e->fingerprint);
	buf_puts(b, "}");
}

/* The default line, the common case: put together piece by piece (a
 * format string's parse was a fifth of a Gopher request's own work). */
static void
access_default(struct buf *b, const struct access_entry *e, const char *addr,
    size_t reqlen)
{
	buf_puts(b, addr);
	buf_putc(b, ' ');
	buf_puts(b, e->proto);
	buf_puts(b, " \"");
	access_escape_request(b, e->request, reqlen, 0);
	buf_puts(b, "\" ");
	buf_putnum(b, e->status);
	buf_putc(b, ' ');
	buf_putnum(b, e->bytes);
	buf_putc(b, ' ');
	buf_putnum(b, e->ms);
	buf_puts(b, "ms");
	/* An upload: the body bytes received, done or not. */
	if (e->received >= 0) {
		buf_puts(b, " received=");
		buf_putnum(b, e->received);
	}
	if (e->fingerprint[0] != '\0') {
		buf_puts(b, " cert=");
		buf_puts(b, e->fingerprint);
	}
}

void
access_log(const struct conf *conf, const struct access_entry *e)
{
	/* One line at a time in a worker: reuse the buffer rather than
	 * allocate per request. */
	static struct buf	 b;
	char			 addr[LISTEN_ADDR_MAX], stamp[40];
	size_t			 len = e->reqlen;
	struct tm		 tm;
	time_t			 now;

	while (len > 0 && (e->request[len - 1] == '\n' ||
	    e->request[len - 1] == '\r'))
		len--;
	access_address(e->addr, conf->log_address, addr, sizeof(addr));
	buf_reset(&b);
	switch (conf->log_format) {
	case CONF_LOG_JSON:
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		access_json(&b, e, addr, len, stamp);
		break;
	case CONF_LOG_COMMON:
	case CONF_LOG_COMBINED:
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		buf_printf(&b, "%s - %s [%s] \"", addr,
		    e->fingerprint[0] ? e->fingerprint : "-", stamp);
		access_escape_request(&b, e->request, len, 0);
		buf_printf(&b, "\" %d %lld", e->status, e->bytes);
		if (conf->log_format == CONF_LOG_COMBINED)
			buf_printf(&b, " \"-\" \"%s\" %lldms", e->proto,
			    e->ms);
		break;
	default:
		access_default(&b, e, addr, len);
		break;
	}
	if (b.data != NULL)
		log_access(b.data, conf->log_format == CONF_LOG_DEFAULT);
}
