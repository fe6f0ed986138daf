/*
 * fuzz_conf.c: libFuzzer harness for conf_parse().
 *
 * Properties:
 * - conf_parse returns 0 or -1, never crashes;
 * - on -1, errbuf is "NAME:LINE: message";
 * - on 0, conf_print's output parses again, and printing that gives the
 *   same text (the normal form is a fixed point).
 * The file name sits in a directory that does not exist, so relative
 * includes fail; that is fine, they must fail cleanly.
 *
 * clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *     -Isrc -o fuzz_conf tests/fuzz/fuzz_conf.c src/conf.c src/utf8.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define FUZZ_NAME	"/nonexistent/fuzz.conf"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Some 30 MB each: allocated once, reused. */
static struct conf	*fuzz_a, *fuzz_b;

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_conf: %s\n%s\n", what, detail);
	abort();
}

/* errbuf = FUZZ_NAME ":" 1*DIGIT ": " message */
static void
fuzz_check_error(const char *err)
{
	size_t	n = strlen(FUZZ_NAME), digits = 0;

	if (strncmp(err, FUZZ_NAME ":", n + 1) != 0)
		fuzz_fail("error without the file name", err);
	while (err[n + 1 + digits] >= '0' && err[n + 1 + digits] <= '9')
		digits++;
	if (digits == 0 || strncmp(err + n + 1 + digits, ": ", 2) != 0)
		fuzz_fail("error without a line number", err);
}

/* conf_print into a malloc'd string. */
static char *
fuzz_print(const struct conf *conf, size_t *len)
{
	char	*out = NULL;
	FILE	*fp;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	conf_print(conf, fp);
	if (fclose(fp) != 0)
		abort();
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[2048], *out, *out2;
	size_t	 len, len2;
	int	 rc;

	if (fuzz_a == NULL && ((fuzz_a = calloc(1, sizeof(*fuzz_a))) == NULL ||
	    (fuzz_b = calloc(1, sizeof(*fuzz_b))) == NULL))
		abort();
	conf_init(fuzz_a);
	err[0] = '\0';
	rc = conf_parse((const char *)data, size, FUZZ_NAME, fuzz_a, err,
	    sizeof(err));
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1) {
		fuzz_check_error(err);
		conf_free(fuzz_a);
		return 0;
	}
	out = fuzz_print(fuzz_a, &len);
	conf_init(fuzz_b);
	if (conf_parse(out, len, "printed", fuzz_b, err, sizeof(err)) != 0)
		fuzz_fail(err, out);
	out2 = fuzz_print(fuzz_b, &len2);
	if (len != len2 || memcmp(out, out2, len) != 0)
		fuzz_fail("printed form is not a fixed point", out2);
	free(out);
	free(out2);
	conf_free(fuzz_a);
	conf_free(fuzz_b);
	return 0;
}
