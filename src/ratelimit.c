/* ratelimit.c: token buckets (pure: the caller passes the time). */
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl, double rate, double burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
}

/* Secret start of the hash: without it, anyone with a range of IPv6
 * networks could search offline for one that shares a victim's slot. */
static unsigned	ratelimit_hash_key;

void
ratelimit_set_key(unsigned key)
{
	ratelimit_hash_key = key;
}

void
ratelimit_client(const char *addr, char *out, size_t outsize)
{
	struct in6_addr	a6;

	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		/* ::ffff:a.b.c.d (a dual-stack socket, or a PROXY header
		 * from one) is an IPv4 client, not the /64 "::". */
		if (IN6_IS_ADDR_V4MAPPED(&a6) && inet_ntop(AF_INET,
		    a6.s6_addr + 12, out, (socklen_t)outsize) != NULL)
			return;
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, out, (socklen_t)outsize) != NULL)
			return;
	}
	snprintf(out, outsize, "%s", addr);
}

unsigned
ratelimit_hash(const char *addr)
{
	char		 client[64];
	const char	*p;
	unsigned	 h = 2166136261u ^ ratelimit_hash_key;

	ratelimit_client(addr, client, sizeof(client));
	for (p = client; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

int
ratelimit_take(struct ratelimit *rl, const char *addr, long long now_ms)
{
	struct ratelimit_slot	*s;
	double			 wait;

	if (rl->rate <= 0)
		return 0;
	s = &rl->slots[ratelimit_hash(addr) % RATELIMIT_SLOTS];
	if (!s->used) {
		s->used = 1;
		s->tokens = rl->burst;
		s->last_ms = now_ms;
	}
	s->tokens += (double)(now_ms - s->last_ms) / 1000.0 * rl->rate;
	if (s->tokens > rl->burst)
		s->tokens = rl->burst;
	s->last_ms = now_ms;
	if (s->tokens >= 1.0) {
		s->tokens -= 1.0;
		return 0;
	}
	wait = ceil((1.0 - s->tokens) / rl->rate);
	return wait < 1 ? 1 : (int)wait;
}
