/*
 * dynamic.h: a worker's side of dynamic content.  A worker may neither
 * exec nor connect (sandbox.c), so for a cgi, scgi, fastcgi or proxy
 * location it asks the program runner (runner.c) over its socket, and
 * the answer comes back through the event loop: the reply's first
 * bytes, header line checked, and a descriptor to stream the rest from
 * (runmsg.h).  Meanwhile the reply is pending (reply.h) and the worker
 * serves its other connections.
 */
#ifndef DYNAMIC_H
#define DYNAMIC_H

#include <stddef.h>

#include "capsuled.h"
#include "loop.h"

struct reply;
struct request_ctx;
struct url;

/* In a worker, after the fork: its socket to the program runner, or
 * -1 when the configuration has no dynamic location.  Messages from a
 * runner that served the slot's previous worker are drained. */
void	dynamic_attach(int fd);

/* The worker's loop and configuration, before the first request. */
void	dynamic_setup(struct loop *, const struct conf *);

/*
 * Answer the request line url[0..urllen) (parsed: u) for location loc
 * of host h, a dynamic location, for the client of ctx.  r is left
 * pending (reply_pending()) and answered later: by the program runner
 * (its status, the header and body bytes, a stream), with 42 when the
 * runner does not answer within cgi-timeout (plus a margin) or
 * restarts, or with 43/44/51 when it says so.  r is answered at once
 * with 44 past this worker's max-programs-per-worker or when the runner
 * does not keep up, and with 42 when there is no runner to ask.
 */
void	dynamic_start(const struct request_ctx *, const struct conf_host *h,
	    const struct conf_location *loc, const char *url, size_t urllen,
	    const struct url *u, struct reply *r);

/* Answer 42 to the requests whose runner is late (from the tick). */
void	dynamic_sweep(long long now_ms);

/* Requests in flight (pending or streaming) in this worker. */
int	dynamic_count(void);

#endif
