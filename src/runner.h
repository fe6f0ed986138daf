/*
 * runner.h: the program runner, the one process that runs programs and
 * opens connections for dynamic locations (cgi, scgi, fastcgi, proxy),
 * because no worker may: a worker's seccomp filter has no execve, no
 * socket and no connect.
 *
 * The parent forks it (helper.c), after privileges are dropped, so it
 * runs as the dropped user, in the chroot if there is one; it keeps
 * its socket to each worker slot, its control socket, stdio and the
 * capsule roots the parent opened (helper_keep()), and nothing else: no
 * key, no listening socket, no client connection.  A worker asks it
 * (runmsg.h); it checks the request against its own copy of the
 * configuration, runs the program or connects, reads the reply until
 * its header line is whole and checked (gemreply.h), and hands the
 * worker those bytes and the descriptor the rest comes on.  It kills a
 * program's process group at cgi-timeout, when its reply ends or its
 * client goes away, and reaps every child as it ends (SIGCHLD).
 * If it dies, the parent starts another on the same sockets; the
 * workers answer 42 to what waited meanwhile (its hello tells them).
 */
#ifndef RUNNER_H
#define RUNNER_H

#include <stddef.h>

#include "capsuled.h"
#include "helper.h"

/* "program runner" in logs, "capsuled-run" in ps; helper_open()'s arg
 * is the configuration it serves, which must outlive it. */
extern const struct helper_role	runner_role;

/* Whether conf has a dynamic location, so a runner must be started. */
int	runner_needed(const struct conf *);

/*
 * What the runner could not do for conf, named by the location's file
 * and line: a cgi location whose directory is missing beneath its
 * server's root (the roots must be open), a Unix socket outside the
 * chroot (the runner lives inside it), a path it cannot reach there.
 * For -n, start-up and reload.  0, or -1 with err.
 */
int	runner_check(const struct conf *, char *err, size_t errsize);

#endif
