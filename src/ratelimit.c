/* ratelimit.c: token buckets (pure: the caller passes the time). */
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

static unsigned
ratelimit_hash(const char *addr)
{
	unsigned	h = 2166136261u;

	for (; *addr != '\0'; addr++)
		h = (h ^ (unsigned char)*addr) * 16777619u;
	return h % RATELIMIT_SLOTS;
}

int
ratelimit_take(struct ratelimit *rl, const char *addr, long long now_ms)
{
	struct ratelimit_slot	*s;
	double			 wait;

	if (rl->rate <= 0)
		return 0;
	s = &rl->slots[ratelimit_hash(addr)];
	if (strcmp(s->addr, addr) != 0) {
		snprintf(s->addr, sizeof(s->addr), "%s", addr);
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
