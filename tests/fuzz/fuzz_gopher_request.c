/*
 * fuzz_gopher_request.c: the request parser keeps its contract on any
 * bytes: -1, 0 or a consumed count within the input; an accepted
 * selector is short and free of control bytes; a shorter prefix of an
 * accepted line is never itself accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gopher.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_fields(const struct gopher_request *r)
{
	size_t	i, n = strlen(r->selector);

	if (n > GOPHER_SELECTOR_MAX || strlen(r->search) > GOPHER_LINE_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)r->selector[i] < 0x20 ||
		    r->selector[i] == 0x7f)
			abort();
	if (!r->has_search && r->search[0] != '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopher_request	 r;
	const char		*errstr = NULL, *in = (const char *)data;
	ssize_t			 n;

	n = gopher_request_parse(in, size, &r, &errstr);
	if (n < -1 || (n > 0 && (size_t)n > size) ||
	    (n > 0 && (size_t)n > GOPHER_LINE_MAX + 2))
		abort();
	if (n == -1 && (errstr == NULL || *errstr == '\0'))
		abort();
	if (n <= 0)
		return 0;
	check_fields(&r);
	if (gopher_request_parse(in, (size_t)n - 1, &r, &errstr) != 0)
		abort();
	return 0;
}
