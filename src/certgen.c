/* certgen.c: first-start self-signed certificate (OpenSSL 3 API). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certgen.h"

#define CERTGEN_DAYS	(365L * 100)

static int
certgen_err(char *errbuf, size_t errbufsize, const char *what)
{
	snprintf(errbuf, errbufsize, "certificate generation: %s", what);
	return -1;
}

/* SAN is "IP:" for address literals so clients that check it agree. */
static int
certgen_add_san(X509 *x, const char *hostname)
{
	char			 san[300];
	unsigned char		 addr[16];
	X509_EXTENSION		*ext;
	X509V3_CTX		 ctx;
	int			 isip, n;

	isip = inet_pton(AF_INET, hostname, addr) == 1 ||
	    inet_pton(AF_INET6, hostname, addr) == 1;
	n = snprintf(san, sizeof(san), "%s:%s", isip ? "IP" : "DNS",
	    hostname);
	if (n < 0 || (size_t)n >= sizeof(san))
		return -1;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	if (ext == NULL)
		return -1;
	n = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return n == 1 ? 0 : -1;
}

static X509 *
certgen_x509(EVP_PKEY *pkey, const char *hostname)
{
	X509		*x;
	X509_NAME	*name;
	unsigned char	 serial[16];
	BIGNUM		*bn = NULL;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;	/* positive */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERTGEN_DAYS, 0,
	    NULL) == NULL ||
	    X509_set_pubkey(x, pkey) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)hostname, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    certgen_add_san(x, hostname) == -1 ||
	    X509_sign(x, pkey, EVP_sha256()) == 0)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write to path.tmp with mode, then rename: readers never see half. */
static int
certgen_write(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *x)
{
	char	 tmp[1100];
	FILE	*fp;
	int	 fd, ok, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	/* A leftover .tmp (or a link planted there) is never reused: the
	 * key must be born with its own mode. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (x != NULL)
		ok = PEM_write_X509(fp, x);
	else
		ok = PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL);
	if (fclose(fp) != 0 || ok != 1 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Create the directory holding path (one level, like certs/). */
static void
certgen_mkdir(const char *path)
{
	char	dir[1100], *slash;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return;	/* the write below reports the problem */
}

int
certgen_create(const char *hostname, const char *certpath,
    const char *keypath, char *errbuf, size_t errbufsize)
{
	EVP_PKEY	*pkey;
	X509		*x;
	int		 rc = -1;

	certgen_mkdir(keypath);
	certgen_mkdir(certpath);
	pkey = EVP_EC_gen("P-256");
	if (pkey == NULL)
		return certgen_err(errbuf, errbufsize, "key generation failed");
	if ((x = certgen_x509(pkey, hostname)) == NULL) {
		EVP_PKEY_free(pkey);
		return certgen_err(errbuf, errbufsize, "signing failed");
	}
	if (certgen_write(keypath, 0600, pkey, NULL) == -1)
		snprintf(errbuf, errbufsize, "cannot write %s: %s", keypath,
		    strerror(errno));
	else if (certgen_write(certpath, 0644, NULL, x) == -1)
		snprintf(errbuf, errbufsize, "cannot write %s: %s", certpath,
		    strerror(errno));
	else
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}
