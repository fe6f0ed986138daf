/*
 * cache.c: a bounded LRU of byte strings keyed by strings (see cache.h).
 * A fixed table of hash chains and one recency list: a lookup is a hash
 * and a short chain walk, an insertion may free the oldest entries.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"

/* What an entry costs beyond its bytes: the struct and two strings'
 * allocation overhead, roughly; it keeps many tiny entries bounded. */
#define CACHE_OVERHEAD	(sizeof(struct cache_entry) + 64)

void
cache_init(struct cache *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
	TAILQ_INIT(&c->lru);
}

/* FNV-1a. */
static unsigned
cache_hash(const char *key)
{
	unsigned	h = 2166136261u;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 16777619u;
	}
	return h % CACHE_BUCKETS;
}

struct cache_entry *
cache_get(struct cache *c, const char *key)
{
	struct cache_entry	*e;

	for (e = c->buckets[cache_hash(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e != NULL && e != TAILQ_FIRST(&c->lru)) {
		TAILQ_REMOVE(&c->lru, e, lru);
		TAILQ_INSERT_HEAD(&c->lru, e, lru);
	}
	return e;
}

static void
cache_entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->path);
	buf_free(&e->data);
	free(e);
}

void
cache_drop(struct cache *c, struct cache_entry *e)
{
	struct cache_entry	**pp;

	for (pp = &c->buckets[cache_hash(e->key)]; *pp != e;
	    pp = &(*pp)->next)
		;
	*pp = e->next;
	TAILQ_REMOVE(&c->lru, e, lru);
	c->used -= e->cost;
	if (e->refs > 0)
		e->dead = 1;	/* cache_release() frees it */
	else
		cache_entry_free(e);
}

void
cache_hold(struct cache_entry *e)
{
	e->refs++;
}

void
cache_release(void *arg)
{
	struct cache_entry	*e = arg;

	if (--e->refs == 0 && e->dead)
		cache_entry_free(e);
}

struct cache_entry *
cache_put(struct cache *c, const char *key, const char *path,
    struct buf *data)
{
	struct cache_entry	*e, *old;
	size_t			 cost;
	unsigned		 h;

	cost = CACHE_OVERHEAD + strlen(key) + strlen(path) + data->cap;
	if ((old = cache_get(c, key)) != NULL)
		cache_drop(c, old);
	if (cost > c->max)
		return NULL;
	while (c->used + cost > c->max)
		cache_drop(c, TAILQ_LAST(&c->lru, cache_lru));
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->key = strdup(key)) == NULL ||
	    (e->path = strdup(path)) == NULL) {
		free(e->key);
		free(e);
		return NULL;
	}
	e->data = *data;
	memset(data, 0, sizeof(*data));
	e->cost = cost;
	h = cache_hash(key);
	e->next = c->buckets[h];
	c->buckets[h] = e;
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	c->used += cost;
	return e;
}

void
cache_free(struct cache *c)
{
	while (!TAILQ_EMPTY(&c->lru))
		cache_drop(c, TAILQ_FIRST(&c->lru));
}

int
cache_id_same(const struct cache_id *a, const struct cache_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec;
}

int
cache_id_racy(const struct cache_id *id, time_t now)
{
	return id->mtim.tv_sec >= now - 1;
}
