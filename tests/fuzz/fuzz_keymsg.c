/*
 * fuzz_keymsg.c: what the key process reads from a worker (and a worker
 * from it).  Properties: the result is -1, 0 or a length within the
 * input; an error has a reason; a parsed message's body lies within it
 * and within the limits; a signing request names a known scheme; a
 * parsed message encodes back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 out[KEYMSG_MAX];
	struct keymsg	 m;
	const char	*err = NULL;
	ssize_t		 n;

	n = keymsg_parse(data, size, &m, &err);
	if (n < -1 || n > (ssize_t)size || (n == -1 && err == NULL))
		abort();
	if (n <= 0)
		return 0;
	if (m.body != data + KEYMSG_HEADER ||
	    (size_t)n != KEYMSG_HEADER + m.bodylen)
		abort();
	if (m.type == KEYMSG_SIGN && (m.bodylen > KEYMSG_TBS_MAX ||
	    keymsg_scheme(m.scheme) == NULL))
		abort();
	if (m.type != KEYMSG_SIGN && m.bodylen > KEYMSG_SIG_MAX)
		abort();
	if (keymsg_encode(out, sizeof(out), &m) != (size_t)n ||
	    memcmp(out, data, (size_t)n) != 0)
		abort();
	return 0;
}
