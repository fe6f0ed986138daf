/*
 * conn.h: one client connection, Gemini or Gopher.  struct conn owns
 * everything it points to; conn_close() is the only teardown and is
 * safe in any state.
 */
#ifndef CONN_H
#define CONN_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "capsuled.h"
#include "listen.h"
#include "loop.h"

#define CONN_IN_MAX	1030	/* a full request line and then some */
#define CONN_CHUNK	(32 * 1024) /* file bytes read per refill */
#define CONN_ADDR_MAX	64
#define CONN_PROXY_MAX	536	/* PROXY v1, or v2 with a few TLVs */
#define CONN_RECORD_MAX	(5 + 16384 + 256) /* TLS record, RFC 8446 5.1 */

enum conn_state {
	CONN_PROXY,		/* waiting for the PROXY protocol header */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_REQUEST,		/* waiting for the request line */
	CONN_RESPOND,		/* sending header and body */
	CONN_SHUTDOWN,		/* sending close_notify */
	CONN_CLOSED		/* waiting to be freed */
};

struct conn {
	struct loop_ev		 ev;
	int			 fd;
	enum listen_proto	 proto;
	enum conn_state		 state;
	SSL			*ssl;	/* made by conn_hello() */
	int			 lowat;	/* SO_RCVLOWAT, 1 by default */
	size_t			 peeked;	/* bytes seen by the last peek */
	char			 addr[CONN_ADDR_MAX];	/* client, printable */
	char			 sni[CONF_NAME_MAX + 1];
	char			 fingerprint[65]; /* client cert, or "" */
	int			 sni_host;	/* host index or -1 */

	char			 in[CONN_IN_MAX + 1];
	size_t			 inlen;
	size_t			 reqlen;	/* request line, for the log */

	int			 status;	/* for the access log */
	struct buf		 out;		/* pending output */
	size_t			 outoff;
	int			 filefd;	/* body still to stream, or -1 */
	off_t			 fileleft;
	long long		 bytes;		/* sent to the client */
	size_t			 progress;	/* sent since the deadline moved */

	long long		 start_ms;
	long long		 deadline_ms;
	int			 queue;		/* which timeout queue */
	TAILQ_ENTRY(conn)	 entry;
	unsigned		 ipslot;	/* per-address counter slot */
};

/* Responders use these to describe the answer. */

/* Gemini header "NN META\r\n" (meta truncated to 1024 bytes). */
int	conn_header(struct conn *, int status, const char *meta);
/* Stream size bytes of fd after the header; takes ownership of fd. */
void	conn_body_file(struct conn *, int fd, off_t size);
/* Append generated body bytes. 0 or -1 (memory). */
int	conn_body(struct conn *, const void *, size_t);

/* Start sending what the responder queued. */
void	conn_send(struct conn *);
/* Our address on this connection, printable; 0 or -1. */
int	conn_local_addr(const struct conn *, char *, size_t);

long long conn_now_ms(void);


/* Lifecycle, used by worker.c. */
/* perip_cap: connections one address may hold (the PROXY header's
 * address is checked against it once known). */
void		 conn_setup(struct loop *, const struct conf *, int perip_cap);
struct conn	*conn_new(int fd, const struct listener *,
		    const char *addr);
/* Tear down now (idempotent); memory is freed by conn_reap(). */
void		 conn_close(struct conn *, const char *why);
void		 conn_reap(void);
/* Close connections whose deadline has passed. */
void		 conn_sweep(long long now_ms);
int		 conn_count(void);
/* Free every connection (at exit, for leak checkers). */
void		 conn_close_all(const char *why);

/*
 * Whether a connection from addr on a listener of proto must start with
 * a PROXY protocol header: 1 yes, 0 no, -1 refuse it (a PROXY listener
 * and a source not in proxy-from).
 */
int		 conn_proxy_policy(enum listen_proto, const char *addr);

/* Per-address connection counting (worker.c decides the cap). */
unsigned	 conn_addr_slot(const char *addr);
int		 conn_addr_count(unsigned slot);
#endif
