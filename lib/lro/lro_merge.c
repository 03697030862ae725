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

bool lro_has_room(const struct lro_ctx *ctx, uint32_t l2_len, uint32_t ip_len, uint32_t add)
{
	return ip_len + add <= ctx->max_ip_len && l2_len + ip_len + add <= ctx->max_frame_len;
}

/* IPv4 ID rule: +1 per segment, or constant with DF; the first pair decides which. */
static inline bool ip_id_ok(const struct lro_flow *f, const struct lro_pkt *p)
{
	uint16_t next = (uint16_t)(f->last_ip_id + 1);

	if (f->key.ipver != 4)
		return true;
	switch (f->id_mode) {
	case LRO_ID_INC:
		return p->ip_id == next;
	case LRO_ID_FIXED:
		return p->ip_id == f->last_ip_id;
	default:
		return p->ip_id == next || (p->df && p->ip_id == f->last_ip_id);
	}
}

bool lro_can_merge(const struct lro_ctx *ctx, const struct lro_flow *f,
		   const struct lro_pkt *p, const struct rte_mbuf *m)
{
	/* Data offset, window and flags other than PSH/FIN/CWR must be equal. */
	const uint32_t word3_mask =
		rte_cpu_to_be_32(~((uint32_t)(LRO_TCP_CWR | LRO_TCP_FIN | LRO_TCP_PSH) << 16));

	RTE_SET_USED(m);
	if (p->seq != f->next_seq || p->ack != f->ack || (p->flags & LRO_TCP_CWR) ||
	    ((p->tcp_word3 ^ f->tcp_word3) & word3_mask) != 0)
		return false;
	if (p->payload_len > f->mss || p->tos != f->tos || p->ttl != f->ttl || p->df != f->df ||
	    !ip_id_ok(f, p))
		return false;
	if (f->opt_len != 0 && memcmp(p->l4 + 20, f->opts, f->opt_len) != 0)
		return false;
	return lro_has_room(ctx, f->key.l2_len, f->ip_len, p->payload_len);
}

/* Strip the headers off @m and hang it at the end of @f's chain. */
void lro_merge(struct lro_ctx *ctx, struct lro_flow *f, const struct lro_pkt *p,
	       struct rte_mbuf *m)
{
	uint32_t hdr = (uint32_t)f->key.l2_len + p->l3_len + p->l4_len;
	struct rte_mbuf *head = f->head;

	rte_pktmbuf_adj(m, (uint16_t)hdr);
	if (m->data_len == 0 && m->next != NULL) {
		/* Headers filled the first segment: do not chain an empty mbuf. */
		struct rte_mbuf *rest = m->next;

		rest->nb_segs = (uint16_t)(m->nb_segs - 1);
		rest->pkt_len = m->pkt_len;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = rest;
	}
	f->tail->next = m;
	f->tail = rte_pktmbuf_lastseg(m);
	head->nb_segs = (uint16_t)(head->nb_segs + m->nb_segs);
	head->pkt_len += m->pkt_len;
	f->nb_mbufs = (uint16_t)(f->nb_mbufs + m->nb_segs);
	ctx->nb_held_mbufs += m->nb_segs;
	f->ip_len += p->payload_len;
	f->next_seq += p->payload_len;
	if (f->key.ipver == 4 && f->id_mode == LRO_ID_ANY)
		f->id_mode = p->ip_id == f->last_ip_id ? LRO_ID_FIXED : LRO_ID_INC;
	f->last_ip_id = p->ip_id;
	f->flags_or |= p->flags & (LRO_TCP_PSH | LRO_TCP_FIN);
	f->nb_segs++;
	ctx->stats.merged++;
}

/* Start an aggregate in the fresh entry @f with @m as its first segment. */
void lro_open(struct lro_ctx *ctx, struct lro_flow *f, const struct lro_pkt *p,
	      struct rte_mbuf *m, uint64_t now_tsc)
{
	f->head = m;
	f->tail = rte_pktmbuf_lastseg(m);
	f->start_tsc = now_tsc;
	f->next_seq = p->seq + p->payload_len;
	f->ack = p->ack;
	f->ip_len = p->ip_len;
	f->tcp_word3 = p->tcp_word3;
	f->mss = (uint16_t)p->payload_len;
	f->nb_segs = 1;
	f->nb_mbufs = m->nb_segs;
	f->last_ip_id = p->ip_id;
	f->l3_len = p->l3_len;
	f->l4_len = p->l4_len;
	f->id_mode = LRO_ID_ANY;
	f->tos = p->tos;
	f->ttl = p->ttl;
	f->df = p->df;
	f->flags_or = 0;
	f->opt_len = (uint8_t)(p->l4_len - 20);
	memcpy(f->opts, p->l4 + 20, f->opt_len);
	ctx->nb_held_mbufs += m->nb_segs;
	ctx->stats.held++;
}

static uint32_t l2_ptype(const struct lro_flow_key *k)
{
	unsigned int tags = (k->l2_len - 14u) / 4u; /* tags still in the frame */

	return tags == 0 ? RTE_PTYPE_L2_ETHER :
	       tags == 1 ? RTE_PTYPE_L2_ETHER_VLAN : RTE_PTYPE_L2_ETHER_QINQ;
}

/* Write the merged headers and the TSO metadata into the head of a 2+ segment aggregate. */
static void fix_headers(const struct lro_flow *f, struct rte_mbuf *m)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, f->key.l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(l3 + f->l3_len);
	struct lro_mbuf_info *info = mbuf_info(m);
	uint64_t tx;

	th->tcp_flags |= f->flags_or;
	if (f->key.ipver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)f->ip_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, f->l3_len);
		th->cksum = rte_ipv4_phdr_cksum(ip, RTE_MBUF_F_TX_TCP_SEG);
		tx = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		m->packet_type = l2_ptype(&f->key) | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(f->ip_len - f->l3_len));
		th->cksum = rte_ipv6_phdr_cksum(ip6, RTE_MBUF_F_TX_TCP_SEG);
		tx = RTE_MBUF_F_TX_IPV6;
		m->packet_type = l2_ptype(&f->key) | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP;
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	m->ol_flags |= tx | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		       RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->l2_len = f->key.l2_len;
	m->l3_len = f->l3_len;
	m->l4_len = f->l4_len;
	m->tso_segsz = f->mss;
	info->nb_segs = f->nb_segs;
	info->flags = f->id_mode == LRO_ID_FIXED ? LRO_INFO_FIXED_ID : 0;
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
