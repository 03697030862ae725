/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet flow work: find a segment's flow, decide whether it may join the open
 * aggregate (the merge rules), chain it, or open a new aggregate. Header-only so the
 * per-packet path is compiled as one unit (included by lro.c alone).
 */
#ifndef LRO_FLOW_H
#define LRO_FLOW_H

#include <string.h>

#include <rte_byteorder.h>

#include "lro_internal.h"

static inline bool key_equal(const struct lro_flow_key *a, const struct lro_flow_key *b)
{
	RTE_BUILD_BUG_ON(LRO_KEY_WORDS != 7);
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3]) | (a->w[4] ^ b->w[4]) | (a->w[5] ^ b->w[5]) |
		(a->w[6] ^ b->w[6])) == 0;
}

/* Options are compared as 32-bit words: their length is a multiple of 4. */
static inline bool opts_equal(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint32_t diff = 0;

	if (len == 12) { /* NOP, NOP, timestamps: nearly every bulk segment */
		uint64_t x, y;
		uint32_t x2, y2;

		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&x2, a + 8, 4);
		memcpy(&y2, b + 8, 4);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	}
	for (unsigned int i = 0; i < len; i += 4) {
		uint32_t x, y;

		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		diff |= x ^ y;
	}
	return diff == 0;
}

static inline struct lro_flow *lro_table_lookup(struct lro_ctx *ctx, const struct lro_pkt *p)
{
	uint32_t i = ctx->buckets[p->hash & ctx->bucket_mask];

	while (i != LRO_NIL) {
		struct lro_flow *f = &ctx->flows[i];

		if (f->hash == p->hash && key_equal(&f->key, &p->key))
			return f;
		i = f->bucket_next;
	}
	return NULL;
}

static inline bool lro_has_room(const struct lro_ctx *ctx, uint32_t l2_len, uint32_t ip_len,
				uint32_t add)
{
	return ip_len + add <= ctx->max_ip_len && l2_len + ip_len + add <= ctx->max_frame_len;
}

/* IPv4 ID rule: +1 per segment, or constant with DF; the first pair decides which.
 * IPv6 segments parse as ID 0 with DF, so they always keep the constant mode. */
static inline bool ip_id_ok(const struct lro_flow *f, const struct lro_pkt *p)
{
	uint16_t next = (uint16_t)(f->last_ip_id + 1);

	switch (f->id_mode) {
	case LRO_ID_INC:
		return p->ip_id == next;
	case LRO_ID_FIXED:
		return p->ip_id == f->last_ip_id;
	default:
		return p->ip_id == next || (p->df && p->ip_id == f->last_ip_id);
	}
}

static inline bool lro_can_merge(const struct lro_ctx *ctx, const struct lro_flow *f,
				 const struct lro_pkt *p)
{
	/* Data offset, window and flags other than PSH/FIN/CWR must be equal. */
	const uint32_t word3_mask =
		rte_cpu_to_be_32(~((uint32_t)(LRO_TCP_CWR | LRO_TCP_FIN | LRO_TCP_PSH) << 16));

	if (p->seq != f->next_seq || p->ack != f->ack || (p->flags & LRO_TCP_CWR) ||
	    ((p->tcp_word3 ^ f->tcp_word3) & word3_mask) != 0)
		return false;
	if (p->payload_len > f->mss || p->tos != f->tos || p->ttl != f->ttl || p->df != f->df ||
	    !ip_id_ok(f, p))
		return false;
	if (!opts_equal(p->l4 + 20, f->opts, f->opt_len))
		return false;
	return lro_has_room(ctx, f->l2_len, f->ip_len, p->payload_len);
}

/* Strip the headers off @m and hang it at the end of @f's chain. */
static inline void lro_merge(struct lro_ctx *ctx, struct lro_flow *f,
			     const struct lro_pkt *p, struct rte_mbuf *m)
{
	uint32_t hdr = (uint32_t)f->l2_len + p->l3_len + p->l4_len;
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
	if (f->id_mode == LRO_ID_ANY)
		f->id_mode = p->ip_id == f->last_ip_id ? LRO_ID_FIXED : LRO_ID_INC;
	f->last_ip_id = p->ip_id;
	f->flags_or |= p->flags & (LRO_TCP_PSH | LRO_TCP_FIN);
	f->nb_segs++;
	ctx->stats.merged++;
}

/* Start an aggregate in the fresh entry @f with @m as its first segment. */
static inline void lro_open(struct lro_ctx *ctx, struct lro_flow *f,
			    const struct lro_pkt *p, struct rte_mbuf *m, uint64_t now_tsc)
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
	f->l2_len = (uint8_t)p->l2_len;
	f->ipver = p->ipver;
	f->nb_tags = (uint8_t)((p->l2_len - 14) / 4);
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

#endif /* LRO_FLOW_H */
