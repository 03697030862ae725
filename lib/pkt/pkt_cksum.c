/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksum completion in software for IPv6 (Linux's skb_checksum_help over
 * csum_ipv6_magic), with extension headers, which DPDK's rte_ipv6_udptcp_cksum_mbuf
 * does not skip.
 */
#include "pkt.h"

int pkt_ipv6_l4_cksum_mbuf(const struct rte_mbuf *m, uint8_t proto, uint16_t *cksum)
{
	uint32_t l3_off = m->l2_len, l4_off = l3_off + m->l3_len, l4_len, sum;
	const uint8_t *ip6;
	uint16_t raw;

	if (l3_off + sizeof(struct rte_ipv6_hdr) > m->data_len ||
	    m->l3_len < sizeof(struct rte_ipv6_hdr))
		return -EINVAL;
	ip6 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	l4_len = (uint32_t)pkt_rd16(ip6 + 4) + sizeof(struct rte_ipv6_hdr);
	if (l4_len < m->l3_len || l4_off + (l4_len - m->l3_len) > m->pkt_len)
		return -EINVAL;
	l4_len -= m->l3_len;
	if (rte_raw_cksum_mbuf(m, l4_off, l4_len, &raw) != 0)
		return -EINVAL;
	sum = (uint32_t)raw + pkt_l4_phdr_sum(ip6, false, proto, l4_len);
	sum = (uint16_t)~__rte_raw_cksum_reduce(sum);
	*cksum = sum == 0 ? 0xffff : (uint16_t)sum;
	return 0;
}
