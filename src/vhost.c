/* vhost.c: host name matching for SNI and request URLs. */
#include <string.h>
#include <strings.h>

#include "vhost.h"

int
vhost_match(const char *pattern, const char *name)
{
	size_t	plen, nlen;

	if (strcasecmp(pattern, name) == 0)
		return 1;
	if (pattern[0] != '*' || pattern[1] != '.')
		return 0;
	plen = strlen(pattern + 1);	/* ".example.org" */
	nlen = strlen(name);
	return nlen > plen && strcasecmp(name + nlen - plen, pattern + 1) == 0;
}

const struct conf_host *
vhost_find(const struct conf *conf, const char *name)
{
	const struct conf_host	*h;
	int			 i, j;

	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		if (vhost_match(h->name, name))
			return h;
		for (j = 0; j < h->naliases; j++)
			if (vhost_match(h->aliases[j], name))
				return h;
	}
	return NULL;
}

int
vhost_index(const struct conf *conf, const struct conf_host *h)
{
	return (int)(h - conf->hosts);
}
