/*
 * gemtext.c: a line iterator over text/gemini (Gemini specification
 * v0.24, section 5) and title extraction.  Pure: no allocation, every
 * pointer handed out points into the caller's buffer.
 */
#include <string.h>

#include "gemtext.h"

#define GEMTEXT_BOM	"\xef\xbb\xbf"

static int
gemtext_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Advance *p past spaces and tabs, never beyond end. */
static const char *
gemtext_skip_ws(const char *p, const char *end)
{
	while (p < end && gemtext_is_ws(*p))
		p++;
	return p;
}

/* The end of s[0..len) once trailing spaces and tabs are dropped. */
static size_t
gemtext_rtrim(const char *s, size_t len)
{
	while (len > 0 && gemtext_is_ws(s[len - 1]))
		len--;
	return len;
}

static int
gemtext_starts(const char *line, size_t len, const char *prefix)
{
	size_t	n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

void
gemtext_init(struct gemtext_iter *it, const char *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->pos = 0;
	it->in_pre = 0;
	if (gemtext_starts(buf, len, GEMTEXT_BOM))
		it->pos = strlen(GEMTEXT_BOM);
}

/* Set out->text to line[skip..] with leading whitespace dropped. */
static void
gemtext_set_text(struct gemtext_line *out, size_t skip)
{
	const char	*end = out->line + out->linelen;

	out->text = gemtext_skip_ws(out->line + skip, end);
	out->textlen = (size_t)(end - out->text);
}

/*
 * link-line = "=>" *WS url [1*WS label]
 * A "=>" with nothing after it names no link, so it stays a text line:
 * consumers (gophermap, renderers) never see an empty URL.
 */
static void
gemtext_link(struct gemtext_line *out)
{
	const char	*end = out->line + out->linelen;
	const char	*p, *url;

	url = gemtext_skip_ws(out->line + 2, end);
	if (url == end)
		return;
	for (p = url; p < end && !gemtext_is_ws(*p); p++)
		;
	out->kind = GEMTEXT_LINK;
	out->url = url;
	out->urllen = (size_t)(p - url);
	out->text = gemtext_skip_ws(p, end);
	out->textlen = gemtext_rtrim(out->text, (size_t)(end - out->text));
}

/* Line types of spec section 5.4/5.5, checked longest marker first. */
static void
gemtext_classify(struct gemtext_line *out, int in_pre)
{
	const char	*s = out->line;
	size_t		 n = out->linelen;

	out->kind = GEMTEXT_TEXT;
	out->text = s;
	out->textlen = n;
	out->url = NULL;
	out->urllen = 0;
	if (gemtext_starts(s, n, "```")) {
		out->kind = GEMTEXT_PRE_TOGGLE;
		gemtext_set_text(out, 3);
	} else if (in_pre) {
		out->kind = GEMTEXT_PRE_TEXT;
	} else if (gemtext_starts(s, n, "=>")) {
		gemtext_link(out);
	} else if (gemtext_starts(s, n, "###")) {
		out->kind = GEMTEXT_HEADING3;
		gemtext_set_text(out, 3);
	} else if (gemtext_starts(s, n, "##")) {
		out->kind = GEMTEXT_HEADING2;
		gemtext_set_text(out, 2);
	} else if (gemtext_starts(s, n, "#")) {
		out->kind = GEMTEXT_HEADING1;
		gemtext_set_text(out, 1);
	} else if (gemtext_starts(s, n, "* ")) {
		out->kind = GEMTEXT_LIST;
		out->text = s + 2;
		out->textlen = n - 2;
	} else if (gemtext_starts(s, n, ">")) {
		out->kind = GEMTEXT_QUOTE;
		gemtext_set_text(out, 1);
	}
}

/*
 * line = *( any byte but LF ) ( CRLF / LF / end of input )
 * Only a CR right before the LF belongs to the line ending; a bare CR
 * elsewhere is text, as the spec knows no other terminator.
 */
int
gemtext_next(struct gemtext_iter *it, struct gemtext_line *out)
{
	const char	*start, *lf;
	size_t		 left, n;

	if (it->pos >= it->len)
		return 0;
	start = it->buf + it->pos;
	left = it->len - it->pos;
	lf = memchr(start, '\n', left);
	n = lf != NULL ? (size_t)(lf - start) : left;
	it->pos += lf != NULL ? n + 1 : n;
	if (lf != NULL && n > 0 && start[n - 1] == '\r')
		n--;
	out->line = start;
	out->linelen = n;
	gemtext_classify(out, it->in_pre);
	if (out->kind == GEMTEXT_PRE_TOGGLE)
		it->in_pre = !it->in_pre;
	return 1;
}

/*
 * An empty "#" heading names nothing, so the search goes on.  The title
 * stops at a bare CR: callers put it into link lines and headers, where
 * a CR would end the line early.
 */
int
gemtext_title(const char *buf, size_t len, const char **title,
    size_t *titlelen)
{
	struct gemtext_iter	 it;
	struct gemtext_line	 l;
	const char		*cr;
	size_t			 n;

	gemtext_init(&it, buf, len);
	while (gemtext_next(&it, &l)) {
		if (l.kind != GEMTEXT_HEADING1)
			continue;
		n = l.textlen;
		if ((cr = memchr(l.text, '\r', n)) != NULL)
			n = (size_t)(cr - l.text);
		n = gemtext_rtrim(l.text, n);
		if (n == 0)
			continue;
		*title = l.text;
		*titlelen = n;
		return 1;
	}
	return 0;
}
