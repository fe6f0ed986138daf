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
 *   "=> url"      a menu item (see gophermap_link())
 * Info lines carry the empty selector and our host/port, as most
 * servers do, so clients that try to follow them stay on this server.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gemtext.h"
#include "gophermap.h"
#include "mime.h"
#include "url.h"
#include "utf8.h"

#define GOPHERMAP_SEL_MAX	(2 * URL_MAX + 2)	/* dir + link path */
#define GOPHERMAP_TABSTOP	8
#define GOPHERMAP_GEMINI_PORT	1965	/* Gemini spec 1.2 default */
#define GOPHERMAP_GOPHER_PORT	70	/* RFC 1436 well-known port */

/* Where a link leads, as the fields of a menu item. */
struct gophermap_target {
	char		 type;
	char		 sel[GOPHERMAP_SEL_MAX];
	const char	*host;
	char		 hostbuf[URL_HOST_MAX + 1];
	int		 port;
};

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

/* Length of the scheme of s (RFC 3986 sect. 3.1:
 * ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), 0 when none. */
static size_t
gophermap_scheme(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':')
			return i;
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

/* A selector on this server: its type from its name, our host and port. */
static void
gophermap_here(struct gophermap_target *t, const struct gophermap_ctx *ctx)
{
	t->type = gophermap_type(t->sel);
	t->host = ctx->host;
	t->port = ctx->port;
}

/*
 * A local selector: path (percent-decoded; query and fragment already
 * cut) resolved against ctx->dir when relative, then normalised so
 * ".." can never climb above "/".
 */
static int
gophermap_local(struct gophermap_target *t, const char *path, size_t len,
    const struct gophermap_ctx *ctx)
{
	char		 dec[URL_MAX + 1];
	const char	*dir = ctx->dir ? ctx->dir : "/";
	long		 n;
	int		 r;

	if ((n = url_pct_decode(path, len, dec, sizeof(dec))) == -1) {
		if (len >= sizeof(dec))
			return -1;
		memcpy(dec, path, len);	/* a stray '%' is literal */
		dec[len] = '\0';
	}
	if (dec[0] == '/')
		dir = "";
	r = snprintf(t->sel, sizeof(t->sel), "%s%s", dir, dec);
	if (r < 0 || (size_t)r >= sizeof(t->sel) || t->sel[0] != '/')
		return -1;
	if (url_normalize_path(t->sel) == -1)
		return -1;
	gophermap_here(t, ctx);
	return 0;
}

/* Length of s up to its first '?' or '#' (query and fragment). */
static size_t
gophermap_pathlen(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == '?' || s[i] == '#')
			break;
	return i;
}

/*
 * gemini:// links to this capsule (same host, port absent or equal)
 * become local selectors.  Returns -1 for every other URL.  A query
 * is dropped: Gopher has no way to carry it to our Gemini side.
 */
static int
gophermap_gemini(struct gophermap_target *t, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	struct url	 u;
	const char	*errstr, *hash;
	int		 r;

	if (ctx->gemini_host == NULL)
		return -1;
	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	if (url_parse(s, len, &u, &errstr) == -1)
		return -1;
	if (strcasecmp(u.host, ctx->gemini_host) != 0 ||
	    (u.port == -1 ? GOPHERMAP_GEMINI_PORT : u.port) !=
	    ctx->gemini_port)
		return -1;
	r = snprintf(t->sel, sizeof(t->sel), "%s", u.path);
	if (r < 0 || (size_t)r >= sizeof(t->sel))
		return -1;
	gophermap_here(t, ctx);
	return 0;
}

/* Port digits 1..65535, or -1. */
static int
gophermap_port(const char *s, size_t len)
{
	size_t	i;
	int	port = 0;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/* host = "[" IPv6 "]" / reg-name; only the bytes a resolver takes. */
static int
gophermap_hostok(const char *s, size_t len, int ipv6)
{
	size_t	i;
	char	c;

	if (len == 0 || len > URL_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			continue;
		if ((c >= '0' && c <= '9') || c == '.' ||
		    (ipv6 ? c == ':' : (c == '-' || c == '_')))
			continue;
		return 0;
	}
	return 1;
}

/* Authority of a gopher URL: host [":" port] (RFC 4266 sect. 2.1). */
static int
gophermap_authority(struct gophermap_target *t, const char *s,
    size_t len)
{
	const char	*h = s, *colon = NULL, *end;
	size_t		 hlen;
	int		 ipv6 = 0;

	if (len > 0 && s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return -1;
		h = s + 1;
		hlen = (size_t)(end - h);
		ipv6 = 1;
		if (end + 1 < s + len) {
			if (end[1] != ':')
				return -1;
			colon = end + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (!gophermap_hostok(h, hlen, ipv6))
		return -1;
	memcpy(t->hostbuf, h, hlen);
	t->hostbuf[hlen] = '\0';
	t->host = t->hostbuf;
	t->port = GOPHERMAP_GOPHER_PORT;
	if (colon != NULL && colon + 1 < s + len &&
	    (t->port = gophermap_port(colon + 1,
	    (size_t)(s + len - colon - 1))) == -1)
		return -1;
	return 0;
}

/*
 * gopher://host[:port][/Tselector] (RFC 4266 sect. 2.1): a native item
 * of type T.  The selector is percent-decoded and cut at an encoded
 * TAB, which starts a search string the menu cannot hold.
 */
static int
gophermap_gopher(struct gophermap_target *t, const char *s, size_t len)
{
	const char	*slash, *tab;
	size_t		 alen;
	long		 n;

	s += strlen("gopher://");
	len -= strlen("gopher://");
	slash = memchr(s, '/', len);
	alen = slash ? (size_t)(slash - s) : len;
	if (gophermap_authority(t, s, alen) == -1)
		return -1;
	t->type = '1';
	t->sel[0] = '\0';
	if (slash == NULL || alen + 1 == len)
		return 0;
	s += alen + 1;
	len -= alen + 1;
	if (!gophermap_typeok(s[0]))
		return -1;
	t->type = s[0];
	if ((n = url_pct_decode(s + 1, len - 1, t->sel,
	    sizeof(t->sel))) == -1)
		return -1;
	if ((tab = memchr(t->sel, '\t', (size_t)n)) != NULL)
		t->sel[tab - t->sel] = '\0';
	return 0;
}

/* Anything else: the "URL:" convention for links out of Gopherspace. */
static int
gophermap_url(struct gophermap_target *t, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	int	r;

	r = snprintf(t->sel, sizeof(t->sel), "URL:%.*s", (int)len, s);
	if (r < 0 || (size_t)r >= sizeof(t->sel))
		return -1;
	t->type = 'h';
	t->host = ctx->host;
	t->port = ctx->port;
	return 0;
}

/* Fill *t for the link URL s[0..len); -1 when it cannot be an item. */
static int
gophermap_target(struct gophermap_target *t, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	char	full[URL_MAX + 8];
	size_t	schemelen;
	int	r;

	if (len >= URL_MAX)
		return -1;
	if (len >= 2 && s[0] == '/' && s[1] == '/') {
		/* A network-path reference takes our scheme (RFC 3986
		 * sect. 4.2): gemini. */
		r = snprintf(full, sizeof(full), "gemini:%.*s", (int)len, s);
		if (r < 0 || (size_t)r >= sizeof(full))
			return -1;
		s = full;
		len = (size_t)r;
	}
	if ((schemelen = gophermap_scheme(s, len)) == 0)
		return gophermap_local(t, s, gophermap_pathlen(s, len), ctx);
	if (schemelen == 6 && len > 9 && strncasecmp(s, "gemini://", 9) == 0
	    && gophermap_gemini(t, s, len, ctx) == 0)
		return 0;
	if (schemelen == 6 && len > 9 &&
	    strncasecmp(s, "gopher://", 9) == 0 &&
	    gophermap_gopher(t, s, len) == 0)
		return 0;
	return gophermap_url(t, s, len, ctx);
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
	struct gophermap_target	 t;
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
	/* A gopher:// link of type 'i' or '3' is no link at all: its
	 * label is text, wrapped like any other (a fuzzer finding). */
	if (gophermap_target(&t, url, urllen, ctx) == -1 || t.type == 'i' ||
	    t.type == '3')
		return gophermap_wrap(out, "", "", label, labellen, ctx);
	return gophermap_item(out, t.type, label, labellen, t.sel,
	    strlen(t.sel), t.host, t.port);
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
 * The selector of a hand-written item that names a local file:
 * empty means "the display string", and a name not starting with '/'
 * (nor "URL:", the convention for links out) is relative to ctx->dir.
 */
static int
gophermap_fillsel(struct gophermap_target *t, const char *disp,
    size_t displen, const char *sel, size_t sellen,
    const struct gophermap_ctx *ctx)
{
	const char	*dir = ctx->dir ? ctx->dir : "/";
	int		 r;

	if (sellen >= sizeof(t->sel) || displen >= sizeof(t->sel))
		return -1;
	if (sellen == 0) {
		sel = disp;
		sellen = displen;
	}
	if (sellen > 0 && sel[0] == '/')
		dir = "";
	if (sellen >= 4 && strncmp(sel, "URL:", 4) == 0)
		dir = "";
	r = snprintf(t->sel, sizeof(t->sel), "%s%.*s", dir, (int)sellen,
	    sel);
	if (r < 0 || (size_t)r >= sizeof(t->sel))
		return -1;
	if (*dir != '\0' && url_normalize_path(t->sel) == -1)
		return -1;
	return 0;
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

/* One line "Tdisplay<TAB>selector<TAB>host<TAB>port" of a gophermap. */
static int
gophermap_fillline(struct buf *out, const char *s, size_t len,
    const struct gophermap_ctx *ctx)
{
	struct gophermap_target	 t;
	const char		*disp, *sel, *host, *port;
	size_t			 displen, sellen, hostlen, portlen;
	int			 local;

	if (len == 0 || !gophermap_typeok(s[0]) ||
	    memchr(s, '\t', len) == NULL)
		return gophermap_item(out, 'i', s, len, "", 0, ctx->host,
		    ctx->port);
	t.type = s[0];
	s++;
	len--;
	gophermap_field(&s, &len, &disp, &displen);
	gophermap_field(&s, &len, &sel, &sellen);
	gophermap_field(&s, &len, &host, &hostlen);
	gophermap_field(&s, &len, &port, &portlen);
	t.host = ctx->host;
	if (hostlen > 0 && hostlen <= URL_HOST_MAX) {
		memcpy(t.hostbuf, host, hostlen);
		t.hostbuf[hostlen] = '\0';
		t.host = t.hostbuf;
	}
	local = strcasecmp(t.host, ctx->host) == 0;
	if ((t.port = gophermap_port(port, portlen)) == -1)
		t.port = ctx->port;
	/* Info and error lines carry no selector to resolve. */
	if (local && t.type != 'i' && t.type != '3' &&
	    gophermap_fillsel(&t, disp, displen, sel, sellen, ctx) == 0) {
		sel = t.sel;
		sellen = strlen(t.sel);
	}
	return gophermap_item(out, t.type, disp, displen, sel, sellen,
	    t.host, t.port);
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
