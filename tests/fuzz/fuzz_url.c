/*
 * fuzz_url.c: url_parse() on arbitrary bytes.  On success the path must
 * be absolute and normalised (no "." or ".." segment, no NUL), the host
 * lower-case, and url_normalize_path() idempotent on the result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_has_dot_segment(const char *p)
{
	size_t	len = strlen(p);

	if (strstr(p, "/./") != NULL || strstr(p, "/../") != NULL ||
	    strstr(p, "//") != NULL)
		return 1;
	if (len >= 2 && strcmp(p + len - 2, "/.") == 0)
		return 1;
	if (len >= 3 && strcmp(p + len - 3, "/..") == 0)
		return 1;
	return 0;
}

static void
fuzz_check(const struct url *u)
{
	char		 again[sizeof(u->path)];
	const char	*h;

	if (u->path[0] != '/' || fuzz_has_dot_segment(u->path))
		abort();
	if (memchr(u->path, '\0', sizeof(u->path)) == NULL)
		abort();
	for (h = u->host; *h != '\0'; h++)
		if (*h >= 'A' && *h <= 'Z')
			abort();
	memcpy(again, u->path, sizeof(again));
	if (url_normalize_path(again) == -1 || strcmp(again, u->path) != 0)
		abort();
	if (u->port < -1 || u->port > 65535)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct url	 u;
	const char	*err = NULL;
	char		*copy;

	/* an exact-size heap copy, so ASan catches any over-read */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (url_parse(copy, size, &u, &err) == 0)
		fuzz_check(&u);
	else if (err == NULL)
		abort();
	free(copy);
	return 0;
}
