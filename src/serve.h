/*
 * serve.h: routing, the part of answering a request that every front
 * end shares: the location in force and whether it lets this client
 * in, which file or directory answers (a directory's index file held to
 * that file's own location), the generated gemlog documents, and what
 * an error is called.  Gemini and Gopher then write the answer in their
 * own format; neither has rules of its own about paths.
 */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>
#include <sys/types.h>

#include "cache.h"
#include "capsuled.h"
#include "gemlog.h"
#include "url.h"

struct request_ctx;

#define SERVE_META_MAX	1024		/* a Gemini meta (spec sect. 3.1) */
/* A request path and the longest index file name we append to it. */
#define SERVE_PATH_MAX	(URL_MAX + 16)

enum serve_kind {
	SERVE_FILE,		/* fd is an open regular file */
	SERVE_DIRMAP,		/* fd is the directory's dirmap file (see
				   serve_route()), path its name */
	SERVE_DIR,		/* fd is an open directory, no index file */
	SERVE_GEMLOG_INDEX,	/* doc is the generated gemlog index */
	SERVE_GEMLOG_ATOM,	/* doc is the generated Atom feed */
	SERVE_REDIRECT,		/* a directory asked for without '/' */
	SERVE_DENIED,		/* a location refuses: status and meta */
	SERVE_DYNAMIC,		/* loc is dynamic: the program runner
				   answers (dynamic.h) */
	SERVE_ERROR		/* it cannot be served: status and meta */
};

/* Files up to this size are kept in memory (serve_route()). */
#define SERVE_CACHE_FILE_MAX	(64 * 1024)
#define SERVE_CACHE_MAX		(8 * 1024 * 1024)	/* per worker */

struct serve_result {
	enum serve_kind			 kind;
	const struct conf_location	*loc;	/* in force, or NULL */
	int				 fd;	/* the caller's to close */
	off_t				 size;
	const char			*body;	/* FILE, DIRMAP: the bytes when
						   in memory (then fd is -1),
						   valid until the next call */
	const char			*type;	/* with body: the MIME type by
						   content ("" when the name
						   says it) */
	const struct buf		*doc;	/* gemlog cache, valid until
						   the next call */
	struct cache_id			 id;	/* FILE, DIRMAP: what it is;
						   GEMLOG_*: which build of
						   doc (ino), its size */
	int				 status; /* DENIED, ERROR: Gemini's */
	char				 meta[SERVE_META_MAX + 1];
	char				 path[SERVE_PATH_MAX]; /* what answers */
};

/*
 * Route the normalised path on host h for the client of ctx.  First the
 * location in force: its client-certificate rule (60, 61, 62) and its
 * block or redirect, both SERVE_DENIED.  Then what answers, never
 * following anything outside h's root (fsroot.c).  A directory is
 * answered by, in order: its dirmap file when dirmap is not NULL (Gopher
 * asks for "gophermap"), its index.gmi, its generated gemlog index, or
 * itself; an index or dirmap file answers only if its own location
 * would let the client in too, or "/private/" would serve what a
 * location on "/private/index.gmi" guards.
 *
 * A file of at most SERVE_CACHE_FILE_MAX bytes is answered from memory
 * (body): the worker keeps such files, keyed by host and path, within
 * SERVE_CACHE_MAX bytes, and resolves the path again (fsroot.c, every
 * rule above) at most once a second to see whether the answer is still
 * the same file unchanged, so a hot page costs no system call.
 */
void	serve_route(const struct request_ctx *, const struct conf_host *,
	    const char *path, const char *dirmap, struct serve_result *);

/* Free the worker's file cache (at exit, for leak checkers). */
void	serve_cache_free(void);

/*
 * What this worker keeps of path on host h is stale (an upload has
 * just replaced or deleted it): drop the file, its directory's answer
 * (an index file) and the directory's generated gemlog documents, so
 * that the next request here sees the change.  Other workers see it at
 * their next check, within CACHE_CHECK_MS.
 */
void	serve_forget(const struct conf *, const struct conf_host *,
	    const char *path);

/* The status and meta for a failed open or read (errno err): 51 for
 * what is not there or may not be seen, 44 when out of descriptors or
 * memory, 40 otherwise.  In one place for every front end. */
int	serve_errno_status(int err, const char **meta);

/* "gemini://host[:port]" of host h, with the public port: the base of
 * the URLs in feeds, whichever protocol asked.  0, or -1 when it does
 * not fit. */
int	serve_base_url(const struct conf *, const struct conf_host *,
	    char *buf, size_t bufsize);

#endif
