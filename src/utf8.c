/* utf8.c: UTF-8 validation (RFC 3629, section 4 grammar). */
#include "utf8.h"

/*
 * UTF8-2 = %xC2-DF UTF8-tail
 * UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *          %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 * UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *          %xF4 %x80-8F 2( UTF8-tail )
 */
size_t
utf8_charlen(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned char		 lo = 0x80, hi = 0xBF;
	size_t			 n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	size_t	i = 0, n;

	while (i < len) {
		if ((n = utf8_charlen(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	i = 0, n;

	if (max >= len)
		return len;
	while (i < max) {
		n = utf8_charlen(s + i, len - i);
		if (n == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

size_t
utf8_width(const char *s, size_t len)
{
	size_t	i = 0, n, count = 0;

	while (i < len) {
		n = utf8_charlen(s + i, len - i);
		i += n ? n : 1;
		count++;
	}
	return count;
}
