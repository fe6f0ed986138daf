/*
 * cache.h: a worker's memory of what it made from files (a small file's
 * bytes, a rendered Gopher view), least recently used first out, within
 * a byte bound.  No I/O: the caller decides when an entry is still good
 * (by its source's identity, at most once a second) and reads the file.
 */
#ifndef CACHE_H
#define CACHE_H

#include <sys/queue.h>
#include <sys/types.h>

#include <time.h>

#include "buf.h"

/* How long a checked entry is trusted without looking at the file. */
#define CACHE_CHECK_MS	1000

/* What a source file was when an entry was made from it: any change of
 * these means it has changed (st_mtim to the nanosecond). */
struct cache_id {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtim;
};

struct cache_entry {
	char			*key;
	char			*path;		/* the file it came from */
	int			 kind;		/* the caller's */
	char			 type[128];	/* the caller's: a MIME type */
	struct buf		 data;
	struct cache_id		 id;
	long long		 checked_ms;	/* monotonic */
	/* Made within a second of the source's mtime: a later write in
	 * that second would keep the mtime, so the next check re-reads
	 * (git's racy-index problem). */
	int			 racy;
	size_t			 cost;		/* bytes counted to the bound */
	int			 refs;		/* replies still sending data */
	int			 dead;		/* dropped while referenced */
	TAILQ_ENTRY(cache_entry) lru;
	struct cache_entry	*next;		/* hash chain */
};

TAILQ_HEAD(cache_lru, cache_entry);

#define CACHE_BUCKETS	4096

struct cache {
	size_t			 max;		/* bytes, 0: caches nothing */
	size_t			 used;
	struct cache_lru	 lru;		/* most recent first */
	struct cache_entry	*buckets[CACHE_BUCKETS];
};

void	cache_init(struct cache *, size_t max);
void	cache_free(struct cache *);

/* The entry for key, now the most recently used; NULL if none. */
struct cache_entry *cache_get(struct cache *, const char *key);

/*
 * A new entry for key (replacing any) from path, taking over the bytes
 * of *data (which is left empty); kind, type, id, checked_ms and racy
 * are the caller's to set.  Older entries go until it fits.  NULL when
 * it cannot fit in the bound at all, or memory runs out (*data is then
 * left as it was).
 */
struct cache_entry *cache_put(struct cache *, const char *key,
	    const char *path, struct buf *data);

/* Take e out of the cache; its memory goes now, or when the last
 * reference to it is released. */
void	cache_drop(struct cache *, struct cache_entry *);

/*
 * A reply sends e's data without copying it: hold e until it is done.
 * cache_release() takes a void * so that it can be a reply's release
 * hook (reply_borrow()).
 */
void	cache_hold(struct cache_entry *);
void	cache_release(void *entry);

/* 1 when id and the stat-like fields match. */
int	cache_id_same(const struct cache_id *, const struct cache_id *);

/* Whether a source of mtime mtim read at now (realtime seconds) is
 * racy, as struct cache_entry says. */
int	cache_id_racy(const struct cache_id *, time_t now);

#endif
