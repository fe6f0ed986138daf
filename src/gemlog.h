/*
 * gemlog.h: a directory of gemtext posts turned into a generated index
 * ("Subscribing to Gemini pages" companion spec) and an Atom 1.0 feed.
 *
 * A directory is a gemlog when the config names it ("gemlog" directive)
 * or when it holds a file named ".gemlog" (so a capsule works with no
 * config at all).  Posts are the *.gmi files in it other than index.gmi
 * and dot-files.  A post's date is the YYYY-MM-DD prefix of its file
 * name, else a YYYY-MM-DD at the start of its first line, else the day
 * of its mtime (UTC).  Its title is its first level-1 heading, else the
 * file name.
 */
#ifndef GEMLOG_H
#define GEMLOG_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define GEMLOG_NAME_MAX		255
#define GEMLOG_TITLE_MAX	255
#define GEMLOG_MARKER		".gemlog"
#define GEMLOG_HEADER		".header.gmi"
#define GEMLOG_FOOTER		".footer.gmi"
#define GEMLOG_INDEX_FILE	"index.gmi"
/* A feed entry's summary: its post's first paragraph, cut at a word
 * near this many characters. */
#define GEMLOG_SUMMARY_CHARS	300
#define GEMLOG_SUMMARY_MAX	(4 * GEMLOG_SUMMARY_CHARS + 8)	/* bytes */

struct gemlog_post {
	char		 name[GEMLOG_NAME_MAX + 1];	/* file name */
	char		 date[11];			/* "YYYY-MM-DD" */
	char		 title[GEMLOG_TITLE_MAX + 1];	/* UTF-8, no CR/LF */
	time_t		 mtime;
	const char	*summary;	/* the feed's <summary>, or NULL; not
					   the post's: whoever fills posts
					   keeps it */
};

struct gemlog_feed {
	const char	*base_url;	/* "gemini://host[:port]/posts/" */
	const char	*title;		/* feed title; NULL or "": the
					   gemlog's heading (gemlog_get()),
					   else base_url's host */
	size_t		 entries;	/* the newest posts the feed carries,
					   0 = all */
};

/* Pure helpers. */

/* 1 when name is a post file name (*.gmi, not index.gmi, no dot-file). */
int	gemlog_is_post_name(const char *name);

/* 1 and date filled when s[0..len) starts with a valid YYYY-MM-DD. */
int	gemlog_parse_date(const char *s, size_t len, char date[11]);

/* Fill *post from its name, content and mtime (title and date rules
 * above).  Never fails: odd input gives a usable post. */
void	gemlog_post_init(struct gemlog_post *, const char *name,
	    const char *content, size_t len, time_t mtime);

/*
 * The first paragraph of a post, as plain text for a feed's <summary>:
 * the text lines of the first run of them outside preformatted blocks
 * (headings, links, lists and quotes before it are skipped, and a line
 * that is only a date), joined by spaces, control characters and
 * invalid UTF-8 replaced; past GEMLOG_SUMMARY_CHARS characters cut at
 * the last space within the last 100 of them, "..." (U+2026) added.
 * dst (at least GEMLOG_SUMMARY_MAX bytes) is always a string; returns
 * its length, 0 when there is no paragraph.
 */
size_t	gemlog_summary(const char *content, size_t len, char *dst,
	    size_t dstsize);

/* Newest first; same date: by name, descending, so order is stable. */
void	gemlog_sort(struct gemlog_post *, size_t n);

/*
 * The index: header (or "# Posts" when header is NULL), a blank line,
 * one "=> NAME YYYY-MM-DD Title" per post (NAME percent-encoded), then
 * the footer when given.  Returns 0, or -1 when memory runs out.
 */
int	gemlog_write_index(const struct gemlog_post *, size_t n,
	    const char *header, size_t headerlen,
	    const char *footer, size_t footerlen, struct buf *out);

/* A valid Atom 1.0 document of the newest feed->entries posts (all
 * when 0), each with its summary when it has one; text XML-escaped,
 * invalid UTF-8 and control characters replaced.  Returns 0 or -1
 * (memory). */
int	gemlog_write_atom(const struct gemlog_post *, size_t n,
	    const struct gemlog_feed *, struct buf *out);

/* Filesystem side. */

/* Read every post of the directory dirfd; *posts is malloc'd, sorted.
 * Returns 0 or -1 with errno. */
int	gemlog_scan(int dirfd, struct gemlog_post **posts, size_t *n);

/* 1 when dirfd holds the GEMLOG_MARKER file. */
int	gemlog_is_marked(int dirfd);

enum gemlog_doc {
	GEMLOG_INDEX,
	GEMLOG_ATOM
};

/*
 * The generated document for directory dirfd, from a per-process cache
 * keyed by key (the directory's path in the capsule, plus the host).
 * Regenerated when the directory's mtime changes, and otherwise when any
 * post's mtime changed, which is checked at most once a second.  A feed
 * without a title of its own is titled by the gemlog's heading: the
 * first level-1 heading of GEMLOG_HEADER, else of the directory's
 * index.gmi, else base_url's host.
 * Returns a cache-owned buffer valid until the next gemlog_get() call,
 * or NULL with errno.
 */
const struct buf *gemlog_get(int dirfd, const char *key, enum gemlog_doc,
	    const struct gemlog_feed *);

/* gemlog_get(), and in *build a number that changes each time this
 * process builds key's documents anew (never 0): a view made from the
 * document (a Gopher menu) is still good while it stays the same. */
const struct buf *gemlog_get_build(int dirfd, const char *key,
	    enum gemlog_doc, const struct gemlog_feed *,
	    unsigned long long *build);

/* Forget the cache's documents for key (an upload changed the
 * directory): the next gemlog_get() builds them anew. */
void	gemlog_forget(const char *key);

/* Free the cache (for leak checkers at exit). */
void	gemlog_cache_free(void);

#endif
