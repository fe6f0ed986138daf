/*
 * gemlogtime: how long gemlog_get() takes to regenerate a gemlog
 * directory's index after a new post, and to answer from its cache.
 *
 *	cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o gemlogtime \
 *	    tests/bench/gemlogtime.c build/gemlog.o build/gemtext.o \
 *	    build/url.o build/utf8.o build/buf.o
 *	gemlogtime DIR [ROUNDS]
 *
 * Each round writes a new post into DIR (removed at the end), waits out
 * the one-second recheck, and times the gemlog_get() that regenerates;
 * then times a cached call.  Prints wall and CPU milliseconds (min and
 * median), CPU being the process's own (immune to other load).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gemlog.h"

#define ROUNDS_MAX	64

static double
ms(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp);
	printf("%-28s min %8.3f ms  median %8.3f ms\n", what, v[0], v[n / 2]);
}

/* One timed gemlog_get(); wall and CPU ms into *w and *c. */
static size_t
timed_get(int dirfd, double *w, double *c)
{
	static const struct gemlog_feed	feed = { "gemini://localhost/posts/",
					    "localhost", 20 };	/* feed-entries default */
	const struct buf		*b;
	double				w0 = ms(CLOCK_MONOTONIC);
	double				c0 = ms(CLOCK_PROCESS_CPUTIME_ID);

	b = gemlog_get(dirfd, "localhost/posts/", GEMLOG_INDEX, &feed);
	*w = ms(CLOCK_MONOTONIC) - w0;
	*c = ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (b == NULL) {
		perror("gemlog_get");
		exit(1);
	}
	return b->len;
}

int
main(int argc, char *argv[])
{
	double	rw[ROUNDS_MAX], rc[ROUNDS_MAX], hw[ROUNDS_MAX], hc[ROUNDS_MAX];
	char	name[64];
	size_t	len = 0;
	int	dirfd, fd, i, rounds;

	if (argc < 2) {
		fprintf(stderr, "usage: gemlogtime DIR [ROUNDS]\n");
		return 2;
	}
	rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (rounds < 1 || rounds > ROUNDS_MAX)
		rounds = 5;
	if ((dirfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1) {
		perror(argv[1]);
		return 1;
	}
	timed_get(dirfd, &rw[0], &rc[0]);	/* first build */
	for (i = 0; i < rounds; i++) {
		snprintf(name, sizeof(name), "2099-01-%02d-gemlogtime.gmi",
		    i + 1);
		if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) == -1 || write(fd, "# New\n", 6) != 6) {
			perror(name);
			return 1;
		}
		close(fd);
		usleep(1100 * 1000);	/* past the recheck and racy window */
		len = timed_get(dirfd, &rw[i], &rc[i]);
		timed_get(dirfd, &hw[i], &hc[i]);
	}
	for (i = 0; i < rounds; i++) {
		snprintf(name, sizeof(name), "2099-01-%02d-gemlogtime.gmi",
		    i + 1);
		unlinkat(dirfd, name, 0);
	}
	printf("index %zu bytes, %d rounds\n", len, rounds);
	report("regenerate, wall", rw, rounds);
	report("regenerate, CPU", rc, rounds);
	report("cached, wall", hw, rounds);
	report("cached, CPU", hc, rounds);
	gemlog_cache_free();
	close(dirfd);
	return 0;
}
