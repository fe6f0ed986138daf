/*
 * test.h: the unit-test helpers.  Each test_<module>.c has a main() that
 * runs table-driven cases through CHECK() and ends with test_done(),
 * which prints "N passed, N failed" and returns the exit status.
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int test_passed, test_failed;

/* Record one check; why says what the case is about. */
#define CHECK(cond, why) test_check((cond), #cond, (why), __FILE__, __LINE__)

static void
test_check(int ok, const char *expr, const char *why, const char *file,
    int line)
{
	if (ok) {
		test_passed++;
		return;
	}
	test_failed++;
	fprintf(stderr, "FAIL %s:%d: %s (%s)\n", file, line, why, expr);
}

/*
 * Copy len bytes so that they end right before an unreadable page
 * (picohttpparser's trick): a parser that reads past the end faults at
 * once instead of reading junk.  One static slot; each call reuses it.
 */
static __attribute__((unused)) const char *
test_guarded(const void *data, size_t len)
{
	static char	*region;
	static size_t	 regionlen;
	long		 page = sysconf(_SC_PAGESIZE);
	size_t		 need = ((len + (size_t)page - 1) / (size_t)page + 1) *
			    (size_t)page;
	char		*start;

	if (region != NULL && regionlen < need) {
		munmap(region, regionlen);
		region = NULL;
	}
	if (region == NULL) {
		region = mmap(NULL, need, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED) {
			perror("mmap");
			_exit(2);
		}
		regionlen = need;
		mprotect(region + need - page, (size_t)page, PROT_NONE);
	}
	start = region + regionlen - (size_t)page - len;
	memcpy(start, data, len);
	return start;
}

static int
test_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
	return test_failed == 0 ? 0 : 1;
}

#endif
