/*
 * admit.h: who may connect and how often, for one worker: the cap on
 * connections per worker and per client address, the request rate
 * limit, and the PROXY protocol allow-list.  Every setting has one copy
 * here; conn.c and worker.c ask, and never count on their own.
 */
#ifndef ADMIT_H
#define ADMIT_H

#include "capsuled.h"
#include "listen.h"

enum admit_verdict {
	ADMIT_OK,		/* serve it */
	ADMIT_PROXY,		/* serve it once its PROXY header names the
				   client (counted as the balancer till then) */
	ADMIT_FULL,		/* the worker's connection cap is reached */
	ADMIT_ADDR_FULL,	/* this address holds its share already */
	ADMIT_NOT_PROXY		/* a PROXY listener, a source not in
				   proxy-from */
};

/*
 * Set the caps for one of nworkers workers: the per-worker cap from
 * RLIMIT_NOFILE (raised to its hard limit) and conf->max_conns, the
 * address cap and rate as conf's divided among the workers (the kernel
 * spreads one address's connections over them), and a fresh secret for
 * the address hash.
 */
void	admit_init(const struct conf *, int nworkers);

/* A connection from addr on a proto listener: may it in?  Refusals are
 * counted for admit_report(). */
enum admit_verdict admit_check(enum listen_proto, const char *addr);

/* An admitted connection from addr: counted until admit_leave(slot). */
unsigned admit_enter(const char *addr);
void	admit_leave(unsigned slot);

/* A PROXY header named the client addr: move the count of *slot to
 * it.  0, or -1 when that address holds its share already. */
int	admit_move(unsigned *slot, const char *addr);

/* Connections held now. */
int	admit_count(void);

/* The worker's request-rate buckets, for a request_ctx: responders
 * take a token per request (ratelimit_take()). */
struct ratelimit *admit_ratelimit(void);

/* One log line for the refusals since the last call, if any: called
 * once a tick, so a flood costs a line a second, not a line each. */
void	admit_report(void);

#endif
