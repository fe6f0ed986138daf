/*
 * reply.c: filling in a struct reply (see reply.h).
 */
#include <unistd.h>

#include "reply.h"

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
	reply_end_source(r);
	buf_reset(&r->out);
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
