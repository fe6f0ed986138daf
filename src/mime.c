/*
 * mime.c: MIME types.  The extension table is consulted first because
 * it is exact and free; libmagic (which reads the file) only for names
 * the table does not know.
 */
#include <ctype.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mime.h"

struct mime_ext {
	const char	*ext;
	const char	*type;
};

/* Sorted by extension (strcasecmp order) for bsearch. */
static const struct mime_ext mime_table[] = {
	{ "atom",	"application/atom+xml" },
	{ "avif",	"image/avif" },
	{ "bin",	"application/octet-stream" },
	{ "bmp",	"image/bmp" },
	{ "c",		"text/plain" },
	{ "css",	"text/css" },
	{ "csv",	"text/csv" },
	{ "epub",	"application/epub+zip" },
	{ "flac",	"audio/flac" },
	{ "gemini",	"text/gemini" },
	{ "gif",	"image/gif" },
	{ "gmi",	"text/gemini" },
	{ "gz",		"application/gzip" },
	{ "h",		"text/plain" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "ico",	"image/vnd.microsoft.icon" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "m4a",	"audio/mp4" },
	{ "md",		"text/markdown" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "ogg",	"audio/ogg" },
	{ "opus",	"audio/opus" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "rss",	"application/rss+xml" },
	{ "svg",	"image/svg+xml" },
	{ "tar",	"application/x-tar" },
	{ "txt",	"text/plain" },
	{ "wav",	"audio/wav" },
	{ "webm",	"video/webm" },
	{ "webp",	"image/webp" },
	{ "xml",	"application/xml" },
	{ "zip",	"application/zip" },
};

#define MIME_MAGIC_BYTES	(64 * 1024)

static magic_t	mime_magic;

static int
mime_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct mime_ext *)elem)->ext);
}

const char *
mime_from_name(const char *name)
{
	const char		*dot, *slash;
	const struct mime_ext	*m;

	dot = strrchr(name, '.');
	slash = strrchr(name, '/');
	if (dot == NULL || dot[1] == '\0' || (slash != NULL && slash > dot))
		return NULL;
	m = bsearch(dot + 1, mime_table, sizeof(mime_table) /
	    sizeof(mime_table[0]), sizeof(mime_table[0]), mime_cmp);
	return m ? m->type : NULL;
}

int
mime_init(void)
{
	size_t	bytes_max;

	if (mime_magic != NULL)
		return 0;
	mime_magic = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING |
	    MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR |
	    MAGIC_NO_CHECK_ELF);
	if (mime_magic == NULL)
		return -1;
	if (magic_load(mime_magic, NULL) == -1) {
		magic_close(mime_magic);
		mime_magic = NULL;
		return -1;
	}
	/*
	 * By default libmagic reads up to 7 MB of the file on every request
	 * for it; the first 64 KiB decide every type we would name, and a
	 * 10 MB download then costs a fifth of the CPU.
	 */
	bytes_max = MIME_MAGIC_BYTES;
	magic_setparam(mime_magic, MAGIC_PARAM_BYTES_MAX, &bytes_max);
	return 0;
}

void
mime_free(void)
{
	if (mime_magic != NULL)
		magic_close(mime_magic);
	mime_magic = NULL;
}

/*
 * libmagic answers "text/plain; charset=us-ascii" and the like; utf-8
 * and us-ascii need no charset under Gemini's UTF-8 default, binary
 * types carry "charset=binary" which means nothing to a client.
 */
const char *
mime_from_fd(int fd, char *buf, size_t bufsize)
{
	const char	*m, *cs;
	int		 n;

	snprintf(buf, bufsize, "application/octet-stream");
	if (mime_magic == NULL)
		return buf;
	m = magic_descriptor(mime_magic, fd);
	lseek(fd, 0, SEEK_SET);
	if (m == NULL)
		return buf;
	cs = strstr(m, "; charset=");
	if (cs == NULL || strncmp(m, "text/", 5) != 0 ||
	    strcasecmp(cs + 10, "utf-8") == 0 ||
	    strcasecmp(cs + 10, "us-ascii") == 0)
		n = snprintf(buf, bufsize, "%.*s",
		    (int)(cs ? (size_t)(cs - m) : strlen(m)), m);
	else
		n = snprintf(buf, bufsize, "%s", m);
	if (n < 0 || (size_t)n >= bufsize)
		snprintf(buf, bufsize, "application/octet-stream");
	return buf;
}
