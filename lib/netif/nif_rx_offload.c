/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest-RX offload metadata: map an mbuf's ol_flags to the first response's NETRXF_* flags
 * and to a GSO extra-info slot, the way xen-netback maps an skb's ip_summed and gso_type.
 */
#include <rte_net.h>

#include "nif_internal.h"

/* IP version of the packet: 4, 6, or 0 when it is neither (or cannot be told). */
static int rx_ip_version(const struct rte_mbuf *m)
{
	uint32_t ptype;

	if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
		return 4;
	if (m->ol_flags & RTE_MBUF_F_TX_IPV6)
		return 6;
	ptype = m->packet_type;
	if ((ptype & RTE_PTYPE_L3_MASK) == 0)
		ptype = rte_net_get_ptype(m, NULL, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK);
	if (RTE_ETH_IS_IPV4_HDR(ptype))
		return 4;
	if (RTE_ETH_IS_IPV6_HDR(ptype))
		return 6;
	return 0;
}

static bool rx_csum_partial(const struct rte_mbuf *m)
{
	return (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) != 0;
}

static bool rx_csum_validated(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	       (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_BAD;
}

static enum nif_rx_verdict rx_gso(const struct nif_rxq *q, const struct rte_mbuf *m,
				  int ipv, netif_extra_info_t *gso)
{
	if (ipv == 0 || m->tso_segsz == 0)
		return NIF_RX_DROP_BAD_GSO;
	if ((ipv == 4 && !q->feat.gso_tcpv4) || (ipv == 6 && !q->feat.gso_tcpv6) ||
	    q->headroom != 0)
		return NIF_RX_DROP_NO_GSO;
	memset(gso, 0, sizeof(*gso));
	gso->type = XEN_NETIF_EXTRA_TYPE_GSO;
	gso->flags = 0; /* the only extra: no XEN_NETIF_EXTRA_FLAG_MORE */
	gso->u.gso.size = m->tso_segsz;
	gso->u.gso.type = ipv == 4 ? XEN_NETIF_GSO_TYPE_TCPV4 : XEN_NETIF_GSO_TYPE_TCPV6;
	return NIF_RX_OK;
}

enum nif_rx_verdict nif_rx_offload(const struct nif_rxq *q, const struct rte_mbuf *m,
				   uint16_t *flags, netif_extra_info_t *gso, bool *has_gso)
{
	bool partial = rx_csum_partial(m);
	bool big = m->pkt_len > q->max_frame;
	int ipv = 0;

	*flags = 0;
	*has_gso = false;
	if (big && !(m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_RX_LRO)))
		return NIF_RX_DROP_OVERSIZE;
	if (big || partial)
		ipv = rx_ip_version(m);
	if (big) {
		enum nif_rx_verdict v = rx_gso(q, m, ipv, gso);

		if (v != NIF_RX_OK)
			return v;
		*has_gso = true;
	}
	if (partial) {
		/* Unknown IP version: deliverable only if the frontend takes both. */
		bool ok4 = q->feat.csum_ipv4, ok6 = q->feat.csum_ipv6;

		if ((ipv == 4 && !ok4) || (ipv == 6 && !ok6) || (ipv == 0 && !(ok4 && ok6)))
			return NIF_RX_DROP_NO_CSUM;
		*flags = NETRXF_csum_blank | NETRXF_data_validated;
	} else if (rx_csum_validated(m)) {
		*flags = NETRXF_data_validated;
	}
	return NIF_RX_OK;
}
