/*
 * keymsg.h: the messages between a worker and the key process, one per
 * SOCK_SEQPACKET datagram.  Pure: an encoder, and a parser with the
 * picohttpparser contract, so that what the key process reads from a
 * worker (a worker may be in an attacker's hands) is fuzzed without a
 * socket.
 *
 * Every message is a 16-byte header, big-endian, then a body:
 *
 *	type u8 | 0 u8 | key u16 | scheme u16 | body length u16 | id u64
 *
 * KEYMSG_SIGN, worker to key process: sign the body with key number
 * `key` (the host's index in the configuration) by `scheme`, a TLS
 * SignatureScheme (RFC 8446 4.2.3).  The body must be one of the two
 * structures a TLS server signs (for TLS 1.2, ECDHE parameters of a
 * group OpenSSL offers, with a point of that group's size and form), so
 * the key process signs nothing else:
 * no certificate, no raw RSA block, no other protocol's message.
 * Key process to worker: KEYMSG_SIGNATURE (the body is the signature of
 * request `id`), KEYMSG_FAILED (request `id` gets none), KEYMSG_HELLO
 * (a key process has started: requests sent to an earlier one will not
 * be answered).
 */
#ifndef KEYMSG_H
#define KEYMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KEYMSG_HEADER	16
#define KEYMSG_TBS_MAX	512		/* the largest body a worker sends */
#define KEYMSG_SIG_MAX	2048		/* RSA-16384, OpenSSL's largest */
#define KEYMSG_MAX	(KEYMSG_HEADER + KEYMSG_SIG_MAX)

enum keymsg_type {
	KEYMSG_SIGN = 1,
	KEYMSG_SIGNATURE,
	KEYMSG_FAILED,
	KEYMSG_HELLO
};

enum keymsg_keytype {
	KEYMSG_EC = 1,
	KEYMSG_RSA,
	KEYMSG_ED25519,
	KEYMSG_ED448
};

/* A signature scheme the key process signs with. */
struct keymsg_scheme {
	uint16_t	code;		/* TLS SignatureScheme */
	int		keytype;	/* KEYMSG_EC ... */
	int		mdbits;		/* SHA-2 size; 0: EdDSA hashes itself */
	int		pss;		/* RSA: PSS (salt = hash size), else
					   PKCS #1 v1.5 */
	int		tls13;		/* allowed in TLS 1.3 */
};

struct keymsg {
	int			 type;		/* enum keymsg_type */
	uint16_t		 key;
	uint16_t		 scheme;
	uint64_t		 id;
	const unsigned char	*body;		/* into the parsed buffer */
	size_t			 bodylen;
};

#define KEYMSG_NSCHEMES	13

/* The scheme with this code, or NULL when the key process has none. */
const struct keymsg_scheme	*keymsg_scheme(uint16_t code);

/* Its place in the table, 0 to KEYMSG_NSCHEMES - 1. */
int				 keymsg_scheme_index(const struct keymsg_scheme *);

/*
 * The scheme for a key type, a digest name as OpenSSL spells it
 * ("SHA2-256", "SHA-256", "SHA256", any case; NULL for EdDSA) and
 * whether RSA pads with PSS.  NULL when there is none.
 */
const struct keymsg_scheme	*keymsg_scheme_find(int keytype,
				    const char *md, int pss);

/*
 * Parse the message at buf[0..len).  Returns its length (a datagram
 * must be exactly that long), 0 when len is too short for the header
 * or the body it announces, -1 when invalid with a static reason in
 * *errstr.
 */
ssize_t		 keymsg_parse(const unsigned char *buf, size_t len,
		    struct keymsg *out, const char **errstr);

/*
 * Write m to buf[0..size): its length, or 0 when it does not fit or is
 * not a message keymsg_parse() accepts.
 */
size_t		 keymsg_encode(unsigned char *buf, size_t size,
		    const struct keymsg *m);

#endif
