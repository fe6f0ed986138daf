/*
 * fuzz_runmsg.c: what the program runner reads from a worker (and a
 * worker from it).  Properties: the result is -1, 0 or the whole
 * input; an error has a reason; a request's fields lie within the input
 * and are NUL-terminated there; an answer's body lies within it and
 * within the limit; a parsed message encodes back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 out[RUNMSG_HEADER + RUNMSG_REQUEST_MAX +
				    RUNMSG_BODY_MAX];
	const char		*end = (const char *)data + size, *err = NULL;
	struct runmsg		 m;
	ssize_t			 n;
	int			 i;

	n = runmsg_parse(data, size, &m, &err);
	if (n < -1 || (n > 0 && (size_t)n != size) || (n == -1 && err == NULL))
		abort();
	if (n <= 0)
		return 0;
	if (m.type == RUNMSG_REQUEST)
		for (i = 0; i < RUNMSG_NFIELDS; i++)
			if (m.field[i] < (const char *)data + RUNMSG_HEADER ||
			    m.field[i] >= end || memchr(m.field[i], '\0',
			    (size_t)(end - m.field[i])) == NULL)
				abort();
	if (m.type == RUNMSG_ANSWER && (m.body != (const char *)data +
	    RUNMSG_HEADER || m.bodylen > RUNMSG_BODY_MAX ||
	    RUNMSG_HEADER + m.bodylen != size))
		abort();
	if (runmsg_encode(out, sizeof(out), &m) != size ||
	    memcmp(out, data, size) != 0)
		abort();
	return 0;
}
