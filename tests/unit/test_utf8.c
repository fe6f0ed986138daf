/* test_utf8.c: UTF-8 validation and boundaries. */
#include "test.h"
#include "utf8.h"

static const struct {
	const char	*in;
	int		 valid;
	const char	*why;
} valid_cases[] = {
	{ "", 1, "empty is valid" },
	{ "plain ascii", 1, "ASCII" },
	{ "caf\xc3\xa9", 1, "two-byte e-acute" },
	{ "\xe2\x80\x99", 1, "three-byte right quote" },
	{ "\xf0\x9f\x98\x80", 1, "four-byte emoji" },
	{ "\xc3", 0, "truncated two-byte" },
	{ "\xc0\xaf", 0, "overlong slash" },
	{ "\xe0\x80\xaf", 0, "overlong three-byte" },
	{ "\xed\xa0\x80", 0, "UTF-16 surrogate" },
	{ "\xf4\x90\x80\x80", 0, "above U+10FFFF" },
	{ "\xff", 0, "0xFF never appears" },
	{ "a\x80", 0, "lone continuation byte" },
};

int
main(void)
{
	size_t		 i;
	const char	*s;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		s = test_guarded(valid_cases[i].in, strlen(valid_cases[i].in));
		CHECK(utf8_valid(s, strlen(valid_cases[i].in)) ==
		    valid_cases[i].valid, valid_cases[i].why);
	}
	s = "ab\xc3\xa9z";
	CHECK(utf8_cut(s, 5, 3) == 2, "cut does not split e-acute");
	CHECK(utf8_cut(s, 5, 4) == 4, "cut after e-acute");
	CHECK(utf8_cut(s, 5, 99) == 5, "cut beyond end is whole string");
	CHECK(utf8_width(s, 5) == 4, "four characters");
	CHECK(utf8_charlen("\xf0\x9f", 2) == 0, "truncated four-byte");
	return test_done("utf8");
}
