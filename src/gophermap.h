/*
 * gophermap.h: Gopher menus (RFC 1436 sect. 3.8): item formatting,
 * gemtext to menu conversion, hand-written gophermaps, type-0 text.
 * Pure: output goes to a caller-owned struct buf.
 */
#ifndef GOPHERMAP_H
#define GOPHERMAP_H

#include <stddef.h>

#include "buf.h"

#define GOPHERMAP_WIDTH	70	/* columns for wrapped info lines */

struct gophermap_ctx {
	const char	*host;		/* public host written into items */
	int		 port;		/* public Gopher port */
	const char	*dir;		/* selector of the directory that holds
					   the document, ending in '/' */
	const char	*gemini_host;	/* our Gemini host name, so gemini://
					   links to this capsule map back */
	int		 gemini_port;	/* our public Gemini port */
};

/* One menu line "TdisplayTABselectorTABhostTABportCRLF".  TAB, CR, LF
 * and other control bytes in display or selector become spaces.
 * Returns 0 or -1 (memory). */
int	gophermap_item(struct buf *, char type, const char *display,
	    size_t displaylen, const char *selector, size_t selectorlen,
	    const char *host, int port);

/* Info ('i') lines holding text wrapped at GOPHERMAP_WIDTH characters,
 * at spaces where possible, never inside a UTF-8 character. */
int	gophermap_info(struct buf *, const char *text, size_t len,
	    const struct gophermap_ctx *);

/* 1 when a file of this MIME type is served as type-0 text. */
int	gophermap_is_text(const char *mime);

/* Item type for a local file name: '1' for names ending in '/', '0' text,
 * 'I' images, 'g' GIF, 's' sound, 'h' HTML, '9' other binaries; .gmi
 * posts are '1' because they are served as converted menus. */
char	gophermap_type(const char *name);

/*
 * Convert gemtext to a Gopher menu body (without the final ".").
 * Text, headings, lists and quotes become wrapped info lines; a
 * preformatted block's lines become info lines kept verbatim (only
 * control bytes replaced); link lines become items where
 * gopherlink_resolve() (gopherlink.h) says they lead:
 *   relative or absolute-path links -> local selectors (resolved against
 *     ctx->dir, normalised) with gophermap_type();
 *   gemini:// links to ctx->gemini_host[:gemini_port] -> local selector;
 *   gopher://host[:port]/Tselector -> native items of type T;
 *   any other URL -> 'h' item with selector "URL:<url>".
 * A link that can be no item (too long, a control byte in its target)
 * or a gopher:// link of type 'i' or '3' shows its label as text.
 * Returns 0 or -1 (memory).
 */
int	gophermap_from_gemtext(const char *buf, size_t len,
	    const struct gophermap_ctx *, struct buf *out);

/*
 * Serve a hand-written gophermap file: lines with a TAB are items whose
 * missing selector/host/port fields are filled in (relative selectors
 * are resolved against ctx->dir); lines without a TAB become info lines.
 * Returns 0 or -1 (memory).
 */
int	gophermap_fill(const char *buf, size_t len,
	    const struct gophermap_ctx *, struct buf *out);

/* A type-3 error item, e.g. "3not found". */
int	gophermap_error(struct buf *, const char *msg,
	    const struct gophermap_ctx *);

/* End of a menu or text body: ".\r\n". */
int	gophermap_end(struct buf *);

/* Type-0 body: lines ended with CRLF, lines starting with '.' doubled.
 * Does not add the final ".\r\n". */
int	gophermap_text(const char *buf, size_t len, struct buf *out);

#endif
