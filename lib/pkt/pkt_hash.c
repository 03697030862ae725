/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow of a frame: its tuple (addresses and ports, the one walk of them), and the flow
 * hash a frame is spread by over a multi-queue destination, as xen-netback's
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

/* The ports at @p l4 if the L4 header is in the first @p len bytes. */
static void tuple_ports(const uint8_t *d, uint32_t len, uint32_t l4, struct pkt_flow_tuple *t)
{
	if ((t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP) || l4 + 4 > len)
		return;
	memcpy(t->ports, d + l4, 4);
	t->has_ports = true;
}

static int tuple_ipv4(const uint8_t *d, uint32_t len, uint32_t off, struct pkt_flow_tuple *t)
{
	const struct rte_ipv4_hdr *ip = (const void *)(d + off);
	uint32_t ihl;

	if (off + sizeof(*ip) > len)
		return 0;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	memcpy(t->addrs, d + off + offsetof(struct rte_ipv4_hdr, src_addr), 8);
	t->proto = ip->next_proto_id;
	t->ipv = 4;
	/* A fragment carries ports only in its first piece: read every piece alike. */
	if (ihl >= sizeof(*ip) && (ip->fragment_offset & rte_cpu_to_be_16(
			RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) == 0)
		tuple_ports(d, len, off + ihl, t);
	return 4;
}

static int tuple_ipv6(const uint8_t *d, uint32_t len, uint32_t off, struct pkt_flow_tuple *t)
{
	const struct rte_ipv6_hdr *ip = (const void *)(d + off);

	if (off + sizeof(*ip) > len)
		return 0;
	/* &: src_addr is uint8_t[16] in DPDK 22.11, struct rte_ipv6_addr in 24.11 */
	memcpy(t->addrs, d + off + offsetof(struct rte_ipv6_hdr, src_addr), 32);
	t->proto = ip->proto;
	t->ipv = 6;
	tuple_ports(d, len, off + (uint32_t)sizeof(*ip), t);
	return 6;
}

int pkt_flow_tuple(const struct rte_mbuf *m, struct pkt_flow_tuple *t)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct pkt_l2 l2;

	t->ipv = 0;
	t->proto = 0;
	t->has_ports = false;
	if (pkt_l2_walk(d, len, PKT_MAX_TAGS, &l2) != 0)
		return 0;
	switch (l2.etype) {
	case RTE_ETHER_TYPE_IPV4:
		return tuple_ipv4(d, len, l2.l2_len, t);
	case RTE_ETHER_TYPE_IPV6:
		return tuple_ipv6(d, len, l2.l2_len, t);
	default:
		return 0; /* ARP and the rest */
	}
}

uint32_t pkt_flow_hash(const struct rte_mbuf *m)
{
	struct pkt_flow_tuple t;
	uint64_t buf[4]; /* rte_hash_crc reads 8 bytes at a time: aligned copies */
	uint32_t n, h;

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	if (pkt_flow_tuple(m, &t) == 0)
		return 0; /* not IP: one queue */
	n = t.ipv == 4 ? 8 : 32;
	memcpy(buf, t.addrs, n);
	h = rte_hash_crc(buf, n, PKT_HASH_SEED);
	if (!t.has_ports)
		return h;
	memcpy(buf, t.ports, 4);
	return rte_hash_crc(buf, 4, h);
}
