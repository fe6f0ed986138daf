/*
 * runmsg.h: the messages between a worker and the program runner
 * (runner.c), one per SOCK_SEQPACKET datagram.  Pure: an encoder and a
 * parser with the picohttpparser contract, so what the runner reads
 * from a worker (which may be in an attacker's hands) is fuzzed
 * without a socket.
 *
 * Every message is a 16-byte header, big-endian, then a body:
 *
 *	type u8 | flags u8 | status u8 | 0 u8 | host u16 | loc u16 | id u64
 *
 * RUNMSG_REQUEST, worker to runner: answer request `id` from location
 * number `loc` of host number `host` (indexes into the configuration
 * both sides hold).  The body is RUNMSG_NFIELDS strings, each ended by
 * a NUL, in the order of enum runmsg_field.  The runner trusts none of
 * it: it checks that the location matches the path and is dynamic, and
 * resolves the path beneath the root itself.
 * RUNMSG_END, worker to runner: request `id` is over (its reply has
 * ended, or its client went away): stop what is left of it.
 * RUNMSG_ANSWER, runner to worker: the reply to request `id`, whose
 * header line the runner has checked; status is its status.  The body
 * is the reply's first bytes as read from the program or backend,
 * header line first.  With RUNMSG_STREAM a descriptor comes with the
 * datagram (SCM_RIGHTS) and carries the rest, to read until EOF; with
 * RUNMSG_FASTCGI body and descriptor are FastCGI records (fcgi.h).
 * An answer the runner makes itself (51, 42, 43, 44) has no flags.
 * RUNMSG_HELLO, runner to worker: a runner has started; requests sent
 * to an earlier one will not be answered.
 */
#ifndef RUNMSG_H
#define RUNMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RUNMSG_HEADER		16
#define RUNMSG_REQUEST_MAX	8192	/* a request's body */
#define RUNMSG_BODY_MAX		16384	/* an answer's body */
#define RUNMSG_MAX		(RUNMSG_HEADER + RUNMSG_BODY_MAX)

enum runmsg_type {
	RUNMSG_REQUEST = 1,
	RUNMSG_END,
	RUNMSG_ANSWER,
	RUNMSG_HELLO
};

#define RUNMSG_STREAM	0x1	/* a descriptor carries the rest */
#define RUNMSG_FASTCGI	0x2	/* ... as FastCGI records */

/* The strings of a request, in this order. */
enum runmsg_field {
	RUNMSG_URL,		/* the request line as received, no CRLF */
	RUNMSG_PATH,		/* decoded, normalised */
	RUNMSG_QUERY,		/* still percent-encoded; "" when none */
	RUNMSG_HOST,		/* the URL's host */
	RUNMSG_ADDR,		/* the client's address, after PROXY */
	RUNMSG_TLS_VERSION,	/* "TLSv1.3" */
	RUNMSG_TLS_CIPHER,	/* "TLS_AES_128_GCM_SHA256" */
	RUNMSG_CERT_HASH,	/* client certificate: SHA-256, 64 hex, or "" */
	RUNMSG_CERT_SUBJECT,	/* RFC 2253 */
	RUNMSG_CERT_CN,
	RUNMSG_CERT_NOT_BEFORE,	/* 2026-01-31T12:00:00Z */
	RUNMSG_CERT_NOT_AFTER,
	RUNMSG_CERT_SERIAL,	/* decimal */
	RUNMSG_NFIELDS
};

struct runmsg {
	int			 type;		/* enum runmsg_type */
	int			 flags;		/* ANSWER: RUNMSG_STREAM ... */
	int			 status;	/* ANSWER: 10-69 */
	uint16_t		 host, loc;	/* REQUEST */
	uint64_t		 id;
	const char		*field[RUNMSG_NFIELDS];	/* REQUEST: into the
						   parsed buffer, each
						   NUL-terminated */
	const char		*body;		/* ANSWER: into the buffer */
	size_t			 bodylen;
};

/*
 * Parse the datagram buf[0..len).  Returns its length (a datagram must
 * be exactly that long), 0 when len is too short for the header, -1
 * when invalid with a static reason in *errstr: an unknown type, a
 * request whose body is not RUNMSG_NFIELDS strings or is too long, an
 * answer with a status outside 10-69, an END or HELLO with a body.
 */
ssize_t	runmsg_parse(const unsigned char *buf, size_t len, struct runmsg *out,
	    const char **errstr);

/*
 * Write m to buf[0..size): its length, or 0 when it does not fit or is
 * not a message runmsg_parse() accepts (for a request, field[i] NULL
 * stands for "").
 */
size_t	runmsg_encode(unsigned char *buf, size_t size, const struct runmsg *m);

#endif
