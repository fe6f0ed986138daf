/*
 * conn.h: client connections, the state machine that moves bytes:
 * PROXY header, TLS handshake, request bytes in, a responder's reply
 * out (with back-pressure), close_notify, timeouts, the access-log line.
 * What to answer is the responder's business (reply.h); struct conn is
 * private to conn.c.
 */
#ifndef CONN_H
#define CONN_H

#include "capsuled.h"
#include "loop.h"
#include "reply.h"

/*
 * A protocol served on a listener: whether it runs over TLS, what
 * answers its requests, and its name in the access log.  A new front
 * end (Spartan, Nex) is one more of these.
 */
struct conn_front {
	const char	*name;		/* "gemini", "gopher" */
	int		 tls;
	reply_fn	*respond;
};

/* The worker's loop and configuration, before the first conn_new(). */
void	conn_setup(struct loop *, const struct conf *);

/*
 * Serve the accepted, non-blocking socket fd from the client addr
 * (printable), admitted by admit_check(); proxy: it must send a PROXY
 * protocol header first.  0, or -1 (the caller closes fd).
 */
int	conn_new(int fd, const struct conn_front *, const char *addr,
	    int proxy);

/* Make room for a new connection when the worker's cap is reached:
 * close the oldest one that has not yet sent its whole request (a
 * connection being answered is never cut).  0, or -1 when every
 * connection is being answered. */
int	conn_evict(void);

/* Close connections whose deadline has passed. */
void	conn_sweep(long long now_ms);
/* Free the memory of connections closed since the last call: after
 * each batch of events, so that no event of a batch sees freed memory. */
void	conn_reap(void);
/* Close and free every connection (at exit, for leak checkers). */
void	conn_close_all(const char *why);

#endif
