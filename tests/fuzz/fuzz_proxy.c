/*
 * fuzz_proxy.c: PROXY protocol headers.  Properties: the result is -1,
 * 0 or a length within the input; an error has a reason; a parsed
 * address is printable; a header that parses still parses, to the same
 * length, when more bytes follow it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header	 h, h2;
	const char		*err = NULL;
	unsigned char		*more;
	ssize_t			 n, n2;
	size_t			 i;

	n = proxy_parse(data, size, &h, &err);
	if (n < -1 || n > (ssize_t)size || (n == -1 && err == NULL))
		abort();
	if (n <= 0)
		return 0;
	for (i = 0; h.src[i] != '\0'; i++)
		if ((unsigned char)h.src[i] < 0x21 || h.src[i] == 0x7f)
			abort();
	if ((more = malloc(size + 4)) == NULL)
		return 0;
	memcpy(more, data, size);
	memcpy(more + size, "\x16\x03\x01\x00", 4);
	n2 = proxy_parse(more, size + 4, &h2, &err);
	free(more);
	if (n2 != n || strcmp(h.src, h2.src) != 0)
		abort();
	return 0;
}
