/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest-TX offload metadata: what xen-netback's checksum_setup / xenvif_set_skb_gso do for
 * an skb, expressed as DPDK mbuf offload flags.
 */
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "nif_internal.h"
#include "pkt.h"

/*
 * A GSO packet without NETTXF_csum_blank (a buggy frontend; netback counts these as
 * rx_gso_checksum_fixup): write the pseudo-header sum the guest should have written
 * (Linux convention, L4 length included) so consumers see a consistent partial checksum.
 */
static int tx_gso_csum_fixup(struct rte_mbuf *m, bool ipv4)
{
	uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;

	if (hdrs > m->data_len)
		return -EINVAL;
	pkt_tcp_phdr_write(rte_pktmbuf_mtod_offset(m, void *, m->l2_len), m->l3_len, ipv4,
			   false);
	return 0;
}

/* pkt_gso_size_ok()'s bound is the one nif.h promises the guest. */
_Static_assert(NIF_GSO_MIN_MSS == PKT_GSO_MIN_MSS, "NIF_GSO_MIN_MSS is pkt.h's");
int nif_tx_offload_setup(struct nif_txq *q, struct rte_mbuf *m, const struct nif_tx_pkt *p)
{
	bool blank = (p->txflags & NETTXF_csum_blank) != 0;
	bool gso = p->gso_type != XEN_NETIF_GSO_TYPE_NONE;
	struct rte_net_hdr_lens hl;
	uint32_t ptype, l4;
	bool ipv4, ipv6;

	if (p->has_hash) {
		m->hash.rss = p->hash;
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	if (!blank && !gso) {
		if (p->txflags & NETTXF_data_validated)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		return 0;
	}
	ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
				  RTE_PTYPE_L4_MASK);
	l4 = ptype & RTE_PTYPE_L4_MASK;
	ipv4 = RTE_ETH_IS_IPV4_HDR(ptype);
	ipv6 = RTE_ETH_IS_IPV6_HDR(ptype);
	if (gso && (l4 != RTE_PTYPE_L4_TCP ||
		    !(p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ? ipv4 : ipv6))) {
		q->stats.tx_drop_bad_gso++;
		return -EINVAL;
	}
	if (!(ipv4 || ipv6) || (l4 != RTE_PTYPE_L4_TCP && l4 != RTE_PTYPE_L4_UDP)) {
		q->stats.tx_drop_csum++;
		return -EINVAL;
	}
	/* Headers the mbuf's offload fields hold, in its first segment; xen-netback leaves
	 * this to the stack, which re-validates guest GSO (SKB_GSO_DODGY). */
	if (!pkt_hdr_lens_ok(m, &hl) || (gso && !pkt_gso_size_ok(&hl, p->gso_size)) ||
	    (l4 == RTE_PTYPE_L4_TCP && hl.l4_len < sizeof(struct rte_tcp_hdr))) {
		q->stats.tx_drop_bad_hdr++;
		return -EINVAL;
	}
	pkt_partial_mark(m, ptype, &hl, gso ? p->gso_size : 0);
	if (gso) {
		if (!blank) {
			if (tx_gso_csum_fixup(m, ipv4) < 0) {
				q->stats.tx_drop_bad_gso++;
				return -EINVAL;
			}
			q->stats.tx_gso_csum_fixup++;
		}
		q->stats.tx_gso++;
	}
	if (blank)
		q->stats.tx_csum_blank++;
	return 0;
}
