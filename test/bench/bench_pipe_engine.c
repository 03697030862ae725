/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The aggregation stage of dpdk-netback-bench, as app/ingress.c's dnb_ingress_burst() runs it:
 * lib/lro (reassemble + time-budget flush after every poll), optionally each aggregate
 * copied into one buffer (--lro linearize, lro_linearize(), as the app does), or librte_gro
 * in heavyweight mode in the LRO's place, or nothing.
 *
 * librte_gro's merged packets carry no TSO metadata and a stale checksum state, which a
 * vif backend needs to write the netif GSO slot and the csum_blank flag. Using librte_gro
 * in this datapath therefore also takes the adapter gro_to_tso() below (timed as Dom0 work):
 * MSS from the first segment, TSO flags, a fresh IPv4 header checksum, and the TCP
 * pseudo-header sum in the TCP checksum field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_gro.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>

#include "bench_pipe.h"
#include "lro.h"

/* librte_gro's tables: more flows than are ever active at once, room for reordering. */
#define GRO_MAX_FLOWS 64
#define GRO_ITEMS_PER_FLOW 8

struct pipe_eng {
	enum pipe_engine kind;
	struct lro_ctx *lro;
	void *gro;
	uint64_t timeout_cycles;
	struct rte_mempool *big_pool;
	uint64_t linearized, linearize_fail;
};

struct pipe_eng *pipe_eng_create(enum pipe_engine eng, uint32_t timeout_us,
				 uint32_t lro_max_ip_len, struct rte_mempool *big_pool)
{
	struct pipe_eng *e = calloc(1, sizeof(*e));
	uint64_t timeout = rte_get_tsc_hz() / 1000000 * timeout_us;
	struct lro_conf lc = { .socket_id = SOCKET_ID_ANY, .timeout_cycles = timeout,
			       .max_ip_len = lro_max_ip_len };
	struct rte_gro_param gp = {
		.gro_types = RTE_GRO_TCP_IPV4, .max_flow_num = GRO_MAX_FLOWS,
		.max_item_per_flow = GRO_ITEMS_PER_FLOW, .socket_id = SOCKET_ID_ANY,
	};

	if (e == NULL)
		return NULL;
	e->kind = eng;
	e->timeout_cycles = timeout;
	e->big_pool = big_pool;
	if (eng == PIPE_RTE_GRO)
		e->gro = rte_gro_ctx_create(&gp);
	else if (eng != PIPE_OFF)
		e->lro = lro_ctx_create(&lc);
	if (eng != PIPE_OFF && e->lro == NULL && e->gro == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void pipe_eng_free(struct pipe_eng *e)
{
	if (e == NULL)
		return;
	lro_ctx_free(e->lro);
	if (e->gro != NULL)
		rte_gro_ctx_destroy(e->gro);
	free(e);
}

/* One buffer for the whole aggregate, as the bridge path the study measured had to. */
static struct rte_mbuf *linearize(struct pipe_eng *e, struct rte_mbuf *m)
{
	struct rte_mbuf *big = lro_linearize(m, e->big_pool);

	if (big == NULL) {
		e->linearize_fail++;
		return m; /* the chain goes on as it is, as the app does */
	}
	e->linearized++;
	return big;
}

/* Give a librte_gro merged packet (a chain) what a vif needs for its GSO slot. */
static void gro_to_tso(struct rte_mbuf *m)
{
	uint16_t hdr = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m->nb_segs < 2 || m->data_len <= hdr || !RTE_ETH_IS_IPV4_HDR(m->packet_type))
		return;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, m->l2_len + m->l3_len);
	m->tso_segsz = (uint16_t)(m->data_len - hdr);
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
		       RTE_MBUF_F_TX_IP_CKSUM;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

static uint32_t gro_step(struct pipe_eng *e, struct rte_mbuf **pkts, uint16_t nb,
			 const struct pipe_vclock *clk, bool final, struct rte_mbuf **out,
			 uint32_t room)
{
	uint32_t n = nb > 0 ? rte_gro_reassemble(pkts, nb, e->gro) : 0;
	uint64_t budget = final ? 0 : pipe_vclock_wall_budget(clk, e->timeout_cycles);

	/* what librte_gro did not take comes back at the front of pkts */
	memcpy(out, pkts, n * sizeof(*out));
	n += rte_gro_timeout_flush(e->gro, budget, RTE_GRO_TCP_IPV4,
				   out + n, (uint16_t)RTE_MIN(room - n, (uint32_t)UINT16_MAX));
	for (uint32_t i = 0; i < n; i++)
		gro_to_tso(out[i]);
	return n;
}

uint32_t pipe_eng_step(struct pipe_eng *e, struct rte_mbuf **pkts, uint16_t nb,
		       const struct pipe_vclock *clk, bool final, struct rte_mbuf **out,
		       uint32_t room)
{
	uint64_t now = clk->now;
	uint32_t n = 0;

	room = RTE_MIN(room, (uint32_t)UINT16_MAX);
	if (e->kind == PIPE_OFF) {
		memcpy(out, pkts, nb * sizeof(*out));
		return nb;
	}
	if (e->kind == PIPE_RTE_GRO)
		return gro_step(e, pkts, nb, clk, final, out, room);
	if (nb > 0) {
		int k = lro_reassemble_burst(e->lro, pkts, nb, now, out, (uint16_t)room);

		if (k < 0) {
			/* not taken (room too small): they go on unaggregated */
			memcpy(out, pkts, nb * sizeof(*out));
			k = nb;
		}
		n = (uint32_t)k;
	}
	n += lro_flush(e->lro, final ? LRO_FLUSH_ALL : now, out + n, (uint16_t)(room - n));
	if (e->kind == PIPE_LINEARIZE)
		for (uint32_t i = 0; i < n; i++)
			if (out[i]->nb_segs > 1)
				out[i] = linearize(e, out[i]);
	return n;
}

uint64_t pipe_eng_held(struct pipe_eng *e)
{
	if (e->lro != NULL)
		return lro_held_mbufs(e->lro);
	if (e->gro != NULL)
		return rte_gro_get_pkt_count(e->gro);
	return 0;
}

void pipe_eng_linearize_counts(const struct pipe_eng *e, uint64_t *done, uint64_t *failed)
{
	*done = e->linearized;
	*failed = e->linearize_fail;
}
