/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The merge rules (which segment may join an open aggregate), the chaining itself, and the
 * header fix-up of a finished aggregate.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf_dyn.h>
#include <rte_mbuf_ptype.h>
#include <rte_tcp.h>

#include "lro_internal.h"
#include "pkt.h"

/* Per-aggregate metadata kept in an mbuf dynamic field of the head. */
struct lro_mbuf_info {
	uint16_t nb_segs;
	uint16_t flags;
};
#define LRO_INFO_FIXED_ID 0x1

static int lro_info_offset = -1;

int lro_dynfield_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "dnb_lro_info",
		.size = sizeof(struct lro_mbuf_info),
		.align = __alignof__(struct lro_mbuf_info),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	if (off < 0)
		return -rte_errno;
	lro_info_offset = off;
	return 0;
}

static inline struct lro_mbuf_info *mbuf_info(const struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, lro_info_offset, struct lro_mbuf_info *);
}

uint16_t lro_mbuf_nb_segs(const struct rte_mbuf *m)
{
	if (lro_info_offset < 0 || !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		return 1;
	return mbuf_info(m)->nb_segs;
}

bool lro_mbuf_fixed_id(const struct rte_mbuf *m)
{
	if (lro_info_offset < 0 || !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		return false;
	return (mbuf_info(m)->flags & LRO_INFO_FIXED_ID) != 0;
}

static uint32_t l2_ptype(const struct lro_flow *f)
{
	return f->nb_tags == 0 ? RTE_PTYPE_L2_ETHER :
	       f->nb_tags == 1 ? RTE_PTYPE_L2_ETHER_VLAN : RTE_PTYPE_L2_ETHER_QINQ;
}

/* Write the merged headers and the TSO metadata into the head of a 2+ segment aggregate. */
static void fix_headers(const struct lro_flow *f, struct rte_mbuf *m)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, f->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(l3 + f->l3_len);
	struct lro_mbuf_info *info = mbuf_info(m);
	uint64_t tx;

	th->tcp_flags |= f->flags_or;
	if (f->ipver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)f->ip_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, f->l3_len);
		tx = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		m->packet_type = l2_ptype(f) | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(f->ip_len - f->l3_len));
		tx = RTE_MBUF_F_TX_IPV6;
		m->packet_type = l2_ptype(f) | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP;
	}
	pkt_tcp_phdr_write(l3, f->l3_len, f->ipver == 4, true);
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	m->ol_flags |= tx | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		       RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->l2_len = f->l2_len;
	m->l3_len = f->l3_len;
	m->l4_len = f->l4_len;
	m->tso_segsz = f->mss;
	info->nb_segs = f->nb_segs;
	info->flags = f->ipver == 4 && f->id_mode == LRO_ID_FIXED ? LRO_INFO_FIXED_ID : 0;
}

/* Finish @f's aggregate, free the entry, and return the packet to hand out. */
struct rte_mbuf *lro_close(struct lro_ctx *ctx, struct lro_flow *f)
{
	struct rte_mbuf *m = f->head;

	if (f->nb_segs > 1) {
		fix_headers(f, m);
		ctx->stats.aggregates_out++;
	}
	ctx->stats.segs_out += f->nb_segs;
	ctx->nb_held_mbufs -= f->nb_mbufs;
	lro_table_remove(ctx, f);
	return m;
}
