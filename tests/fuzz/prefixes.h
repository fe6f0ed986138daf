/*
 * prefixes.h: the trickle property the request-line harnesses share.
 * A client may send its line a byte at a time, and the parser is called
 * with every prefix: a prefix must never be judged invalid when the
 * whole input is accepted, and once a line is complete more bytes must
 * not change the verdict.
 */
#ifndef FUZZ_PREFIXES_H
#define FUZZ_PREFIXES_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

/* one(data, len): the parser's return for data[0..len), properties
 * checked; inputs longer than max skip the prefixes (their cost). */
static void
fuzz_prefixes(const uint8_t *data, size_t size, size_t max,
    ssize_t (*one)(const uint8_t *, size_t))
{
	ssize_t	full, part;
	size_t	i;

	full = one(data, size);
	if (size > max)
		return;
	for (i = 0; i < size; i++) {
		part = one(data, i);
		if (part == -1 && full != -1)
			abort();
		if (part > 0 && part != full)
			abort();
	}
}

#endif
