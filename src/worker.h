/*
 * worker.h: one worker process: its loop, its listeners, accepting.
 */
#ifndef WORKER_H
#define WORKER_H

#include "capsuled.h"
#include "listen.h"

/*
 * Serve on the given listeners until SIGTERM/SIGINT, then let responses
 * in flight finish (bounded by the write timeout) and return the exit
 * status.  The config must stay valid and unchanged meanwhile.
 */
int			 worker_run(const struct conf *, struct listener *,
			    int nlisteners, int id);

#endif
