/*
 * fuzz_gemlog.c: posts built from fuzzed names and contents, then the
 * index and Atom writers.  Input: records separated by NUL bytes; the
 * first is "base_url \1 title \1 header \1 footer", each other one
 * "name \1 content".  Properties: a post's summary is valid UTF-8 with
 * no control character, within GEMLOG_SUMMARY_CHARS characters and an
 * ellipsis; every index line after the default
 * header is "=> URL DATE TITLE" with an encoded URL (no raw space or
 * control byte), a valid date and a clean UTF-8 title; a given header
 * and footer only wrap that same list; the Atom output is valid UTF-8
 * with only XML 1.0 characters, every '<' starts a known tag, every '&'
 * a known entity, and the tags nest; it has as many entries as the feed
 * asks for (all when 0), each with the summary its post has.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gemlog.h"
#include "utf8.h"

#define FUZZ_POSTS_MAX	16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
need(int cond)
{
	if (!cond)
		abort();
}

/* Field k (separated by \1) of rec[0..len), as a new C string. */
static char *
field(const char *rec, size_t len, int k, size_t *outlen)
{
	const char	*p = rec, *end = rec + len, *q;
	char		*s;

	for (; k > 0 && p < end; k--) {
		q = memchr(p, '\1', (size_t)(end - p));
		p = q != NULL ? q + 1 : end;
	}
	q = memchr(p, '\1', (size_t)(end - p));
	*outlen = (size_t)((q != NULL ? q : end) - p);
	if ((s = malloc(*outlen + 1)) == NULL)
		abort();
	memcpy(s, p, *outlen);
	s[*outlen] = '\0';
	return s;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '/' || c == '%';
}

/* "=> " URL SP DATE SP TITLE; returns the length of the line. */
static size_t
check_link(const char *s, size_t len)
{
	const char	*nl = memchr(s, '\n', len);
	size_t		 n, i, u;
	char		 date[11];

	need(nl != NULL);
	n = (size_t)(nl - s);
	need(n > 3 && memcmp(s, "=> ", 3) == 0);
	for (u = 3; u < n && s[u] != ' '; u++) {
		need(is_unreserved((unsigned char)s[u]));
		if (s[u] == '%')
			need(u + 2 < n && strchr("0123456789ABCDEF",
			    s[u + 1]) && strchr("0123456789ABCDEF", s[u + 2]));
	}
	need(u > 3 && u + 12 <= n && s[u + 11] == ' ');
	need(gemlog_parse_date(s + u + 1, 10, date));
	for (i = u + 12; i < n; i++)
		need((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	need(utf8_valid(s + u + 12, n - u - 12));
	return n + 1;
}

static void
check_index(const struct gemlog_post *p, size_t n, const char *head,
    size_t headlen, const char *foot, size_t footlen)
{
	struct buf	 plain = { NULL, 0, 0 }, full = { NULL, 0, 0 };
	const char	*list;
	size_t		 i, off, nlinks = 0;

	need(gemlog_write_index(p, n, NULL, 0, NULL, 0, &plain) == 0);
	need(plain.len >= 9 && memcmp(plain.data, "# Posts\n\n", 9) == 0);
	for (off = 9; off < plain.len; nlinks++)
		off += check_link(plain.data + off, plain.len - off);
	for (i = 0; i < n; i++)
		if (p[i].name[0] == '\0')
			nlinks++;
	need(nlinks == n);
	need(gemlog_write_index(p, n, head, headlen, foot, footlen,
	    &full) == 0);
	list = plain.data + 8;	/* the blank line and the links */
	need(full.len >= plain.len - 8 &&
	    memmem(full.data, full.len, list, plain.len - 8) != NULL);
	buf_free(&plain);
	buf_free(&full);
}

/* Bytes that XML 1.0 never allows, and U+FFFE/U+FFFF. */
static void
check_xml_chars(const char *s, size_t len)
{
	size_t	i;

	need(utf8_valid(s, len));
	for (i = 0; i < len; i++) {
		need((unsigned char)s[i] >= 0x20 || s[i] == '\n');
		if (i + 2 < len && memcmp(s + i, "\xef\xbf", 2) == 0)
			need((unsigned char)s[i + 2] < 0xbe);
	}
}

static const char *const tags[] = {
	"?xml", "feed", "id", "title", "updated", "link", "author", "name",
	"entry", "summary"
};

/* The tag name at s[0..len) (after '<' and any '/'), or -1. */
static int
tag_index(const char *s, size_t len)
{
	size_t	i, n;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		n = strlen(tags[i]);
		if (len > n && memcmp(s, tags[i], n) == 0 &&
		    strchr(" />", s[n]) != NULL)
			return (int)i;
	}
	return -1;
}

/* Inside a tag: quoted values hold no '<', '&' only as an entity. */
static size_t
check_tag(const char *s, size_t len, int *stack, int *depth)
{
	size_t	i = 1;
	int	t, closing = 0, quote = 0;

	if (i < len && s[i] == '/') {
		closing = 1;
		i++;
	}
	need((t = tag_index(s + i, len - i)) != -1);
	for (; i < len && (quote || s[i] != '>'); i++) {
		need(s[i] != '<');
		if (s[i] == '"')
			quote = !quote;
	}
	need(i < len);
	if (closing) {
		need(*depth > 0 && stack[--*depth] == t);
	} else if (s[i - 1] != '/' && t != 0) {
		need(*depth < 8);
		stack[(*depth)++] = t;
	}
	return i + 1;
}

static void
check_atom(const char *s, size_t len)
{
	static const char *const ents[] = {
		"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"
	};
	int	stack[8], depth = 0, ok;
	size_t	i = 0, k;

	check_xml_chars(s, len);
	while (i < len) {
		if (s[i] == '<') {
			i += check_tag(s + i, len - i, stack, &depth);
			continue;
		}
		need(s[i] != '>');
		if (s[i] == '&') {
			for (ok = 0, k = 0; k < 5; k++)
				ok |= strncmp(s + i, ents[k],
				    strlen(ents[k])) == 0;
			need(ok);
		}
		i++;
	}
	need(depth == 0);
}

/* The feed's entries: the first ones, as many as asked for, each
 * with a summary exactly when its post has one. */
static void
check_entries(const struct gemlog_post *p, size_t n, size_t entries,
    const struct buf *atom)
{
	const char	*s = atom->data, *end = s + atom->len, *e, *next;
	size_t		 want = n, k = 0, i;

	if (entries > 0 && entries < n)
		want = entries;
	for (i = 0; i < want; i++)
		k += p[i].name[0] != '\0';	/* nameless: no entry */
	for (i = 0; (e = memmem(s, (size_t)(end - s), "<entry>", 7)) != NULL;
	    i++) {
		next = memmem(e + 7, (size_t)(end - e - 7), "<entry>", 7);
		if (next == NULL)
			next = end;
		while (i < want && p[i].name[0] == '\0')
			i++;
		need(i < want);
		need((memmem(e, (size_t)(next - e), "<summary>", 9) != NULL) ==
		    (p[i].summary[0] != '\0'));
		s = next;
		k--;
	}
	need(k == 0);
}

/* The first paragraph as a summary, checked, kept in sums[i]. */
static void
make_summary(struct gemlog_post *p, const char *content, size_t len,
    char *sum)
{
	size_t	n, i, chars = 0;

	n = gemlog_summary(content, len, sum, GEMLOG_SUMMARY_MAX);
	need(n == strlen(sum) && n < GEMLOG_SUMMARY_MAX);
	need(utf8_valid(sum, n));
	for (i = 0; i < n; i++) {
		need((unsigned char)sum[i] >= 0x20 && sum[i] != 0x7f);
		chars += ((unsigned char)sum[i] & 0xc0) != 0x80;
	}
	need(chars <= GEMLOG_SUMMARY_CHARS + 1);
	need(n == 0 || (sum[0] != ' ' && sum[n - 1] != ' '));
	p->summary = sum;
}

/* Posts from records 1.. of the input; returns how many. */
static size_t
make_posts(const char *rec[], const size_t reclen[], size_t nrec,
    struct gemlog_post *p, char (*sums)[GEMLOG_SUMMARY_MAX])
{
	char		*name, *content;
	size_t		 i, namelen, len, k;
	uint64_t	 h;

	for (i = 1; i < nrec; i++) {
		name = field(rec[i], reclen[i], 0, &namelen);
		content = field(rec[i], reclen[i], 1, &len);
		/* A varied mtime, huge and negative ones included. */
		for (h = 14695981039346656037ULL, k = 0; k < namelen; k++)
			h = (h ^ (unsigned char)name[k]) * 1099511628211ULL;
		gemlog_post_init(&p[i - 1], name, content, len,
		    (time_t)(int64_t)h);
		make_summary(&p[i - 1], content, len, sums[i - 1]);
		free(name);
		free(content);
	}
	gemlog_sort(p, nrec - 1);
	return nrec - 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*rec[FUZZ_POSTS_MAX + 1], *s = (const char *)data;
	size_t			 reclen[FUZZ_POSTS_MAX + 1], nrec = 0, n, l[4];
	static char		 sums[FUZZ_POSTS_MAX][GEMLOG_SUMMARY_MAX];
	struct gemlog_post	 p[FUZZ_POSTS_MAX];
	struct gemlog_feed	 feed;
	struct buf		 atom = { NULL, 0, 0 };
	const char		*end = s + size, *q;
	char			*f[4];
	int			 k;

	while (nrec < FUZZ_POSTS_MAX + 1 && (nrec == 0 || s < end)) {
		q = memchr(s, '\0', (size_t)(end - s));
		rec[nrec] = s;
		reclen[nrec++] = (size_t)((q != NULL ? q : end) - s);
		s = q != NULL ? q + 1 : end;
	}
	for (k = 0; k < 4; k++)
		f[k] = field(rec[0], reclen[0], k, &l[k]);
	n = make_posts(rec, reclen, nrec, p, sums);
	check_index(p, n, f[2], l[2], f[3], l[3]);
	feed.base_url = f[0];
	feed.title = f[1];
	feed.entries = size % 4;	/* 0: all */
	need(gemlog_write_atom(p, n, &feed, &atom) == 0);
	check_atom(atom.data, atom.len);
	check_entries(p, n, feed.entries, &atom);
	buf_free(&atom);
	for (k = 0; k < 4; k++)
		free(f[k]);
	return 0;
}
