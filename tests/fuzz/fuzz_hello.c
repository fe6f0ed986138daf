/*
 * fuzz_hello.c: the wire length of a ClientHello.  Properties: the
 * answer is 0 or more than the bytes given and at most the peek size;
 * with exactly that many more bytes (any bytes) it never asks for fewer
 * than it did; and a whole answer stays whole when more bytes follow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hello.h"

#define PEEK	16645

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	buf[PEEK];
	size_t			n = size < PEEK ? size : PEEK, need, more;

	memcpy(buf, data, n);
	need = hello_need(buf, n, PEEK);
	if (need != 0 && (need <= n || need > PEEK))
		abort();
	/* Fill up to what it asked for: the answer moves forward only. */
	if (need != 0) {
		memset(buf + n, 0x16, need - n);
		more = hello_need(buf, need, PEEK);
		if (more != 0 && more <= need)
			abort();
	} else if (n < PEEK) {
		buf[n] = 0x16;
		if (hello_need(buf, n + 1, PEEK) != 0)
			abort();
	}
	return 0;
}
