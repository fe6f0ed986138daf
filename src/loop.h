/*
 * loop.h: a small reactor (after redis ae).  One loop per worker.  The
 * backend (epoll) lives in loop_epoll.c; a kqueue file could replace it
 * without touching callers.
 */
#ifndef LOOP_H
#define LOOP_H

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2
#define LOOP_HUP	0x4	/* the peer shut down its side (a TCP FIN),
				   though bytes it sent before may be unread */

struct loop;
typedef void loop_cb(int fd, int events, void *arg);

/*
 * Caller-owned registration: the loop keeps a pointer to it, so it must
 * live until loop_del().  Embedding it in the owner (a conn, a listener)
 * saves a lookup table indexed by fd.
 */
struct loop_ev {
	int	 fd;
	int	 events;	/* currently registered LOOP_* mask */
	loop_cb	*cb;
	void	*arg;
};

/* The monotonic clock in milliseconds, for deadlines and rate limits. */
long long	 loop_now_ms(void);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);

/* Register, change, or remove interest.  0 or -1 with errno. */
int		 loop_add(struct loop *, struct loop_ev *, int fd, int events,
		    loop_cb *, void *arg);
int		 loop_mod(struct loop *, struct loop_ev *, int events);
int		 loop_del(struct loop *, struct loop_ev *);
/* The fd of ev is about to be closed, which takes it out of the
 * backend by itself: forget ev without a system call.  Only for an fd
 * that no other descriptor shares (never dup()ed). */
void		 loop_forget(struct loop *, struct loop_ev *);

/*
 * Call tick(arg) about every interval_ms and after_batch(arg) after
 * each batch of events (where closed connections are freed, so that no
 * event of the same batch sees freed memory).
 */
void		 loop_set_hooks(struct loop *, int interval_ms,
		    void (*tick)(void *), void (*after_batch)(void *),
		    void *arg);

/* Run until loop_stop() (called from a callback or hook); returns 0,
 * or -1 if the backend fails.  It may be run again after. */
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *);

#endif
