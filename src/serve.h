/*
 * serve.h: the part of answering a request that both protocols share:
 * which host, which file or directory, and what kind of answer.
 * Gemini and Gopher then write that answer in their own format.
 */
#ifndef SERVE_H
#define SERVE_H

#include <sys/types.h>

#include "capsuled.h"
#include "gemlog.h"

enum serve_kind {
	SERVE_FILE,		/* fd is an open regular file */
	SERVE_DIR,		/* fd is an open directory, no index file */
	SERVE_GEMLOG_INDEX,	/* doc is the generated gemlog index */
	SERVE_GEMLOG_ATOM,	/* doc is the generated Atom feed */
	SERVE_REDIRECT,		/* a directory asked for without '/' */
	SERVE_ERROR		/* err holds an errno */
};

struct serve_result {
	enum serve_kind		 kind;
	int			 fd;	/* owned by the caller once returned */
	off_t			 size;
	const struct buf	*doc;	/* gemlog cache, valid until next call */
	int			 err;
	char			 path[1100]; /* resolved path (file or dir) */
};

/*
 * Resolve the normalised path for host h: a directory's index.gmi,
 * generated gemlog documents, directories, files.  Never follows
 * anything outside h's root (fsroot.c).  base_url is the URL of the
 * capsule root as clients see it ("gemini://host:port"), for feeds.
 */
void	serve_resolve(const struct conf_host *, const char *path,
	    const char *base_url, struct serve_result *);

/* 1 when the directory dirfd at path (ending '/') is a gemlog. */
int	serve_is_gemlog(const struct conf_host *, int dirfd, const char *path);

#endif
