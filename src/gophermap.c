/*
 * gophermap.c: Gopher menus (RFC 1436, Appendix "NQBNF": a menu is
 * lines of "Type DisplayString TAB Selector TAB Host TAB Port CRLF"
 * ended by "." CRLF), gemtext to menu conversion, hand-written
 * gophermaps and type-0 text bodies.
 *
 * Rendering of gemtext, chosen so that a plain Gopher client shows the
 * document's structure without knowing gemtext:
 *   text          info ('i') lines wrapped at GOPHERMAP_WIDTH characters
 *   "# Title"     the title, then an info line of '=' as wide as it
 *   "## Title"    the title, then an info line of '-' as wide as it
 *   "### Title"   the title alone
 *   "* item"      "* " on the first wrapped line, "  " on the others
 *   "> quote"     "> " on every wrapped line
 *   "```"         toggle lines are dropped; lines inside the block are
 *                 kept verbatim (tabs expanded, control bytes replaced),
 *                 never wrapped, because their layout is the content
 *   "=> url"      a menu item where gopherlink_resolve() says it leads
 * Info lines carry the empty selector and our host/port, as most
 * servers do, so clients that try to follow them stay on this server.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gemtext.h"
#include "gophermap.h"
#include "gopherlink.h"
#include "mime.h"
#include "url.h"
#include "utf8.h"

#define GOPHERMAP_TABSTOP	8

/* Bytes that cannot appear inside a menu field (RFC 1436 NQBNF:
 * UNASCII excludes TAB, CR-LF and NUL); they become spaces. */
static int
gophermap_blank(unsigned char c)
{
	return c == ' ' || c < 0x20 || c == 0x7f;
}

/* A type character must be one printable, non-space ASCII byte. */
static int
gophermap_typeok(char c)
{
	return c > 0x20 && c < 0x7f;
}

/*
 * Append s[0..len) as a field: control bytes become spaces.  Display
 * text also has invalid UTF-8 replaced by '?', so menus are always
 * valid UTF-8; selectors keep their bytes because they name files.
 */
static int
gophermap_clean(struct buf *b, const char *s, size_t len, int display)
{
	size_t	i = 0, n;

	if (buf_reserve(b, len) == -1)
		return -1;
	while (i < len) {
		n = utf8_charlen(s + i, len - i);
		if (gophermap_blank((unsigned char)s[i])) {
			n = 1;
			if (buf_putc(b, ' ') == -1)
				return -1;
		} else if (n == 0) {
			n = 1;
			if (buf_putc(b, display ? '?' : s[i]) == -1)
				return -1;
		} else if (buf_append(b, s + i, n) == -1)
			return -1;
		i += n;
	}
	return 0;
}

/* The rest of an item after its display string. */
static int
gophermap_tail(struct buf *b, const char *sel, size_t sellen,
    const char *host, int port)
{
	if (port < 0 || port > 65535)
		port = 0;
	if (buf_putc(b, '\t') == -1 ||
	    gophermap_clean(b, sel, sellen, 0) == -1 ||
	    buf_putc(b, '\t') == -1 ||
	    gophermap_clean(b, host, strlen(host), 0) == -1 ||
	    buf_printf(b, "\t%d\r\n", port) == -1)
		return -1;
	return 0;
}

/* An unprintable type would break the line's framing: it becomes 'i'. */
int
gophermap_item(struct buf *b, char type, const char *display,
    size_t displaylen, const char *selector, size_t selectorlen,
    const char *host, int port)
{
	size_t	save = b->len;

	if (!gophermap_typeok(type))
		type = 'i';
	if (buf_putc(b, type) == -1 ||
	    gophermap_clean(b, display, displaylen, 1) == -1 ||
	    gophermap_tail(b, selector, selectorlen, host, port) == -1) {
		b->len = save;
		if (b->data != NULL)
			b->data[save] = '\0';
		return -1;
	}
	return 0;
}

/*
 * How many bytes of s[0..len) go on a line of at most max characters:
 * all of it if it fits, else up to the last blank that follows a
 * non-blank, else exactly max characters (a hard break, which never
 * splits a UTF-8 sequence).  The next line starts there.
 */
static size_t
gophermap_break(const char *s, size_t len, size_t max)
{
	size_t	i = 0, n, chars = 0, space = 0;

	while (i < len && chars < max) {
		if (i > 0 && gophermap_blank((unsigned char)s[i]) &&
		    !gophermap_blank((unsigned char)s[i - 1]))
			space = i;
		n = utf8_charlen(s + i, len - i);
		i += n ? n : 1;
		chars++;
	}
	if (i == len || gophermap_blank((unsigned char)s[i]) || space == 0)
		return i;
	return space;
}

/*
 * Info lines for s[0..len) wrapped at GOPHERMAP_WIDTH characters,
 * first (ASCII) before the first line and cont before the others.
 * Blanks at a break are dropped.  Empty text gives one empty line.
 */
static int
gophermap_wrap(struct buf *b, const char *first, const char *cont,
    const char *s, size_t len, const struct gophermap_ctx *ctx)
{
	const char	*prefix = first;
	size_t		 n, next;

	do {
		next = gophermap_break(s, len,
		    GOPHERMAP_WIDTH - strlen(prefix));
		n = next;
		while (n > 0 && gophermap_blank((unsigned char)s[n - 1]))
			n--;
		if (buf_putc(b, 'i') == -1 || buf_puts(b, prefix) == -1 ||
		    gophermap_clean(b, s, n, 1) == -1 ||
		    gophermap_tail(b, "", 0, ctx->host, ctx->port) == -1)
			return -1;
		s += next;
		len -= next;
		while (len > 0 && gophermap_blank((unsigned char)*s)) {
			s++;
			len--;
		}
		prefix = cont;
	} while (len > 0);
	return 0;
}

int
gophermap_info(struct buf *b, const char *text, size_t len,
    const struct gophermap_ctx *ctx)
{
	return gophermap_wrap(b, "", "", text, len, ctx);
}

/* Drop leading and trailing blanks from the string *s of *len bytes. */
static void
gophermap_trim(const char **s, size_t *len)
{
	while (*len > 0 && gophermap_blank((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && gophermap_blank((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* The part of name after its last '/'. */
static const char *
gophermap_base(const char *name)
{
	const char	*slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

/* Item types from RFC 1436 sect. 3.8, plus the common 'g', 'I', 's'
 * and 'h' extensions; '1' for .gmi because we serve those as menus. */
/* XML feeds and JSON are text a Gopher client can show. */
int
gophermap_is_text(const char *mime)
{
	return strncmp(mime, "text/", 5) == 0 || strstr(mime, "+xml") != NULL ||
	    strcmp(mime, "application/xml") == 0 ||
	    strcmp(mime, "application/json") == 0;
}

char
gophermap_type(const char *name)
{
	const char	*m;

	if (*gophermap_base(name) == '\0')
		return '1';
	if ((m = mime_from_name(name)) == NULL)
		return '9';
	if (strcmp(m, "text/gemini") == 0)
		return '1';
	if (strcmp(m, "text/html") == 0)
		return 'h';
	if (gophermap_is_text(m))
		return '0';
	if (strcmp(m, "image/gif") == 0)
		return 'g';
	if (strncmp(m, "image/", 6) == 0)
		return 'I';
	if (strncmp(m, "audio/", 6) == 0)
		return 's';
	return '9';
}

/*
 * "=> url [label]": one menu item labelled with the link text, or the
 * URL when there is none.  A link that cannot become an item (too
 * long for a selector) is shown as text so nothing is lost silently.
 */
static int
gophermap_link(struct buf *out, const struct gemtext_line *l,
    const struct gophermap_ctx *ctx)
{
	struct gopherlink_base	 base;
	struct gopherlink	 t;
	const char		*label = l->text, *url = l->url;
	size_t			 labellen = l->textlen, urllen = l->urllen;

	if (url == NULL)
		url = "";
	gophermap_trim(&url, &urllen);
	gophermap_trim(&label, &labellen);
	if (labellen == 0) {
		label = url;
		labellen = urllen;
	}
	base.dir = ctx->dir;
	base.gemini_host = ctx->gemini_host;
	base.gemini_port = ctx->gemini_port;
	/* A gopher:// link of type 'i' or '3' is no link at all: its
	 * label is text, wrapped like any other (a fuzzer finding). */
	if (gopherlink_resolve(url, urllen, &base, &t) == -1 ||
	    t.type == 'i' || t.type == '3')
		return gophermap_wrap(out, "", "", label, labellen, ctx);
	if (t.kind == GOPHERLINK_GOPHER)
		return gophermap_item(out, t.type, label, labellen,
		    t.selector, strlen(t.selector), t.host, t.port);
	if (t.kind == GOPHERLINK_LOCAL)
		t.type = gophermap_type(t.selector);
	return gophermap_item(out, t.type, label, labellen, t.selector,
	    strlen(t.selector), ctx->host, ctx->port);
}

/* Title, then for levels 1 and 2 an underline as wide as the title
 * (at most GOPHERMAP_WIDTH, the width of its first wrapped line). */
static int
gophermap_heading(struct buf *out, const struct gemtext_line *l,
    const struct gophermap_ctx *ctx)
{
	char		 rule[GOPHERMAP_WIDTH];
	const char	*s = l->text;
	size_t		 len = l->textlen, w;

	gophermap_trim(&s, &len);
	if (gophermap_wrap(out, "", "", s, len, ctx) == -1)
		return -1;
	if (l->kind == GEMTEXT_HEADING3 || len == 0)
		return 0;
	if ((w = utf8_width(s, len)) > sizeof(rule))
		w = sizeof(rule);
	memset(rule, l->kind == GEMTEXT_HEADING1 ? '=' : '-', w);
	return gophermap_item(out, 'i', rule, w, "", 0, ctx->host,
	    ctx->port);
}

/*
 * A line of a preformatted block, verbatim: tabs expanded to the next
 * multiple of GOPHERMAP_TABSTOP columns, other control bytes replaced.
 */
static int
gophermap_pre(struct buf *out, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	size_t	i, n, col = 0;

	if (buf_putc(out, 'i') == -1)
		return -1;
	for (i = 0; i < len; i += n) {
		n = utf8_charlen(s + i, len - i);
		if (n == 0)
			n = 1;
		if (s[i] != '\t') {
			if (gophermap_clean(out, s + i, n, 1) == -1)
				return -1;
			col++;
			continue;
		}
		do {
			if (buf_putc(out, ' ') == -1)
				return -1;
		} while (++col % GOPHERMAP_TABSTOP != 0);
	}
	return gophermap_tail(out, "", 0, ctx->host, ctx->port);
}

/* One gemtext line; a flat dispatcher over the line kinds. */
static int
gophermap_line(struct buf *out, const struct gemtext_line *l,
    const struct gophermap_ctx *ctx)
{
	const char	*s = l->text;
	size_t		 len = l->textlen;

	switch (l->kind) {
	case GEMTEXT_LINK:
		return gophermap_link(out, l, ctx);
	case GEMTEXT_HEADING1:
	case GEMTEXT_HEADING2:
	case GEMTEXT_HEADING3:
		return gophermap_heading(out, l, ctx);
	case GEMTEXT_LIST:
		gophermap_trim(&s, &len);
		return gophermap_wrap(out, "* ", "  ", s, len, ctx);
	case GEMTEXT_QUOTE:
		gophermap_trim(&s, &len);
		return gophermap_wrap(out, "> ", "> ", s, len, ctx);
	case GEMTEXT_PRE_TOGGLE:
		return 0;
	case GEMTEXT_PRE_TEXT:
		return gophermap_pre(out, l->line, l->linelen, ctx);
	case GEMTEXT_TEXT:
	default:
		return gophermap_wrap(out, "", "", l->line, l->linelen, ctx);
	}
}

int
gophermap_from_gemtext(const char *buf, size_t len,
    const struct gophermap_ctx *ctx, struct buf *out)
{
	struct gemtext_iter	it;
	struct gemtext_line	l;

	gemtext_init(&it, buf, len);
	while (gemtext_next(&it, &l))
		if (gophermap_line(out, &l, ctx) == -1)
			return -1;
	return 0;
}

/*
 * The selector of a hand-written item that names a local file, into
 * dst: empty means "the display string", and a name not starting with
 * '/' (nor "URL:", the convention for links out) is relative to
 * ctx->dir.  -1 leaves the selector as written.
 */
static int
gophermap_fillsel(char *dst, size_t dstsize, const char *disp,
    size_t displen, const char *sel, size_t sellen,
    const struct gophermap_ctx *ctx)
{
	if (sellen == 0) {
		sel = disp;
		sellen = displen;
	}
	if ((sellen > 0 && sel[0] == '/') ||
	    (sellen >= 4 && strncmp(sel, "URL:", 4) == 0)) {
		if (sellen >= dstsize)
			return -1;
		memcpy(dst, sel, sellen);
		dst[sellen] = '\0';
		return 0;
	}
	return gopherlink_path(dst, dstsize, ctx->dir, sel, sellen);
}

/* Next TAB-separated field of the *len bytes at *s; both move past it. */
static void
gophermap_field(const char **s, size_t *len, const char **f, size_t *flen)
{
	const char	*tab = memchr(*s, '\t', *len);

	*f = *s;
	*flen = tab ? (size_t)(tab - *s) : *len;
	*s += *flen + (tab != NULL);
	*len -= *flen + (tab != NULL);
}

/*
 * One line "Tdisplay<TAB>selector<TAB>host<TAB>port" of a gophermap.
 * A missing or unusable port (not 1..65535) is ours.
 */
static int
gophermap_fillline(struct buf *out, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	char		 selbuf[GOPHERLINK_SEL_MAX], hostbuf[URL_HOST_MAX + 1];
	const char	*disp, *sel, *host, *port, *h, *errstr;
	size_t		 displen, sellen, hostlen, portlen;
	int		 local, p;
	char		 type;

	if (len == 0 || !gophermap_typeok(s[0]) ||
	    memchr(s, '\t', len) == NULL)
		return gophermap_item(out, 'i', s, len, "", 0, ctx->host,
		    ctx->port);
	type = s[0];
	s++;
	len--;
	gophermap_field(&s, &len, &disp, &displen);
	gophermap_field(&s, &len, &sel, &sellen);
	gophermap_field(&s, &len, &host, &hostlen);
	gophermap_field(&s, &len, &port, &portlen);
	h = ctx->host;
	if (hostlen > 0 && hostlen <= URL_HOST_MAX) {
		memcpy(hostbuf, host, hostlen);
		hostbuf[hostlen] = '\0';
		h = hostbuf;
	}
	local = strcasecmp(h, ctx->host) == 0;
	if ((p = url_parse_port(port, portlen, &errstr)) <= 0)
		p = ctx->port;
	/* Info and error lines carry no selector to resolve. */
	if (local && type != 'i' && type != '3' &&
	    gophermap_fillsel(selbuf, sizeof(selbuf), disp, displen, sel,
	    sellen, ctx) == 0) {
		sel = selbuf;
		sellen = strlen(selbuf);
	}
	return gophermap_item(out, type, disp, displen, sel, sellen, h, p);
}

int
gophermap_fill(const char *buf, size_t len, const struct gophermap_ctx *ctx,
    struct buf *out)
{
	const char	*line, *eol;
	size_t		 pos = 0, linelen, next;

	while (pos < len) {
		line = buf + pos;
		eol = memchr(line, '\n', len - pos);
		linelen = eol ? (size_t)(eol - line) : len - pos;
		next = pos + linelen + (eol != NULL);
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if (linelen == 1 && line[0] == '.')
			break;		/* the map's own end marker */
		if (gophermap_fillline(out, line, linelen, ctx) == -1)
			return -1;
		pos = next;
	}
	return 0;
}

int
gophermap_error(struct buf *b, const char *msg,
    const struct gophermap_ctx *ctx)
{
	return gophermap_item(b, '3', msg, strlen(msg), "", 0, ctx->host,
	    ctx->port);
}

int
gophermap_end(struct buf *b)
{
	return buf_puts(b, ".\r\n");
}

/*
 * RFC 1436 NQBNF: a text block ends at "." CRLF, so a line of the body
 * that starts with '.' is sent with one more '.' for the client to
 * strip; line ends become CRLF.
 */
int
gophermap_text(const char *buf, size_t len, struct buf *out)
{
	const char	*line, *eol;
	size_t		 pos = 0, linelen, next;

	while (pos < len) {
		line = buf + pos;
		eol = memchr(line, '\n', len - pos);
		linelen = eol ? (size_t)(eol - line) : len - pos;
		next = pos + linelen + (eol != NULL);
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if ((linelen > 0 && line[0] == '.' &&
		    buf_putc(out, '.') == -1) ||
		    buf_append(out, line, linelen) == -1 ||
		    buf_append(out, "\r\n", 2) == -1)
			return -1;
		pos = next;
	}
	return 0;
}
