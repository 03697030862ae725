/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one form in which a packet with a partial L4 checksum travels this tree, whoever
 * left it partial: a guest (netfront's csum_blank and GSO, lib/netif) or a wire port that
 * aggregated or offloaded itself (a NIC's LRO, virtio's GUEST_TSO and NEEDS_CSUM), as
 * lib/lro's own aggregates carry it. Linux keeps the same in an skb (CHECKSUM_PARTIAL with
 * gso_size; xen-netback's xenvif_set_skb_gso and checksum_setup fill it from a guest).
 */

#include "pkt.h"

void pkt_partial_mark(struct rte_mbuf *m, uint32_t ptype, const struct rte_net_hdr_lens *hl,
		      uint16_t mss)
{
	bool ipv4 = RTE_ETH_IS_IPV4_HDR(ptype);

	m->packet_type = ptype;
	m->l2_len = hl->l2_len;
	m->l3_len = hl->l3_len;
	m->l4_len = hl->l4_len;
	m->ol_flags |= ipv4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
	m->ol_flags |= (ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP ?
		       RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
	if (mss != 0) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | (ipv4 ? RTE_MBUF_F_TX_IP_CKSUM : 0);
		m->tso_segsz = mss;
	}
}

int pkt_rx_offload_adopt(struct rte_mbuf *m)
{
	bool lro = (m->ol_flags & RTE_MBUF_F_RX_LRO) != 0;
	struct rte_net_hdr_lens hl;
	uint32_t ptype, l4;

	if (!lro && (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return 0;
	ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
				  RTE_PTYPE_L4_MASK);
	l4 = ptype & RTE_PTYPE_L4_MASK;
	if (!(RTE_ETH_IS_IPV4_HDR(ptype) || RTE_ETH_IS_IPV6_HDR(ptype)) ||
	    (l4 != RTE_PTYPE_L4_TCP && (lro || l4 != RTE_PTYPE_L4_UDP)) ||
	    (l4 == RTE_PTYPE_L4_TCP && hl.l4_len < sizeof(struct rte_tcp_hdr)) ||
	    !pkt_hdr_lens_ok(m, &hl) || (lro && !pkt_gso_size_ok(&hl, m->tso_segsz)))
		return -EINVAL;
	m->ol_flags &= ~(RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	/* data verified, checksum field not final: as lib/lro marks its own aggregates */
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	pkt_partial_mark(m, ptype, &hl, lro ? m->tso_segsz : 0);
	/* The port left Linux's partial sum (length included); an aggregate takes DPDK's TSO
	 * sum (no length), as lib/lro's and a guest's GSO packets have it. */
	if (lro)
		pkt_tcp_phdr_write(rte_pktmbuf_mtod_offset(m, uint8_t *, hl.l2_len), hl.l3_len,
				   RTE_ETH_IS_IPV4_HDR(ptype), true);
	return 0;
}
