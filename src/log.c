/* log.c: logging to stderr or syslog, with control bytes escaped. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

/* Past this many bytes of access lines, they are written at once. */
#define LOG_BATCH_MAX	(64 * 1024)

static int		 log_use_syslog;
static int		 log_batching;	/* access lines wait for log_flush() */
static struct buf	 log_pending;
static int		 log_verbose;
static char		 log_prefix[32] = "";
static char		 log_path[1024] = "";

void
log_init(const char *progname, int verbose)
{
	log_verbose = verbose;
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * The file is put on fd 2 so that everything written to stderr, ours
 * and the libraries', lands in it, and workers inherit it.
 */
int
log_open(const char *path, char *err, size_t errsize)
{
	int	fd;

	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		snprintf(err, errsize, "log file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (dup2(fd, STDERR_FILENO) == -1) {
		snprintf(err, errsize, "log file %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(log_path, sizeof(log_path), "%s", path);
	return 0;
}

void
log_reopen(void)
{
	char	err[1200];

	log_flush();
	if (log_path[0] != '\0' && log_open(log_path, err, sizeof(err)) == -1)
		log_warnx("%s", err);
}

void
log_syslog(void)
{
	log_use_syslog = 1;
}

void
log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix);
}

void
log_batch(void)
{
	log_batching = 1;
}

/* Write it all to stderr, or drop it: there is nowhere to say so. */
static void
log_write_all(const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		w = write(STDERR_FILENO, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

void
log_flush(void)
{
	log_write_all(log_pending.data, log_pending.len);
	buf_reset(&log_pending);
}

/*
 * One finished line (with its newline) to stderr.  Access lines may
 * wait for log_flush(), so that a loop pass that finished many requests
 * writes once; any other line first writes those, keeping the order.
 */
static void
log_emit(const char *line, size_t len, int access)
{
	if (access && log_batching && buf_append(&log_pending, line,
	    len) == 0) {
		if (log_pending.len >= LOG_BATCH_MAX)
			log_flush();
		return;
	}
	log_flush();
	log_write_all(line, len);
}

/* "2026-01-02T03:04:05Z", made again only when the second changes. */
static const char *
log_stamp(void)
{
	static char	stamp[32];
	static time_t	last = -1;
	struct tm	tm;
	time_t		now = time(NULL);

	if (now != last) {
		last = now;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	return stamp;
}

/* Append s to line[*n..size) as far as it fits, keeping the last byte
 * for a newline. */
static void
log_cat(char *line, size_t size, size_t *n, const char *s)
{
	size_t	len = strlen(s);

	if (len > size - 1 - *n)
		len = size - 1 - *n;
	if (*n + len == size - 1 && s[0] == '\n')
		len = 1;	/* the newline always fits */
	memcpy(line + *n, s, len);
	*n += len;
}

/*
 * Every message is formatted once into a fixed buffer, then escaped:
 * messages may carry client-supplied bytes (request lines, SNI names).
 */
static void
log_write(int pri, const char *errstr, const char *msg, int access)
{
	char	esc[4096], line[4400];
	size_t	n;

	log_escape(esc, sizeof(esc), msg, strlen(msg));
	if (log_use_syslog) {
		if (errstr != NULL)
			syslog(pri, "%s: %s", esc, errstr);
		else
			syslog(pri, "%s", esc);
		return;
	}
	/* Piece by piece rather than snprintf(): an access line per request
	 * comes through here. */
	n = 0;
	log_cat(line, sizeof(line), &n, log_stamp());
	log_cat(line, sizeof(line), &n, " ");
	if (log_prefix[0] != '\0') {
		log_cat(line, sizeof(line), &n, log_prefix);
		log_cat(line, sizeof(line), &n, ": ");
	}
	log_cat(line, sizeof(line), &n, esc);
	if (errstr != NULL) {
		log_cat(line, sizeof(line), &n, ": ");
		log_cat(line, sizeof(line), &n, errstr);
	}
	log_cat(line, sizeof(line), &n, "\n");
	log_emit(line, n, access);
}

static void
log_vwrite(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char	msg[2048];

	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	log_write(pri, errstr, msg, 0);
}

void
log_access(const char *line, int decorate)
{
	char	esc[4096];
	size_t	n;

	if (decorate) {
		log_write(LOG_INFO, NULL, line, 1);
		return;
	}
	log_escape(esc, sizeof(esc) - 1, line, strlen(line));
	if (log_use_syslog) {
		syslog(LOG_INFO, "%s", esc);
		return;
	}
	n = strlen(esc);
	esc[n++] = '\n';
	log_emit(esc, n, 1);
}

void
log_warn(const char *fmt, ...)
{
	va_list		 ap;
	const char	*errstr = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, errstr, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list		 ap;
	const char	*errstr = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, errstr, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

char *
log_escape(char *dst, size_t dstsize, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;
	unsigned char		 c;

	if (dstsize == 0)
		return dst;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (o + 8 >= dstsize) {
			if (dstsize > 4)
				o = dstsize - 4 < o ? dstsize - 4 : o;
			memcpy(dst + o, "...", dstsize > 4 ? 3 : 0);
			o += dstsize > 4 ? 3 : 0;
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		} else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return dst;
}
