/*
 * fcgi.c: FastCGI records (see fcgi.h).
 */
#include <string.h>

#include "buf.h"
#include "cgienv.h"
#include "fcgi.h"

#define FCGI_CONTENT_MAX	65535

/* A record header: version type requestId contentLength padding 0. */
static int
fcgi_header(struct buf *out, int type, size_t len)
{
	unsigned char	h[FCGI_HEADER_LEN];

	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = FCGI_REQUEST_ID;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
	return buf_append(out, h, sizeof(h));
}

/* A length of a name-value pair: one byte below 128, else four with
 * the high bit set (sect. 3.4). */
static int
fcgi_length(struct buf *out, size_t n)
{
	unsigned char	b[4];

	if (n < 128) {
		b[0] = (unsigned char)n;
		return buf_append(out, b, 1);
	}
	b[0] = (unsigned char)(n >> 24 | 0x80);
	b[1] = (unsigned char)(n >> 16);
	b[2] = (unsigned char)(n >> 8);
	b[3] = (unsigned char)n;
	return buf_append(out, b, 4);
}

static int
fcgi_params(struct buf *pairs, const struct cgienv *env)
{
	const char	*eq;
	size_t		 nlen, vlen;
	int		 i;

	for (i = 0; i < env->n; i++) {
		eq = strchr(env->vars[i], '=');
		nlen = (size_t)(eq - env->vars[i]);
		vlen = strlen(eq + 1);
		if (fcgi_length(pairs, nlen) == -1 ||
		    fcgi_length(pairs, vlen) == -1 ||
		    buf_append(pairs, env->vars[i], nlen) == -1 ||
		    buf_append(pairs, eq + 1, vlen) == -1)
			return -1;
	}
	return 0;
}

int
fcgi_request(struct buf *out, const struct cgienv *env)
{
	static const unsigned char	begin[8] = {
		0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0	/* flags 0: close */
	};
	struct buf			pairs = { NULL, 0, 0 };
	size_t				off, n;
	int				rc = -1;

	if (fcgi_params(&pairs, env) == -1 ||
	    fcgi_header(out, FCGI_BEGIN_REQUEST, sizeof(begin)) == -1 ||
	    buf_append(out, begin, sizeof(begin)) == -1)
		goto done;
	for (off = 0; off < pairs.len; off += n) {
		n = pairs.len - off > FCGI_CONTENT_MAX ? FCGI_CONTENT_MAX :
		    pairs.len - off;
		if (fcgi_header(out, FCGI_PARAMS, n) == -1 ||
		    buf_append(out, pairs.data + off, n) == -1)
			goto done;
	}
	if (fcgi_header(out, FCGI_PARAMS, 0) == -1 ||
	    fcgi_header(out, FCGI_STDIN, 0) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&pairs);
	return rc;
}

/* A whole header in r->hdr: check it and start its record. */
static int
fcgi_start(struct fcgi_reader *r, const char **errstr)
{
	const unsigned char	*h = r->hdr;

	r->hdrlen = 0;
	if (h[0] != FCGI_VERSION_1) {
		*errstr = "not FastCGI version 1";
		return -1;
	}
	if ((h[2] << 8 | h[3]) != FCGI_REQUEST_ID) {
		*errstr = "a record for another request";
		return -1;
	}
	if (h[1] != FCGI_STDOUT && h[1] != FCGI_STDERR &&
	    h[1] != FCGI_END_REQUEST) {
		*errstr = "a record type a reply does not have";
		return -1;
	}
	r->type = h[1];
	r->content = (size_t)(h[4] << 8 | h[5]);
	r->padding = h[6];
	if (r->type == FCGI_END_REQUEST)
		r->ended = 1;
	return 0;
}

ssize_t
fcgi_read(struct fcgi_reader *r, const char *in, size_t len,
    enum fcgi_piece *piece, const char **data, size_t *datalen,
    const char **errstr)
{
	size_t	n;

	*piece = FCGI_PIECE_NONE;
	*data = NULL;
	*datalen = 0;
	if (len == 0)
		return 0;
	if (r->content == 0 && r->padding == 0 && r->ended) {
		*errstr = "bytes after FCGI_END_REQUEST";
		return -1;
	}
	if (r->content > 0) {
		n = len < r->content ? len : r->content;
		r->content -= n;
		if (r->type == FCGI_STDOUT || r->type == FCGI_STDERR) {
			*piece = r->type == FCGI_STDOUT ? FCGI_PIECE_OUT :
			    FCGI_PIECE_ERR;
			*data = in;
			*datalen = n;
		}
		return (ssize_t)n;
	}
	if (r->padding > 0) {
		n = len < r->padding ? len : r->padding;
		r->padding -= n;
		return (ssize_t)n;
	}
	n = FCGI_HEADER_LEN - r->hdrlen;
	if (n > len)
		n = len;
	memcpy(r->hdr + r->hdrlen, in, n);
	r->hdrlen += n;
	if (r->hdrlen == FCGI_HEADER_LEN) {
		if (fcgi_start(r, errstr) == -1)
			return -1;
		if (r->ended)
			*piece = FCGI_PIECE_END;
	}
	return (ssize_t)n;
}

int
fcgi_decode(struct fcgi_reader *r, char *buf, size_t *len,
    void (*err)(void *, const char *, size_t), void *arg,
    const char **errstr)
{
	enum fcgi_piece	 piece;
	const char	*data;
	size_t		 off = 0, out = 0, n;
	ssize_t		 used;

	while (off < *len) {
		used = fcgi_read(r, buf + off, *len - off, &piece, &data, &n,
		    errstr);
		if (used <= 0)
			return -1;
		off += (size_t)used;
		if (piece == FCGI_PIECE_OUT) {
			/* out never passes data: headers were dropped. */
			memmove(buf + out, data, n);
			out += n;
		} else if (piece == FCGI_PIECE_ERR && err != NULL)
			err(arg, data, n);
		else if (piece == FCGI_PIECE_END) {
			*len = out;
			return 1;
		}
	}
	*len = out;
	return 0;
}
