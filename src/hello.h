/*
 * hello.h: how many bytes a client's first TLS handshake message (its
 * ClientHello) takes on the wire, across records.  conn.c makes no SSL
 * object until they are all in the socket, so a client that trickles a
 * ClientHello costs a peek, not OpenSSL's buffers.  Pure, no allocation.
 */
#ifndef HELLO_H
#define HELLO_H

#include <stddef.h>

/*
 * p[0..n) is what the socket holds so far, max the most the caller can
 * peek at once.  Returns the byte count to wait for (more than n), or 0
 * when OpenSSL should take over now: the message is whole, or the bytes
 * are not a handshake (OpenSSL rejects them), or n reached max.
 */
size_t	hello_need(const unsigned char *p, size_t n, size_t max);

#endif
