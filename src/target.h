/*
 * target.h: where a dynamic location's backend listens, as written in
 * the configuration (scgi, fastcgi, proxy): a Unix socket path or an
 * IP address and port.  Pure: no I/O, so the configuration parser
 * checks with the very function the program runner connects with.
 */
#ifndef TARGET_H
#define TARGET_H

#include <sys/socket.h>

/*
 * target   = unixpath / ipv4 ":" port / "[" ipv6 "]" ":" port
 * unixpath = "/" 1*char		(at most 107 bytes: sun_path)
 * port     = 1*5DIGIT		(1-65535)
 * Names are not resolved: a lookup would block the runner, and inside
 * a chroot it has no resolver.  Fills *ss and *len; unix_ok says
 * whether a path is allowed (a Gemini proxy speaks TCP).  0, or -1
 * with a static reason in *errstr.
 */
int	target_parse(const char *s, int unix_ok, struct sockaddr_storage *ss,
	    socklen_t *len, const char **errstr);

#endif
