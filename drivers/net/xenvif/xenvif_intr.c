/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX interrupts for a caller that sleeps when idle (rte_eth_dev_rx_intr_enable and
 * rte_eth_dev_rx_intr_ctl_q_get_fd, as l3fwd-power or dpdk-netback's idle workers use
 * them): the guest's kick on its TX ring's event channel, as xen-netback's
 * xenvif_tx_interrupt is.
 *
 * A queue's interrupt fd is an epoll fd of two (as net_vhost proxies its kick fds): the
 * queue's hypervisor handle's event-channel file, readable when the guest notifies one of
 * the queue's ports; the queue's eventfd, which the control thread writes once it has
 * connected the queue (or resumed it), so a sleeping caller polls a new ring at once
 * whatever the state of its req_event; and a timerfd for requests that wait without the
 * guest kicking again: for the rate's next window (netback's credit timer), or for mbufs
 * (1 ms later). Nothing here reads these files in another thread.
 *
 * Enable, on the caller's lcore (like a burst, and excluded from a disconnect the same
 * way): take the delivered notifications off the event-channel file and unmask their ports
 * (a delivered port stays masked, so without this the guest's next kick would never reach
 * the file), then arm the TX ring's req_event (RING_FINAL_CHECK_FOR_REQUESTS) so that the
 * guest's next request notifies. Requests the guest posted before the arm did not notify:
 * the caller must poll the queue once more after enabling and before it sleeps. Disable
 * does nothing: while the caller polls, the guest stops notifying on its own once the ring
 * passes req_event. What a disconnected queue's file holds (Xen marks a port pending when
 * it is bound; a refused connect leaves that behind) the control thread throws away.
 */
/* rte_intr_instance_alloc and the accessors are experimental in DPDK 22.11 (stable since). */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>

#include "xenvif_internal.h"

/* Notifications taken off a connected queue's file per enable: its two ports, and room. */
#define XENVIF_INTR_DRAIN_MAX 8
/* ... and off a disconnected one's (the control path): what a ring of ports holds. */
#define XENVIF_INTR_RESET_MAX 1024
/* Requests waiting for anything but credit (mbufs) are looked at again this much later. */
#define XENVIF_INTR_RETRY_NS 1000000

int xenvif_intr_queue_init(struct xenvif_queue *q)
{
	q->intr_fd = -1;
	q->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	return q->wake_fd < 0 || q->timer_fd < 0 ? -errno : 0;
}

void xenvif_intr_queue_fini(struct xenvif_queue *q)
{
	if (q->wake_fd >= 0)
		close(q->wake_fd);
	if (q->timer_fd >= 0)
		close(q->timer_fd);
	q->wake_fd = q->timer_fd = -1;
}

/* Take up to @p max notifications off @p q's event-channel file; unmask their ports. */
static unsigned int drain_evtchn(struct xenvif_queue *q, unsigned int max)
{
	unsigned int n;

	for (n = 0; n < max; n++) {
		int port = xen_hv_evtchn_pending(q->hv);

		if (port < 0)
			break;
		xen_hv_evtchn_unmask(q->hv, (evtchn_port_t)port);
	}
	return n;
}

static void drain_wake(struct xenvif_queue *q)
{
	uint64_t v;

	if (read(q->wake_fd, &v, sizeof(v)) < 0)
		v = 0; /* EAGAIN: nothing was written */
	if (read(q->timer_fd, &v, sizeof(v)) < 0)
		v = 0; /* EAGAIN: not expired */
}

/* Requests wait on the ring without a kick to come: wake the caller when they may go. */
static void timer_arm(struct xenvif_queue *q)
{
	uint64_t at, now = rte_get_tsc_cycles(), ns = XENVIF_INTR_RETRY_NS;
	struct itimerspec its = {0};

	if (nif_tx_credit_timer(q->guest_tx, &at))
		ns = (int64_t)(at - now) <= 0 ? 1 : (at - now) * 1000000000 / rte_get_tsc_hz() + 1;
	its.it_value.tv_sec = (time_t)(ns / 1000000000);
	its.it_value.tv_nsec = (long)(ns % 1000000000);
	timerfd_settime(q->timer_fd, 0, &its, NULL); /* a valid fd and value: cannot fail */
}

void xenvif_intr_queue_reset(struct xenvif_queue *q)
{
	drain_evtchn(q, XENVIF_INTR_RESET_MAX);
}

void xenvif_intr_queue_ready(struct xenvif_queue *q)
{
	uint64_t one = 1;

	/* A full counter wakes the caller as well: nothing else can fail. */
	if (write(q->wake_fd, &one, sizeof(one)) < 0)
		return;
}

static void proxy_close(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	for (unsigned int i = 0; i < vif->max_queues; i++) {
		if (vif->queues[i].intr_fd >= 0)
			close(vif->queues[i].intr_fd);
		vif->queues[i].intr_fd = -1;
	}
}

/* The queue's interrupt fd: an epoll fd over its event-channel file and its eventfd. */
static int proxy_open(struct xenvif_queue *q)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (epoll_ctl(fd, EPOLL_CTL_ADD, xen_hv_evtchn_fd(q->hv), &ev) < 0 ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, q->wake_fd, &ev) < 0 ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, q->timer_fd, &ev) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	q->intr_fd = fd;
	return 0;
}

void xenvif_intr_uninstall(struct rte_eth_dev *dev)
{
	rte_intr_vec_list_free(dev->intr_handle);
	rte_intr_instance_free(dev->intr_handle);
	dev->intr_handle = NULL;
	proxy_close(dev);
}

int xenvif_intr_install(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;
	uint16_t nb = dev->data->nb_rx_queues;
	struct rte_intr_handle *h;
	int rc = -EINVAL;

	xenvif_intr_uninstall(dev);
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (h == NULL)
		return -ENOMEM;
	dev->intr_handle = h;
	/* The EAL must not read the fds itself (counter size 0): enable does. */
	if (rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) != 0 ||
	    rte_intr_efd_counter_size_set(h, 0) != 0 ||
	    rte_intr_vec_list_alloc(h, NULL, nb) != 0)
		goto fail;
	for (uint16_t i = 0; i < nb; i++) {
		rc = proxy_open(&vif->queues[i]);
		if (rc < 0)
			goto fail;
		rc = -EINVAL;
		if (rte_intr_vec_list_index_set(h, i, RTE_INTR_VEC_RXTX_OFFSET + i) != 0 ||
		    rte_intr_efds_index_set(h, i, vif->queues[i].intr_fd) != 0)
			goto fail;
	}
	if (rte_intr_nb_efd_set(h, nb) != 0 || rte_intr_max_intr_set(h, nb + 1) != 0)
		goto fail;
	return 0;
fail:
	xenvif_intr_uninstall(dev);
	return rc;
}

int xenvif_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct xenvif *vif = dev->data->dev_private;
	struct xenvif_queue *q = &vif->queues[qid];

	if (dev->intr_handle == NULL)
		return -ENOTSUP; /* not configured with intr_conf.rxq */
	drain_wake(q);
	if (xenvif_burst_enter(q, &q->in_rx)) {
		q->stats.intr_events += drain_evtchn(q, XENVIF_INTR_DRAIN_MAX);
		/* a backlog waits for RX buffers: the guest's kick for them is armed (req_event,
		 * lib/netif), the timer is there for a guest that does not kick */
		if (nif_tx_final_check(q->guest_tx) || xenvif_backlog_pending(q) != 0)
			timer_arm(q);
		q->stats.intr_arms++;
	}
	xenvif_burst_leave(&q->in_rx);
	return 0;
}

int xenvif_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	RTE_SET_USED(qid);
	return dev->intr_handle == NULL ? -ENOTSUP : 0;
}
