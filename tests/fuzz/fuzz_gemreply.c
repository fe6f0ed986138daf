/*
 * fuzz_gemreply.c: a program's or backend's reply header.  Properties:
 * the result is -1, 0 or a length within the input; an error has a
 * reason; a header found ends with CRLF, has a status 10-69 and a meta
 * of at most 1024 bytes with no control byte; a prefix of valid input
 * is never called invalid (what has come so far decides nothing early
 * that more bytes could fix).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *err = NULL;
	ssize_t		 n, m;
	size_t		 i;
	int		 status = 0, s2;

	n = gemreply_parse(p, size, &status, &err);
	if (n < -1 || n > (ssize_t)size || (n == -1 && err == NULL))
		abort();
	if (n <= 0)
		return 0;
	if (n < 5 || p[n - 2] != '\r' || p[n - 1] != '\n' || p[2] != ' ' ||
	    status < 10 || status > 69 || n - 5 > GEMREPLY_META_MAX)
		abort();
	for (i = 3; i < (size_t)n - 2; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			abort();
	for (i = 0; i < (size_t)n; i++) {
		m = gemreply_parse(p, i, &s2, &err);
		if (m != 0)
			abort();
	}
	return 0;
}
