/*
 * test_cache.c: the bounded LRU behind the file and view caches: what
 * goes first when it is full, lookups refresh, replacement, the bound.
 */
#include <stdlib.h>

#include "test.h"
#include "cache.h"

static struct cache_entry *
put(struct cache *c, const char *key, size_t len)
{
	struct cache_entry	*e;
	struct buf		 b = { NULL, 0, 0 };

	if (buf_reserve(&b, len) == -1)
		exit(2);
	memset(b.data, 'x', len);
	b.len = len;
	e = cache_put(c, key, "/path", &b);
	buf_free(&b);		/* the caller's still when refused */
	return e;
}

int
main(void)
{
	struct cache		 c;
	struct cache_entry	*e;
	struct cache_id		 a = { 1, 2, 3, { 4, 5 } }, b = a;
	char			 key[32];
	int			 i, n;

	cache_init(&c, 10000);
	CHECK(cache_get(&c, "a") == NULL, "empty");
	e = put(&c, "a", 1000);
	CHECK(e != NULL && e->data.len == 1000, "one in");
	CHECK(cache_get(&c, "a") == e, "found again");
	put(&c, "b", 1000);
	put(&c, "c", 1000);
	cache_get(&c, "a");		/* a is now the most recent */
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		put(&c, key, 1000);
	}
	CHECK(c.used <= c.max, "the bound holds");
	CHECK(cache_get(&c, "b") == NULL, "the least recent went first");
	for (n = 0, i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		n += cache_get(&c, key) != NULL;
	}
	CHECK(n > 0 && n < 10, "newer entries stay, older ones go");
	CHECK(put(&c, "huge", 20000) == NULL, "larger than the bound: refused");
	e = put(&c, "k9", 10);
	CHECK(e != NULL && e->data.len == 10 && cache_get(&c, "k9") == e,
	    "a key put again is replaced");
	cache_drop(&c, e);
	CHECK(cache_get(&c, "k9") == NULL, "dropped");
	cache_free(&c);
	CHECK(c.used == 0 && TAILQ_EMPTY(&c.lru), "freed");

	CHECK(cache_id_same(&a, &b), "the same file");
	b.mtim.tv_nsec++;
	CHECK(!cache_id_same(&a, &b), "a nanosecond of mtime tells");
	b = a;
	b.ino++;
	CHECK(!cache_id_same(&a, &b), "another inode tells");
	a.mtim.tv_sec = 1000;
	CHECK(cache_id_racy(&a, 1000) && cache_id_racy(&a, 1001) &&
	    !cache_id_racy(&a, 1002), "racy within a second of its mtime");
	return test_done("cache");
}
