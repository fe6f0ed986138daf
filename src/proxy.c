/* proxy.c: PROXY protocol v1 and v2 headers (pure). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

static const unsigned char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static ssize_t
proxy_fail(const char **errstr, const char *why)
{
	*errstr = why;
	return -1;
}

/* A port: 1*5DIGIT no greater than 65535, no leading sign. */
static int
proxy_port(const char *s)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9' || strlen(s) > 5)
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v <= 65535 ? (int)v : -1;
}

/*
 * v1: "PROXY" SP ( "TCP4" / "TCP6" ) SP src SP dst SP sport SP dport CRLF
 *   / "PROXY" SP "UNKNOWN" *( any but CR ) CRLF
 */
static ssize_t
proxy_v1(const unsigned char *buf, size_t len, struct proxy_header *out,
    const char **errstr)
{
	char		 line[PROXY_V1_MAX + 1], *f[6], *save = NULL;
	const void	*end;
	unsigned char	 a[16];
	size_t		 n;
	int		 i, af;

	end = memchr(buf, '\n', len < PROXY_V1_MAX ? len : PROXY_V1_MAX);
	if (end == NULL)
		return len >= PROXY_V1_MAX ?
		    proxy_fail(errstr, "PROXY v1 line too long") : 0;
	n = (size_t)((const unsigned char *)end - buf) + 1;
	if (n < 2 || buf[n - 2] != '\r')
		return proxy_fail(errstr, "PROXY v1 line without CRLF");
	memcpy(line, buf, n - 2);
	line[n - 2] = '\0';
	if (strncmp(line, "PROXY UNKNOWN", 13) == 0) {
		out->local = 1;
		return (ssize_t)n;
	}
	for (i = 0; i < 6; i++)
		if ((f[i] = strtok_r(i ? NULL : line, " ", &save)) == NULL)
			return proxy_fail(errstr, "PROXY v1 line incomplete");
	if (strtok_r(NULL, " ", &save) != NULL || strcmp(f[0], "PROXY") != 0)
		return proxy_fail(errstr, "PROXY v1 line malformed");
	if (strcmp(f[1], "TCP4") == 0)
		af = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		af = AF_INET6;
	else
		return proxy_fail(errstr, "PROXY v1 unknown protocol");
	if (inet_pton(af, f[2], a) != 1 || inet_pton(af, f[3], a) != 1)
		return proxy_fail(errstr, "PROXY v1 bad address");
	if ((out->src_port = proxy_port(f[4])) == -1 || proxy_port(f[5]) == -1)
		return proxy_fail(errstr, "PROXY v1 bad port");
	snprintf(out->src, sizeof(out->src), "%s", f[2]);
	out->local = 0;
	return (ssize_t)n;
}

/* v2: sig(12) ver_cmd(1) fam(1) len(2, big endian) addresses TLVs */
static ssize_t
proxy_v2(const unsigned char *buf, size_t len, struct proxy_header *out,
    const char **errstr)
{
	size_t	total;
	int	cmd, fam;

	if (len < 16)
		return 0;
	if ((buf[12] & 0xf0) != 0x20)
		return proxy_fail(errstr, "PROXY v2 bad version");
	cmd = buf[12] & 0x0f;
	fam = buf[13];
	total = 16 + ((size_t)buf[14] << 8 | buf[15]);
	if (cmd > 1)
		return proxy_fail(errstr, "PROXY v2 bad command");
	if (len < total)
		return 0;
	out->local = 1;
	if (cmd == 0 || (fam >> 4) == 0)	/* LOCAL, or AF_UNSPEC */
		return (ssize_t)total;
	if (fam == 0x11 && total >= 16 + 12) {
		inet_ntop(AF_INET, buf + 16, out->src, sizeof(out->src));
		out->src_port = buf[24] << 8 | buf[25];
	} else if (fam == 0x21 && total >= 16 + 36) {
		inet_ntop(AF_INET6, buf + 16, out->src, sizeof(out->src));
		out->src_port = buf[48] << 8 | buf[49];
	} else if ((fam >> 4) == 1 || (fam >> 4) == 2)
		return proxy_fail(errstr, "PROXY v2 address block too short");
	else
		return (ssize_t)total;	/* AF_UNIX etc.: keep ours */
	out->local = 0;
	return (ssize_t)total;
}

ssize_t
proxy_parse(const unsigned char *buf, size_t len, struct proxy_header *out,
    const char **errstr)
{
	size_t	n;

	memset(out, 0, sizeof(*out));
	n = len < sizeof(proxy_v2_sig) ? len : sizeof(proxy_v2_sig);
	if (len > 0 && buf[0] == proxy_v2_sig[0]) {
		if (memcmp(buf, proxy_v2_sig, n) != 0)
			return proxy_fail(errstr, "not a PROXY header");
		return n < sizeof(proxy_v2_sig) ? 0 :
		    proxy_v2(buf, len, out, errstr);
	}
	n = len < 6 ? len : 6;
	if (memcmp(buf, "PROXY ", n) != 0)
		return proxy_fail(errstr, "not a PROXY header");
	return n < 6 ? 0 : proxy_v1(buf, len, out, errstr);
}
