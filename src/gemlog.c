/*
 * gemlog.c: a directory of gemtext posts turned into a generated index
 * ("Subscribing to Gemini pages" companion spec) and an Atom 1.0 feed
 * (RFC 4287), plus a small per-process cache keyed by directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsroot.h"
#include "gemlog.h"
#include "gemtext.h"
#include "url.h"
#include "utf8.h"

/* Only the head of a post is read: the title is near the top, and a
 * huge post must not make a directory listing expensive. */
#define GEMLOG_READ_MAX		(64 * 1024)
#define GEMLOG_CACHE_SLOTS	16
#define GEMLOG_DATE_LEN		10
#define GEMLOG_EPOCH_DATE	"1970-01-01"
#define GEMLOG_BOM		"\xef\xbb\xbf"
#define GEMLOG_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define GEMLOG_ELLIPSIS		"\xe2\x80\xa6"	/* U+2026 */
#define GEMLOG_SUMMARY_SLACK	100	/* characters a cut goes back */

/* Pure helpers. */

int
gemlog_is_post_name(const char *name)
{
	size_t	len = strlen(name);

	if (name[0] == '.' || len <= 4 || len > GEMLOG_NAME_MAX)
		return 0;
	if (strcmp(name + len - 4, ".gmi") != 0)
		return 0;
	return strcmp(name, "index.gmi") != 0;
}

static int
gemlog_days(int year, int month)
{
	static const int	days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			leap;

	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* n decimal digits at s, or -1. */
static int
gemlog_digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * date = 4DIGIT "-" 2DIGIT "-" 2DIGIT, a real calendar day, year >= 1.
 * A digit right after it means the prefix is some longer number
 * ("2026-01-011"), not a date.
 */
int
gemlog_parse_date(const char *s, size_t len, char date[11])
{
	int	y, m, d;

	if (len < GEMLOG_DATE_LEN || s[4] != '-' || s[7] != '-')
		return 0;
	if (len > GEMLOG_DATE_LEN && s[10] >= '0' && s[10] <= '9')
		return 0;
	y = gemlog_digits(s, 4);
	m = gemlog_digits(s + 5, 2);
	d = gemlog_digits(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > gemlog_days(y, m))
		return 0;
	memcpy(date, s, GEMLOG_DATE_LEN);
	date[GEMLOG_DATE_LEN] = '\0';
	return 1;
}

/*
 * What to emit for the character at s[0..len): its bytes, or a
 * replacement.  Invalid UTF-8 becomes U+FFFD; C0 and C1 controls and DEL
 * become ctl (a space), or nothing when ctl is '\0'.  C1 matters too:
 * some clients treat U+0085 (NEL) as a line break.  Returns the number
 * of input bytes consumed (>= 1); *rep and *replen say what to write.
 */
static size_t
gemlog_clean_char(const char *s, size_t len, char ctl, const char **rep,
    size_t *replen)
{
	static const char	 space[] = " ";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n;

	n = utf8_charlen(s, len);
	*rep = s;
	*replen = n;
	if (n == 0) {
		*rep = GEMLOG_REPLACEMENT;
		*replen = strlen(GEMLOG_REPLACEMENT);
		return 1;
	}
	if ((n == 1 && (u[0] < 0x20 || u[0] == 0x7f)) ||
	    (n == 2 && u[0] == 0xc2 && u[1] < 0xa0)) {
		*rep = space;
		*replen = ctl == '\0' ? 0 : 1;
	}
	return n;
}

/* Clean s[0..len) into dst (size dstsize >= 1), whole characters only,
 * leading and trailing spaces dropped. */
static void
gemlog_clean_copy(char *dst, size_t dstsize, const char *s, size_t len)
{
	const char	*rep;
	size_t		 i = 0, o = 0, n, replen;

	while (i < len) {
		n = gemlog_clean_char(s + i, len - i, ' ', &rep, &replen);
		if (o + replen >= dstsize)
			break;
		if (replen > 0 && (o > 0 || rep[0] != ' ')) {
			memcpy(dst + o, rep, replen);
			o += replen;
		}
		i += n;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

static void
gemlog_mtime_date(time_t mtime, char date[11])
{
	struct tm	tm;

	if (gmtime_r(&mtime, &tm) == NULL || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999 ||
	    strftime(date, 11, "%Y-%m-%d", &tm) != GEMLOG_DATE_LEN)
		memcpy(date, GEMLOG_EPOCH_DATE, sizeof(GEMLOG_EPOCH_DATE));
}

void
gemlog_post_init(struct gemlog_post *p, const char *name,
    const char *content, size_t len, time_t mtime)
{
	const char	*title, *body = content;
	size_t		 titlelen, namelen, bodylen = len;

	memset(p, 0, sizeof(*p));
	namelen = strnlen(name, GEMLOG_NAME_MAX);
	memcpy(p->name, name, namelen);
	p->mtime = mtime;
	if (bodylen >= 3 && memcmp(body, GEMLOG_BOM, 3) == 0) {
		body += 3;
		bodylen -= 3;
	}
	if (!gemlog_parse_date(name, namelen, p->date) &&
	    !gemlog_parse_date(body, bodylen, p->date))
		gemlog_mtime_date(mtime, p->date);
	if (!gemtext_title(content, len, &title, &titlelen)) {
		title = name;
		titlelen = namelen;
	}
	gemlog_clean_copy(p->title, sizeof(p->title), title, titlelen);
	if (p->title[0] == '\0')
		gemlog_clean_copy(p->title, sizeof(p->title), name, namelen);
}

/* Append s[0..len) cleaned to dst[*o..], counting characters in
 * *chars, no space at the start or after another; stops once more than
 * GEMLOG_SUMMARY_CHARS are in (so that the caller knows to cut). */
static void
gemlog_summary_add(char *dst, size_t dstsize, size_t *o, size_t *chars,
    const char *s, size_t len)
{
	const char	*rep;
	size_t		 i = 0, replen;

	while (i < len && *chars <= GEMLOG_SUMMARY_CHARS) {
		i += gemlog_clean_char(s + i, len - i, ' ', &rep, &replen);
		if (replen == 1 && rep[0] == ' ' &&
		    (*o == 0 || dst[*o - 1] == ' '))
			continue;
		if (*o + replen >= dstsize)
			break;
		memcpy(dst + *o, rep, replen);
		*o += replen;
		(*chars)++;
	}
	dst[*o] = '\0';
}

/* Over GEMLOG_SUMMARY_CHARS characters: cut at the last space among
 * the last GEMLOG_SUMMARY_SLACK of them (else in the word), add "...". */
static size_t
gemlog_summary_cut(char *dst, size_t dstsize, size_t o, size_t chars)
{
	size_t	i = 0, c, n, space = 0;

	if (chars <= GEMLOG_SUMMARY_CHARS)
		return o;
	for (c = 0; i < o && c < GEMLOG_SUMMARY_CHARS; c++) {
		if (dst[i] == ' ' &&
		    c >= GEMLOG_SUMMARY_CHARS - GEMLOG_SUMMARY_SLACK)
			space = i;
		n = utf8_charlen(dst + i, o - i);
		i += n > 0 ? n : 1;
	}
	if (space > 0)
		i = space;
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	if (i + strlen(GEMLOG_ELLIPSIS) >= dstsize)
		return o;
	memcpy(dst + i, GEMLOG_ELLIPSIS, strlen(GEMLOG_ELLIPSIS) + 1);
	return i + strlen(GEMLOG_ELLIPSIS);
}

size_t
gemlog_summary(const char *content, size_t len, char *dst, size_t dstsize)
{
	struct gemtext_iter	it;
	struct gemtext_line	l;
	char			date[11];
	size_t			o = 0, chars = 0, n;
	int			in = 0;

	if (dstsize == 0)
		return 0;
	dst[0] = '\0';
	gemtext_init(&it, content, len);
	while (chars <= GEMLOG_SUMMARY_CHARS && gemtext_next(&it, &l)) {
		for (n = l.textlen; n > 0 && (l.text[n - 1] == ' ' ||
		    l.text[n - 1] == '\t'); n--)
			;
		if (l.kind != GEMTEXT_TEXT || n == 0) {
			if (in)
				break;
			continue;
		}
		if (!in && n == sizeof(date) - 1 &&
		    gemlog_parse_date(l.text, n, date))
			continue;
		if (in)
			gemlog_summary_add(dst, dstsize, &o, &chars, " ", 1);
		gemlog_summary_add(dst, dstsize, &o, &chars, l.text, n);
		in = 1;
	}
	o = gemlog_summary_cut(dst, dstsize, o, chars);
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
	return o;
}

static int
gemlog_cmp(const void *a, const void *b)
{
	const struct gemlog_post	*pa = a, *pb = b;
	int				 r;

	if ((r = strcmp(pb->date, pa->date)) != 0)
		return r;
	return strcmp(pb->name, pa->name);
}

void
gemlog_sort(struct gemlog_post *posts, size_t n)
{
	if (n > 1)
		qsort(posts, n, sizeof(*posts), gemlog_cmp);
}

/* The post's date, or the epoch when a caller filled it badly. */
static const char *
gemlog_post_date(const struct gemlog_post *p)
{
	char	tmp[11];

	if (gemlog_parse_date(p->date, strnlen(p->date, sizeof(p->date)),
	    tmp))
		return p->date;
	return GEMLOG_EPOCH_DATE;
}

/* A block of author gemtext: a BOM dropped, a final newline ensured. */
static int
gemlog_put_block(struct buf *out, const char *s, size_t len)
{
	if (len >= 3 && memcmp(s, GEMLOG_BOM, 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (buf_append(out, s, len) == -1)
		return -1;
	if (len > 0 && s[len - 1] != '\n')
		return buf_putc(out, '\n');
	return 0;
}

/* Titles are cleaned again here: callers may fill posts themselves. */
static int
gemlog_put_clean(struct buf *out, const char *s, size_t len, char ctl)
{
	const char	*rep;
	size_t		 i = 0, replen;

	while (i < len) {
		i += gemlog_clean_char(s + i, len - i, ctl, &rep, &replen);
		if (buf_append(out, rep, replen) == -1)
			return -1;
	}
	return 0;
}

/* A post without a name has no link (only callers' own posts can). */
static int
gemlog_put_link(struct buf *out, const struct gemlog_post *p)
{
	if (p->name[0] == '\0')
		return 0;
	if (buf_puts(out, "=> ") == -1 ||
	    url_pct_append(out, p->name,
	    strnlen(p->name, sizeof(p->name))) == -1 ||
	    buf_printf(out, " %s ", gemlog_post_date(p)) == -1 ||
	    gemlog_put_clean(out, p->title,
	    strnlen(p->title, sizeof(p->title)), ' ') == -1 ||
	    buf_putc(out, '\n') == -1)
		return -1;
	return 0;
}

/*
 * index = (header / "# Posts" LF) LF *( "=> " NAME SP DATE SP TITLE LF )
 *         [ LF footer ]
 */
int
gemlog_write_index(const struct gemlog_post *posts, size_t n,
    const char *header, size_t headerlen,
    const char *footer, size_t footerlen, struct buf *out)
{
	size_t	i;

	if (header == NULL) {
		header = "# Posts\n";
		headerlen = strlen(header);
	}
	if (gemlog_put_block(out, header, headerlen) == -1 ||
	    buf_putc(out, '\n') == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (gemlog_put_link(out, &posts[i]) == -1)
			return -1;
	if (footer != NULL && footerlen > 0)
		if (buf_putc(out, '\n') == -1 ||
		    gemlog_put_block(out, footer, footerlen) == -1)
			return -1;
	return 0;
}

/* Atom. */

/*
 * XML 1.0 Char = #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF].  Controls go (tab, CR and LF too: every string
 * here is one line), U+FFFE and U+FFFF go, markup characters are
 * escaped, so the text is safe in elements and in quoted attributes.
 */
static int
gemlog_put_xml(struct buf *out, const char *s, size_t len)
{
	const char	*rep, *ent;
	size_t		 i = 0, replen;

	while (i < len) {
		i += gemlog_clean_char(s + i, len - i, '\0', &rep, &replen);
		if (replen == 3 && memcmp(rep, "\xef\xbf", 2) == 0 &&
		    (unsigned char)rep[2] >= 0xbe)
			continue;
		ent = NULL;
		if (replen == 1) {
			switch (rep[0]) {
			case '&': ent = "&amp;"; break;
			case '<': ent = "&lt;"; break;
			case '>': ent = "&gt;"; break;
			case '"': ent = "&quot;"; break;
			case '\'': ent = "&apos;"; break;
			}
		}
		if ((ent != NULL ? buf_puts(out, ent) :
		    buf_append(out, rep, replen)) == -1)
			return -1;
	}
	return 0;
}

static int
gemlog_put_xmls(struct buf *out, const char *s)
{
	return gemlog_put_xml(out, s, strlen(s));
}

/* base + suffix, with exactly one '/' between them, XML-escaped. */
static int
gemlog_put_url(struct buf *out, const char *base, const char *suffix)
{
	size_t	len = strlen(base);

	if (gemlog_put_xml(out, base, len) == -1)
		return -1;
	if ((len == 0 || base[len - 1] != '/') && buf_putc(out, '/') == -1)
		return -1;
	return gemlog_put_xmls(out, suffix);
}

/* The host part of an absolute URL, for a feed with no title. */
static void
gemlog_url_host(const char *url, const char **host, size_t *len)
{
	const char	*p;

	if ((p = strstr(url, "://")) != NULL)
		url = p + 3;
	*host = url;
	*len = strcspn(url, "/");
}

static int
gemlog_put_feed_head(struct buf *out, const char *base, const char *title,
    size_t titlelen, const char *updated)
{
	if (buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>") == -1 ||
	    gemlog_put_xmls(out, base) == -1 ||
	    buf_puts(out, "</id>\n<title>") == -1 ||
	    gemlog_put_xml(out, title, titlelen) == -1 ||
	    buf_printf(out, "</title>\n<updated>%sT00:00:00Z</updated>\n"
	    "<link href=\"", updated) == -1 ||
	    gemlog_put_xmls(out, base) == -1 ||
	    buf_puts(out, "\" rel=\"alternate\"/>\n<link rel=\"self\" "
	    "href=\"") == -1 ||
	    gemlog_put_url(out, base, "atom.xml") == -1 ||
	    buf_puts(out, "\"/>\n<author><name>") == -1 ||
	    gemlog_put_xml(out, title, titlelen) == -1 ||
	    buf_puts(out, "</name></author>\n") == -1)
		return -1;
	return 0;
}

static int
gemlog_put_entry(struct buf *out, const char *base,
    const struct gemlog_post *p, struct buf *link)
{
	if (p->name[0] == '\0')
		return 0;
	buf_reset(link);
	if (url_pct_append(link, p->name,
	    strnlen(p->name, sizeof(p->name))) == -1)
		return -1;
	if (buf_puts(out, "<entry>\n<id>") == -1 ||
	    gemlog_put_url(out, base, link->data) == -1 ||
	    buf_puts(out, "</id>\n<title>") == -1 ||
	    gemlog_put_xml(out, p->title,
	    strnlen(p->title, sizeof(p->title))) == -1 ||
	    buf_printf(out, "</title>\n<updated>%sT00:00:00Z</updated>\n"
	    "<link href=\"", gemlog_post_date(p)) == -1 ||
	    gemlog_put_url(out, base, link->data) == -1 ||
	    buf_puts(out, "\" rel=\"alternate\"/>\n") == -1)
		return -1;
	if (p->summary != NULL && p->summary[0] != '\0' &&
	    (buf_puts(out, "<summary>") == -1 ||
	    gemlog_put_xmls(out, p->summary) == -1 ||
	    buf_puts(out, "</summary>\n") == -1))
		return -1;
	return buf_puts(out, "</entry>\n");
}

int
gemlog_write_atom(const struct gemlog_post *posts, size_t n,
    const struct gemlog_feed *feed, struct buf *out)
{
	struct buf	 link = { NULL, 0, 0 };
	const char	*base = "gemini://localhost/", *title, *updated;
	size_t		 i, titlelen, count = n;
	int		 rv = -1;

	if (feed != NULL && feed->base_url != NULL)
		base = feed->base_url;
	if (feed != NULL && feed->title != NULL && feed->title[0] != '\0') {
		title = feed->title;
		titlelen = strlen(title);
	} else
		gemlog_url_host(base, &title, &titlelen);
	updated = GEMLOG_EPOCH_DATE;
	for (i = 0; i < n; i++)
		if (strcmp(gemlog_post_date(&posts[i]), updated) > 0)
			updated = gemlog_post_date(&posts[i]);
	if (gemlog_put_feed_head(out, base, title, titlelen, updated) == -1)
		goto fail;
	/* A feed is polled: the newest entries, not the whole archive. */
	if (feed != NULL && feed->entries > 0 && feed->entries < n)
		count = feed->entries;
	for (i = 0; i < count; i++)
		if (gemlog_put_entry(out, base, &posts[i], &link) == -1)
			goto fail;
	rv = buf_puts(out, "</feed>\n");
 fail:
	buf_free(&link);
	return rv;
}

/* Filesystem side. */

/*
 * Read at most cap bytes of the regular file name in dirfd.  *st comes
 * from before the read, so a write racing with it shows up later as a
 * changed mtime rather than being missed.  O_NOFOLLOW keeps posts inside
 * the directory; O_NONBLOCK keeps a FIFO from hanging the worker.
 */
static int
gemlog_read_file(int dirfd, const char *name, char *dst, size_t cap,
    size_t *len, struct stat *st)
{
	ssize_t	 r;
	int	 fd, saved;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	*len = 0;
	while (*len < cap) {
		r = read(fd, dst + *len, cap - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	return 0;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Errors that mean "not a post we can show", not "the scan failed". */
static int
gemlog_skippable(int err)
{
	return err == ENOENT || err == ELOOP || err == EACCES ||
	    err == EPERM || err == EINVAL || err == ENXIO || err == ENODEV ||
	    err == EAGAIN;
}

static int
gemlog_push(struct gemlog_post **posts, size_t *n, size_t *cap)
{
	struct gemlog_post	*p;
	size_t			 ncap;

	if (*n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((p = reallocarray(*posts, ncap, sizeof(*p))) == NULL)
		return -1;
	*posts = p;
	*cap = ncap;
	return 0;
}

/* Add the post name to *posts when it is a readable regular file. */
static int
gemlog_scan_one(int dirfd, const char *name, char *tmp,
    struct gemlog_post **posts, size_t *n, size_t *cap)
{
	struct stat	st;
	size_t		len;

	if (gemlog_read_file(dirfd, name, tmp, GEMLOG_READ_MAX, &len,
	    &st) == -1)
		return gemlog_skippable(errno) ? 0 : -1;
	if (gemlog_push(posts, n, cap) == -1)
		return -1;
	gemlog_post_init(&(*posts)[*n], name, tmp, len, st.st_mtim.tv_sec);
	(*n)++;
	return 0;
}

int
gemlog_scan(int dirfd, struct gemlog_post **posts, size_t *n)
{
	struct dirent	*de;
	DIR		*d;
	char		*tmp;
	size_t		 cap = 0;
	int		 saved;

	*posts = NULL;
	*n = 0;
	if ((tmp = malloc(GEMLOG_READ_MAX)) == NULL)
		return -1;
	if ((d = fsroot_opendir(dirfd)) == NULL)
		goto fail;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (!gemlog_is_post_name(de->d_name) ||
		    (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		if (gemlog_scan_one(dirfd, de->d_name, tmp, posts, n,
		    &cap) == -1)
			goto fail;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	free(tmp);
	gemlog_sort(*posts, *n);
	return 0;
 fail:
	saved = errno;
	if (d != NULL)
		closedir(d);
	free(tmp);
	free(*posts);
	*posts = NULL;
	*n = 0;
	errno = saved;
	return -1;
}

int
gemlog_is_marked(int dirfd)
{
	struct stat	st;

	if (fstatat(dirfd, GEMLOG_MARKER, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return S_ISREG(st.st_mode);
}

/* The cache. */

/*
 * One generated directory.  Staleness is judged by mtimes in whole
 * seconds; "racy" (as in git's racy-index problem) marks an entry
 * built from a file or directory whose mtime was within a second of the
 * build, because a later write in that same second would leave the
 * mtime unchanged.  Such an entry is rebuilt at its next recheck.
 */
struct gemlog_cache {
	char			*key;
	char			*base_url;
	char			*title;
	struct gemlog_post	*posts;
	size_t			 nposts;
	char			**summaries;	/* of the feed's posts */
	size_t			 nsummaries;
	char			*heading;	/* the gemlog's, or NULL */
	size_t			 entries;	/* the feed's, 0: all */
	struct buf		 index;
	struct buf		 atom;
	dev_t			 dev;
	ino_t			 ino;
	struct timespec		 dirmtim;
	time_t			 header_mtime;	/* -1: no header */
	time_t			 footer_mtime;	/* -1: no footer */
	time_t			 index_mtime;	/* -1: no index.gmi */
	struct timespec		 checked;	/* CLOCK_MONOTONIC */
	int			 racy;
	unsigned long		 used;		/* LRU stamp */
	unsigned long long	 build;		/* gemlog_get_build() */
};

static struct gemlog_cache	gemlog_cache[GEMLOG_CACHE_SLOTS];
static unsigned long		gemlog_cache_clock;
static unsigned long long	gemlog_builds;

static void
gemlog_cache_clear(struct gemlog_cache *c)
{
	size_t	i;

	for (i = 0; i < c->nsummaries; i++)
		free(c->summaries[i]);
	free(c->summaries);
	free(c->heading);
	free(c->key);
	free(c->base_url);
	free(c->title);
	free(c->posts);
	buf_free(&c->index);
	buf_free(&c->atom);
	memset(c, 0, sizeof(*c));
}

void
gemlog_cache_free(void)
{
	size_t	i;

	for (i = 0; i < GEMLOG_CACHE_SLOTS; i++)
		gemlog_cache_clear(&gemlog_cache[i]);
}

void
gemlog_forget(const char *key)
{
	size_t	i;

	for (i = 0; i < GEMLOG_CACHE_SLOTS; i++)
		if (gemlog_cache[i].key != NULL &&
		    strcmp(gemlog_cache[i].key, key) == 0)
			gemlog_cache_clear(&gemlog_cache[i]);
}

static int
gemlog_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The slot for key: its own, else a free one, else the least used. */
static struct gemlog_cache *
gemlog_cache_slot(const char *key, int *found)
{
	struct gemlog_cache	*c, *victim = &gemlog_cache[0];
	size_t			 i;

	*found = 0;
	for (i = 0; i < GEMLOG_CACHE_SLOTS; i++) {
		c = &gemlog_cache[i];
		if (c->key != NULL && strcmp(c->key, key) == 0) {
			*found = 1;
			return c;
		}
		if (victim->key != NULL &&
		    (c->key == NULL || c->used < victim->used))
			victim = c;
	}
	return victim;
}

/* The mtime of a header/footer file, or -1 when there is none. */
static time_t
gemlog_side_mtime(int dirfd, const char *name)
{
	struct stat	st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode))
		return -1;
	return st.st_mtim.tv_sec;
}

/*
 * Read a header/footer into out (left empty when unreadable).  The
 * mtime is taken first, for the same reason as in gemlog_read_file().
 */
static int
gemlog_read_side(int dirfd, const char *name, struct buf *out,
    time_t *mtime)
{
	struct stat	st;
	size_t		len;

	if ((*mtime = gemlog_side_mtime(dirfd, name)) == -1)
		return 0;
	if (buf_reserve(out, GEMLOG_READ_MAX) == -1)
		return -1;
	if (gemlog_read_file(dirfd, name, out->data, GEMLOG_READ_MAX, &len,
	    &st) == -1)
		return gemlog_skippable(errno) ? 0 : -1;
	out->len = len;
	return 0;
}

static int
gemlog_cache_stale(struct gemlog_cache *c, int dirfd, const struct stat *st)
{
	struct timespec	 now;
	size_t		 i;
	struct stat	 pst;

	if (st->st_dev != c->dev || st->st_ino != c->ino ||
	    st->st_mtim.tv_sec != c->dirmtim.tv_sec ||
	    st->st_mtim.tv_nsec != c->dirmtim.tv_nsec)
		return 1;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return 1;
	if (now.tv_sec - c->checked.tv_sec < 1 ||
	    (now.tv_sec - c->checked.tv_sec == 1 &&
	    now.tv_nsec < c->checked.tv_nsec))
		return 0;
	c->checked = now;
	if (c->racy)
		return 1;
	for (i = 0; i < c->nposts; i++)
		if (fstatat(dirfd, c->posts[i].name, &pst,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    pst.st_mtim.tv_sec != c->posts[i].mtime)
			return 1;
	return gemlog_side_mtime(dirfd, GEMLOG_HEADER) != c->header_mtime ||
	    gemlog_side_mtime(dirfd, GEMLOG_FOOTER) != c->footer_mtime ||
	    gemlog_side_mtime(dirfd, GEMLOG_INDEX_FILE) != c->index_mtime;
}

static int
gemlog_cache_racy(const struct gemlog_cache *c, time_t start)
{
	size_t	i;

	if (c->dirmtim.tv_sec >= start - 1 ||
	    c->header_mtime >= start - 1 || c->footer_mtime >= start - 1 ||
	    c->index_mtime >= start - 1)
		return 1;
	for (i = 0; i < c->nposts; i++)
		if (c->posts[i].mtime >= start - 1)
			return 1;
	return 0;
}

/*
 * The gemlog's own title, for a feed given none: the first level-1
 * heading of its header (head, already read), else of its index.gmi.
 * n->heading is left NULL when there is none.
 */
static int
gemlog_cache_heading(struct gemlog_cache *n, int dirfd,
    const struct buf *head)
{
	struct buf	 index = { NULL, 0, 0 };
	char		 title[GEMLOG_TITLE_MAX + 1];
	const char	*t;
	size_t		 tlen;
	int		 found, rv = 0;

	if (gemlog_read_side(dirfd, GEMLOG_INDEX_FILE, &index,
	    &n->index_mtime) == -1)
		return -1;
	found = (head->len > 0 && gemtext_title(head->data, head->len, &t,
	    &tlen)) || (index.len > 0 && gemtext_title(index.data, index.len,
	    &t, &tlen));
	if (found) {
		gemlog_clean_copy(title, sizeof(title), t, tlen);
		if (title[0] != '\0' && (n->heading = strdup(title)) == NULL)
			rv = -1;
	}
	buf_free(&index);
	return rv;
}

/* The summaries of the posts the feed carries (its first ones, newest
 * first), read again from the files: only those are worth memory. */
static int
gemlog_cache_summaries(struct gemlog_cache *n, int dirfd)
{
	char		 sum[GEMLOG_SUMMARY_MAX], *tmp;
	struct stat	 st;
	size_t		 i, len, k = n->nposts;

	if (n->entries > 0 && n->entries < k)
		k = n->entries;
	if (k == 0)
		return 0;
	if ((n->summaries = calloc(k, sizeof(*n->summaries))) == NULL ||
	    (tmp = malloc(GEMLOG_READ_MAX)) == NULL)
		return -1;
	n->nsummaries = k;
	for (i = 0; i < k; i++) {
		if (gemlog_read_file(dirfd, n->posts[i].name, tmp,
		    GEMLOG_READ_MAX, &len, &st) == -1) {
			if (gemlog_skippable(errno))
				continue;
			break;
		}
		if (gemlog_summary(tmp, len, sum, sizeof(sum)) == 0)
			continue;
		if ((n->summaries[i] = strdup(sum)) == NULL)
			break;
		n->posts[i].summary = n->summaries[i];
	}
	free(tmp);
	return i == k ? 0 : -1;
}

/* Scan and write both documents into the unused entry n. */
static int
gemlog_cache_build(struct gemlog_cache *n, int dirfd,
    const struct gemlog_feed *feed)
{
	struct buf		head = { NULL, 0, 0 }, foot = { NULL, 0, 0 };
	struct gemlog_feed	f = *feed;
	time_t			start = time(NULL);
	int			rv = -1;

	if (gemlog_scan(dirfd, &n->posts, &n->nposts) == -1)
		return -1;
	if (gemlog_read_side(dirfd, GEMLOG_HEADER, &head,
	    &n->header_mtime) == -1 ||
	    gemlog_read_side(dirfd, GEMLOG_FOOTER, &foot,
	    &n->footer_mtime) == -1 ||
	    gemlog_cache_heading(n, dirfd, &head) == -1 ||
	    gemlog_cache_summaries(n, dirfd) == -1)
		goto fail;
	if (f.title == NULL || f.title[0] == '\0')
		f.title = n->heading;
	if (gemlog_write_index(n->posts, n->nposts,
	    n->header_mtime == -1 ? NULL : head.data, head.len,
	    foot.data, foot.len, &n->index) == -1 ||
	    gemlog_write_atom(n->posts, n->nposts, &f, &n->atom) == -1)
		goto fail;
	n->racy = gemlog_cache_racy(n, start);
	rv = 0;
 fail:
	buf_free(&head);
	buf_free(&foot);
	return rv;
}

/* Build a new entry for key; replace *slot only when it all worked. */
static int
gemlog_cache_fill(struct gemlog_cache *slot, int dirfd, const char *key,
    const struct gemlog_feed *feed, const struct stat *st)
{
	struct gemlog_cache	n;
	int			saved;

	memset(&n, 0, sizeof(n));
	n.dev = st->st_dev;
	n.ino = st->st_ino;
	n.dirmtim = st->st_mtim;
	n.entries = feed->entries;
	if ((n.key = strdup(key)) == NULL ||
	    (feed->base_url != NULL &&
	    (n.base_url = strdup(feed->base_url)) == NULL) ||
	    (feed->title != NULL && (n.title = strdup(feed->title)) == NULL) ||
	    clock_gettime(CLOCK_MONOTONIC, &n.checked) == -1 ||
	    gemlog_cache_build(&n, dirfd, feed) == -1) {
		saved = errno;
		gemlog_cache_clear(&n);
		errno = saved;
		return -1;
	}
	gemlog_cache_clear(slot);
	n.build = ++gemlog_builds;
	*slot = n;
	return 0;
}

const struct buf *
gemlog_get(int dirfd, const char *key, enum gemlog_doc doc,
    const struct gemlog_feed *feed)
{
	unsigned long long	build;

	return gemlog_get_build(dirfd, key, doc, feed, &build);
}

const struct buf *
gemlog_get_build(int dirfd, const char *key, enum gemlog_doc doc,
    const struct gemlog_feed *feed, unsigned long long *build)
{
	static const struct gemlog_feed	 nofeed = { NULL, NULL, 0 };
	struct gemlog_cache		*c;
	struct stat			 st;
	int				 found, saved;

	if (key == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (feed == NULL)
		feed = &nofeed;
	if (fstat(dirfd, &st) == -1)
		return NULL;
	c = gemlog_cache_slot(key, &found);
	if (!found || !gemlog_streq(c->base_url, feed->base_url) ||
	    !gemlog_streq(c->title, feed->title) ||
	    c->entries != feed->entries ||
	    gemlog_cache_stale(c, dirfd, &st)) {
		if (gemlog_cache_fill(c, dirfd, key, feed, &st) == -1) {
			/* Never serve an entry known to be stale. */
			saved = errno;
			if (found)
				gemlog_cache_clear(c);
			errno = saved;
			return NULL;
		}
	}
	c->used = ++gemlog_cache_clock;
	*build = c->build;
	return doc == GEMLOG_ATOM ? &c->atom : &c->index;
}
