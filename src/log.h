/*
 * log.h: the one logging API (after gmid/httpd).  Messages go to stderr,
 * or to syslog once log_syslog() is called.  Control bytes in anything
 * logged are escaped, so a client cannot forge log lines.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

void	log_init(const char *progname, int verbose);
void	log_syslog(void);
void	log_set_prefix(const char *);	/* e.g. "worker 1" */
/* Log to path (appending) instead of stderr; "" keeps stderr.
 * 0 or -1 with err. */
int	log_open(const char *path, char *err, size_t errsize);
/* Reopen the log file after rotation (SIGUSR1); no-op on stderr.
 * Lines still waiting are written first. */
void	log_reopen(void);

/*
 * From now on access lines wait in memory until log_flush(), which a
 * worker calls after every pass of its event loop (so a pass that
 * finished many requests costs one write), at each tick and before it
 * exits.  Any other line writes them first, so the order holds.
 */
void	log_batch(void);
void	log_flush(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Only before serving starts, or for broken invariants. */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* An access-log line: with the timestamp and worker prefix when
 * decorate is set (the default format), else as it is.  Control bytes
 * are escaped either way. */
void	log_access(const char *line, int decorate);

/* Copy s[0..len) into dst with control bytes escaped as \xHH;
 * truncates (with "...") to fit dstsize.  Returns dst. */
char	*log_escape(char *dst, size_t dstsize, const char *s, size_t len);

#endif
