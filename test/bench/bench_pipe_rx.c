/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One guest-RX run of dpdk-netback-bench: build the test bed, push the trace through, take
 * it down, and check that every byte arrived.
 *
 * The generator is the wire port's NIC and is lossless: it hands over a new burst only when
 * the wire worker's vif backlogs and hand-off queues are empty, so the datapath runs at its
 * own saturation rate and nothing is dropped for lack of guest buffers. Dom0 cycles are the
 * TSC around aggregation, switching and the vif bursts (netif prepare, grant copy, finish,
 * mbuf free) in passes that moved something; DomU cycles are the guests' own
 * (bench_pipe_guest.c). Building the wire mbufs and checking delivered data are outside both.
 *
 * With two workers the split is the service's (app/fwd.c): worker 0 owns the wire port (LRO,
 * switch) and the even vifs, worker 1 the odd vifs, whose frames reach it through one
 * single-producer/single-consumer ring per vif. Each worker runs its own guests' consumers
 * between its passes, so the two cores carry backend and guests alike.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "bench_pipe.h"
#include "l2sw.h"

#define GEN_BURST 32
#define ENG_OUT 1024u
#define HANDOFF_RING 1024u
/* The generator waits while a hand-off ring holds more than this many frames, and worker 1
 * takes a ring's frames only into an empty backlog: with LRO a frame is an aggregate of up
 * to 45 mbufs, and the wire pool must not run dry because worker 0 ran ahead. */
#define HANDOFF_AHEAD 64u

struct rx_loop;

/* A vif owned by worker 1: what worker 0 switched to it, on its way through the ring. */
struct rx_remote_vif {
	struct rte_ring *handoff;
	struct rte_mbuf **pend;    /* worker 0: switched, not yet in the ring */
	uint32_t nb_pend;
} __rte_cache_aligned;

struct rx_worker {
	struct rx_loop *l;
	uint32_t index;
	struct xen_hv *hv;         /* the sim's handles are per thread, like xenvif's per queue */
	struct pipe_clock dom0;
	char err[128];
	int rc;
} __rte_cache_aligned;

struct rx_loop {
	const struct pipe_env *env;
	struct pipe_bed *bed;
	struct bf_gen *gen;
	struct pipe_eng *eng;
	struct rte_mempool *pool;
	enum pipe_engine kind;
	uint32_t packets, nb_workers;
	bool wall_budget;
	uint64_t preempted_cycles;
	struct pipe_result *r;
	/* Worker 1 reads what is above on every pass: worker 0's own counters and clock go
	 * on lines of their own, as each worker's and each remote vif's state. */
	struct bf_counts sent __rte_cache_aligned;
	struct pipe_vclock clk __rte_cache_aligned; /* the wire worker's timeline */
	struct rx_worker w[PIPE_MAX_WORKERS];
	struct rx_remote_vif remote[PIPE_MAX_GUESTS];
	atomic_bool wire_done __rte_cache_aligned; /* worker 0 will hand off nothing more */
	atomic_bool failed;        /* a worker gave up: the other stops too */
};

static uint32_t vif_owner(const struct rx_loop *l, uint32_t vif)
{
	return vif % l->nb_workers;
}

/* Frame bytes worker @p w's vifs have delivered so far. */
static uint64_t vif_rx_bytes(const struct rx_loop *l, uint32_t w)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		if (vif_owner(l, i) == w)
			n += nif_rxq_stats(l->bed->vif[i].rxq)->rx_bytes;
	return n;
}

/* The largest queue worker 0 is filling: its vifs' backlogs and its hand-off pendings. */
static uint32_t wire_queue_max(const struct rx_loop *l)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		m = RTE_MAX(m, vif_owner(l, i) == 0 ? l->bed->vif[i].nb_backlog :
						      l->remote[i].nb_pend);
	return m;
}

static uint32_t wire_queue_sum(const struct rx_loop *l)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		n += vif_owner(l, i) == 0 ? l->bed->vif[i].nb_backlog : l->remote[i].nb_pend;
	return n;
}

/* May the generator hand over a new burst? Only when worker 0's queues are empty and no
 * other worker is far behind (lossless, bounded). */
static bool wire_ready(const struct rx_loop *l)
{
	if (wire_queue_sum(l) != 0)
		return false;
	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		if (l->remote[i].handoff != NULL && rte_ring_count(l->remote[i].handoff) > HANDOFF_AHEAD)
			return false;
	return true;
}

/* Push what waits for another worker's vif into its ring. @return frame bytes handed off. */
static uint64_t handoff_push(struct rx_remote_vif *rv)
{
	uint32_t n = rte_ring_enqueue_burst(rv->handoff, (void **)rv->pend, rv->nb_pend, NULL);
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < n; i++)
		bytes += rv->pend[i]->pkt_len;
	if (n > 0 && n < rv->nb_pend)
		memmove(rv->pend, rv->pend + n, (rv->nb_pend - n) * sizeof(*rv->pend));
	rv->nb_pend -= n;
	return bytes;
}

/* The switch's output for each vif goes to its backlog (own vif) or its hand-off (another
 * worker's); anything else would be a switch bug and is left to the switch (a drop). */
static uint64_t drain_to_vifs(struct rx_loop *l)
{
	struct pipe_bed *b = l->bed;
	struct rte_mbuf **tx;
	uint16_t port, n;
	uint64_t handed = 0;

	while ((n = l2sw_out_next(b->out, &port, &tx)) != 0) {
		uint32_t take = 0, vif = port - 1u;

		if (port >= 1 && port <= b->nb_guests) {
			bool own = vif_owner(l, vif) == 0;
			struct rte_mbuf **q = own ? b->vif[vif].backlog : l->remote[vif].pend;
			uint32_t *nb_q = own ? &b->vif[vif].nb_backlog : &l->remote[vif].nb_pend;

			take = RTE_MIN(n, PIPE_BACKLOG_CAP - *nb_q);
			memcpy(q + *nb_q, tx, take * sizeof(*tx));
			*nb_q += take;
		}
		l2sw_out_done(b->out, port, (uint16_t)take);
	}
	for (uint32_t i = 0; i < b->nb_guests; i++)
		if (vif_owner(l, i) != 0 && l->remote[i].nb_pend > 0)
			handed += handoff_push(&l->remote[i]);
	return handed;
}

/* One pass of worker 0 (timed): aggregation, switch, own vifs' bursts, hand-offs. */
static bool wire_pass(struct rx_loop *l, struct rte_mbuf **pkts, uint16_t nb, bool final)
{
	static struct rte_mbuf *out[ENG_OUT];
	uint64_t t0 = rte_rdtsc(), bytes = vif_rx_bytes(l, 0), handed = 0;
	uint32_t room = RTE_MIN(ENG_OUT, PIPE_BACKLOG_CAP - wire_queue_max(l)), n, moved = 0;

	pipe_vclock_pass_begin(&l->clk);
	n = pipe_eng_step(l->eng, pkts, nb, &l->clk, final, out, room);
	if (n > 0)
		l2sw_forward_burst(l->bed->sw, l->bed->out, PIPE_WIRE_PORT, out, (uint16_t)n, t0);
	handed = drain_to_vifs(l);
	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		if (vif_owner(l, i) == 0)
			moved += pipe_vif_deliver(&l->bed->vif[i], l->w[0].hv);
	pipe_vclock_pass_end(&l->clk);
	if (nb > 0 || n > 0 || moved > 0 || handed > 0)
		pipe_clock_add(&l->w[0].dom0, rte_rdtsc() - t0,
			       vif_rx_bytes(l, 0) - bytes + handed, l->preempted_cycles);
	return nb > 0 || n > 0 || moved > 0 || handed > 0;
}

/* One pass of worker 1 (timed when it moved something): take hand-offs, vif bursts. */
static bool vif_pass(struct rx_worker *w)
{
	struct rx_loop *l = w->l;
	uint64_t t0 = rte_rdtsc(), bytes = vif_rx_bytes(l, w->index);
	uint32_t moved = 0;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++) {
		struct pipe_vif *v = &l->bed->vif[i];

		if (vif_owner(l, i) != w->index)
			continue;
		if (v->nb_backlog == 0)
			v->nb_backlog = rte_ring_dequeue_burst(l->remote[i].handoff,
							       (void **)v->backlog, HANDOFF_AHEAD,
							       NULL);
		moved += pipe_vif_deliver(v, w->hv);
	}
	if (moved > 0)
		pipe_clock_add(&w->dom0, rte_rdtsc() - t0, vif_rx_bytes(l, w->index) - bytes,
			       l->preempted_cycles);
	return moved > 0;
}

/* Worker @p w's guests consume what arrived. @return 1 moved, 0 nothing, -1 broken. */
static int guests_pass(struct rx_worker *w)
{
	struct rx_loop *l = w->l;
	bool moved = false;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++) {
		struct pipe_guest *g = &l->bed->guest[i];
		uint64_t before = g->pkts;

		if (vif_owner(l, i) != w->index)
			continue;
		if (pipe_guest_rx(g) != 0) {
			snprintf(w->err, sizeof(w->err), "guest %u: RX queue broken", i + 1);
			return -1;
		}
		moved |= g->pkts != before;
	}
	return moved ? 1 : 0;
}

/* Has worker @p w handed everything it got to its guests? */
static bool vifs_empty(const struct rx_worker *w)
{
	const struct rx_loop *l = w->l;

	for (uint32_t i = 0; i < l->bed->nb_guests; i++)
		if (vif_owner(l, i) == w->index &&
		    (l->bed->vif[i].nb_backlog > 0 ||
		     (w->index != 0 && !rte_ring_empty(l->remote[i].handoff))))
			return false;
	return true;
}

/* Progress watchdog: @return false when nothing moved for PIPE_STUCK_SECONDS. */
static bool progress(uint64_t *last, bool moved)
{
	uint64_t now = rte_rdtsc();

	if (moved)
		*last = now;
	return now - *last <= rte_get_tsc_hz() * PIPE_STUCK_SECONDS;
}

static int fail(struct rx_worker *w, const char *why)
{
	if (why != NULL)
		snprintf(w->err, sizeof(w->err), "%s", why);
	atomic_store(&w->l->failed, true);
	return w->rc = -1;
}

/* Worker 1's loop, on its own lcore. */
static int vif_worker_main(void *arg)
{
	struct rx_worker *w = arg;
	uint64_t last = rte_rdtsc();

	for (;;) {
		bool done = atomic_load_explicit(&w->l->wire_done, memory_order_acquire);
		bool moved = vif_pass(w);
		int g = guests_pass(w);

		if (g < 0)
			return fail(w, NULL);
		if (done && vifs_empty(w))
			return w->rc = 0;
		if (atomic_load_explicit(&w->l->failed, memory_order_relaxed))
			return fail(w, "stopped: the other worker failed");
		if (!progress(&last, moved || g > 0))
			return fail(w, "vif worker: no progress");
	}
}

/* Worker 0's loop: the generator (the NIC), the wire pass, its guests. */
static int wire_worker_main(struct rx_loop *l)
{
	struct rx_worker *w = &l->w[0];
	struct rte_mbuf *pkts[GEN_BURST];
	uint64_t generated = 0, last = rte_rdtsc();

	for (;;) {
		bool final = generated >= l->packets, moved;
		uint16_t nb = 0;
		int g;

		if (!final && wire_ready(l)) {
			nb = (uint16_t)RTE_MIN(l->packets - generated, (uint64_t)GEN_BURST);
			if (bf_build_burst(l->gen, l->pool, pkts, nb, true, &l->sent) != 0)
				return fail(w, "wire mbuf pool exhausted");
			generated += nb;
		}
		moved = wire_pass(l, pkts, nb, final);
		g = guests_pass(w);
		if (g < 0)
			return fail(w, NULL);
		if (final && wire_queue_sum(l) == 0 && pipe_eng_held(l->eng) == 0)
			break;
		if (atomic_load_explicit(&l->failed, memory_order_relaxed))
			return fail(w, "stopped: the other worker failed");
		if (!progress(&last, moved || g > 0))
			return fail(w, "wire worker: no progress");
	}
	atomic_store_explicit(&l->wire_done, true, memory_order_release);
	return w->rc = 0;
}

/* Run the workers; @return 0 or -1 with the first failure's reason in @p err. */
static int rx_loop_run(struct rx_loop *l, char *err, size_t len)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint64_t t0 = rte_rdtsc();
	int rc;

	pipe_vclock_init(&l->clk, l->preempted_cycles, l->wall_budget);
	if (l->nb_workers > 1 && rte_eal_remote_launch(vif_worker_main, &l->w[1], lcore) != 0) {
		snprintf(err, len, "cannot start the second worker on lcore %u", lcore);
		return -1;
	}
	rc = wire_worker_main(l);
	if (l->nb_workers > 1)
		rc |= rte_eal_wait_lcore(lcore);
	l->r->wall_cycles = rte_rdtsc() - t0;
	/* the first cause, not a worker that only stopped because the other failed */
	for (uint32_t pass = 0; pass < 2 && rc != 0; pass++)
		for (uint32_t i = 0; i < l->nb_workers; i++)
			if (l->w[i].rc != 0 &&
			    (pass == 1 || strncmp(l->w[i].err, "stopped", 7) != 0)) {
				snprintf(err, len, "worker %u: %s", i, l->w[i].err);
				return -1;
			}
	return rc == 0 ? 0 : -1;
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

		pipe_clock_merge(&r->domu, &g->clock);
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
	for (uint32_t w = 0; w < l->nb_workers; w++) {
		uint64_t c = pipe_clock_estimate(&l->w[w].dom0);

		pipe_clock_merge(&r->dom0, &l->w[w].dom0);
		r->dom0_worker_cycles[w] = c;
		r->dom0_cycles += c;
		r->dom0_bottleneck_cycles = RTE_MAX(r->dom0_bottleneck_cycles, c);
	}
	r->workers = l->nb_workers;
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


/* The hand-off rings and queues for the vifs worker 0 does not own. */
static int remotes_create(struct rx_loop *l)
{
	for (uint32_t i = 0; i < l->bed->nb_guests; i++) {
		char name[RTE_RING_NAMESIZE];

		if (vif_owner(l, i) == 0)
			continue;
		snprintf(name, sizeof(name), "bench_handoff_%u", i);
		l->remote[i].handoff = rte_ring_create(name, HANDOFF_RING, SOCKET_ID_ANY,
						       RING_F_SP_ENQ | RING_F_SC_DEQ);
		l->remote[i].pend = calloc(PIPE_BACKLOG_CAP, sizeof(*l->remote[i].pend));
		if (l->remote[i].handoff == NULL || l->remote[i].pend == NULL)
			return -1;
	}
	return 0;
}

static void remotes_free(struct rx_loop *l)
{
	for (uint32_t i = 0; i < PIPE_MAX_GUESTS; i++) {
		struct rx_remote_vif *rv = &l->remote[i];
		struct rte_mbuf *m;

		if (rv->pend != NULL)
			rte_pktmbuf_free_bulk(rv->pend, rv->nb_pend);
		while (rv->handoff != NULL && rte_ring_dequeue(rv->handoff, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(rv->handoff);
		free(rv->pend);
	}
	memset(l->remote, 0, sizeof(l->remote));
}

static int workers_create(struct rx_loop *l, const struct pipe_run_conf *rc)
{
	l->nb_workers = rc->workers == 0 ? 1 : rc->workers;
	if (l->nb_workers > PIPE_MAX_WORKERS || l->nb_workers > rc->nb_guests ||
	    (l->nb_workers > 1 && rte_lcore_count() < l->nb_workers))
		return -1;
	for (uint32_t w = 0; w < l->nb_workers; w++) {
		l->w[w].l = l;
		l->w[w].index = w;
		l->w[w].hv = w == 0 ? l->env->hv : xen_hv_open(l->env->hv->ops);
		if (l->w[w].hv == NULL)
			return -1;
	}
	return 0;
}

static void workers_free(struct rx_loop *l)
{
	for (uint32_t w = 1; w < PIPE_MAX_WORKERS; w++)
		if (l->w[w].hv != NULL)
			xen_hv_close(l->w[w].hv);
}

/* Everything a run needs besides the flows: engine, bed, workers, hand-off rings. */
static int rx_bed_up(struct rx_loop *l, const struct pipe_run_conf *rc, uint32_t flows,
		     char *err, size_t err_len)
{
	l->eng = pipe_eng_create(rc->eng, rc->timeout_us, rc->lro_max_ip_len, l->env->big_pool);
	if (l->eng == NULL ||
	    pipe_bed_create(l->bed, l->env, rc->nb_guests, rc->layout, l->gen, flows) != 0) {
		snprintf(err, err_len, "cannot build the test bed (guests, vifs, switch, engine)");
		return -1;
	}
	if (workers_create(l, rc) != 0 || remotes_create(l) != 0) {
		snprintf(err, err_len, "cannot set up %u workers for %u guests (%u lcores)",
			 rc->workers, rc->nb_guests, rte_lcore_count());
		return -1;
	}
	return 0;
}

static void rx_bed_down(struct rx_loop *l)
{
	remotes_free(l);
	workers_free(l);
	if (l->bed->sw != NULL)
		pipe_bed_destroy(l->bed, l->env);
	pipe_eng_free(l->eng);
}

int pipe_run_rx(const struct pipe_env *env, const struct pipe_run_conf *rc,
		struct pipe_result *r, char *err, size_t err_len)
{
	struct rte_ether_addr macs[PIPE_MAX_GUESTS];
	struct bf_opts fo = rc->fo;
	struct pipe_bed bed = { 0 };
	struct bf_gen gen;
	struct rx_loop *l = rte_zmalloc("bench_rx_loop", sizeof(*l), RTE_CACHE_LINE_SIZE);
	uint32_t *start_seq = NULL;
	int rc_run = -1;

	memset(r, 0, sizeof(*r));
	if (l == NULL || rc->nb_guests == 0 || rc->nb_guests > PIPE_MAX_GUESTS) {
		snprintf(err, err_len, "guests: 1..%u", PIPE_MAX_GUESTS);
		rte_free(l);
		return -1;
	}
	*l = (struct rx_loop){ .env = env, .bed = &bed, .gen = &gen, .pool = env->pool,
			       .kind = rc->eng, .packets = rc->packets, .r = r,
			       .wall_budget = rc->wall_budget,
			       .preempted_cycles = rte_get_tsc_hz() / 1000000 * PIPE_PREEMPTED_US };
	for (uint32_t i = 0; i < rc->nb_guests; i++)
		macs[i] = pipe_guest_mac(i);
	fo.seq_payload = true;
	fo.dst_macs = macs;
	fo.nb_dst = rc->nb_guests;
	if (bf_gen_init(&gen, &fo) != 0) {
		snprintf(err, err_len, "cannot set up the flows");
		rte_free(l);
		return -1;
	}
	start_seq = calloc(fo.flows, sizeof(*start_seq));
	for (uint32_t f = 0; start_seq != NULL && f < fo.flows; f++)
		start_seq[f] = gen.flow[f].next.seq;
	if (start_seq != NULL && rx_bed_up(l, rc, fo.flows, err, err_len) == 0) {
		rc_run = rx_loop_run(l, err, err_len);
		if (rc_run == 0)
			rc_run = rx_collect(l, start_seq, err, err_len);
	}
	rx_bed_down(l);
	free(start_seq);
	bf_gen_free(&gen);
	rte_free(l);
	return rc_run;
}
