/*
 * loop_epoll.c: the epoll backend of loop.h, level-triggered.  Level
 * triggering costs an extra wakeup now and then but means a callback
 * that stops early (back-pressure) never loses an event.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_BATCH	256

struct loop {
	int		  epfd;
	int		  stop;
	int		  interval_ms;
	void		(*tick)(void *);
	void		(*after_batch)(void *);
	void		 *hookarg;
};

struct loop *
loop_new(void)
{
	struct loop	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	l->interval_ms = 1000;
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

static uint32_t
loop_mask(int events)
{
	uint32_t	m = 0;

	if (events & LOOP_READ)
		m |= EPOLLIN;
	if (events & LOOP_WRITE)
		m |= EPOLLOUT;
	if (events & LOOP_HUP)
		m |= EPOLLRDHUP;
	return m;
}

int
loop_add(struct loop *l, struct loop_ev *ev, int fd, int events,
    loop_cb *cb, void *arg)
{
	struct epoll_event	e = { 0 };

	ev->fd = fd;
	ev->events = events;
	ev->cb = cb;
	ev->arg = arg;
	e.events = loop_mask(events);
	e.data.ptr = ev;
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e);
}

int
loop_mod(struct loop *l, struct loop_ev *ev, int events)
{
	struct epoll_event	e = { 0 };

	if (ev->events == events)
		return 0;	/* saves a system call per state change */
	ev->events = events;
	e.events = loop_mask(events);
	e.data.ptr = ev;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, ev->fd, &e);
}

int
loop_del(struct loop *l, struct loop_ev *ev)
{
	if (ev->fd == -1)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, ev->fd, NULL) == -1)
		return -1;
	ev->fd = -1;
	return 0;
}

/* epoll drops an fd when its last descriptor is closed. */
void
loop_forget(struct loop *l, struct loop_ev *ev)
{
	(void)l;
	ev->fd = -1;
}

void
loop_set_hooks(struct loop *l, int interval_ms, void (*tick)(void *),
    void (*after_batch)(void *), void *arg)
{
	l->interval_ms = interval_ms;
	l->tick = tick;
	l->after_batch = after_batch;
	l->hookarg = arg;
}

long long
loop_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
loop_dispatch(struct epoll_event *evs, int n)
{
	struct loop_ev	*ev;
	int		 i, events;

	for (i = 0; i < n; i++) {
		ev = evs[i].data.ptr;
		if (ev->fd == -1)
			continue;	/* deleted earlier in this batch */
		events = 0;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			events |= LOOP_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			events |= LOOP_WRITE;
		if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			events |= LOOP_HUP;
		ev->cb(ev->fd, events & (ev->events | LOOP_READ | LOOP_HUP),
		    ev->arg);
	}
}

int
loop_run(struct loop *l)
{
	struct epoll_event	evs[LOOP_BATCH];
	long long		next_tick, now;
	int			n, wait_ms;

	l->stop = 0;
	next_tick = loop_now_ms() + l->interval_ms;
	while (!l->stop) {
		now = loop_now_ms();
		wait_ms = next_tick > now ? (int)(next_tick - now) : 0;
		n = epoll_wait(l->epfd, evs, LOOP_BATCH, wait_ms);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0)
			loop_dispatch(evs, n);
		if (l->after_batch != NULL)
			l->after_batch(l->hookarg);
		if (loop_now_ms() >= next_tick) {
			next_tick = loop_now_ms() + l->interval_ms;
			if (l->tick != NULL)
				l->tick(l->hookarg);
		}
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}
