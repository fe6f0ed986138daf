/* location.c: location matching and expansion (pure). */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "location.h"

const struct conf_location *
location_match(const struct conf_host *h, const char *path)
{
	int	i;

	for (i = 0; i < h->nlocations; i++)
		if (fnmatch(h->locations[i].pattern, path, 0) == 0)
			return &h->locations[i];
	return NULL;
}

int
location_expand(const char *tmpl, const char *path, char *dst,
    size_t dstsize)
{
	size_t	o = 0, n;

	for (; *tmpl != '\0'; tmpl++) {
		if (tmpl[0] == '%' && tmpl[1] == 'p') {
			n = strlen(path);
			if (o + n >= dstsize)
				return -1;
			memcpy(dst + o, path, n);
			o += n;
			tmpl++;
			continue;
		}
		if (tmpl[0] == '%' && tmpl[1] == '%')
			tmpl++;
		if (o + 1 >= dstsize)
			return -1;
		dst[o++] = *tmpl;
	}
	if (dstsize == 0)
		return -1;
	dst[o] = '\0';
	return 0;
}

const char *
location_mime(const struct conf_location *loc, const char *name)
{
	const char	*dot = strrchr(name, '.');
	int		 i;

	if (loc == NULL || dot == NULL)
		return NULL;
	for (i = 0; i < loc->nmime; i++)
		if (strcasecmp(loc->mime[i].ext, dot + 1) == 0)
			return loc->mime[i].type;
	return NULL;
}

static int
location_fpr_in(const char (*list)[65], int n, const char *fpr)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], fpr) == 0)
			return 1;
	return 0;
}

int
location_allows(const struct conf_location *loc, const char *fpr)
{
	return location_fpr_in((const char (*)[65])loc->fingerprints,
	    loc->nfingerprints, fpr);
}

int
location_titan_allows(const struct conf_location *loc, const char *fpr)
{
	return location_fpr_in((const char (*)[65])loc->titan.fingerprints,
	    loc->titan.nfingerprints, fpr);
}

size_t
location_literal(const char *pattern)
{
	return strcspn(pattern, "*?[\\");
}

int
location_dir(const char *pattern, char *dst, size_t dstsize)
{
	size_t	n = location_literal(pattern);

	while (n > 0 && pattern[n - 1] != '/')
		n--;
	if (n == 0) {
		pattern = "/";
		n = 1;
	}
	if (n >= dstsize)
		return -1;
	memcpy(dst, pattern, n);
	dst[n] = '\0';
	return 0;
}
