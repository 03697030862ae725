/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One guest-TX run of dpdk-netback-bench: guest 1 posts frames on its TX ring, the vif
 * grant-copies them into mbufs, the switch sends them to the wire port, where a sink (the
 * "NIC") checks and frees them. The check is untimed; the free (a TX completion) counts as
 * Dom0 work.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"
#include "l2sw.h"

struct tx_sink {
	const uint8_t *frame;
	uint32_t len;
	uint64_t next_ctr;
	uint64_t got, bad, misrouted;
};

static void sink_check(struct tx_sink *s, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t ctr;

		s->got++;
		if (m->pkt_len != s->len || m->nb_segs != 1 || memcmp(d, s->frame, s->len - 4) != 0) {
			s->bad++;
			continue;
		}
		memcpy(&ctr, d + s->len - 4, sizeof(ctr));
		if (ctr != (uint32_t)s->next_ctr)
			s->bad++;
		s->next_ctr++;
	}
}

int pipe_tx_prime(struct pipe_bed *b, struct rte_mempool *mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	struct rte_mbuf **tx;
	uint16_t port, n;

	if (m == NULL || (eh = (void *)rte_pktmbuf_append(m, 60)) == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memset(eh, 0, 60);
	eh->dst_addr = pipe_guest_mac(0);
	eh->src_addr = pipe_wire_station;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	l2sw_forward_burst(b->sw, b->out, PIPE_WIRE_PORT, &m, 1, rte_rdtsc());
	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		rte_pktmbuf_free_bulk(tx, n);
		l2sw_out_done(b->out, port, n);
	}
	return 0;
}

static void tx_frame_init(struct pipe_guest *g, uint32_t frame_len)
{
	struct tl_seg s = tl_seg_default(1, 4, (uint16_t)(frame_len - 54));
	struct rte_ether_addr src = pipe_guest_mac(0);

	s.ts = false;
	g->tx_len = tl_build_frame(&s, g->tx_frame);
	memcpy(g->tx_frame, &pipe_wire_station, RTE_ETHER_ADDR_LEN);
	memcpy(g->tx_frame + RTE_ETHER_ADDR_LEN, &src, RTE_ETHER_ADDR_LEN);
}

/* One Dom0 pass: a guest-TX burst, switched; the sink's check is taken out of the time. */
static void tx_dom0_pass(struct pipe_bed *b, struct xen_hv *hv, struct tx_sink *s,
			 struct pipe_result *r)
{
	struct rte_mbuf *pkts[64], **tx;
	uint64_t t0 = rte_rdtsc(), t1, start = t0, paused = 0, got = s->got;
	uint16_t n = pipe_vif_receive(&b->vif[0], hv, pkts), port;

	if (n > 0)
		l2sw_forward_burst(b->sw, b->out, 1, pkts, n, t0);
	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		if (port == PIPE_WIRE_PORT) {
			t1 = rte_rdtsc();
			sink_check(s, tx, n);
			paused += rte_rdtsc() - t1;
		} else {
			s->misrouted += n;
		}
		rte_pktmbuf_free_bulk(tx, n);
		l2sw_out_done(b->out, port, n);
	}
	pipe_clock_add(&r->dom0, rte_rdtsc() - start - paused, (s->got - got) * s->len,
		       b->guest[0].preempted_cycles);
}

int pipe_run_tx(const struct pipe_env *env, uint32_t frame_len, uint32_t packets,
		struct pipe_result *r, char *err, size_t err_len)
{
	uint64_t stuck = rte_get_tsc_hz() * PIPE_STUCK_SECONDS, last = rte_rdtsc(), seen = 0;
	struct tx_sink sink = { 0 };
	const struct nif_tx_stats *st;
	struct pipe_bed b;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (frame_len < 60 || frame_len > 1514 ||
	    pipe_bed_create(&b, env, 1, NIF_LAYOUT_PACKED, NULL, 0) != 0 || pipe_tx_prime(&b, env->pool)) {
		snprintf(err, err_len, "cannot build the guest TX test bed");
		return -1;
	}
	tx_frame_init(&b.guest[0], frame_len);
	sink.frame = b.guest[0].tx_frame;
	sink.len = b.guest[0].tx_len;
	while (sink.got + sink.misrouted < packets) {
		if (pipe_guest_tx(&b.guest[0], packets) != 0) {
			snprintf(err, err_len, "guest TX queue broken");
			goto out;
		}
		tx_dom0_pass(&b, env->hv, &sink, r);
		if (sink.got != seen) {
			seen = sink.got;
			last = rte_rdtsc();
		} else if (rte_rdtsc() - last > stuck) {
			snprintf(err, err_len, "guest TX: no progress for %d s", PIPE_STUCK_SECONDS);
			goto out;
		}
	}
	st = nif_txq_stats(b.vif[0].txq);
	r->domu = b.guest[0].clock;
	r->dom0_cycles = pipe_clock_estimate(&r->dom0);
	r->domu_cycles = pipe_clock_estimate(&r->domu);
	r->gen_pkts = b.guest[0].tx_posted;
	r->pkts = sink.got;
	r->frame_bytes = sink.got * sink.len;
	r->slots = st->tx_slots;
	r->nif_pkts = st->tx_packets;
	r->gcopy_segs = st->gcopy_segs;
	r->gcopy_batches = st->gcopy_batches;
	if (sink.bad || sink.misrouted || st->tx_error_rsp || r->nif_pkts != sink.got ||
	    r->gen_pkts != packets) {
		snprintf(err, err_len, "guest TX: %" PRIu64 " bad, %" PRIu64 " misrouted, %" PRIu64
			 " error responses, %" PRIu64 " posted / %" PRIu64 " at the sink",
			 sink.bad, sink.misrouted, st->tx_error_rsp, r->gen_pkts, sink.got);
		goto out;
	}
	rc = 0;
out:
	pipe_bed_destroy(&b, env);
	return rc;
}
