/*
 * buf.h: a small growable byte buffer for output whose size the protocol
 * does not bound (generated menus, listings, feeds).
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* All return 0 on success, -1 when memory runs out (buf left valid). */
int	buf_reserve(struct buf *, size_t);
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_putc(struct buf *, char);
/* n in decimal: what printf's %lld writes, without the format parse (a
 * log line per request pays it several times). */
int	buf_putnum(struct buf *, long long n);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *);
void	buf_free(struct buf *);

#endif
