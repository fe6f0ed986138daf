/*
 * certgen.h: a self-signed certificate for first start (TOFU clients
 * expect a long-lived one): ECDSA P-256, SAN = the host name.
 */
#ifndef CERTGEN_H
#define CERTGEN_H

/*
 * Write certpath (PEM certificate) and keypath (PEM key, mode 0600)
 * for hostname, valid for 100 years.  Both files are written to
 * temporaries and renamed, so a crash leaves no half-written key.
 * Returns 0, or -1 with a message in errbuf.
 */
int	certgen_create(const char *hostname, const char *certpath,
	    const char *keypath, char *errbuf, size_t errbufsize);

#endif
