/*
 * admit.c: connection caps, the rate limit and the PROXY allow-list of
 * one worker (see admit.h).
 */
#include <limits.h>
#include <string.h>

#include <openssl/rand.h>

#include "admit.h"
#include "log.h"
#include "ratelimit.h"

/* One count per client (an IPv6 /64 counts as one); slots that collide
 * only make the cap a little stricter. */
#define ADMIT_ADDR_SLOTS	65536

static const struct conf	*admit_conf;
static int			 admit_max;	/* per worker */
static int			 admit_max_addr;	/* per address */
static int			 admit_active;
static unsigned short		 admit_addr[ADMIT_ADDR_SLOTS];
static long			 admit_refused;	/* since the last report */
static struct ratelimit		 admit_rl;

void
admit_init(const struct conf *conf, int nworkers)
{
	long		nofile = listen_raise_nofile();
	unsigned	key;

	admit_conf = conf;
	/* Keep fds for listeners, files being sent and libraries. */
	admit_max = (int)((nofile - 64) / 2);
	if (conf->max_conns > 0 && conf->max_conns < admit_max)
		admit_max = conf->max_conns;
	if (admit_max < 1)
		admit_max = 1;
	admit_max_addr = (conf->max_conns_per_ip + nworkers - 1) / nworkers;
	if (admit_max_addr < 1)
		admit_max_addr = 1;
	/* Counted in unsigned shorts: past that the count would wrap. */
	if (admit_max_addr > USHRT_MAX)
		admit_max_addr = USHRT_MAX;
	ratelimit_init(&admit_rl, conf->rate / 60.0 / nworkers,
	    (conf->burst + nworkers - 1) / nworkers);
	/* Each worker keys its address hash with its own secret, so slot
	 * collisions with a chosen victim cannot be searched for offline. */
	if (RAND_bytes((unsigned char *)&key, sizeof(key)) != 1)
		fatalx("cannot make the address hash key");
	ratelimit_set_key(key);
}

/* 1: the listener wants a PROXY header from addr, 0: it does not,
 * -1: it does and addr may not send one. */
static int
admit_proxy_policy(enum listen_proto proto, const char *addr)
{
	int	i;

	if (proto == LISTEN_GEMINI ? !admit_conf->proxy_gemini :
	    !admit_conf->proxy_gopher)
		return 0;
	if (admit_conf->nproxy_from == 0)
		return 1;
	/* conf.c keeps proxy-from in getnameinfo()'s form (the listeners
	 * are IPv6-only, so an IPv4 peer is never written ::ffff:...). */
	for (i = 0; i < admit_conf->nproxy_from; i++)
		if (strcmp(admit_conf->proxy_from[i], addr) == 0)
			return 1;
	return -1;
}

static unsigned
admit_slot(const char *addr)
{
	return ratelimit_hash(addr) % ADMIT_ADDR_SLOTS;
}

enum admit_verdict
admit_check(enum listen_proto proto, const char *addr)
{
	if (admit_active >= admit_max) {
		admit_refused++;
		return ADMIT_FULL;
	}
	switch (admit_proxy_policy(proto, addr)) {
	case -1:
		return ADMIT_NOT_PROXY;
	case 1:
		/* A balancer's address is not a client's: the cap is
		 * checked once its header names the client. */
		return ADMIT_PROXY;
	}
	if (admit_addr[admit_slot(addr)] >= admit_max_addr)
		return ADMIT_ADDR_FULL;
	return ADMIT_OK;
}

unsigned
admit_enter(const char *addr)
{
	unsigned	slot = admit_slot(addr);

	admit_addr[slot]++;
	admit_active++;
	return slot;
}

void
admit_leave(unsigned slot)
{
	admit_addr[slot]--;
	admit_active--;
}

int
admit_move(unsigned *slot, const char *addr)
{
	unsigned	to = admit_slot(addr);

	if (admit_addr[to] >= admit_max_addr)
		return -1;
	admit_addr[*slot]--;
	admit_addr[to]++;
	*slot = to;
	return 0;
}

int
admit_count(void)
{
	return admit_active;
}

struct ratelimit *
admit_ratelimit(void)
{
	return &admit_rl;
}

void
admit_report(void)
{
	if (admit_refused == 0)
		return;
	log_warnx("connection cap (%d) reached: refused %ld", admit_max,
	    admit_refused);
	admit_refused = 0;
}
