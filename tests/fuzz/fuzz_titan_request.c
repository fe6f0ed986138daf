/*
 * fuzz_titan_request.c: titan_request_parse() on arbitrary bytes.  It
 * returns -1 (with a reason), 0 only while no whole line (1026 bytes at
 * most) is in, or a count <= len ending at the first CRLF; an accepted
 * request has a titan URL with an absolute path, a size of 0 to 10^15 -
 * 1, a mime with a '/' in printable ASCII, a token with no control
 * byte; wherever the input holds ";token=", the raw token's place is
 * where it says.  Every prefix is fed too, as a client trickling bytes
 * would: a prefix is never judged invalid when the whole is accepted,
 * and once a line is complete more bytes do not change the verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefixes.h"
#include "titan.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
need(int cond)
{
	if (!cond)
		abort();
}

static void
check_accepted(const char *s, size_t size, ssize_t n,
    const struct titan_request *t)
{
	size_t	i;

	need((size_t)n <= size && n <= 1026 && n >= 2);
	need(s[n - 2] == '\r' && s[n - 1] == '\n');
	need(memchr(s, '\n', (size_t)n - 1) == NULL);
	need(strcmp(t->url.scheme, "titan") == 0 && t->url.path[0] == '/');
	need(t->size >= 0 && t->size < 1000000000000000LL);
	need(t->mime[0] != '\0' && strchr(t->mime, '/') != NULL);
	for (i = 0; t->mime[i] != '\0'; i++)
		need((unsigned char)t->mime[i] >= 0x20 &&
		    (unsigned char)t->mime[i] < 0x7f);
	need(!t->has_token || t->token[0] != '\0');
	for (i = 0; t->token[i] != '\0'; i++)
		need((unsigned char)t->token[i] >= 0x20 && t->token[i] != 0x7f);
}

static ssize_t
fuzz_one(const uint8_t *data, size_t size)
{
	struct titan_request	 t;
	const char		*err = NULL;
	char			*copy;
	ssize_t			 n;

	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	n = titan_request_parse(copy, size, &t, &err);
	need(n >= -1);
	need(n != -1 || err != NULL);
	need(n != 0 || memmem(copy, size, "\r\n", 2) == NULL);
	if (n > 0)
		check_accepted(copy, size, n, &t);
	need(t.token_off + t.token_len <= size);
	if (memmem(copy, size, ";token=", 7) != NULL)
		need(t.token_off >= 7 &&
		    memcmp(copy + t.token_off - 7, ";token=", 7) == 0);
	free(copy);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_prefixes(data, size, 1100, fuzz_one);
	return 0;
}
