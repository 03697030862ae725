/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: poll every port, pass its burst through ingress (ingress.c: LRO, linearize),
 * switch by MAC, and hand each destination its frames in one burst, sent by egress.c or
 * through the hand-off ring of the worker that owns it. Nothing here allocates (but mbufs),
 * locks or logs.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "capture.h"
#include "dnb.h"

static uint32_t mbufs_of(struct rte_mbuf *const *pkts, uint16_t n)
{
	uint32_t segs = 0;

	for (uint16_t i = 0; i < n; i++)
		segs += pkts[i]->nb_segs;
	return segs;
}

/*
 * Frames switched for a port another worker owns wait in its hand-off ring, as many as fit
 * the port's and all ports' share of buffers (see DNB_HANDOFF_PORT_SHARE). The shares are
 * reserved before the enqueue, so they are never exceeded by more than what the other
 * workers reserve at the same moment and give back (at most one burst each).
 */
static uint16_t handoff(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf **pkts,
			uint16_t n)
{
	uint32_t port_room, all_room, segs = 0, held;
	uint16_t k, done;

	held = atomic_load_explicit(&p->handoff_mbufs, memory_order_relaxed);
	port_room = held < app->handoff_port_cap ? app->handoff_port_cap - held : 0;
	held = atomic_load_explicit(&app->handoff_mbufs, memory_order_relaxed);
	all_room = held < app->handoff_all_cap ? app->handoff_all_cap - held : 0;
	for (k = 0; k < n && segs + pkts[k]->nb_segs <= RTE_MIN(port_room, all_room); k++)
		segs += pkts[k]->nb_segs;
	atomic_fetch_add_explicit(&p->handoff_mbufs, segs, memory_order_relaxed);
	atomic_fetch_add_explicit(&app->handoff_mbufs, segs, memory_order_relaxed);
	done = (uint16_t)rte_ring_enqueue_burst(p->handoff, (void **)pkts, k, NULL);
	if (done > 0)
		dnb_sleep_wake_parked(&app->workers[p->owner]);
	if (done < k) {
		uint32_t back = mbufs_of(pkts + done, k - done);

		atomic_fetch_sub_explicit(&p->handoff_mbufs, back, memory_order_relaxed);
		atomic_fetch_sub_explicit(&app->handoff_mbufs, back, memory_order_relaxed);
	}
	if (done < n) /* the switch frees them and counts its tx_drop */
		atomic_fetch_add_explicit(&p->handoff_drops, n - done, memory_order_relaxed);
	return done;
}

static void egress_all(struct dnb_worker *w, struct l2sw_out *swout)
{
	struct dnb_app *app = w->app;
	struct rte_mbuf **tx;
	uint16_t port, n;

	while ((n = l2sw_out_next(swout, &port, &tx)) != 0) {
		struct dnb_port *p = &app->ports[port];
		uint16_t taken;

		if (p->owner == w->index)
			taken = dnb_port_tx(app, p, tx, n);
		else
			taken = handoff(app, p, tx, n);
		l2sw_out_done(swout, port, taken);
	}
}

/* Transmit what other workers switched to @p p. */
static uint16_t drain_handoff(struct dnb_app *app, struct dnb_port *p)
{
	struct rte_mbuf *pkts[DNB_BURST];
	unsigned int n;

	if (p->handoff == NULL)
		return 0;
	n = rte_ring_dequeue_burst(p->handoff, (void **)pkts, DNB_BURST, NULL);
	if (n > 0) {
		uint32_t segs = mbufs_of(pkts, (uint16_t)n);

		atomic_fetch_sub_explicit(&p->handoff_mbufs, segs, memory_order_relaxed);
		atomic_fetch_sub_explicit(&app->handoff_mbufs, segs, memory_order_relaxed);
		p->stats.handoff_pkts += n;
		dnb_port_tx(app, p, pkts, (uint16_t)n);
	}
	return (uint16_t)n;
}

/* One pass over @p p: returns the packets it moved. */
static uint16_t poll_port(struct dnb_worker *w, struct dnb_port *p, struct l2sw_out *swout,
			  uint64_t now)
{
	struct dnb_app *app = w->app;
	struct rte_mbuf *pkts[DNB_BURST], *fwd[DNB_BURST * LRO_OUT_PER_PKT];
	uint16_t nb, nb_fwd, q = 0;

	/* A multi-queue guest sends on every ring: take the first queue with packets, and start
	 * the next poll one queue further so no ring is starved. */
	nb = 0;
	for (uint16_t k = 0; k < p->nb_queues && nb == 0; k++) {
		q = (uint16_t)((p->next_rxq + k) % p->nb_queues);
		nb = rte_eth_rx_burst(p->port_id, q, pkts, DNB_BURST);
	}
	if (p->nb_queues > 1)
		p->next_rxq = (uint16_t)((p->next_rxq + 1) % p->nb_queues);
	p->stats.rx_pkts += nb;
	dnb_capture_hook(p, q, pkts, nb, false);
	nb_fwd = dnb_ingress_burst(app, p, pkts, nb, now, fwd, RTE_DIM(fwd));
	if (nb_fwd == 0)
		return nb;
	l2sw_forward_burst(dnb_port_l2sw(app, p), swout, p->port_id, fwd, nb_fwd, now);
	egress_all(w, swout);
	return nb;
}

/* One output per switch: a switch's output holds frames for its own ports only. */
static int outs_create(struct dnb_worker *w, struct l2sw_out **outs)
{
	struct dnb_app *app = w->app;

	for (unsigned int s = 0; s < app->nb_switches; s++) {
		outs[s] = l2sw_out_create(app->switches[s].l2, DNB_BURST * LRO_OUT_PER_PKT,
					  (int)rte_socket_id());
		if (outs[s] == NULL) {
			DNB_LOG(ERR, "worker %u: cannot create the output of switch %s: %s",
				w->index, app->switches[s].name, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

static void outs_free(struct dnb_app *app, struct l2sw_out **outs)
{
	for (unsigned int s = 0; s < app->nb_switches; s++)
		l2sw_out_free(outs[s]);
}

int dnb_worker_main(void *arg)
{
	struct dnb_worker *w = arg;
	struct dnb_app *app = w->app;
	struct l2sw_out *outs[DNB_MAX_SWITCHES] = {NULL};

	if (outs_create(w, outs) != 0) {
		outs_free(app, outs);
		atomic_store(&app->quit, true);
		return -ENOMEM;
	}
	dnb_sleep_busy(w, rte_rdtsc());
	atomic_store(&w->running, true);
	while (!atomic_load_explicit(&app->quit, memory_order_relaxed)) {
		struct dnb_port_table *t = atomic_load_explicit(&app->table, memory_order_acquire);
		uint64_t now = rte_rdtsc();
		unsigned int moved = 0;

		for (unsigned int i = 0; i < t->nb; i++) {
			struct dnb_port *p = t->ports[i];
			uint64_t start;
			uint16_t n;

			if (p->owner != w->index)
				continue;
			start = rte_rdtsc();
			dnb_port_tx_kick(p);
			n = drain_handoff(app, p) + poll_port(w, p, outs[p->sw], now);
			if (n > 0) {
				p->stats.busy_cycles += rte_rdtsc() - start;
				moved += n;
			}
		}
		atomic_fetch_add_explicit(&w->epoch, 1, memory_order_release);
		if (moved > 0)
			dnb_sleep_busy(w, now);
		else
			dnb_sleep_idle(w, t, now);
	}
	atomic_store(&w->running, false);
	outs_free(app, outs);
	return 0;
}

void dnb_table_update(struct dnb_app *app, struct dnb_port *add, struct dnb_port *remove)
{
	struct dnb_port_table *old = atomic_load(&app->table);
	struct dnb_port_table *t = rte_zmalloc("dnb_port_table", sizeof(*t), 0);

	if (t == NULL) {
		DNB_LOG(ERR, "no memory for the port table: port change lost");
		return;
	}
	for (unsigned int i = 0; i < old->nb; i++)
		if (old->ports[i] != remove)
			t->ports[t->nb++] = old->ports[i];
	if (add != NULL && t->nb < RTE_DIM(t->ports))
		t->ports[t->nb++] = add;
	t->gen = old->gen + 1;
	atomic_store_explicit(&app->table, t, memory_order_release);
	dnb_workers_sync(app);
	rte_free(old);
}

void dnb_workers_sync(struct dnb_app *app)
{
	unsigned long epoch[DNB_MAX_WORKERS];

	/* A sleeping worker must arm a new port's queues, and pass its epochs. */
	for (unsigned int w = 0; w < app->nb_workers; w++)
		dnb_worker_wake(&app->workers[w]);
	/* Two epochs later a worker has started a pass after the caller's change. */
	for (unsigned int w = 0; w < app->nb_workers; w++)
		epoch[w] = atomic_load(&app->workers[w].epoch);
	for (unsigned int w = 0; w < app->nb_workers; w++)
		while (atomic_load(&app->workers[w].running) &&
		       atomic_load(&app->workers[w].epoch) - epoch[w] < 2)
			rte_pause();
}
