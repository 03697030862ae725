/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict parsers for values a guest (or the toolstack) wrote. Unlike strtoul they accept no
 * sign, no white space, no base prefix and no trailing characters, and they never wrap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "xb_internal.h"

static bool is_dec_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xb_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (p = s; *p != '\0'; p++) {
		if (!is_dec_digit(*p))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
		/* Checked per digit, so v never exceeds 10 * UINT32_MAX + 9 and cannot wrap. */
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A domain or device id as xenstore names it in a path: canonical, so "05" (a node other
 * than "5") is refused, as is anything past @p max. */
int xb_parse_id(const char *s, uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (s == NULL || (s[0] == '0' && s[1] != '\0') || xb_parse_u32(s, &v) < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int xb_parse_state(const char *s, enum xb_state *out)
{
	uint32_t v;

	if (xb_parse_u32(s, &v) < 0)
		return -EINVAL;
	if (v > XB_STATE_RECONFIGURED)
		return -ERANGE;
	*out = (enum xb_state)v;
	return 0;
}

/* libxl writes "1" or "0"; anything else is not a toolstack saying "online". */
bool xb_parse_online(const char *s)
{
	return s != NULL && s[0] == '1' && s[1] == '\0';
}

int xb_parse_hex_digit(char c, uint8_t *out)
{
	int v = hex_value(c);

	if (v < 0)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int xb_parse_hex(const char *s, uint8_t *out, size_t n)
{
	uint8_t tmp[64];

	if (s == NULL || n > sizeof(tmp) || strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, n);
	return 0;
}

/* "xx:xx:xx:xx:xx:xx", exactly two hex digits per byte, as the toolstack writes it. */
int xb_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t tmp[6];
	int i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hex_value(s[0]);
		int lo = hi < 0 ? -1 : hex_value(s[1]);
		char sep = lo < 0 ? '?' : s[2];

		if (lo < 0 || sep != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	for (i = 0; i < 6; i++)
		mac[i] = tmp[i];
	return 0;
}

/* Letters, digits, '.', '-', '_': the bytes of a bridge's or a domain's name. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_dec_digit(c) ||
	       c == '.' || c == '-' || c == '_';
}

/* A bridge's name: the characters every tool takes unquoted (xb.h); Linux's own rule
 * (dev_valid_name) is looser, so every name accepted here is one Linux accepts. */
int xb_parse_ifname(const char *s)
{
	size_t n;

	if (s == NULL || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n == XB_IFNAME_MAX || !is_name_char(c))
			return -EINVAL;
	}
	return n == 0 ? -EINVAL : 0;
}

/* A domain's name as options may write it: a name of digits only would read as an id. */
int xb_parse_domain_name(const char *s)
{
	bool digits_only = true;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	for (n = 0; s[n] != '\0'; n++) {
		if (n == XB_DOMAIN_NAME_MAX || !is_name_char(s[n]))
			return -EINVAL;
		digits_only = digits_only && is_dec_digit(s[n]);
	}
	return n == 0 || digits_only ? -EINVAL : 0;
}

int xb_parse_rate(const char *s, uint32_t *bytes, uint32_t *usec)
{
	char head[sizeof("4294967295")];
	const char *comma = s != NULL ? strchr(s, ',') : NULL;
	uint32_t b, u;

	if (comma == NULL || (size_t)(comma - s) >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, (size_t)(comma - s));
	head[comma - s] = '\0';
	if (xb_parse_u32(head, &b) < 0 || xb_parse_u32(comma + 1, &u) < 0 || b == 0 || u == 0)
		return -EINVAL;
	*bytes = b;
	*usec = u;
	return 0;
}

/* Longest address token: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" is 49. */
#define IP_TOKEN_MAX 56

static bool ip_unusable(const struct pkt_ip_prefix *p)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!p->v6)
		return (p->addr[0] & 0xf0) == 0xe0; /* 224.0.0.0/4 */
	return p->addr[0] == 0xff || memcmp(p->addr, mapped, sizeof(mapped)) == 0;
}

/* One "ADDR[/LEN]" token of @p n characters. */
static int parse_ip_token(const char *tok, size_t n, struct pkt_ip_prefix *p)
{
	char buf[IP_TOKEN_MAX];
	char *slash;
	uint32_t len;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	memset(p, 0, sizeof(*p));
	p->v6 = strchr(buf, ':') != NULL;
	len = p->v6 ? 128 : 32;
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (xb_parse_id(slash + 1, len, &len) < 0)
			return -EINVAL;
	}
	/* inet_pton is strict: no octal or short IPv4 forms, no zone, no white space */
	if (inet_pton(p->v6 ? AF_INET6 : AF_INET, buf, p->addr) != 1)
		return -EINVAL;
	p->len = (uint8_t)len;
	return ip_unusable(p) ? -EINVAL : 0;
}

int xb_parse_ips(const char *s, struct xb_vif_ips *out)
{
	struct pkt_ip_prefix a[XB_VIF_IP_MAX];
	unsigned int nb = 0;
	const char *p = s;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	/* bounded by the string: each pass consumes at least one character */
	while (*p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		n = strcspn(p, " ");
		if (nb == XB_VIF_IP_MAX)
			return -E2BIG;
		if (parse_ip_token(p, n, &a[nb]) < 0)
			return -EINVAL;
		nb++;
		p += n;
	}
	/* "" is vif-common's "no ip"; spaces alone are no list a toolstack writes */
	if (nb == 0 && *s != '\0')
		return -EINVAL;
	memcpy(out->a, a, nb * sizeof(a[0]));
	out->nb = nb;
	out->check = nb != 0;
	return 0;
}
