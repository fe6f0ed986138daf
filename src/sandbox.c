/*
 * sandbox.c: privilege separation.  The parent binds and reads keys as
 * whoever started it, then drops to an unprivileged user; workers are
 * forked after that and never hold root.
 */
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_drop(const struct conf *conf)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return;
	if (conf->user[0] == '\0') {
		log_warnx("WARNING: running as root with no user to drop to; "
		    "use -u USER (or \"user\" in the config)");
		return;
	}
	if ((pw = getpwnam(conf->user)) == NULL)
		fatalx("unknown user %s", conf->user);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", conf->user);
	/* Checked: regaining root must fail now. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("privileges could be regained after dropping them");
	log_info("running as %s (uid %d)", conf->user, (int)pw->pw_uid);
}

void
sandbox_worker(const struct conf *conf)
{
	(void)conf;
}

void
sandbox_report(const struct conf *conf)
{
	fprintf(stderr, "privileges: %s\n", geteuid() != 0 ? "not root" :
	    conf->user[0] ? "root, dropping to the configured user" :
	    "root, NO user to drop to");
}
