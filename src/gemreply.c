/*
 * gemreply.c: the header line of a dynamic reply (see gemreply.h).
 */
#include <sys/types.h>

#include "gemreply.h"
#include "utf8.h"

/* status SP: the first three bytes, as far as they have come. */
static int
gemreply_status(const char *buf, size_t len, const char **errstr)
{
	if (len > 0 && (buf[0] < '1' || buf[0] > '6')) {
		*errstr = "the status is not 10-69";
		return -1;
	}
	if (len > 1 && (buf[1] < '0' || buf[1] > '9')) {
		*errstr = "the status is not two digits";
		return -1;
	}
	if (len > 2 && buf[2] != ' ') {
		*errstr = "no space after the status";
		return -1;
	}
	return 0;
}

ssize_t
gemreply_parse(const char *buf, size_t len, int *status,
    const char **errstr)
{
	size_t		i;
	unsigned char	c;

	if (gemreply_status(buf, len, errstr) == -1)
		return -1;
	for (i = 3; i < len; i++) {
		c = (unsigned char)buf[i];
		if (c == '\r') {
			if (i + 1 == len)
				return 0;
			if (buf[i + 1] != '\n') {
				*errstr = "CR not followed by LF";
				return -1;
			}
			if (!utf8_valid(buf + 3, i - 3)) {
				*errstr = "the meta is not UTF-8";
				return -1;
			}
			*status = (buf[0] - '0') * 10 + (buf[1] - '0');
			return (ssize_t)(i + 2);
		}
		if (c == '\n') {
			*errstr = "LF without CR";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*errstr = "a control character in the meta";
			return -1;
		}
		if (i - 3 >= GEMREPLY_META_MAX) {
			*errstr = "the meta is longer than 1024 bytes";
			return -1;
		}
	}
	return 0;
}
