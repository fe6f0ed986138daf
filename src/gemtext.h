/*
 * gemtext.h: a line iterator over text/gemini (Gemini spec section 5),
 * and title extraction.  Pure: pointers point into the caller's buffer.
 */
#ifndef GEMTEXT_H
#define GEMTEXT_H

#include <stddef.h>

enum gemtext_kind {
	GEMTEXT_TEXT,
	GEMTEXT_LINK,		/* "=>" url [label] */
	GEMTEXT_HEADING1,	/* "#"   */
	GEMTEXT_HEADING2,	/* "##"  */
	GEMTEXT_HEADING3,	/* "###" */
	GEMTEXT_LIST,		/* "* "  */
	GEMTEXT_QUOTE,		/* ">"   */
	GEMTEXT_PRE_TOGGLE,	/* "```" [alt text] */
	GEMTEXT_PRE_TEXT	/* a line inside a preformatted block */
};

struct gemtext_line {
	enum gemtext_kind	 kind;
	const char		*line;	/* the whole line, without EOL */
	size_t			 linelen;
	const char		*text;	/* content: heading/list/quote text,
					   link label, alt text, plain text */
	size_t			 textlen;
	const char		*url;	/* link lines only */
	size_t			 urllen;
};

struct gemtext_iter {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	int		 in_pre;
};

/* Start iterating over buf[0..len).  A leading UTF-8 BOM is skipped. */
void	gemtext_init(struct gemtext_iter *, const char *buf, size_t len);

/* Next line into *out; LF or CRLF ends a line.  Returns 1, or 0 at end. */
int	gemtext_next(struct gemtext_iter *, struct gemtext_line *out);

/*
 * The document's title: the text of the first level-1 heading outside
 * preformatted blocks, whitespace-trimmed.  Returns 1 and sets
 * *title and *titlelen, or 0 when there is none.
 */
int	gemtext_title(const char *buf, size_t len, const char **title,
	    size_t *titlelen);

#endif
