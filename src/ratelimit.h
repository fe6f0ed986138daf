/*
 * ratelimit.h: per-client-address token buckets in a fixed-size table,
 * so memory stays bounded whatever the number of addresses.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#define RATELIMIT_SLOTS	4096

struct ratelimit_slot {
	double		tokens;
	long long	last_ms;
	int		used;
};

struct ratelimit {
	double			rate;	/* tokens per second, 0 = off */
	double			burst;	/* bucket size */
	struct ratelimit_slot	slots[RATELIMIT_SLOTS];
};

void	ratelimit_init(struct ratelimit *, double rate, double burst);

/*
 * Take one token for addr at now_ms.  Returns 0 when allowed, else the
 * whole seconds to wait (>= 1) before a token is back.  Addresses that
 * hash to one slot share its bucket: the table never grows, and no
 * pair of addresses can take turns to get a fresh burst each time.
 */
int	ratelimit_take(struct ratelimit *, const char *addr, long long now_ms);

/*
 * The part of an address that names one client: an IPv6 /64 (one
 * subscriber's network, whose addresses cost an attacker nothing) or a
 * whole IPv4 address (also when written IPv4-mapped, ::ffff:a.b.c.d).
 * Into out; anything unparsable is copied.
 */
void	ratelimit_client(const char *addr, char *out, size_t outsize);

/* FNV-1a hash of addr's client part (ratelimit_client), started from
 * the key of ratelimit_set_key() (0 until it is called). */
unsigned ratelimit_hash(const char *addr);

/* A secret per process, so that slot collisions cannot be planned. */
void	ratelimit_set_key(unsigned key);

#endif
