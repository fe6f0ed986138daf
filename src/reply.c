/*
 * reply.c: filling in a struct reply (see reply.h).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "reply.h"

static void
reply_sink_clear(struct reply_sink *s)
{
	s->fd = -1;
	s->size = 0;
	s->commit = NULL;
	s->abort = NULL;
	s->arg = NULL;
}

void
reply_init(struct reply *r)
{
	r->status = 0;
	r->reqlen = 0;
	r->out.data = NULL;
	r->out.len = r->out.cap = 0;
	r->source = REPLY_MEMORY;
	r->fd = -1;
	r->size = 0;
	r->borrowed = NULL;
	r->borrowedlen = 0;
	r->release = NULL;
	r->release_arg = NULL;
	r->filter = NULL;
	r->filter_arg = NULL;
	r->ready = NULL;
	r->ready_arg = NULL;
	reply_sink_clear(&r->sink);
	r->linger = 0;
	r->hide_off = r->hide_len = 0;
}

void
reply_sink(struct reply *r, int fd, off_t size,
    void (*commit)(struct reply *, void *),
    void (*abort)(struct reply *, void *, int), void *arg)
{
	r->sink.fd = fd;
	r->sink.size = size;
	r->sink.commit = commit;
	r->sink.abort = abort;
	r->sink.arg = arg;
}

/* The hook is taken off r first: it fills r in, and may reset it. */
void
reply_sink_end(struct reply *r, int err)
{
	struct reply_sink	s = r->sink;

	if (s.commit == NULL)
		return;
	reply_sink_clear(&r->sink);
	buf_reset(&r->out);
	if (err == 0)
		s.commit(r, s.arg);
	else
		s.abort(r, s.arg, err);
}

void
reply_end_source(struct reply *r)
{
	void	(*release)(void *) = r->release;
	void	*arg = r->release_arg;

	if (r->fd != -1)
		close(r->fd);
	r->release = NULL;
	r->release_arg = NULL;
	r->filter = NULL;
	r->filter_arg = NULL;
	r->borrowed = NULL;
	r->borrowedlen = 0;
	r->fd = -1;
	r->source = REPLY_MEMORY;
	r->size = 0;
	/* Last: the source is gone by the time its owner hears of it. */
	if (release != NULL)
		release(arg);
}

void
reply_reset(struct reply *r)
{
	reply_sink_end(r, ECANCELED);
	reply_end_source(r);
	buf_reset(&r->out);
	r->linger = 0;
}

void
reply_free(struct reply *r)
{
	reply_reset(r);
	buf_free(&r->out);
}

int
reply_append(struct reply *r, const void *p, size_t len)
{
	return buf_append(&r->out, p, len);
}

void
reply_file(struct reply *r, int fd, off_t size)
{
	reply_end_source(r);
	r->source = REPLY_FILE;
	r->fd = fd;
	r->size = size;
}

void
reply_stream(struct reply *r, int fd)
{
	reply_end_source(r);
	r->source = REPLY_STREAM;
	r->fd = fd;
}

int
reply_header(struct reply *r, int status, const char *meta)
{
	reply_reset(r);
	r->status = status;
	return buf_printf(&r->out, "%02d %.*s\r\n", status, REPLY_META_MAX,
	    meta);
}

void
reply_borrow(struct reply *r, const char *p, size_t len,
    void (*release)(void *), void *arg)
{
	reply_end_source(r);
	r->source = REPLY_BORROWED;
	r->borrowed = p;
	r->borrowedlen = len;
	r->release = release;
	r->release_arg = arg;
}

void
reply_on_end(struct reply *r, void (*release)(void *), void *arg)
{
	r->release = release;
	r->release_arg = arg;
}

void
reply_pending(struct reply *r, void (*cancel)(void *), void *arg)
{
	reply_end_source(r);
	r->source = REPLY_PENDING;
	reply_on_end(r, cancel, arg);
}

void
reply_settle(struct reply *r)
{
	r->release = NULL;
	r->release_arg = NULL;
	r->source = REPLY_MEMORY;
}

void
reply_wait(struct reply *r, void (*cb)(void *), void *arg)
{
	r->ready = cb;
	r->ready_arg = arg;
}

void
reply_ready(struct reply *r)
{
	void	(*cb)(void *) = r->ready;

	r->ready = NULL;
	if (cb != NULL)
		cb(r->ready_arg);
}

void
reply_filter(struct reply *r, reply_filter_fn *filter, void *arg)
{
	r->filter = filter;
	r->filter_arg = arg;
}
