/*
 * runmsg.c: the worker <-> program runner messages (see runmsg.h).
 */
#include <string.h>

#include "runmsg.h"

static uint64_t
runmsg_get64(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
runmsg_put64(unsigned char *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* body = RUNMSG_NFIELDS *( *( %x01-FF ) %x00 ), nothing after. */
static int
runmsg_fields(const unsigned char *body, size_t len, struct runmsg *out,
    const char **errstr)
{
	const unsigned char	*nul;
	size_t			 off = 0;
	int			 i;

	if (len > RUNMSG_REQUEST_MAX) {
		*errstr = "request too long";
		return -1;
	}
	for (i = 0; i < RUNMSG_NFIELDS; i++) {
		if (off == len || (nul = memchr(body + off, '\0',
		    len - off)) == NULL) {
			*errstr = "too few fields";
			return -1;
		}
		out->field[i] = (const char *)body + off;
		off = (size_t)(nul - body) + 1;
	}
	if (off != len) {
		*errstr = "bytes after the last field";
		return -1;
	}
	return 0;
}

ssize_t
runmsg_parse(const unsigned char *buf, size_t len, struct runmsg *out,
    const char **errstr)
{
	size_t	bodylen;

	if (len < RUNMSG_HEADER)
		return 0;
	memset(out, 0, sizeof(*out));
	out->type = buf[0];
	out->flags = buf[1];
	out->status = buf[2];
	out->host = (uint16_t)(buf[4] << 8 | buf[5]);
	out->loc = (uint16_t)(buf[6] << 8 | buf[7]);
	out->id = runmsg_get64(buf + 8);
	bodylen = len - RUNMSG_HEADER;
	if (buf[3] != 0) {
		*errstr = "reserved byte set";
		return -1;
	}
	switch (out->type) {
	case RUNMSG_REQUEST:
		if (out->flags != 0 || out->status != 0 ||
		    runmsg_fields(buf + RUNMSG_HEADER, bodylen, out,
		    errstr) == -1) {
			if (out->flags != 0 || out->status != 0)
				*errstr = "flags or status in a request";
			return -1;
		}
		break;
	case RUNMSG_ANSWER:
		if (out->status < 10 || out->status > 69 ||
		    (out->flags & ~(RUNMSG_STREAM | RUNMSG_FASTCGI)) != 0 ||
		    bodylen > RUNMSG_BODY_MAX) {
			*errstr = "bad status, flags or length in an answer";
			return -1;
		}
		out->body = (const char *)buf + RUNMSG_HEADER;
		out->bodylen = bodylen;
		break;
	case RUNMSG_END:
	case RUNMSG_HELLO:
		if (bodylen != 0 || out->flags != 0 || out->status != 0) {
			*errstr = "END or HELLO with a body";
			return -1;
		}
		break;
	default:
		*errstr = "unknown message type";
		return -1;
	}
	return (ssize_t)len;
}

/* A request's strings, each with its NUL.  Their length, or 0. */
static size_t
runmsg_put_fields(unsigned char *p, size_t size, const struct runmsg *m)
{
	const char	*s;
	size_t		 n, off = 0;
	int		 i;

	for (i = 0; i < RUNMSG_NFIELDS; i++) {
		s = m->field[i] != NULL ? m->field[i] : "";
		n = strlen(s) + 1;
		if (n > size - off)
			return 0;
		memcpy(p + off, s, n);
		off += n;
	}
	return off;
}

size_t
runmsg_encode(unsigned char *buf, size_t size, const struct runmsg *m)
{
	size_t	bodylen = 0, max = 0;

	if (size < RUNMSG_HEADER)
		return 0;
	switch (m->type) {
	case RUNMSG_REQUEST:
		max = RUNMSG_REQUEST_MAX < size - RUNMSG_HEADER ?
		    RUNMSG_REQUEST_MAX : size - RUNMSG_HEADER;
		if ((bodylen = runmsg_put_fields(buf + RUNMSG_HEADER, max,
		    m)) == 0)
			return 0;
		break;
	case RUNMSG_ANSWER:
		if (m->status < 10 || m->status > 69 ||
		    m->bodylen > RUNMSG_BODY_MAX ||
		    m->bodylen > size - RUNMSG_HEADER ||
		    (m->flags & ~(RUNMSG_STREAM | RUNMSG_FASTCGI)) != 0)
			return 0;
		if (m->bodylen > 0)
			memcpy(buf + RUNMSG_HEADER, m->body, m->bodylen);
		bodylen = m->bodylen;
		break;
	case RUNMSG_END:
	case RUNMSG_HELLO:
		break;
	default:
		return 0;
	}
	buf[0] = (unsigned char)m->type;
	buf[1] = m->type == RUNMSG_ANSWER ? (unsigned char)m->flags : 0;
	buf[2] = m->type == RUNMSG_ANSWER ? (unsigned char)m->status : 0;
	buf[3] = 0;
	buf[4] = (unsigned char)(m->host >> 8);
	buf[5] = (unsigned char)m->host;
	buf[6] = (unsigned char)(m->loc >> 8);
	buf[7] = (unsigned char)m->loc;
	runmsg_put64(buf + 8, m->id);
	return RUNMSG_HEADER + bodylen;
}
