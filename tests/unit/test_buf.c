/*
 * test_buf.c: the growable buffer, and buf_putnum() against printf's
 * %lld for the values a log line carries and the extremes.
 */
#include <limits.h>

#include "test.h"
#include "buf.h"

static const long long nums[] = {
	0, 1, 9, 10, 42, -1, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN,
};

int
main(void)
{
	struct buf	b = { NULL, 0, 0 };
	char		want[32];
	size_t		i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		buf_reset(&b);
		snprintf(want, sizeof(want), "%lld", nums[i]);
		CHECK(buf_putnum(&b, nums[i]) == 0 && b.len == strlen(want) &&
		    strcmp(b.data, want) == 0, want);
	}
	buf_reset(&b);
	CHECK(buf_puts(&b, "a") == 0 && buf_putc(&b, 'b') == 0 &&
	    buf_putnum(&b, 3) == 0 && strcmp(b.data, "ab3") == 0,
	    "pieces appended in order, NUL-terminated");
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "freed");
	return test_done("buf");
}
