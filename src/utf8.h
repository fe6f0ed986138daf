/*
 * utf8.h: UTF-8 validation and character-boundary helpers (RFC 3629).
 * Pure functions, no allocation.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0. */
int	utf8_valid(const char *s, size_t len);

/* Length in bytes of the character starting at s (1..4), or 0 when the
 * bytes there are not a well-formed character within len. */
size_t	utf8_charlen(const char *s, size_t len);

/* The largest n <= max such that s[0..n) ends on a character boundary
 * (never splits a multi-byte sequence). */
size_t	utf8_cut(const char *s, size_t len, size_t max);

/* Number of characters (code points) in s[0..len); invalid bytes count
 * as one each. */
size_t	utf8_width(const char *s, size_t len);

#endif
