/*
 * fuzz_gemini_request.c: gemini_request_parse() on arbitrary bytes.
 * It returns -1 (with a reason), 0 only while len <= 1026, or a count
 * <= len and <= 1026 that ends at a CRLF.  Every prefix of the input is
 * fed too, as a client trickling bytes would, and a prefix must never
 * be judged invalid when the whole input was accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"
#include "prefixes.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static ssize_t
fuzz_one(const uint8_t *data, size_t size)
{
	struct url	 u;
	const char	*err = NULL;
	char		*copy;
	ssize_t		 n;

	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	n = gemini_request_parse(copy, size, &u, &err);
	if (n == -1 && err == NULL)
		abort();
	if (n == 0 && size > 1026)
		abort();
	if (n > 0 && ((size_t)n > size || n > 1026 || n < 2 ||
	    copy[n - 2] != '\r' || copy[n - 1] != '\n'))
		abort();
	if (n > 0 && (u.path[0] != '/' || memchr(copy, '\n', n - 1) != NULL))
		abort();
	if (n < -1)
		abort();
	free(copy);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_prefixes(data, size, 1100, fuzz_one);
	return 0;
}
