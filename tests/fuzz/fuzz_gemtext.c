/*
 * fuzz_gemtext.c: the gemtext line iterator and title over any bytes.
 * Properties: lines tile the input (each starts where the previous one
 * and its LF or CRLF ended), every pointer stays inside its line, only
 * "```" lines flip in_pre and PRE_TEXT appears exactly inside blocks,
 * links have a non-empty URL without whitespace, the title is inside
 * the input and holds no CR or LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemtext.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
need(int cond)
{
	if (!cond)
		abort();
}

static int
inside(const char *p, size_t n, const char *lo, size_t lon)
{
	return p >= lo && n <= lon && p - lo <= (ptrdiff_t)(lon - n);
}

/* The line's own fields, as a function of the line alone. */
static void
check_fields(const struct gemtext_line *l, int in_pre)
{
	size_t	i;

	need(memchr(l->line, '\n', l->linelen) == NULL);
	need(inside(l->text, l->textlen, l->line, l->linelen));
	need((l->kind == GEMTEXT_PRE_TEXT) ==
	    (in_pre && l->kind != GEMTEXT_PRE_TOGGLE));
	if (l->kind != GEMTEXT_LINK) {
		need(l->url == NULL && l->urllen == 0);
		return;
	}
	need(l->urllen > 0 && inside(l->url, l->urllen, l->line,
	    l->linelen));
	need(l->linelen >= 2 && memcmp(l->line, "=>", 2) == 0);
	for (i = 0; i < l->urllen; i++)
		need(l->url[i] != ' ' && l->url[i] != '\t');
}

/* What follows the line is its end: CRLF, LF, or the end of input. */
static void
check_eol(const struct gemtext_line *l, const char *buf, size_t size,
    size_t next)
{
	size_t	end = (size_t)(l->line - buf) + l->linelen;

	need(next >= end && next - end <= 2);
	if (next - end == 2)
		need(buf[end] == '\r' && buf[end + 1] == '\n');
	else if (next - end == 1)
		need(buf[end] == '\n');
	else
		need(next == size);
}

static void
check_title(const char *buf, size_t size)
{
	const char	*t;
	size_t		 tn;

	if (!gemtext_title(buf, size, &t, &tn))
		return;
	need(tn > 0 && inside(t, tn, buf, size));
	need(memchr(t, '\r', tn) == NULL && memchr(t, '\n', tn) == NULL);
	need(t[0] != ' ' && t[0] != '\t');
	need(t[tn - 1] != ' ' && t[tn - 1] != '\t');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*buf = (const char *)data;
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	size_t			 pos;
	int			 in_pre = 0;

	gemtext_init(&it, buf, size);
	pos = it.pos;
	need(pos == 0 || (pos == 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0));
	while (gemtext_next(&it, &l)) {
		need(l.line == buf + pos);
		need(inside(l.line, l.linelen, buf, size));
		check_fields(&l, in_pre);
		check_eol(&l, buf, size, it.pos);
		if (l.kind == GEMTEXT_PRE_TOGGLE)
			in_pre = !in_pre;
		need(it.in_pre == in_pre);
		pos = it.pos;
	}
	need(pos == size);
	check_title(buf, size);
	return 0;
}
