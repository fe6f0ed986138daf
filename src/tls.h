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

enum tls_result {
	TLS_DONE,		/* the step completed */
	TLS_WANT_READ,		/* call again when the socket is readable */
	TLS_WANT_WRITE,		/* ... writable */
	TLS_CLOSED,		/* the peer closed cleanly */
	TLS_ERROR		/* give up on the connection */
};

/*
 * Build one SSL_CTX per host of conf, loading each certificate and key
 * (generating them first when absent).  Called before privileges are
 * dropped; keys are not needed again.  0, or -1 with errbuf.
 */
int		 tls_init(const struct conf *, char *errbuf, size_t errbufsize);
void		 tls_free(void);

/*
 * A connection's TLS records, in memory (a BIO of our own rather than
 * the socket): OpenSSL takes the client's records from in[inoff..) and
 * appends its own to out.  So conn.c brings a whole client flight in
 * with one read() and sends a whole server flight (or a reply and its
 * close_notify) with one write(); OpenSSL makes no system call.  The
 * caller owns the buffers.
 */
#define TLS_IO_OUT	(34 * 1024)	/* two full records and more */

struct tls_io {
	struct buf	in;
	size_t		inoff;
	struct buf	out;
	size_t		outoff;		/* of out already written */
};

/* A new server-side SSL over io, default host's context.  NULL on
 * error. */
SSL		*tls_new(struct tls_io *);

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
