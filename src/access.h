/*
 * access.h: the one access-log line per request.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stddef.h>

#define ACCESS_REQUEST_MAX	1200	/* escaped request bytes per line */

struct buf;
struct conn;

/* One line for a finished (or rejected) request, in the configured
 * format (capsuled.conf(5) "log-format"), control bytes escaped. */
void	access_log(const struct conn *);

/* Pure: addr as the log keeps it (CONF_ADDR_FULL, _TRUNCATE: IPv4 /24,
 * IPv6 /48, _NONE: "-"). */
void	access_address(const char *addr, int mode, char *out,
	    size_t outsize);

/* Pure: the request text as it goes between the quotes of a log line
 * (json: JSON string escapes), at most ACCESS_REQUEST_MAX bytes and
 * "...".  Appended to b. */
void	access_escape_request(struct buf *, const char *, size_t, int json);

#endif
