/*
 * access.h: the one access-log line per request.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stddef.h>

struct conn;

/* One line for a finished (or rejected) request, in the configured
 * format (capsuled.conf(5) "log-format"), control bytes escaped. */
void	access_log(const struct conn *);

/* Pure: addr as the log keeps it (CONF_ADDR_FULL, _TRUNCATE: IPv4 /24,
 * IPv6 /48, _NONE: "-"). */
void	access_address(const char *addr, int mode, char *out,
	    size_t outsize);

#endif
