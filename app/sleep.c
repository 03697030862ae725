/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's sleep when its ports are idle, the one reader of --idle-sleep-us: a polling
 * loop that never sleeps burns a core while no guest sends, which in a Dom0 of two vCPUs
 * is CPU the guests and the kernel do not get. After OVS-DPDK's pmd-sleep and VPP's
 * adaptive mode, on Xen's own mechanism (xen-netback's RING_FINAL_CHECK_FOR_REQUESTS):
 *
 *  - Busy: the worker polls and makes no system call for this. Once DNB_POLL_WINDOW_US
 *    have passed without a packet:
 *  - Arm: each vif queue of the worker takes the guest's pending kicks off its event
 *    channel and arms the ring's req_event (rte_eth_dev_rx_intr_enable, net_xenvif), so the
 *    guest's next request notifies. The worker's next pass polls once more, which catches
 *    what the guest posted before the arm.
 *    A wire port is armed by its RX interrupts where its driver has them (virtio-user's
 *    call eventfds, a NIC's vectors, net_tap's queues), else, on net_af_packet, by emptying
 *    its wake-up socket (wire_wake.c); dnb_sleep_wire_setup chose which when it started.
 *  - Sleep, if that pass found nothing, in epoll on those fds and the worker's eventfd
 *    (hand-offs from other workers, a new port table, quit). A port that cannot wake it
 *    (net_af_xdp) makes the sleep a nap of --idle-sleep-us at most, then one pass: it
 *    stays armed, and sleeps again at once if that pass is empty. An event makes it poll
 *    for the window again, with the wire ports' interrupts off.
 *
 * The poll window is DNB_POLL_WINDOW_US: a reply from the wire comes back within it on a
 * host of today. What a sleep cycle costs the worker is measured (its own CPU time over
 * the arm, the look after it, the sleep's system calls and the wake-up's reads) and shown
 * in telemetry. Making the window that long (spin-then-block) was tried and left: in the
 * real-Xen suite's PV Dom0 under emulation a cycle cost 330-490 us, and the longer window
 * did not bring request/response closer to polling (BENCHMARKS.md).
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

/* Polling goes on this long after the last packet before the worker arms its queues. */
#define DNB_POLL_WINDOW_US 200
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

/* A sleep cycle ended (a wake-up or a nap's end): its CPU time into the telemetry's sum. */
static void cycle_end(struct dnb_worker *w)
{
	struct dnb_sleep *s = &w->sleep;
	uint64_t now = thread_cpu_ns();

	if (s->cycle_ns == 0 || now < s->cycle_ns)
		return;
	atomic_fetch_add_explicit(&s->cycle_cpu_ns, now - s->cycle_ns, memory_order_relaxed);
	s->cycle_ns = now; /* a nap's end: the next sleep, still armed, is a new cycle */
}

static int epoll_add(int epfd, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u32 = tag};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* A new epoll set for table @p t: the worker's eventfd, then each queue armed below. */
static int epoll_remake(struct dnb_sleep *s, const struct dnb_port_table *t)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_add(s->epfd, s->wake_fd, DNB_SLEEP_WAKE_FD, EPOLLIN) < 0) {
		DNB_LOG(ERR, "worker sleep set: %s; polling on", strerror(errno));
		return -errno;
	}
	s->table_gen = t->gen;
	return 0;
}

/*
 * Queue @p q's RX interrupt enabled; @return its fd, or -1 when it has none. A driver may
 * have the fds without the operation (net_tap: its queue's fd, readable while frames
 * wait): -ENOTSUP from the enable is taken as always enabled, as l3fwd-power takes it.
 */
static int queue_intr_enable(uint16_t port_id, uint16_t q)
{
	int rc = rte_eth_dev_rx_intr_enable(port_id, q);

	if (rc != 0 && rc != -ENOTSUP)
		return -1;
	return rte_eth_dev_rx_intr_ctl_q_get_fd(port_id, q);
}

/* @p p's RX interrupts wake the worker: log it and leave them off until the first arm. */
static bool wire_intr_use(struct dnb_port *p)
{
	if (queue_intr_enable(p->port_id, 0) < 0)
		return false;
	rte_eth_dev_rx_intr_disable(p->port_id, 0);
	DNB_LOG(NOTICE, "wire port %u: an idle worker wakes on its RX interrupts", p->port_id);
	return true;
}

/* In this order: a driver's own interrupts (the enable operation: virtio-user, a NIC),
 * net_af_packet's wake-up socket, fds without the operation (net_tap). The socket is
 * tried before the last, which would make ethdev log an error for a port with no
 * interrupt handle at all. */
void dnb_sleep_wire_setup(struct dnb_port *p)
{
	int rc = p->rx_intr ? rte_eth_dev_rx_intr_enable(p->port_id, 0) : -ENOTSUP;

	if (rc == 0 && wire_intr_use(p))
		return;
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	p->wake_fd = dnb_wire_wake_open(p->port_id);
	if (p->wake_fd >= 0) {
		p->rx_intr = false;
		DNB_LOG(NOTICE, "wire port %u: an idle worker wakes on its wake-up socket",
			p->port_id);
		return;
	}
	if (p->wake_fd != -ENOTSUP)
		DNB_LOG(WARNING, "wire port %u: no wake-up socket (%s)", p->port_id,
			strerror(-p->wake_fd));
	p->wake_fd = -1;
	if (p->rx_intr && rc == -ENOTSUP && wire_intr_use(p))
		return;
	p->rx_intr = false;
	DNB_LOG(NOTICE, "wire port %u: nothing wakes an idle worker for it: it naps at most "
		"--idle-sleep-us", p->port_id);
}

/*
 * Enable @p p's RX interrupts, each queue's fd in the epoll set when it is made again.
 * A vif's fd is level-triggered: its PMD takes the pending kicks off it when it enables
 * (xenvif_intr.c). A wire port's is edge-triggered, as EAL registers RX interrupt fds
 * (rte_intr_rx_ctl): a driver's fd may be one that must not be read (net_tap's queue) or
 * need not be (virtio-user's call eventfd, efd_counter_size 0). @return 0, or -1 when a
 * queue could not be armed (the worker then naps).
 */
static int queues_arm(struct dnb_sleep *s, struct dnb_port *p, bool remake)
{
	uint32_t events = p->is_vif ? EPOLLIN : EPOLLIN | EPOLLET;
	int rc = 0;

	for (uint16_t q = 0; q < p->nb_queues; q++) {
		int fd = queue_intr_enable(p->port_id, q);

		if (fd < 0) {
			rc = -1;
			continue;
		}
		p->rx_intr_armed = !p->is_vif; /* wires_disarm turns a wire's off again */
		if (remake && epoll_add(s->epfd, fd, 1, events) < 0)
			rc = -1;
	}
	return rc;
}

/*
 * A wire port wakes the worker by its RX interrupts where its driver has them, else by its
 * wake-up socket (net_af_packet); else the sleep is a nap. Which one a port has does not
 * change while it is in the table.
 */
static void wire_arm(struct dnb_sleep *s, struct dnb_port *p, bool remake)
{
	if (p->rx_intr && queues_arm(s, p, remake) == 0)
		return;
	if (p->wake_fd < 0) {
		s->nap = true; /* it cannot wake us: sleep no longer than a nap */
		return;
	}
	dnb_wire_wake_drain(p->wake_fd);
	if (remake && epoll_add(s->epfd, p->wake_fd, 1, EPOLLIN) < 0)
		s->nap = true;
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
		struct dnb_port *p = t->ports[i];

		if (p->owner != w->index)
			continue;
		if (!p->is_vif)
			wire_arm(s, p, remake);
		else if (queues_arm(s, p, remake) != 0)
			s->nap = true;
	}
	s->armed = true;
}

/* Awake: a wire port's interrupts off again, so its driver does not signal every frame
 * while the worker polls (l3fwd-power does the same). A vif's stay as they are: the
 * guest's kicks while the worker polls are what netback's would be. */
static void wires_disarm(struct dnb_worker *w, const struct dnb_port_table *t)
{
	for (unsigned int i = 0; i < t->nb; i++) {
		struct dnb_port *p = t->ports[i];

		if (p->owner != w->index || p->is_vif || !p->rx_intr_armed)
			continue;
		for (uint16_t q = 0; q < p->nb_queues; q++)
			rte_eth_dev_rx_intr_disable(p->port_id, q);
		p->rx_intr_armed = false;
	}
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
	if (!s->armed)
		wires_disarm(w, t);
	cycle_end(w);
	s->idle_since = rte_rdtsc(); /* something happened: poll for the window */
}

void dnb_sleep_idle(struct dnb_worker *w, const struct dnb_port_table *t, uint64_t now)
{
	struct dnb_sleep *s = &w->sleep;
	uint64_t window = w->app->tsc_hz / 1000000 * DNB_POLL_WINDOW_US;

	if (w->app->cfg.idle_sleep_us == 0 || now - s->idle_since < window)
		return;
	if (!s->armed || t->gen != s->table_gen) {
		s->cycle_ns = thread_cpu_ns();
		arm(w, t);
		return; /* the caller's next pass is the look after the arm */
	}
	if (s->epfd >= 0)
		sleep_now(w, t);
}
