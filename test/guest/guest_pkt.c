/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet header helpers of the simulated guest: where the transport header is, and the
 * checksum arithmetic a netfront needs around partial checksums. Pure functions over a
 * byte buffer; every length is checked against the buffer, never trusted.
 */
#include <errno.h>
#include <netinet/in.h>

#include "guest_ring.h"

#define ETHERTYPE_VLAN_8021Q 0x8100
#define ETHERTYPE_VLAN_8021AD 0x88a8
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPV4_MIN_HLEN 20u
#define IPV6_HLEN 40u
#define TCP_MIN_HLEN 20u
#define UDP_HLEN 8u
#define TCP_CSUM_OFF 16u
#define UDP_CSUM_OFF 6u
/* An IPv6 packet with more extension headers than this is not worth parsing here. */
#define IPV6_MAX_EXT_HDRS 8

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int locate_ipv4(const uint8_t *p, size_t len, struct gr_l4 *l4)
{
	size_t off = l4->l3_off;
	size_t ihl;

	if (len < off + IPV4_MIN_HLEN)
		return -EMSGSIZE;
	if ((p[off] >> 4) != 4)
		return -EPROTONOSUPPORT;
	ihl = (size_t)(p[off] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HLEN)
		return -EPROTONOSUPPORT;
	if (len < off + ihl)
		return -EMSGSIZE;
	/* A fragment (MF set or offset != 0) has no complete transport segment. */
	if (get_be16(p + off + 6) & 0x3fff)
		return -EPROTONOSUPPORT;
	l4->proto = p[off + 9];
	l4->l4_off = (uint16_t)(off + ihl);
	l4->ipv6 = false;
	return 0;
}

static bool ipv6_is_skippable_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS;
}

static int locate_ipv6(const uint8_t *p, size_t len, struct gr_l4 *l4)
{
	size_t off = l4->l3_off;
	uint8_t nh;
	int i;

	if (len < off + IPV6_HLEN)
		return -EMSGSIZE;
	if ((p[off] >> 4) != 6)
		return -EPROTONOSUPPORT;
	nh = p[off + 6];
	off += IPV6_HLEN;
	for (i = 0; i < IPV6_MAX_EXT_HDRS && ipv6_is_skippable_ext(nh); i++) {
		if (len < off + 8)
			return -EMSGSIZE;
		nh = p[off];
		off += ((size_t)p[off + 1] + 1) * 8;
	}
	if (ipv6_is_skippable_ext(nh) || nh == IPPROTO_FRAGMENT)
		return -EPROTONOSUPPORT;
	if (off > UINT16_MAX)
		return -EMSGSIZE;
	l4->proto = nh;
	l4->l4_off = (uint16_t)off;
	l4->ipv6 = true;
	return 0;
}

int gr_l4_locate(const uint8_t *p, size_t len, struct gr_l4 *l4)
{
	size_t off = 12;
	uint16_t type;
	int rc;

	if (len < GR_ETH_HLEN)
		return -EMSGSIZE;
	type = get_be16(p + off);
	off += 2;
	if (type == ETHERTYPE_VLAN_8021Q || type == ETHERTYPE_VLAN_8021AD) {
		if (len < off + 4)
			return -EMSGSIZE;
		type = get_be16(p + off + 2);
		off += 4;
	}
	l4->l3_off = (uint16_t)off;
	if (type == ETHERTYPE_IPV4)
		rc = locate_ipv4(p, len, l4);
	else if (type == ETHERTYPE_IPV6)
		rc = locate_ipv6(p, len, l4);
	else
		rc = -EPROTONOSUPPORT;
	if (rc < 0)
		return rc;

	if (l4->proto == IPPROTO_TCP) {
		if (len < (size_t)l4->l4_off + TCP_MIN_HLEN)
			return -EMSGSIZE;
		l4->l4_hlen = (uint16_t)((p[l4->l4_off + 12] >> 4) * 4);
		if (l4->l4_hlen < TCP_MIN_HLEN)
			return -EPROTONOSUPPORT;
	} else if (l4->proto == IPPROTO_UDP) {
		l4->l4_hlen = UDP_HLEN;
	} else {
		return -EPROTONOSUPPORT;
	}
	if (len < (size_t)l4->l4_off + l4->l4_hlen)
		return -EMSGSIZE;
	return 0;
}

uint64_t gr_csum_add(uint64_t sum, const uint8_t *p, size_t len, bool odd_start)
{
	size_t i = 0;

	/* A chunk starting at an odd stream offset contributes its first byte as a low byte. */
	if (odd_start && len > 0) {
		sum += p[0];
		i = 1;
	}
	for (; i + 1 < len; i += 2)
		sum += (uint64_t)get_be16(p + i);
	if (i < len)
		sum += (uint64_t)p[i] << 8;
	return sum;
}

uint16_t gr_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void gr_l4_set_pseudo_csum(uint8_t *p, const struct gr_l4 *l4, uint32_t l4_len)
{
	uint64_t sum = 0;
	uint16_t csum;
	uint8_t *field;

	if (l4->ipv6)
		sum = gr_csum_add(sum, p + l4->l3_off + 8, 32, false);
	else
		sum = gr_csum_add(sum, p + l4->l3_off + 12, 8, false);
	sum += l4->proto;
	sum += l4_len & 0xffff;
	sum += l4_len >> 16;
	csum = gr_csum_fold(sum);
	field = p + l4->l4_off + (l4->proto == IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF);
	field[0] = (uint8_t)(csum >> 8);
	field[1] = (uint8_t)csum;
}
