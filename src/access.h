/*
 * access.h: the one access-log line per request.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stddef.h>

#define ACCESS_REQUEST_MAX	1200	/* escaped request bytes per line */

struct buf;
struct conf;

/* What the access log says of one request. */
struct access_entry {
	const char	*proto;		/* "gemini", "gopher" */
	const char	*addr;		/* the client, printable */
	const char	*request;	/* the bytes it sent (not a string) */
	size_t		 reqlen;
	int		 status;	/* a Gemini status, for both protocols */
	long long	 bytes;		/* sent to the client */
	long long	 received;	/* body bytes of an upload, or -1 */
	long long	 ms;		/* from accept to the last byte */
	const char	*fingerprint;	/* client certificate, or "" */
};

/* One line for a finished (or rejected) request, in conf's format
 * (capsuled.conf(5) "log-format"), control bytes escaped. */
void	access_log(const struct conf *, const struct access_entry *);

/* Pure: addr as the log keeps it (CONF_ADDR_FULL, _TRUNCATE: IPv4 /24,
 * IPv6 /48, _NONE: "-"). */
void	access_address(const char *addr, int mode, char *out,
	    size_t outsize);

/* Pure: the request text as it goes between the quotes of a log line
 * (json: JSON string escapes), at most ACCESS_REQUEST_MAX bytes and
 * "...".  Appended to b. */
void	access_escape_request(struct buf *, const char *, size_t, int json);

#endif
