/*
 * access.h: the one access-log line per request.
 */
#ifndef ACCESS_H
#define ACCESS_H

struct conn;

/* "ADDR PROTO \"REQUEST\" STATUS BYTES MSms", control bytes escaped. */
void	access_log(const struct conn *);

#endif
