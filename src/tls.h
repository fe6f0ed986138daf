/*
 * tls.h: the server's TLS contexts (one per virtual host, chosen by SNI)
 * and non-blocking handshake/read/write/shutdown steps.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "capsuled.h"
#include "loop.h"

enum tls_result {
	TLS_DONE,		/* the step completed */
	TLS_WANT_READ,		/* call again when the socket is readable */
	TLS_WANT_WRITE,		/* ... writable */
	TLS_WANT_ASYNC,		/* the key process signs: tls_async_wait() */
	TLS_CLOSED,		/* the peer closed cleanly */
	TLS_ERROR		/* give up on the connection */
};

/*
 * Each host's certificate and key files: create both when both are
 * missing (first start: a self-signed ECDSA P-256 certificate), refuse
 * a host with only one of them, warn when a key is readable by group or
 * others.  Before tls_init() and before the key process reads the keys.
 * 0, or -1 with errbuf.
 */
int		 tls_files(const struct conf *, char *errbuf,
		    size_t errbufsize);

/*
 * Build one SSL_CTX per host of conf from its certificate.  No private
 * key is read: each context's key is a keyprov.c key that signs through
 * the key process, as key number i for host i.  Only when every context
 * is built do they replace those in service.  0, or -1 with errbuf.
 */
int		 tls_init(const struct conf *, char *errbuf, size_t errbufsize);
void		 tls_free(void);

/*
 * A connection's TLS records, in memory (a BIO of our own rather than
 * the socket): OpenSSL takes the client's records from in[inoff..) and
 * appends its own to out.  So conn.c brings a whole client flight in
 * with one read() and sends a whole server flight (or a small reply and
 * its close_notify) with one write().  A large record (bulk data) with
 * nothing queued before it goes to the socket fd at once instead of
 * being copied (written counts those bytes); only what the socket does
 * not take is kept in out.  The caller owns the buffers.
 */
#define TLS_IO_OUT	4096		/* a server flight, at once */
#define TLS_IO_DIRECT	8192		/* records this large skip out */

struct tls_io {
	int		fd;
	struct buf	in;
	size_t		inoff;
	struct buf	out;
	size_t		outoff;		/* of out already written */
	size_t		written;	/* straight to fd, not yet counted */
};

/* A new server-side SSL over io, default host's context.  NULL on
 * error.  Free it with tls_ssl_free(). */
SSL		*tls_new(struct tls_io *);

/*
 * SSL_free() for an SSL of tls_new(): a handshake still waiting for the
 * key process is given up first (its request is cancelled, its ASYNC
 * job ends, and the client is sent an alert while the socket is still
 * open), so free before closing the socket.
 */
void		 tls_ssl_free(SSL *);

/*
 * After TLS_WANT_ASYNC from tls_handshake(): the handshake waits for
 * the key process.  The caller stops watching the socket (loop_mod to no
 * events) and calls this; cb(-1, 0, arg) is then called once, from
 * loop, when the answer has come (or the key process failed): call
 * tls_handshake() again from there.  A call to tls_handshake() before
 * that means the socket reported a hang-up or an error (epoll reports
 * those without being asked): the wait is given up, and the handshake
 * fails (TLS_ERROR) instead of spinning.
 */
void		 tls_async_wait(SSL *, struct loop *, loop_cb *cb, void *arg);

/* The host the SNI callback chose (index into conf->hosts), or -1 when
 * the client sent no SNI; the SNI name into buf when present. */
int		 tls_sni_host(SSL *, char *buf, size_t bufsize);

enum tls_result	 tls_handshake(SSL *);
/* *n set to bytes read/written on TLS_DONE. */
enum tls_result	 tls_read(SSL *, void *, size_t, size_t *n);
enum tls_result	 tls_write(SSL *, const void *, size_t, size_t *n);
/* Send close_notify (once; do not wait for the peer's). */
enum tls_result	 tls_shutdown(SSL *);

enum tls_peer {
	TLS_PEER_NONE,		/* no client certificate */
	TLS_PEER_OK,		/* fingerprint filled in */
	TLS_PEER_INVALID	/* expired, not yet valid, or unreadable */
};

/* The client certificate's SHA-256 fingerprint (64 lower-case hex of
 * the DER encoding) and whether it is currently valid. */
enum tls_peer	 tls_peer_fingerprint(SSL *, char fpr[65]);

/*
 * What a dynamic location's program is told about the connection
 * (cgienv.h): the protocol and cipher as OpenSSL names them ("TLSv1.3",
 * "TLS_AES_128_GCM_SHA256"), and of the client certificate, when there
 * is one, its subject (RFC 2253, control bytes escaped), the subject's
 * CN (control bytes replaced by '?'), its dates (ISO 8601, UTC) and
 * serial number (decimal).  Strings are "" when unknown; read only when
 * a dynamic location asks, never per handshake.
 */
struct tls_info {
	char	version[16];
	char	cipher[64];
	char	subject[512];
	char	cn[256];
	char	not_before[32];
	char	not_after[32];
	char	serial[128];
};

void		 tls_info(SSL *, struct tls_info *);

/*
 * Session-ticket keys (TLS 1.2 and 1.3 stateless tickets).  Every
 * worker derives the key of a period from one secret made at start-up,
 * before the fork, so all workers agree without talking to each other,
 * and a ticket made by one resumes on another.  A ticket is accepted in
 * the period it was made and the next one (then it is renewed), so it
 * lives TLS_TICKET_PERIOD to twice that.
 */
#define TLS_TICKET_PERIOD	(12 * 60 * 60)	/* seconds */
#define TLS_TICKET_SECRET	32
#define TLS_TICKET_LABEL	"capsuled ticket keys v1"

struct tls_ticket_key {
	uint64_t	period;		/* time / TLS_TICKET_PERIOD */
	unsigned char	name[16];	/* sent in the clear in the ticket */
	unsigned char	hmac[32];	/* HMAC-SHA256 key */
	unsigned char	aes[32];	/* AES-256-CBC key */
};

/*
 * Pure: the key of a period.  HKDF-SHA256 (RFC 5869) with no salt, the
 * secret as input keying material and info = TLS_TICKET_LABEL followed
 * by the period as 8 big-endian bytes; the 80 output bytes are name,
 * hmac, aes in that order.  0, or -1 when libcrypto fails.
 */
int		 tls_ticket_derive(const unsigned char
		    secret[TLS_TICKET_SECRET], uint64_t period,
		    struct tls_ticket_key *);

/* Text of the last OpenSSL error, for logs. */
const char	*tls_error(void);

#endif
