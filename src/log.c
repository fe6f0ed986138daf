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

#include "log.h"

static int		 log_use_syslog;
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

/*
 * Every message is formatted once into a fixed buffer, then escaped:
 * messages may carry client-supplied bytes (request lines, SNI names).
 */
static void
log_vwrite(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char		 msg[2048], esc[4096], stamp[32];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	log_escape(esc, sizeof(esc), msg, strlen(msg));
	if (log_use_syslog) {
		if (errstr != NULL)
			syslog(pri, "%s: %s", esc, errstr);
		else
			syslog(pri, "%s", esc);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s%s%s%s%s\n", stamp, log_prefix,
	    log_prefix[0] ? ": " : "", esc, errstr ? ": " : "",
	    errstr ? errstr : "");
}

void
log_access(const char *line, int decorate)
{
	char	esc[4096];

	if (decorate) {
		log_info("%s", line);
		return;
	}
	log_escape(esc, sizeof(esc), line, strlen(line));
	if (log_use_syslog)
		syslog(LOG_INFO, "%s", esc);
	else
		fprintf(stderr, "%s\n", esc);
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
