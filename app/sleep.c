/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's sleep when its ports are idle, the one reader of --idle-sleep-us: a polling
 * loop that never sleeps burns a core while no guest sends, which in a Dom0 of two vCPUs
 * is CPU the guests and the kernel do not get. After OVS-DPDK's pmd-sleep and VPP's
 * adaptive mode, on Xen's own mechanism (xen-netback's RING_FINAL_CHECK_FOR_REQUESTS):
 *
 *  - Busy: the worker polls and makes no system call for this. Once its poll window has
 *    passed without a packet:
 *  - Arm: each vif queue of the worker takes the guest's pending kicks off its event
 *    channel and arms the ring's req_event (rte_eth_dev_rx_intr_enable, net_xenvif), so the
 *    guest's next request notifies. The worker's next pass polls once more, which catches
 *    what the guest posted before the arm.
 *    A wire port on net_af_packet is armed by emptying its wake-up socket (wire_wake.c).
 *  - Sleep, if that pass found nothing, in epoll on the vif queues' interrupt fds, the wire
 *    ports' wake-up sockets and the worker's eventfd (hand-offs from other workers, a new
 *    port table, quit). A port that cannot wake it (a wire port on net_af_xdp or a NIC: no
 *    RX interrupt used here) makes the sleep a nap of --idle-sleep-us at most, then one
 *    pass: it stays armed, and sleeps again at once if that pass is empty. An event makes
 *    it poll for the window again.
 *
 * The poll window is spin-then-block's (Karlin et al., "Empirical studies of competitive
 * spinning", SOSP 1991): poll for as long as a sleep costs, then sleep. Whatever the gap to
 * the next packet, the worker then spends at most twice the CPU of the better choice made
 * knowing it. What a sleep costs is measured, not assumed: the worker's own CPU time over
 * each sleep cycle (the arm, the look after it, the sleep's system calls, the wake-up's
 * reads), a moving average; the window is that, at least DNB_POLL_WINDOW_US (a reply from
 * the wire comes back within it on a host of today) and at most DNB_POLL_WINDOW_MAX_US (a
 * bound on what a bad sample can cost). A Dom0 whose system calls cost more (a PV Dom0's
 * trap through Xen, an emulated CPU) polls longer before it sleeps.
 *
 * Hand-off producers and the sleeper meet with seq_cst operations on both sides (the
 * producer enqueues then reads @c parked; the sleeper sets @c parked then looks at its
 * rings), so a frame is never left in a ring while its owner sleeps without a timeout.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dnb.h"

/* The poll window's bounds, and the weight of a new sample of a sleep cycle's cost. */
#define DNB_POLL_WINDOW_US 200
#define DNB_POLL_WINDOW_MAX_US 5000
#define DNB_SLEEP_COST_WEIGHT 8
/* Events one epoll_wait takes at most (the rest are seen at the next). */
#define DNB_SLEEP_EVENTS 16
/* epoll data of the worker's own eventfd; the ports' fds carry 1. */
#define DNB_SLEEP_WAKE_FD 0

int dnb_sleep_init(struct dnb_worker *w)
{
	struct dnb_sleep *s = &w->sleep;

	s->epfd = -1;
	s->table_gen = UINT64_MAX;
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return s->wake_fd < 0 ? -errno : 0;
}

void dnb_sleep_fini(struct dnb_worker *w)
{
	struct dnb_sleep *s = &w->sleep;

	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	s->epfd = s->wake_fd = -1;
}

void dnb_worker_wake(struct dnb_worker *w)
{
	uint64_t one = 1;

	/* A full counter already wakes it: nothing else can fail. */
	if (w->sleep.wake_fd >= 0 && write(w->sleep.wake_fd, &one, sizeof(one)) < 0)
		return;
}

void dnb_sleep_wake_parked(struct dnb_worker *w)
{
	atomic_thread_fence(memory_order_seq_cst); /* the enqueue before the look at parked */
	if (atomic_load_explicit(&w->sleep.parked, memory_order_relaxed))
		dnb_worker_wake(w);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The window: as long as a sleep cycle costs, within its bounds. */
static void window_set(struct dnb_worker *w)
{
	struct dnb_sleep *s = &w->sleep;
	uint64_t us = RTE_MIN(RTE_MAX(s->cost_ns / 1000, (uint64_t)DNB_POLL_WINDOW_US),
			      (uint64_t)DNB_POLL_WINDOW_MAX_US);

	s->window = w->app->tsc_hz / 1000000 * us;
	atomic_store_explicit(&s->window_us, us, memory_order_relaxed);
}

/* A sleep cycle ended (a wake-up or a nap's end): its cost into the average, the window. */
static void cycle_end(struct dnb_worker *w)
{
	struct dnb_sleep *s = &w->sleep;
	uint64_t now = thread_cpu_ns(), cost;

	if (s->cycle_ns == 0 || now < s->cycle_ns)
		return;
	cost = now - s->cycle_ns;
	atomic_fetch_add_explicit(&s->cycle_cpu_ns, cost, memory_order_relaxed);
	if (s->cost_ns == 0)
		s->cost_ns = cost;
	else
		s->cost_ns = s->cost_ns - s->cost_ns / DNB_SLEEP_COST_WEIGHT +
			     cost / DNB_SLEEP_COST_WEIGHT;
	s->cycle_ns = now; /* a nap's end: the next sleep, still armed, is a new cycle */
	window_set(w);
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* A new epoll set for table @p t: the worker's eventfd, then each queue armed below. */
static int epoll_remake(struct dnb_sleep *s, const struct dnb_port_table *t)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_add(s->epfd, s->wake_fd, DNB_SLEEP_WAKE_FD) < 0) {
		DNB_LOG(ERR, "worker sleep set: %s; polling on", strerror(errno));
		return -errno;
	}
	s->table_gen = t->gen;
	return 0;
}

/*
 * Arm every port the worker owns; one that cannot wake it makes the sleep a bounded nap.
 * With a new table, the epoll set is made again from the armed ports' fds.
 */
static void arm(struct dnb_worker *w, const struct dnb_port_table *t)
{
	struct dnb_sleep *s = &w->sleep;
	bool remake = t->gen != s->table_gen;

	if (remake && epoll_remake(s, t) < 0)
		return;
	s->nap = false;
	for (unsigned int i = 0; i < t->nb; i++) {
		const struct dnb_port *p = t->ports[i];

		if (p->owner != w->index)
			continue;
		if (!p->is_vif) {
			if (p->wake_fd < 0) {
				s->nap = true; /* it cannot wake us: sleep no longer than a nap */
				continue;
			}
			dnb_wire_wake_drain(p->wake_fd);
			if (remake && epoll_add(s->epfd, p->wake_fd, 1) < 0)
				s->nap = true;
			continue;
		}
		for (uint16_t q = 0; q < p->nb_queues; q++) {
			int fd;

			if (rte_eth_dev_rx_intr_enable(p->port_id, q) != 0) {
				s->nap = true;
				continue;
			}
			fd = remake ? rte_eth_dev_rx_intr_ctl_q_get_fd(p->port_id, q) : -1;
			if (remake && (fd < 0 || epoll_add(s->epfd, fd, 1) < 0))
				s->nap = true;
		}
	}
	s->armed = true;
}

/* Anything the worker must do now instead of sleeping? */
static bool must_poll(struct dnb_worker *w, const struct dnb_port_table *t)
{
	if (atomic_load_explicit(&w->app->quit, memory_order_relaxed) ||
	    atomic_load_explicit(&w->app->table, memory_order_relaxed) != t)
		return true;
	for (unsigned int i = 0; i < t->nb; i++) {
		const struct dnb_port *p = t->ports[i];

		if (p->owner == w->index &&
		    ((p->handoff != NULL && rte_ring_count(p->handoff) != 0) ||
		     dnb_ingress_holds(p)))
			return true;
	}
	return false;
}

static void sleep_now(struct dnb_worker *w, const struct dnb_port_table *t)
{
	struct dnb_sleep *s = &w->sleep;
	struct epoll_event ev[DNB_SLEEP_EVENTS];
	long ns = (long)w->app->cfg.idle_sleep_us * 1000;
	struct timespec nap = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	uint64_t drained;
	int n;

	atomic_store(&s->parked, true); /* seq_cst: before the look at the rings */
	if (must_poll(w, t)) {
		atomic_store_explicit(&s->parked, false, memory_order_relaxed);
		return;
	}
	n = epoll_pwait2(s->epfd, ev, DNB_SLEEP_EVENTS, s->nap ? &nap : NULL, NULL);
	atomic_store_explicit(&s->parked, false, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sleeps, 1, memory_order_relaxed);
	if (n <= 0) {
		atomic_fetch_add_explicit(&s->wake_timeouts, 1, memory_order_relaxed);
		cycle_end(w);
		return; /* still armed: one pass, then asleep again if it is empty */
	}
	atomic_fetch_add_explicit(&s->wake_events, 1, memory_order_relaxed);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == DNB_SLEEP_WAKE_FD) {
			if (read(s->wake_fd, &drained, sizeof(drained)) < 0)
				drained = 0; /* EAGAIN: another read took it */
		} else {
			s->armed = false; /* a kick or a frame: to be emptied and unmasked again */
		}
	}
	cycle_end(w);
	s->idle_since = rte_rdtsc(); /* something happened: poll for the window */
}

void dnb_sleep_idle(struct dnb_worker *w, const struct dnb_port_table *t, uint64_t now)
{
	struct dnb_sleep *s = &w->sleep;

	if (s->window == 0)
		window_set(w);
	if (w->app->cfg.idle_sleep_us == 0 || now - s->idle_since < s->window)
		return;
	if (!s->armed || t->gen != s->table_gen) {
		s->cycle_ns = thread_cpu_ns();
		arm(w, t);
		return; /* the caller's next pass is the look after the arm */
	}
	if (s->epfd >= 0)
		sleep_now(w, t);
}
