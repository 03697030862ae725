/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash a frame is spread by over a multi-queue destination, as xen-netback's
 * xenvif_select_queue spreads by skb_get_hash: the NIC's RSS hash when the frame has one,
 * else a hash of the addresses and, for TCP and UDP that is not a fragment, the ports. Every
 * frame of a flow gets the same value, so a flow stays on one queue, in order.
 */
#include <stddef.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "pkt.h"

#define PKT_HASH_SEED 0x5bd1e995u

/* Headers sit at any alignment in the frame (14 bytes of Ethernet in front of IP), and
 * rte_hash_crc reads 8 bytes at a time: the fields are copied out first. */
static uint32_t hash_bytes(const uint8_t *p, size_t n, uint32_t h)
{
	uint64_t buf[4]; /* the most: IPv6's two addresses */

	memcpy(buf, p, n);
	return rte_hash_crc(buf, (uint32_t)n, h);
}

/* The ports at @p l4 if the L4 header is in the first @p len bytes. */
static uint32_t ports(const uint8_t *d, uint32_t len, uint32_t l4, uint8_t proto, uint32_t h)
{
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || l4 + 4 > len)
		return h;
	return hash_bytes(d + l4, 4, h);
}

static uint32_t hash_ipv4(const uint8_t *d, uint32_t len, uint32_t off)
{
	const struct rte_ipv4_hdr *ip = (const void *)(d + off);
	uint32_t h, ihl;

	if (off + sizeof(*ip) > len)
		return 0;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	h = hash_bytes(d + off + offsetof(struct rte_ipv4_hdr, src_addr), 8, PKT_HASH_SEED);
	/* A fragment carries ports only in its first piece: hash every piece alike. */
	if (ihl < sizeof(*ip) || (ip->fragment_offset & rte_cpu_to_be_16(
			RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return h;
	return ports(d, len, off + ihl, ip->next_proto_id, h);
}

static uint32_t hash_ipv6(const uint8_t *d, uint32_t len, uint32_t off)
{
	const struct rte_ipv6_hdr *ip = (const void *)(d + off);
	uint32_t h;

	if (off + sizeof(*ip) > len)
		return 0;
	/* &: src_addr is uint8_t[16] in DPDK 22.11, struct rte_ipv6_addr in 24.11 */
	h = hash_bytes(d + off + offsetof(struct rte_ipv6_hdr, src_addr), 32, PKT_HASH_SEED);
	/* Ports only right after the fixed header: a flow with extension headers keeps them
	 * on every packet, so it still hashes alike. */
	return ports(d, len, off + (uint32_t)sizeof(*ip), ip->proto, h);
}

uint32_t pkt_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct pkt_l2 l2;

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	if (pkt_l2_walk(d, len, PKT_MAX_TAGS, &l2) != 0)
		return 0;
	switch (l2.etype) {
	case RTE_ETHER_TYPE_IPV4:
		return hash_ipv4(d, len, l2.l2_len);
	case RTE_ETHER_TYPE_IPV6:
		return hash_ipv6(d, len, l2.l2_len);
	default:
		return 0; /* ARP and the rest: one queue */
	}
}
