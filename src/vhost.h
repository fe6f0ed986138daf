/*
 * vhost.h: which configured server answers for a host name.
 */
#ifndef VHOST_H
#define VHOST_H

#include "capsuled.h"

/*
 * Pure: 1 when name (lower-case, no trailing dot) matches pattern: equal
 * ignoring case, or pattern "*.example.org" and name one or more labels
 * under example.org.
 */
int			 vhost_match(const char *pattern, const char *name);

/* The host whose name or an alias matches name, or NULL. */
const struct conf_host	*vhost_find(const struct conf *, const char *name);

/* Index of h in conf->hosts. */
int			 vhost_index(const struct conf *,
			    const struct conf_host *);

#endif
