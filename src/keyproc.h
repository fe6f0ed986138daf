/*
 * keyproc.h: the key process, the only process that parses the private
 * keys once the server serves, and the key files the parent keeps for it.
 *
 * Who holds a key:
 * - The parent reads each key file (at start as whoever started it, at
 *   SIGHUP as the dropped user) and keeps its bytes, never parsed, in
 *   memory its children do not inherit (MADV_WIPEONFORK) and core dumps
 *   leave out (MADV_DONTDUMP), to start a key process again after one
 *   died.  It sends them to each new key process over its control
 *   socket.
 * - The key process parses them, checks each against its certificate's
 *   public key, and signs what workers ask (keymsg.h) until it ends.
 * - Workers hold certificates and keyprov.c keys only.
 * - `capsuled -n` parses them in its own process, which serves nothing.
 */
#ifndef KEYPROC_H
#define KEYPROC_H

#include <stddef.h>

#include <openssl/evp.h>

#include "capsuled.h"
#include "helper.h"
#include "keymsg.h"

#define KEYPROC_FILE_MAX	(64 * 1024)	/* bytes of one key file */

struct keyproc_files;

/* A key process's keys: key[i] is host i's; its signing contexts,
 * made on first use, by scheme (keymsg_scheme_index()). */
struct keyproc_keys {
	EVP_PKEY	*key[CONF_HOSTS_MAX];
	int		 n;
	EVP_PKEY_CTX	*ctx[CONF_HOSTS_MAX][KEYMSG_NSCHEMES];
};

/*
 * Read the key file of every host of conf, and the public key of its
 * certificate (for the key process to check the pair).  NULL with err
 * ("certs/x.key: Permission denied").
 */
struct keyproc_files	*keyproc_read(const struct conf *, char *err,
			    size_t errsize);
/* Wipe and unmap. */
void			 keyproc_files_free(struct keyproc_files *);

/*
 * Parse each key and check it against its certificate: into keys when
 * not NULL (freed with keyproc_keys_free), else only checked (-n).
 * 0, or -1 with err naming the file.
 */
int			 keyproc_load(const struct keyproc_files *,
			    struct keyproc_keys *, char *err, size_t errsize);
void			 keyproc_keys_free(struct keyproc_keys *);

/*
 * Start h (made by helper_open() with keyproc_role) as a key process with
 * these keys, or start it again after it died, and wait until it has
 * them.  0, or -1 with err: a key that does not parse or does not match
 * its certificate, or a key process that did not answer.
 */
int			 keyproc_start(struct helper *,
			    const struct keyproc_files *, char *err,
			    size_t errsize);

/* The key process, for helper_open(): "key process" in logs,
 * "capsuled-keys" in ps. */
extern const struct helper_role	keyproc_role;

/*
 * The answer to one request datagram from a worker: the signature, or
 * KEYMSG_FAILED when the request is invalid, names no key of ours, or
 * a scheme that is not for that key's type.  Its length in rep (at
 * least KEYMSG_MAX bytes), 0 when there is nothing to answer.
 */
size_t			 keyproc_answer(struct keyproc_keys *,
			    const unsigned char *req, size_t reqlen,
			    unsigned char *rep, size_t repsize);

#endif
