/*
 * keyprov.h: a worker's view of the private keys it does not hold.
 *
 * To libssl a host's key is an ordinary EVP_PKEY.  It is an OpenSSL
 * provider key that holds only the certificate's public key and a key
 * number; its signature operation sends the data to sign to the key
 * process (src/keyproc.c) over the worker's socket and pauses the
 * handshake's ASYNC job until the answer comes, so the worker serves
 * its other connections meanwhile (tls.c turns the pause into
 * TLS_WANT_ASYNC).
 */
#ifndef KEYPROV_H
#define KEYPROV_H

#include <openssl/evp.h>

#include "loop.h"

/*
 * Load the provider (its own library context, so that no other fetch
 * ever picks its algorithms).  In the parent, before any context uses a
 * key; again is a no-op.  0, or -1.
 */
int		 keyprov_init(void);
void		 keyprov_free(void);

/*
 * A key that signs as key number `key` of the key process, for the
 * certificate whose public key is pub.  NULL (and *errstr) when pub's
 * type is not one the key process signs with: EC (any named curve),
 * RSA, Ed25519 and Ed448 are.
 */
EVP_PKEY	*keyprov_key(EVP_PKEY *pub, int key, const char **errstr);

/* In a worker, after the fork: its socket to the key process.  Stale
 * messages (the start-up hello, answers to a previous worker in the same
 * slot) are drained. */
void		 keyprov_attach(int fd);

struct keyprov_req;

/*
 * The request the last SSL_do_handshake() paused on (it returned
 * SSL_ERROR_WANT_ASYNC), or NULL.  It lives, on the job's stack, until
 * the job is resumed.
 */
struct keyprov_req	*keyprov_paused(void);

/* Whether req still waits for the key process. */
int		 keyprov_waiting(const struct keyprov_req *);

/*
 * Call cb(-1, 0, arg) from loop when req has its answer or has failed
 * (the key process restarted, or a bad answer): resume the job then.
 * The first call also puts the key socket in loop.
 */
void		 keyprov_wait(struct keyprov_req *, struct loop *, loop_cb *,
		    void *arg);

/* Give up on req without a callback: the job fails when resumed. */
void		 keyprov_cancel(struct keyprov_req *);

#endif
