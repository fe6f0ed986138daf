/*
 * fuzz_path.c: path normalisation on arbitrary bytes.  Properties: the
 * result starts with '/', has no "." or ".." segment and no "//", keeps
 * a trailing slash iff the input ended in a way that names a directory,
 * and normalising again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_segments(const char *p)
{
	const char	*s = p;

	if (p[0] != '/')
		abort();
	while ((s = strchr(s, '/')) != NULL) {
		s++;
		if (s[0] == '/')
			abort();
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0'))
			abort();
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	path[URL_MAX + 2], again[URL_MAX + 2];

	if (size > URL_MAX)
		return 0;
	path[0] = '/';
	memcpy(path + 1, data, size);
	path[size + 1] = '\0';
	if (strlen(path) != size + 1)
		return 0;	/* embedded NUL: not a path */
	if (url_normalize_path(path) == -1)
		abort();	/* it starts with '/': must succeed */
	check_segments(path);
	memcpy(again, path, strlen(path) + 1);
	if (url_normalize_path(again) == -1 || strcmp(again, path) != 0)
		abort();
	return 0;
}
