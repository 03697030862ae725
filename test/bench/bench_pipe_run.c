/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One run of dnb-bench-pipeline: build the test bed (simulated guests, their vifs, the
 * switch), push the trace through, take it down, and check that every byte arrived.
 *
 * Guest RX: the generator is the wire port's NIC and is lossless: it hands over a new burst
 * only when every vif's backlog is empty, so the datapath runs at its own saturation rate
 * and nothing is dropped for lack of guest buffers. Dom0 cycles are the TSC around
 * aggregation, switching and the vif bursts (netif prepare, grant copy, finish, mbuf free);
 * DomU cycles are the guests' own (bench_pipe_guest.c). Building the wire mbufs and
 * checking delivered data are outside both.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"
#include "l2sw.h"

#define WIRE_PORT 0
#define GEN_BURST 32
#define ENG_OUT 1024u
/* A run that moves nothing for this long is stuck (a bug): it fails instead of hanging. */
#define STUCK_SECONDS 5

static const struct rte_ether_addr wire_station = { { 0x02, 0, 0, 0, 0, 0x02 } };

static struct rte_ether_addr guest_mac(uint32_t i)
{
	struct rte_ether_addr a = { { 0x02, 0, 0, 0, 0x01, (uint8_t)(i + 1) } };

	return a;
}

struct bed {
	uint32_t nb_guests;
	struct pipe_guest guest[PIPE_MAX_GUESTS];
	struct pipe_vif vif[PIPE_MAX_GUESTS];
	struct l2sw *sw;
	struct l2sw_out *out;
};

static void bed_destroy(struct bed *b, const struct pipe_env *env)
{
	l2sw_out_free(b->out);
	l2sw_free(b->sw);
	for (uint32_t i = 0; i < b->nb_guests; i++) {
		pipe_vif_destroy(&b->vif[i], env->hv);
		pipe_guest_destroy(&b->guest[i]);
	}
	memset(b, 0, sizeof(*b));
}

static int switch_create(struct bed *b)
{
	struct l2sw_conf sc = {
		.name = "bench", .socket_id = SOCKET_ID_ANY, .nb_ports = (uint16_t)(1 + b->nb_guests),
		.fdb_entries = 1024, .age_ticks = rte_get_tsc_hz() * 300,
	};
	struct l2sw_port_conf wire = { .kind = L2SW_PORT_WIRE };

	b->sw = l2sw_create(&sc);
	if (b->sw == NULL || l2sw_port_set(b->sw, WIRE_PORT, &wire) != 0)
		return -1;
	for (uint32_t i = 0; i < b->nb_guests; i++) {
		struct l2sw_port_conf vif = { .kind = L2SW_PORT_VIF, .mac = guest_mac(i) };

		if (l2sw_port_set(b->sw, (uint16_t)(1 + i), &vif) != 0)
			return -1;
	}
	b->out = l2sw_out_create(b->sw, PIPE_BACKLOG_CAP, SOCKET_ID_ANY);
	return b->out == NULL ? -1 : 0;
}

static int bed_create(struct bed *b, const struct pipe_env *env, uint32_t nb_guests,
		      enum nif_layout layout, const struct bf_gen *gen, uint32_t flows)
{
	memset(b, 0, sizeof(*b));
	for (uint32_t i = 0; i < nb_guests; i++) {
		if (pipe_guest_create(&b->guest[i], env->dir, (uint16_t)(1 + i), gen, flows) != 0)
			goto fail;
		b->nb_guests = i + 1;
		if (pipe_vif_create(&b->vif[i], env->hv, &b->guest[i], layout, env->tx_pool) != 0)
			goto fail;
	}
	if (switch_create(b) == 0)
		return 0;
fail:
	bed_destroy(b, env);
	return -1;
}

/* The switch's output for each vif goes to its backlog; anything else is freed (a drop). */
static void drain_to_vifs(struct bed *b)
{
	struct rte_mbuf **tx;
	uint16_t port, n;

	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		uint32_t take = 0;

		if (port >= 1 && port <= b->nb_guests) {
			struct pipe_vif *v = &b->vif[port - 1];

			take = RTE_MIN(n, PIPE_BACKLOG_CAP - v->nb_backlog);
			memcpy(v->backlog + v->nb_backlog, tx, take * sizeof(*tx));
			v->nb_backlog += take;
		}
		l2sw_out_done(b->out, port, (uint16_t)take);
	}
}

static uint32_t max_backlog(const struct bed *b)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < b->nb_guests; i++)
		m = RTE_MAX(m, b->vif[i].nb_backlog);
	return m;
}

/* Frame bytes the vifs have delivered so far. */
static uint64_t vif_rx_bytes(const struct bed *b)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < b->nb_guests; i++)
		n += nif_rxq_stats(b->vif[i].rxq)->rx_bytes;
	return n;
}

struct rx_loop {
	const struct pipe_env *env;
	struct bed *bed;
	struct bf_gen *gen;
	struct pipe_eng *eng;
	struct rte_mempool *pool;
	enum pipe_engine kind;
	uint32_t packets;
	uint64_t preempted_cycles;
	struct pipe_result *r;
	struct bf_counts sent;
};

/* One Dom0 pass (timed): aggregation, switch, vif bursts. @return whether anything moved. */
static bool dom0_pass(struct rx_loop *l, struct rte_mbuf **pkts, uint16_t nb, bool final)
{
	static struct rte_mbuf *out[ENG_OUT];
	uint64_t t0 = rte_rdtsc();
	uint32_t room = RTE_MIN(ENG_OUT, PIPE_BACKLOG_CAP - max_backlog(l->bed)), n, moved = 0;
	uint64_t bytes = vif_rx_bytes(l->bed);

	n = pipe_eng_step(l->eng, pkts, nb, t0, final, out, room);
	if (n > 0) {
		l2sw_forward_burst(l->bed->sw, l->bed->out, WIRE_PORT, out, (uint16_t)n, t0);
		drain_to_vifs(l->bed);
	}
	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		moved += pipe_vif_deliver(&l->bed->vif[i], l->env->hv);
	pipe_clock_add(&l->r->dom0, rte_rdtsc() - t0, vif_rx_bytes(l->bed) - bytes,
		       l->preempted_cycles);
	return nb > 0 || n > 0 || moved > 0;
}

static int rx_loop_run(struct rx_loop *l, char *err, size_t len)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint64_t generated = 0, last_progress = rte_rdtsc();
	uint64_t stuck = rte_get_tsc_hz() * STUCK_SECONDS;

	for (;;) {
		bool final = generated >= l->packets, moved;
		uint32_t backlog = 0;
		uint16_t nb = 0;

		for (uint32_t i = 0; i < l->bed->nb_guests; i++)
			backlog += l->bed->vif[i].nb_backlog;
		if (!final && backlog == 0) {
			nb = (uint16_t)RTE_MIN(l->packets - generated, (uint64_t)GEN_BURST);
			if (bf_build_burst(l->gen, l->pool, pkts, nb, true, &l->sent) != 0) {
				snprintf(err, len, "wire mbuf pool exhausted");
				return -1;
			}
			generated += nb;
		}
		moved = dom0_pass(l, pkts, nb, final);
		for (uint32_t i = 0; i < l->bed->nb_guests; i++) {
			uint64_t before = l->bed->guest[i].pkts;

			if (pipe_guest_rx(&l->bed->guest[i]) != 0) {
				snprintf(err, len, "guest %u: RX queue broken", i + 1);
				return -1;
			}
			moved |= l->bed->guest[i].pkts != before;
		}
		backlog = 0;
		for (uint32_t i = 0; i < l->bed->nb_guests; i++)
			backlog += l->bed->vif[i].nb_backlog;
		if (final && backlog == 0 && pipe_eng_held(l->eng) == 0)
			return 0;
		if (moved)
			last_progress = rte_rdtsc();
		else if (rte_rdtsc() - last_progress > stuck) {
			snprintf(err, len, "no progress for %d s (backlog %u)", STUCK_SECONDS, backlog);
			return -1;
		}
	}
}

/* Sum the guests' and the vifs' counters into @p r; check nothing was lost or changed. */
static int rx_collect(struct rx_loop *l, const uint32_t *start_seq, char *err, size_t len)
{
	struct pipe_result *r = l->r;
	uint64_t nif_bytes = 0, nif_drops = 0, gr_errors = 0, bad = 0, foreign = 0;
	struct l2sw_stats ss;

	r->gen_pkts = l->sent.pkts;
	r->gen_data = l->sent.data;
	r->gen_bytes = l->sent.bytes;
	for (uint32_t i = 0; i < l->bed->nb_guests; i++) {
		const struct pipe_guest *g = &l->bed->guest[i];
		const struct nif_rx_stats *st = nif_rxq_stats(l->bed->vif[i].rxq);

		r->domu.cycles += g->clock.cycles;
		r->domu.bytes += g->clock.bytes;
		r->domu.dropped_cycles += g->clock.dropped_cycles;
		r->domu.dropped_bytes += g->clock.dropped_bytes;
		r->domu.passes += g->clock.passes;
		r->domu.dropped_passes += g->clock.dropped_passes;
		r->pkts += g->pkts;
		r->data_pkts += g->data_pkts;
		r->payload_bytes += g->payload_bytes;
		r->frame_bytes += g->frame_bytes;
		bad += g->bad_payload;
		foreign += g->foreign;
		gr_errors += g->rxq->st.errors;
		r->slots += st->rx_slots;
		r->nif_pkts += st->rx_packets;
		nif_bytes += st->rx_bytes;
		r->gcopy_segs += st->gcopy_segs;
		r->gcopy_batches += st->gcopy_batches;
		nif_drops += st->rx_drop_too_many_slots + st->rx_drop_no_gso + st->rx_drop_bad_gso +
			     st->rx_drop_oversize + st->rx_drop_no_csum + st->rx_drop_bad_mbuf +
			     st->rx_drop_too_many_segs + st->rx_gcopy_err;
	}
	r->dom0_cycles = pipe_clock_estimate(&r->dom0);
	r->domu_cycles = pipe_clock_estimate(&r->domu);
	pipe_eng_linearize_counts(l->eng, &r->linearized, &r->linearize_fail);
	l2sw_stats_get(l->bed->sw, L2SW_PORT_ALL, &ss);
	if (bad || foreign || gr_errors || nif_drops || ss.tx_drop || ss.no_port || ss.spoofed) {
		snprintf(err, len, "data: %" PRIu64 " bad payload, %" PRIu64 " foreign, %" PRIu64
			 " guest errors, %" PRIu64 " netif drops, %" PRIu64 " switch drops", bad,
			 foreign, gr_errors, nif_drops, ss.tx_drop + ss.no_port + ss.spoofed);
		return -1;
	}
	if (r->nif_pkts != r->pkts || nif_bytes != r->frame_bytes || ss.rx_pkts != ss.tx_pkts ||
	    r->payload_bytes != r->gen_bytes || r->data_pkts > r->gen_data ||
	    (l->kind == PIPE_OFF && r->pkts != r->gen_pkts)) {
		snprintf(err, len, "counts: netif %" PRIu64 " pkts / guests %" PRIu64 ", bytes %"
			 PRIu64 "/%" PRIu64 ", payload %" PRIu64 " delivered / %" PRIu64 " sent",
			 r->nif_pkts, r->pkts, nif_bytes, r->frame_bytes, r->payload_bytes,
			 r->gen_bytes);
		return -1;
	}
	for (uint32_t f = 0; f < l->gen->o.flows; f++) {
		uint64_t got = 0;

		for (uint32_t i = 0; i < l->bed->nb_guests; i++)
			got += l->bed->guest[i].flow_bytes[f];
		if (got != (uint32_t)(l->gen->flow[f].next.seq - start_seq[f])) {
			snprintf(err, len, "flow %u: %" PRIu64 " bytes delivered, %u sent", f, got,
				 (uint32_t)(l->gen->flow[f].next.seq - start_seq[f]));
			return -1;
		}
	}
	return 0;
}

int pipe_run_rx(const struct pipe_env *env, const struct pipe_run_conf *rc,
		struct pipe_result *r, char *err, size_t err_len)
{
	struct rte_ether_addr macs[PIPE_MAX_GUESTS];
	struct bf_opts fo = rc->fo;
	struct bed bed;
	struct bf_gen gen;
	struct rx_loop l = { .env = env, .bed = &bed, .gen = &gen, .pool = env->pool,
			     .kind = rc->eng, .packets = rc->packets, .r = r,
			     .preempted_cycles = rte_get_tsc_hz() / 1000000 * PIPE_PREEMPTED_US };
	uint32_t *start_seq;
	int rc_run = -1;

	memset(r, 0, sizeof(*r));
	if (rc->nb_guests == 0 || rc->nb_guests > PIPE_MAX_GUESTS) {
		snprintf(err, err_len, "guests: 1..%u", PIPE_MAX_GUESTS);
		return -1;
	}
	for (uint32_t i = 0; i < rc->nb_guests; i++)
		macs[i] = guest_mac(i);
	fo.seq_payload = true;
	fo.dst_macs = macs;
	fo.nb_dst = rc->nb_guests;
	if (bf_gen_init(&gen, &fo) != 0) {
		snprintf(err, err_len, "cannot set up the flows");
		return -1;
	}
	start_seq = calloc(fo.flows, sizeof(*start_seq));
	for (uint32_t f = 0; start_seq != NULL && f < fo.flows; f++)
		start_seq[f] = gen.flow[f].next.seq;
	l.eng = pipe_eng_create(rc->eng, rc->timeout_us, rc->lro_max_ip_len, env->big_pool);
	if (start_seq == NULL || l.eng == NULL ||
	    bed_create(&bed, env, rc->nb_guests, rc->layout, &gen, fo.flows) != 0) {
		snprintf(err, err_len, "cannot build the test bed (guests, vifs, switch, engine)");
		goto out;
	}
	rc_run = rx_loop_run(&l, err, err_len);
	if (rc_run == 0)
		rc_run = rx_collect(&l, start_seq, err, err_len);
	bed_destroy(&bed, env);
out:
	pipe_eng_free(l.eng);
	free(start_seq);
	bf_gen_free(&gen);
	return rc_run;
}

/*
 * Guest TX: frames from guest 1 to the wire station, switched to the wire port, where a
 * sink (the "NIC") checks and frees them. The check is untimed; the free (a TX
 * completion) counts as Dom0 work.
 */
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

/* Teach the switch where the wire station is, as its first frame would. */
static int tx_prime(struct bed *b, struct rte_mempool *mp)
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
	eh->dst_addr = guest_mac(0);
	eh->src_addr = wire_station;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	l2sw_forward_burst(b->sw, b->out, WIRE_PORT, &m, 1, rte_rdtsc());
	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		rte_pktmbuf_free_bulk(tx, n);
		l2sw_out_done(b->out, port, n);
	}
	return 0;
}

static void tx_frame_init(struct pipe_guest *g, uint32_t frame_len)
{
	struct tl_seg s = tl_seg_default(1, 4, (uint16_t)(frame_len - 54));
	struct rte_ether_addr src = guest_mac(0);

	s.ts = false;
	g->tx_len = tl_build_frame(&s, g->tx_frame);
	memcpy(g->tx_frame, &wire_station, RTE_ETHER_ADDR_LEN);
	memcpy(g->tx_frame + RTE_ETHER_ADDR_LEN, &src, RTE_ETHER_ADDR_LEN);
}

/* One Dom0 pass: a guest-TX burst, switched; the sink's check is taken out of the time. */
static void tx_dom0_pass(struct bed *b, struct xen_hv *hv, struct tx_sink *s,
			 struct pipe_result *r)
{
	struct rte_mbuf *pkts[64], **tx;
	uint64_t t0 = rte_rdtsc(), t1, start = t0, paused = 0, got = s->got;
	uint16_t n = pipe_vif_receive(&b->vif[0], hv, pkts), port;

	if (n > 0)
		l2sw_forward_burst(b->sw, b->out, 1, pkts, n, t0);
	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		if (port == WIRE_PORT) {
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
	uint64_t stuck = rte_get_tsc_hz() * STUCK_SECONDS, last = rte_rdtsc(), seen = 0;
	struct tx_sink sink = { 0 };
	const struct nif_tx_stats *st;
	struct bed b;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (frame_len < 60 || frame_len > 1514 ||
	    bed_create(&b, env, 1, NIF_LAYOUT_PACKED, NULL, 0) != 0 || tx_prime(&b, env->pool)) {
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
			snprintf(err, err_len, "guest TX: no progress for %d s", STUCK_SECONDS);
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
	bed_destroy(&b, env);
	return rc;
}
