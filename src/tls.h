/*
 * tls.h: the server's TLS contexts (one per virtual host, chosen by SNI)
 * and non-blocking handshake/read/write/shutdown steps.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

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

/* A new server-side SSL for fd, default host's context. NULL on error. */
SSL		*tls_new(int fd);

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

/* Text of the last OpenSSL error, for logs. */
const char	*tls_error(void);

#endif
