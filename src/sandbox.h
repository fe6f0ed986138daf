/*
 * sandbox.h: least privilege, one function per role (after gmid).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include "capsuled.h"

/* Parent, after binding and loading keys: drop to conf->user when
 * started as root (setgroups/setgid/setuid, checked); warn when root
 * has no user to drop to. */
void	sandbox_drop(const struct conf *);

/* A worker, before serving: restrict what it can reach. */
void	sandbox_worker(const struct conf *);

/* For capsuled -n: what this kernel allows, to stderr. */
void	sandbox_report(const struct conf *);

#endif
