/*
 * fuzz_gophermap.c: gemtext to menu, hand-written map filling and
 * type-0 bodies must always produce well-framed Gopher output
 * (RFC 1436 Appendix NQBNF), whatever bytes the document holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gophermap.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct gophermap_ctx ctx = {
	"example.org", 70, "/dir/", "example.org", 1965
};

/*
 * One menu line without its CRLF: a printable type, exactly three
 * TABs, valid UTF-8 display text, a port of digits.  Info lines of
 * converted gemtext hold at most GOPHERMAP_WIDTH characters unless
 * the document has preformatted blocks (which are never wrapped).
 */
static void
check_item(const char *s, size_t len, int wrapped)
{
	const char	*tab[3], *p = s, *end = s + len;
	size_t		 i;

	if (len == 0 || s[0] <= 0x20 || s[0] >= 0x7f)
		abort();
	for (i = 0; i < 3; i++) {
		if ((tab[i] = memchr(p, '\t', (size_t)(end - p))) == NULL)
			abort();
		p = tab[i] + 1;
	}
	if (memchr(p, '\t', (size_t)(end - p)) != NULL || p == end)
		abort();
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			abort();
	if (!utf8_valid(s + 1, (size_t)(tab[0] - s - 1)))
		abort();
	if (wrapped && s[0] == 'i' &&
	    utf8_width(s + 1, (size_t)(tab[0] - s - 1)) > GOPHERMAP_WIDTH)
		abort();
}

/* Split into CRLF-ended lines; no CR or LF may appear inside one. */
static void
check_menu(const struct buf *b, int wrapped)
{
	const char	*s = b->data, *end, *cr;

	if (b->len == 0)
		return;
	end = s + b->len;
	while (s < end) {
		if ((cr = memchr(s, '\r', (size_t)(end - s))) == NULL ||
		    cr + 1 == end || cr[1] != '\n' ||
		    memchr(s, '\n', (size_t)(cr - s)) != NULL)
			abort();
		check_item(s, (size_t)(cr - s), wrapped);
		s = cr + 2;
	}
}

/* A text body: CRLF-ended lines, none of them "." alone. */
static void
check_text(const struct buf *b)
{
	const char	*s = b->data, *end, *lf;

	if (b->len == 0)
		return;
	end = s + b->len;
	while (s < end) {
		if ((lf = memchr(s, '\n', (size_t)(end - s))) == NULL ||
		    lf == s || lf[-1] != '\r')
			abort();
		if (lf - s == 2 && s[0] == '.')
			abort();
		s = lf + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = { 0 };
	const char	*in = (const char *)data;
	int		 pre;

	pre = memmem(in, size, "```", 3) != NULL;
	if (gophermap_from_gemtext(in, size, &ctx, &out) == -1)
		abort();
	check_menu(&out, !pre);
	buf_reset(&out);
	if (gophermap_fill(in, size, &ctx, &out) == -1)
		abort();
	check_menu(&out, 0);
	buf_reset(&out);
	if (gophermap_text(in, size, &out) == -1)
		abort();
	check_text(&out);
	buf_free(&out);
	return 0;
}
