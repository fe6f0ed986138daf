/* keymsg.c: worker <-> key process messages (pure). */
#include <string.h>
#include <strings.h>

#include "keymsg.h"

#define KEYMSG_RANDOMS	64	/* client_random + server_random */

/*
 * What OpenSSL 3.0 servers sign with (its default signature algorithm
 * list, less SHA-1, which security level 1 and above refuse).  RSA-PSS
 * keys (rsa_pss_pss_*) are not supported.
 */
static const struct keymsg_scheme keymsg_schemes[] = {
	{ 0x0403, KEYMSG_EC, 256, 0, 1 },	/* ecdsa_secp256r1_sha256 */
	{ 0x0503, KEYMSG_EC, 384, 0, 1 },	/* ecdsa_secp384r1_sha384 */
	{ 0x0603, KEYMSG_EC, 512, 0, 1 },	/* ecdsa_secp521r1_sha512 */
	{ 0x0303, KEYMSG_EC, 224, 0, 0 },	/* ecdsa_sha224 */
	{ 0x0804, KEYMSG_RSA, 256, 1, 1 },	/* rsa_pss_rsae_sha256 */
	{ 0x0805, KEYMSG_RSA, 384, 1, 1 },	/* rsa_pss_rsae_sha384 */
	{ 0x0806, KEYMSG_RSA, 512, 1, 1 },	/* rsa_pss_rsae_sha512 */
	{ 0x0401, KEYMSG_RSA, 256, 0, 0 },	/* rsa_pkcs1_sha256 */
	{ 0x0501, KEYMSG_RSA, 384, 0, 0 },	/* rsa_pkcs1_sha384 */
	{ 0x0601, KEYMSG_RSA, 512, 0, 0 },	/* rsa_pkcs1_sha512 */
	{ 0x0301, KEYMSG_RSA, 224, 0, 0 },	/* rsa_pkcs1_sha224 */
	{ 0x0807, KEYMSG_ED25519, 0, 0, 1 },	/* ed25519 */
	{ 0x0808, KEYMSG_ED448, 0, 0, 1 },	/* ed448 */
};

_Static_assert(sizeof(keymsg_schemes) / sizeof(keymsg_schemes[0]) ==
    KEYMSG_NSCHEMES, "KEYMSG_NSCHEMES");

/* RFC 8446 4.4.3: the context string of a server's CertificateVerify. */
static const char keymsg_tls13_context[] = "TLS 1.3, server CertificateVerify";

const struct keymsg_scheme *
keymsg_scheme(uint16_t code)
{
	size_t	i;

	for (i = 0; i < KEYMSG_NSCHEMES; i++)
		if (keymsg_schemes[i].code == code)
			return &keymsg_schemes[i];
	return NULL;
}

int
keymsg_scheme_index(const struct keymsg_scheme *s)
{
	return (int)(s - keymsg_schemes);
}

/* "SHA2-256", "SHA-256", "SHA256" (any case) -> 256; 0 otherwise. */
static int
keymsg_mdbits(const char *md)
{
	static const struct {
		const char	*name;
		int		 bits;
	} sizes[] = { { "224", 224 }, { "256", 256 }, { "384", 384 },
	    { "512", 512 } };
	size_t	i;

	if (strncasecmp(md, "SHA2-", 5) == 0)
		md += 5;
	else if (strncasecmp(md, "SHA-", 4) == 0)
		md += 4;
	else if (strncasecmp(md, "SHA", 3) == 0)
		md += 3;
	else
		return 0;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strcmp(md, sizes[i].name) == 0)
			return sizes[i].bits;
	return 0;
}

const struct keymsg_scheme *
keymsg_scheme_find(int keytype, const char *md, int pss)
{
	size_t	i;
	int	bits = md == NULL ? 0 : keymsg_mdbits(md);

	if (md != NULL && bits == 0)
		return NULL;
	for (i = 0; i < KEYMSG_NSCHEMES; i++)
		if (keymsg_schemes[i].keytype == keytype &&
		    keymsg_schemes[i].mdbits == bits &&
		    keymsg_schemes[i].pss == pss)
			return &keymsg_schemes[i];
	return NULL;
}

/*
 * TLS 1.3 CertificateVerify content (RFC 8446 4.4.3):
 *	64 %x20  "TLS 1.3, server CertificateVerify"  %x00  Transcript-Hash
 * The hash is the cipher suite's: SHA-256 or SHA-384.
 */
static int
keymsg_tls13(const unsigned char *b, size_t len)
{
	size_t	ctx = sizeof(keymsg_tls13_context);	/* with its NUL */
	size_t	i;

	if (len != 64 + ctx + 32 && len != 64 + ctx + 48)
		return 0;
	for (i = 0; i < 64; i++)
		if (b[i] != 0x20)
			return 0;
	return memcmp(b + 64, keymsg_tls13_context, ctx) == 0;
}

/*
 * TLS 1.2 ServerKeyExchange signed params, ECDHE (RFC 8422 5.4):
 *	client_random[32] server_random[32]
 *	ECCurveType curve_type (3: named_curve)  NamedCurve u16
 *	ECPoint opaque point<1..2^8-1>
 */
static int
keymsg_tls12(const unsigned char *b, size_t len)
{
	/* The groups OpenSSL offers for ECDHE, and their points' forms:
	 * any other bytes (a certificate's body, say) are not signed. */
	static const struct {
		unsigned	group;
		size_t		pointlen;
		int		first;		/* -1: any */
	} groups[] = {
		{ 23, 65, 0x04 },	/* secp256r1, uncompressed */
		{ 24, 97, 0x04 },	/* secp384r1 */
		{ 25, 133, 0x04 },	/* secp521r1 */
		{ 29, 32, -1 },		/* x25519 */
		{ 30, 56, -1 }		/* x448 */
	};
	size_t		i;
	unsigned	group;

	if (len < KEYMSG_RANDOMS + 4)
		return 0;
	b += KEYMSG_RANDOMS;
	len -= KEYMSG_RANDOMS;
	group = (unsigned)b[1] << 8 | b[2];
	if (b[0] != 3 || len != 4 + (size_t)b[3])
		return 0;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].group == group)
			return b[3] == groups[i].pointlen &&
			    (groups[i].first == -1 || b[4] == groups[i].first);
	return 0;
}

static ssize_t
keymsg_fail(const char **errstr, const char *why)
{
	*errstr = why;
	return -1;
}

static ssize_t
keymsg_sign(const struct keymsg *m, const char **errstr)
{
	const struct keymsg_scheme	*s;

	if ((s = keymsg_scheme(m->scheme)) == NULL)
		return keymsg_fail(errstr, "unknown signature scheme");
	if (m->bodylen > KEYMSG_TBS_MAX)
		return keymsg_fail(errstr, "data to sign too long");
	if (keymsg_tls13(m->body, m->bodylen)) {
		if (!s->tls13)
			return keymsg_fail(errstr,
			    "scheme not allowed in TLS 1.3");
		return 0;
	}
	if (!keymsg_tls12(m->body, m->bodylen))
		return keymsg_fail(errstr, "not a TLS structure to sign");
	return 0;
}

static uint16_t
keymsg_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

ssize_t
keymsg_parse(const unsigned char *buf, size_t len, struct keymsg *out,
    const char **errstr)
{
	size_t	i;

	if (len < KEYMSG_HEADER)
		return 0;
	memset(out, 0, sizeof(*out));
	out->type = buf[0];
	out->key = keymsg_u16(buf + 2);
	out->scheme = keymsg_u16(buf + 4);
	out->bodylen = keymsg_u16(buf + 6);
	for (i = 0; i < 8; i++)
		out->id = out->id << 8 | buf[8 + i];
	if (buf[1] != 0)
		return keymsg_fail(errstr, "reserved byte set");
	if (len - KEYMSG_HEADER < out->bodylen)
		return 0;
	out->body = buf + KEYMSG_HEADER;
	switch (out->type) {
	case KEYMSG_SIGN:
		if (keymsg_sign(out, errstr) == -1)
			return -1;
		break;
	case KEYMSG_SIGNATURE:
		if (out->bodylen == 0 || out->bodylen > KEYMSG_SIG_MAX)
			return keymsg_fail(errstr, "bad signature length");
		/* FALLTHROUGH */
	case KEYMSG_FAILED:
	case KEYMSG_HELLO:
		if (out->key != 0 || out->scheme != 0)
			return keymsg_fail(errstr, "key or scheme in a reply");
		if (out->type != KEYMSG_SIGNATURE && out->bodylen != 0)
			return keymsg_fail(errstr, "body in a bodiless reply");
		break;
	default:
		return keymsg_fail(errstr, "unknown message type");
	}
	return (ssize_t)(KEYMSG_HEADER + out->bodylen);
}

size_t
keymsg_encode(unsigned char *buf, size_t size, const struct keymsg *m)
{
	struct keymsg	 check;
	const char	*err;
	size_t		 i, len = KEYMSG_HEADER + m->bodylen;

	if (m->bodylen > 0xffff || len > size)
		return 0;
	buf[0] = (unsigned char)m->type;
	buf[1] = 0;
	buf[2] = (unsigned char)(m->key >> 8);
	buf[3] = (unsigned char)m->key;
	buf[4] = (unsigned char)(m->scheme >> 8);
	buf[5] = (unsigned char)m->scheme;
	buf[6] = (unsigned char)(m->bodylen >> 8);
	buf[7] = (unsigned char)m->bodylen;
	for (i = 0; i < 8; i++)
		buf[8 + i] = (unsigned char)(m->id >> (56 - 8 * i));
	if (m->bodylen > 0)
		memmove(buf + KEYMSG_HEADER, m->body, m->bodylen);
	/* Never send what the other side would refuse. */
	if (keymsg_parse(buf, len, &check, &err) != (ssize_t)len)
		return 0;
	return len;
}
