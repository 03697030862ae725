/* SPDX-License-Identifier: BSD-3-Clause */
/* The synthetic bulk TCP trace of the benchmarks (see bench_flows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_memcpy.h>

#include "bench_flows.h"

#define PATTERN_BYTES (2 * BF_PATTERN_PERIOD + TL_MAX_FRAME)
/* First TCP source port of tl_build_frame(): flow (1-based) + 1024. */
#define SPORT_BASE 1024u

uint32_t bf_rnd(struct bf_gen *g)
{
	g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(g->rng >> 33);
}

static uint32_t pattern_index(uint32_t flow, uint32_t seq)
{
	return (seq + flow * 7919u) % BF_PATTERN_PERIOD;
}

const uint8_t *bf_expected_payload(const struct bf_gen *g, uint32_t flow, uint32_t seq)
{
	return g->pattern + pattern_index(flow, seq);
}

static void init_pattern(struct bf_gen *g)
{
	uint64_t x = g->o.seed * 0x9e3779b97f4a7c15ULL + 1;

	for (uint32_t i = 0; i < BF_PATTERN_PERIOD; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		g->pattern[i] = (uint8_t)(x >> 56);
	}
	for (uint32_t i = BF_PATTERN_PERIOD; i < PATTERN_BYTES; i++)
		g->pattern[i] = g->pattern[i % BF_PATTERN_PERIOD];
}

static int init_flow(struct bf_gen *g, uint32_t f)
{
	const struct bf_opts *o = &g->o;
	struct bf_flow *gf = &g->flow[f];
	struct tl_seg *s = &gf->next;
	uint32_t len;
	uint8_t v;
	uint8_t ipver = (f * 37 + 11) % 100 < o->v6_pct ? 6 : 4;
	uint32_t hdrs = (ipver == 4 ? 20u : 40u) + 20u + (o->ts ? 12u : 0u);

	gf->mss = o->mss;
	if (o->mtu >= hdrs + 2 && o->mtu - hdrs < gf->mss)
		gf->mss = (uint16_t)(o->mtu - hdrs);
	*s = tl_seg_default(f + 1, ipver, gf->mss);
	s->ts = o->ts;
	s->nb_vlan = o->vlan && f % 4 == 3;
	s->vlan[0] = (uint16_t)(100 + f % 7);
	len = tl_build_frame(s, gf->tmpl);
	if (!tl_parse(gf->tmpl, len, &gf->l3, &gf->l4, &gf->pl, &v))
		return -EINVAL;
	if (o->nb_dst > 0)
		memcpy(gf->tmpl, &o->dst_macs[f % o->nb_dst], RTE_ETHER_ADDR_LEN);
	gf->payload_sum = __rte_raw_cksum(gf->tmpl + gf->pl, len - gf->pl, 0);
	gf->ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L4_TCP |
		    (s->nb_vlan ? RTE_PTYPE_L2_ETHER_VLAN : 0) |
		    (v == 4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6);
	return 0;
}

int bf_gen_init(struct bf_gen *g, const struct bf_opts *o)
{
	memset(g, 0, sizeof(*g));
	if (o->flows == 0 || o->active == 0 || o->active > o->flows || o->flows > 60000 ||
	    o->mss < 2 || o->mss > 8000 || o->train_segs == 0 || o->v6_pct > 100)
		return -EINVAL;
	g->o = *o;
	g->rng = o->seed;
	g->flow = calloc(o->flows, sizeof(*g->flow));
	g->active = calloc(o->active, sizeof(*g->active));
	g->pattern = o->seq_payload ? malloc(PATTERN_BYTES) : NULL;
	if (g->flow == NULL || g->active == NULL || (o->seq_payload && g->pattern == NULL)) {
		bf_gen_free(g);
		return -ENOMEM;
	}
	if (g->pattern != NULL)
		init_pattern(g);
	for (uint32_t f = 0; f < o->flows; f++) {
		if (init_flow(g, f) != 0) {
			bf_gen_free(g);
			return -EINVAL;
		}
	}
	for (uint32_t a = 0; a < o->active; a++)
		g->active[a] = a % o->flows;
	return 0;
}

void bf_gen_free(struct bf_gen *g)
{
	free(g->flow);
	free(g->active);
	free(g->pattern);
	g->flow = NULL;
	g->active = NULL;
	g->pattern = NULL;
}

void bf_gen_next(struct bf_gen *g, struct tl_seg *out)
{
	uint32_t slot = bf_rnd(g) % g->o.active;
	struct bf_flow *f = &g->flow[g->active[slot]];

	if (f->train_left == 0) {
		/* This sender's train is done: another flow takes the slot. */
		g->active[slot] = bf_rnd(g) % g->o.flows;
		f = &g->flow[g->active[slot]];
		if (f->train_left == 0) {
			f->train_left = g->o.train_segs;
			if (bf_rnd(g) % 2)
				f->next.tsval++;
		}
	}
	*out = f->next;
	out->flags = TL_TCP_ACK;
	if (bf_rnd(g) % 10000 < g->o.ack_ptt) {
		out->payload_len = 0;
		return;
	}
	if (f->train_left == 1) {
		if (bf_rnd(g) % 100 < g->o.psh_pct)
			out->flags |= TL_TCP_PSH;
		if (bf_rnd(g) % 100 < g->o.short_pct)
			out->payload_len = (uint16_t)(1 + bf_rnd(g) % (f->mss - 1u));
	}
	f->next.seq += out->payload_len;
	f->next.ip_id++;
	f->train_left--;
}

/* The payload and its one's complement sum (not folded). */
static uint32_t write_payload(const struct bf_gen *g, const struct bf_flow *gf,
			      const struct tl_seg *s, uint8_t *dst)
{
	if (g->pattern == NULL) {
		rte_memcpy(dst, gf->tmpl + gf->pl, s->payload_len);
		return s->payload_len == gf->mss ? gf->payload_sum :
		       __rte_raw_cksum(dst, s->payload_len, 0);
	}
	rte_memcpy(dst, bf_expected_payload(g, s->flow - 1, s->seq), s->payload_len);
	return __rte_raw_cksum(dst, s->payload_len, 0);
}

/* Header fields at any alignment: a VLAN tag puts the IP header 2 bytes off. */
static inline void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

void bf_build_pkt(const struct bf_gen *g, const struct tl_seg *s, struct rte_mbuf *m)
{
	const struct bf_flow *gf = &g->flow[s->flow - 1];
	uint32_t hdr = gf->pl, len = hdr + s->payload_len, l4_len = len - gf->l4, sum;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	uint8_t *ip = f + gf->l3, *th = f + gf->l4;
	uint32_t tsval = rte_cpu_to_be_32(s->tsval);

	rte_memcpy(f, gf->tmpl, hdr);
	if (s->ipver == 4) {
		put16(ip + 2, rte_cpu_to_be_16((uint16_t)(len - gf->l3)));
		put16(ip + 4, rte_cpu_to_be_16(s->ip_id));
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~rte_raw_cksum(ip, 20));
		sum = __rte_raw_cksum(ip + 12, 8, 0);
	} else {
		put16(ip + 4, rte_cpu_to_be_16((uint16_t)l4_len));
		sum = __rte_raw_cksum(ip + 8, 32, 0);
	}
	put32(th + 4, rte_cpu_to_be_32(s->seq));
	th[13] = s->flags;
	if (s->ts)
		memcpy(th + 24, &tsval, sizeof(tsval));
	put16(th + 16, 0);
	sum += rte_cpu_to_be_16(6) + rte_cpu_to_be_16((uint16_t)l4_len);
	sum = __rte_raw_cksum(th, hdr - gf->l4, sum);
	sum += write_payload(g, gf, s, f + hdr);
	put16(th + 16, (uint16_t)~__rte_raw_cksum_reduce(sum));
	m->packet_type = gf->ptype;
	m->l2_len = (uint8_t)gf->l3;
	m->l3_len = (uint16_t)(gf->l4 - gf->l3);
	m->l4_len = (uint8_t)(hdr - gf->l4);
}

int bf_build_burst(struct bf_gen *g, struct rte_mempool *mp, struct rte_mbuf **m, uint32_t n,
		   bool cksum_flags, struct bf_counts *c)
{
	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0)
		return -ENOBUFS;
	for (uint32_t i = 0; i < n; i++) {
		struct tl_seg s;

		bf_gen_next(g, &s);
		bf_build_pkt(g, &s, m[i]);
		if (cksum_flags)
			m[i]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		c->pkts++;
		c->bytes += s.payload_len;
		c->frame_bytes += m[i]->pkt_len;
		if (s.payload_len > 0) {
			c->data++;
			c->data_v4 += s.ipver == 4;
		}
	}
	/* Reordering: swap neighbours of the burst now and then. */
	for (uint32_t i = 0; i + 1 < n; i++) {
		if (bf_rnd(g) % 1000 < g->o.reorder_pm) {
			struct rte_mbuf *t = m[i];

			m[i] = m[i + 1];
			m[i + 1] = t;
		}
	}
	return 0;
}

bool bf_frame_flow(const struct bf_gen *g, const uint8_t *frame, uint32_t len, uint32_t *flow,
		   uint32_t *seq, uint32_t *payload_off, uint32_t *payload_len)
{
	uint32_t l3, l4, pl, ip_len, sport;
	uint8_t v;

	if (!tl_parse(frame, len, &l3, &l4, &pl, &v))
		return false;
	sport = (uint32_t)frame[l4] << 8 | frame[l4 + 1];
	if (sport <= SPORT_BASE || sport - SPORT_BASE > g->o.flows)
		return false;
	ip_len = v == 4 ? (uint32_t)(frame[l3 + 2] << 8 | frame[l3 + 3]) :
			  40u + (uint32_t)(frame[l3 + 4] << 8 | frame[l3 + 5]);
	*flow = sport - SPORT_BASE - 1;
	memcpy(seq, frame + l4 + 4, sizeof(*seq));
	*seq = rte_be_to_cpu_32(*seq);
	*payload_off = pl;
	*payload_len = l3 + ip_len - pl;
	return true;
}
