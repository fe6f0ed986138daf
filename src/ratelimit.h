/*
 * ratelimit.h: per-client-address token buckets in a fixed-size table,
 * so memory stays bounded whatever the number of addresses.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#define RATELIMIT_SLOTS	4096

struct ratelimit_slot {
	char		addr[64];
	double		tokens;
	long long	last_ms;
};

struct ratelimit {
	double			rate;	/* tokens per second, 0 = off */
	double			burst;	/* bucket size */
	struct ratelimit_slot	slots[RATELIMIT_SLOTS];
};

void	ratelimit_init(struct ratelimit *, double rate, double burst);

/*
 * Take one token for addr at now_ms.  Returns 0 when allowed, else the
 * whole seconds to wait (>= 1) before a token is back.  An address that
 * lands on a slot held by another takes it over with a full bucket: the
 * table forgets, it never grows (a collision can only be lenient).
 */
int	ratelimit_take(struct ratelimit *, const char *addr, long long now_ms);

#endif
