/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread of one net_xenvif port: it drives the xenstore handshake (lib/xenbus),
 * maps the frontend's rings and binds its event channels on connect, releases them on
 * disconnect, and disables the vif when its data plane reports a protocol violation. One
 * thread per vif keeps a slow or hostile guest's xenstore traffic from delaying the others.
 * It never runs on a worker lcore and the workers never wait for it.
 *
 * The bottom of the PMD: xenvif_burst.c (a stalled or fatal queue kicks this thread) and
 * xenvif_ethdev.c (start, stop) call into it; it calls neither. Hence the PMD's log type is
 * registered here.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "dnb_dpdk_compat.h"

#include "xenvif_internal.h"

RTE_LOG_REGISTER(xenvif_logtype, pmd.net.xenvif, NOTICE);

/* How often the thread wakes without any event, to notice a data-plane fatal (in ms). */
#define XENVIF_CTRL_TICK_MS 100

/* Watch token: this vif's frontend state. */
#define XENVIF_WATCH_TOKEN "xenvif-fe"

void xenvif_ctrl_kick(struct xenvif *vif)
{
	uint64_t one = 1;

	/* A full eventfd already wakes the thread; nothing else can fail here. */
	if (write(vif->ctrl_wake_fd, &one, sizeof(one)) < 0)
		return;
}

/*
 * The link follows the frontend, pushed as net_vhost's new_device/destroy_device do: up
 * when the rings are connected, down when they are released, with an LSC event each time.
 */
static void link_set(struct xenvif *vif, bool up)
{
	struct rte_eth_dev *dev = &rte_eth_devices[vif->port_id];

	if (atomic_exchange(&vif->link_up, up ? 1 : 0) == (up ? 1u : 0u))
		return;
	dev->data->dev_link.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* Stop polling @q and wait until no burst function is inside it. */
static void queue_quiesce(struct xenvif_queue *q)
{
	atomic_store(&q->enabled, 0);
	while (atomic_load(&q->in_rx) || atomic_load(&q->in_tx))
		rte_pause();
}

/* Release everything queue_connect took, in reverse order. Safe on a half-connected queue. */
static void queue_disconnect(struct xenvif_queue *q)
{
	queue_quiesce(q);
	xenvif_backlog_purge(q); /* frames for a ring that is going away */
	if (q->guest_rx != NULL) {
		xenvif_counters_add(&q->rx_base, nif_rxq_stats(q->guest_rx), sizeof(q->rx_base));
		nif_rxq_free(q->guest_rx);
		q->guest_rx = NULL;
	}
	if (q->guest_tx != NULL) {
		xenvif_counters_add(&q->tx_base, nif_txq_stats(q->guest_tx), sizeof(q->tx_base));
		nif_txq_free(q->guest_tx);
		q->guest_tx = NULL;
	}
	if (q->port_rx >= 0 && q->port_rx != q->port_tx)
		xen_hv_evtchn_unbind(q->hv, (evtchn_port_t)q->port_rx);
	if (q->port_tx >= 0)
		xen_hv_evtchn_unbind(q->hv, (evtchn_port_t)q->port_tx);
	q->port_tx = q->port_rx = -1;
	xenvif_intr_queue_reset(q); /* what the old ports signalled means nothing now */
	if (q->rx_ring != NULL)
		xen_hv_unmap(q->hv, q->rx_ring, 1);
	if (q->tx_ring != NULL)
		xen_hv_unmap(q->hv, q->tx_ring, 1);
	q->rx_ring = q->tx_ring = NULL;
	q->stall_since = 0;
	atomic_store(&q->fatal, NIF_FATAL_NONE);
}

static void data_disconnect(struct xenvif *vif)
{
	vif->fe_offloads = (struct rte_pmd_xenvif_offloads){.connected = false};
	link_set(vif, false);
	for (unsigned int i = 0; i < vif->nb_connected; i++)
		queue_disconnect(&vif->queues[i]);
	vif->nb_connected = 0;
	xenvif_cring_disconnect(vif); /* after the queues: tx_burst no longer reads it */
}

/* xb's release callback: runs before xb writes Closing/Closed (ctrl_lock held). */
static void release_cb(void *arg)
{
	struct xenvif *vif = arg;

	if (vif->nb_connected > 0)
		XENVIF_LOG(INFO, vif, "frontend leaving: data plane released");
	data_disconnect(vif);
}

static int map_ring(struct xenvif_queue *q, uint32_t ref, void **ring, const char *what,
		    char *why, size_t why_size)
{
	*ring = xen_hv_map(q->hv, q->vif->domid, 1, &ref, true);
	if (*ring != NULL)
		return 0;
	snprintf(why, why_size, "mapping %s %u of queue %u: %s", what, ref, q->qid,
		 strerror(errno));
	return -errno;
}

static int bind_port(struct xenvif_queue *q, uint32_t remote, int *port, const char *what,
		     char *why, size_t why_size)
{
	int rc = xen_hv_evtchn_bind(q->hv, q->vif->domid, remote);

	if (rc >= 0) {
		*port = rc;
		return 0;
	}
	snprintf(why, why_size, "binding %s %u of queue %u: %s", what, remote, q->qid,
		 strerror(-rc));
	return rc;
}

/*
 * The MTU of this connection: the toolstack's "mtu" key, else the port's (devarg, ethdev).
 * A frontend without SG gets one slot per packet: at most 1500, as xenvif_carrier_on
 * lowers the vif's MTU for it.
 */
static uint16_t conn_mtu(const struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	uint32_t mtu = fe->mtu != 0 ? fe->mtu : vif->mtu;

	return (uint16_t)(!fe->sg && mtu > RTE_ETHER_MTU ? RTE_ETHER_MTU : mtu);
}

static struct nif_rx_features rx_features(const struct xenvif *vif,
					  const struct xb_frontend_conf *fe)
{
	return (struct nif_rx_features){
		.sg = fe->sg,
		.gso_tcpv4 = fe->gso_tcpv4,
		.gso_tcpv6 = fe->gso_tcpv6,
		.csum_ipv4 = fe->ip_csum,
		.csum_ipv6 = fe->ipv6_csum,
		.rx_notify = fe->rx_notify,
		.mtu = conn_mtu(vif, fe),
	};
}

static int queue_connect(struct xenvif_queue *q, const struct xb_frontend_conf *fe,
			 const struct xb_queue_conf *qc, char *why, size_t why_size)
{
	struct xenvif *vif = q->vif;
	int rc;

	rc = map_ring(q, qc->tx_ring_ref, &q->tx_ring, "tx-ring-ref", why, why_size);
	if (rc == 0)
		rc = map_ring(q, qc->rx_ring_ref, &q->rx_ring, "rx-ring-ref", why, why_size);
	if (rc == 0)
		rc = bind_port(q, qc->evtchn_tx, &q->port_tx, "event channel", why, why_size);
	if (rc == 0 && qc->split_evtchn)
		rc = bind_port(q, qc->evtchn_rx, &q->port_rx, "rx event channel", why, why_size);
	else if (rc == 0)
		q->port_rx = q->port_tx;
	if (rc != 0)
		return rc;
	q->guest_tx = nif_txq_create(&(struct nif_txq_conf){
		.sring = q->tx_ring, .ring_bytes = NIF_PAGE_SIZE, .domid = vif->domid,
		.mp = q->mp, .socket_id = SOCKET_ID_ANY, .mcast = &vif->mcast});
	if (q->guest_tx != NULL)
		q->guest_rx = nif_rxq_create(&(struct nif_rxq_conf){
			.sring = q->rx_ring, .ring_bytes = NIF_PAGE_SIZE, .domid = vif->domid,
			.features = rx_features(vif, fe), .layout = vif->layout,
			.headroom = fe->xdp_headroom, .socket_id = SOCKET_ID_ANY,
			.mcast = &vif->mcast});
	if (q->guest_tx == NULL || q->guest_rx == NULL) {
		snprintf(why, why_size, "attaching the rings of queue %u: %s", q->qid,
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	/* Each queue the full rate, as xen-netback gives each of its queues credit_bytes. */
	nif_txq_set_rate(q->guest_tx, fe->rate_bytes, fe->rate_usec);
	q->rate_seen = atomic_load(&q->rate_seq);
	q->hash_gen = 0; /* a new guest-RX queue hashes nothing until the control ring says */
	atomic_store(&q->headroom, fe->xdp_headroom);
	q->headroom_seen = atomic_load(&q->headroom_seq);
	q->stats.rx_headroom = fe->xdp_headroom;
	return 0;
}

/* xb bounds the frontend's xdp-headroom; lib/netif must be able to lay out any it passes. */
_Static_assert(XB_XDP_HEADROOM_MAX <= NIF_RX_HEADROOM_MAX, "xdp-headroom past lib/netif's bound");

/* The frontend reconfigured its xdp-headroom: each connected queue's next tx_burst lays
 * out packets for the guest from it on (xen-netback reads vif->xdp_headroom per packet). */
/*
 * What the frontend takes: its features, but with an XDP program attached (xdp-headroom
 * set) Linux's netfront runs the program on single-slot packets only and drops every other
 * (xennet_get_responses), so then neither multi-slot nor GSO packets until it detaches.
 * xen-netback has no such rule (it forwards what its bridge hands it, and drops nothing
 * early); the switch here aggregates (LRO), so it must not build what the guest drops.
 */
static void offloads_set(struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	bool sg = fe->sg && fe->xdp_headroom == 0;

	vif->fe_offloads.sg = sg;
	vif->fe_offloads.tso_v4 = sg && fe->gso_tcpv4;
	vif->fe_offloads.tso_v6 = sg && fe->gso_tcpv6;
}

static void headroom_changed(struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	for (unsigned int i = 0; i < vif->nb_connected; i++) {
		struct xenvif_queue *q = &vif->queues[i];

		atomic_store_explicit(&q->headroom, fe->xdp_headroom, memory_order_relaxed);
		atomic_fetch_add_explicit(&q->headroom_seq, 1, memory_order_release);
	}
	XENVIF_LOG(NOTICE, vif, "guest RX headroom: %u bytes (xdp-headroom)%s", fe->xdp_headroom,
		   fe->xdp_headroom != 0 && fe->sg ? ": one slot a packet, no GSO, while it lasts" : "");
	offloads_set(vif, fe);
	/* the application reads the offloads again (link up, as at connect) */
	if (atomic_load(&vif->link_up))
		rte_eth_dev_callback_process(&rte_eth_devices[vif->port_id],
					     RTE_ETH_EVENT_INTR_LSC, NULL);
}

/*
 * Multicast control at a connect. netback empties the list when the data plane goes
 * (xenvif_mcast_addr_list_free) and a reconnecting frontend adds its groups again. On a
 * resume the list lived in the previous process and the frontend will not send it again:
 * it is filtered by only once persist_resume() restored it.
 */
static void mcast_connect(struct xenvif *vif, const struct xb_frontend_conf *fe, bool resume)
{
	nif_mcast_init(&vif->mcast);
	nif_mcast_set_control(&vif->mcast, fe->mcast_control && !resume);
}

/*
 * A resume: take back what the guest set through its rings from the previous process's
 * key (xenvif_persist.c). Without it (no key, or one refused: lib/xenbus logged it), the
 * control ring starts with hashing off and filtering by an empty list would cut the guest
 * off every group it joined, so the filter stays off (all multicast passes, as for a
 * frontend without multicast control) until the frontend switches
 * request-multicast-control again or reconnects.
 */
static void persist_resume(struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	int rc = xenvif_persist_restore(vif, fe->nb_queues);

	if (rc >= 0) {
		nif_mcast_set_control(&vif->mcast, fe->mcast_control);
		XENVIF_LOG(NOTICE, vif, "restored from %s: %s, %d multicast address(es)%s",
			   XB_PERSIST_KEY, fe->ctrl_ring ? "control ring hashing" : "no control ring",
			   rc, fe->mcast_control ? ", filtering" : "");
		return;
	}
	nif_mcast_init(&vif->mcast); /* a part restored is no list */
	if (rc == -ERANGE)
		XENVIF_LOG(ERR, vif, "%s: its hashing state does not fit this connection "
			   "(control ring %s, %u queue(s)): not restored", XB_PERSIST_KEY,
			   fe->ctrl_ring ? "refused it" : "none", fe->nb_queues);
	if (fe->ctrl_ring)
		XENVIF_LOG(NOTICE, vif, "control ring: hashing off until the frontend sets it");
	if (fe->mcast_control)
		XENVIF_LOG(NOTICE, vif, "multicast control: the list was the previous process's; "
			   "off until the frontend requests it again or reconnects");
}

/* feature-dynamic-multicast-control: the frontend switched filtering (the list stays). */
static void mcast_changed(struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	nif_mcast_set_control(&vif->mcast, fe->mcast_control);
	XENVIF_LOG(NOTICE, vif, "multicast control %s (%u addresses listed)",
		   fe->mcast_control ? "on" : "off", nif_mcast_count(&vif->mcast));
}

/* The toolstack changed the rate: each connected queue's next rx_burst applies it. */
static void rate_changed(struct xenvif *vif, const struct xb_frontend_conf *fe)
{
	for (unsigned int i = 0; i < vif->nb_connected; i++) {
		struct xenvif_queue *q = &vif->queues[i];

		atomic_store_explicit(&q->rate_bytes, fe->rate_bytes, memory_order_relaxed);
		atomic_store_explicit(&q->rate_usec, fe->rate_usec, memory_order_relaxed);
		atomic_fetch_add_explicit(&q->rate_seq, 1, memory_order_release);
	}
	XENVIF_LOG(NOTICE, vif, "guest TX rate: %u bytes per %u us%s", fe->rate_bytes,
		   fe->rate_usec, fe->rate_bytes == 0 ? " (unlimited)" : "");
}

/*
 * A resume: the rings were attached where the previous process left them (nif_*q_create).
 * Count and log what it found, then kick both of the guest's channels once: a notification
 * the guest sent while no backend ran was dropped, and it may be waiting for our answer.
 */
static void queue_resumed(struct xenvif_queue *q)
{
	struct nif_ring_pos tx = nif_txq_attach_pos(q->guest_tx);
	struct nif_ring_pos rx = nif_rxq_attach_pos(q->guest_rx);

	q->stats.resumes++;
	q->stats.resume_tx_pending += tx.req_prod - tx.rsp_prod;
	q->stats.resume_rx_posted += rx.req_prod - rx.rsp_prod;
	XENVIF_LOG(NOTICE, q->vif, "queue %u resumed: tx req_prod %u rsp_prod %u (%u to send), "
		   "rx req_prod %u rsp_prod %u (%u buffers posted)", q->qid, tx.req_prod,
		   tx.rsp_prod, tx.req_prod - tx.rsp_prod, rx.req_prod, rx.rsp_prod,
		   rx.req_prod - rx.rsp_prod);
	xen_hv_evtchn_notify(q->hv, (evtchn_port_t)q->port_tx);
	if (q->port_rx != q->port_tx)
		xen_hv_evtchn_notify(q->hv, (evtchn_port_t)q->port_rx);
}

/* Returns true when the connect was done or refused, false when it must wait for start. */
static bool try_connect(struct xenvif *vif, const struct xb_frontend_conf *fe, bool resume)
{
	char why[XB_REASON_MAX] = "";
	unsigned int i;
	int rc = 0;

	if (!atomic_load(&vif->started))
		return false;
	mcast_connect(vif, fe, resume); /* before the queues, which share it */
	if (fe->nb_queues > vif->max_queues) {
		snprintf(why, sizeof(why), "frontend asked for %u queues, port has %u",
			 fe->nb_queues, vif->max_queues);
		rc = -EINVAL;
	}
	for (i = 0; rc == 0 && i < fe->nb_queues; i++) {
		if (vif->queues[i].mp == NULL) {
			snprintf(why, sizeof(why), "queue %u is not set up in this port", i);
			rc = -EINVAL;
			break;
		}
		vif->nb_connected = i + 1; /* count what was taken: the teardown releases it */
		rc = queue_connect(&vif->queues[i], fe, &fe->queues[i], why, sizeof(why));
	}
	if (rc == 0)
		rc = xenvif_cring_connect(vif, fe, resume, why, sizeof(why));
	if (rc == 0)
		xenvif_persist_connect(vif);
	if (rc == 0 && resume)
		persist_resume(vif, fe); /* the queues are not enabled yet */
	if (rc == 0 && !vif->mac_from_devarg)
		memcpy(vif->mac.addr_bytes, fe->mac, RTE_ETHER_ADDR_LEN);
	if (rc == 0)
		rc = xb_vif_connected(vif->xb);
	if (rc != 0) {
		data_disconnect(vif);
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "switching to Connected: %s", strerror(-rc));
		xb_vif_fail(vif->xb, rc, why);
		return true;
	}
	vif->connects++;
	vif->fe_offloads = (struct rte_pmd_xenvif_offloads){
		.connected = true, .csum_v4 = fe->ip_csum, .csum_v6 = fe->ipv6_csum,
		.nb_queues = (uint16_t)fe->nb_queues, .mtu = conn_mtu(vif, fe),
	};
	offloads_set(vif, fe);
	XENVIF_LOG(INFO, vif, "%s: %u queue(s), %s event channels, sg %d gso %d/%d, MTU %u%s%s%s",
		   resume ? "resumed" : "connected", fe->nb_queues,
		   fe->queues[0].split_evtchn ? "split" : "shared", fe->sg, fe->gso_tcpv4,
		   fe->gso_tcpv6, vif->fe_offloads.mtu, fe->mtu != 0 ? " (backend key mtu)" : "",
		   fe->ctrl_ring ? ", control ring" : "",
		   nif_mcast_control(&vif->mcast) ? ", multicast control" : "");
	for (i = 0; resume && i < vif->nb_connected; i++)
		queue_resumed(&vif->queues[i]);
	for (i = 0; i < vif->nb_connected; i++) {
		atomic_store_explicit(&vif->queues[i].enabled, 1, memory_order_release);
		xenvif_intr_queue_ready(&vif->queues[i]);
	}
	link_set(vif, true);
	return true;
}

/* A data-plane protocol violation: disable this vif alone, as xenvif_fatal_tx_err does. */
static void check_fatal(struct xenvif *vif)
{
	for (unsigned int i = 0; i < vif->nb_connected; i++) {
		unsigned int reason = atomic_load(&vif->queues[i].fatal);
		char why[XB_REASON_MAX];

		if (reason == NIF_FATAL_NONE)
			continue;
		vif->fatal_count++;
		snprintf(why, sizeof(why), "queue %u: %s", i, nif_fatal_str(reason));
		XENVIF_LOG(ERR, vif, "guest broke the ring protocol (%s): vif disabled", why);
		data_disconnect(vif);
		xb_vif_fail(vif->xb, -EPROTO, why);
		return;
	}
}

/*
 * Serve the control ring (xenvif_ctrl_irq_fn). A protocol violation there disables the vif
 * as one on a data ring does. Requests left over wake the thread again at once.
 */
static void serve_cring(struct xenvif *vif)
{
	char why[XB_REASON_MAX];
	int rc = xenvif_cring_poll(vif);

	if (rc > 0)
		xenvif_ctrl_kick(vif);
	if (rc >= 0)
		return;
	vif->fatal_count++;
	snprintf(why, sizeof(why), "control ring: %s", nif_fatal_str(nif_ctrl_fatal(vif->cring)));
	XENVIF_LOG(ERR, vif, "guest broke the ring protocol (%s): vif disabled", why);
	data_disconnect(vif);
	xb_vif_fail(vif->xb, -EPROTO, why);
}

struct ctrl_state {
	struct xb_frontend_conf pending; /* a CONNECT waiting for dev_start */
	bool connect_pending;
	bool resume;                     /* ... and it is a resume */
};

static void handle_event(struct xenvif *vif, struct ctrl_state *cs, const struct xb_event *ev)
{
	switch (ev->type) {
	case XB_EV_NONE:
		break;
	case XB_EV_CONNECT:
		if (vif->nb_connected > 0)
			data_disconnect(vif);
		cs->pending = *ev->conf;
		cs->resume = ev->resume;
		cs->connect_pending = !try_connect(vif, &cs->pending, cs->resume);
		break;
	case XB_EV_RATE:
		if (vif->nb_connected > 0)
			rate_changed(vif, ev->conf);
		break;
	case XB_EV_HEADROOM:
		if (vif->nb_connected > 0)
			headroom_changed(vif, ev->conf);
		break;
	case XB_EV_MCAST:
		if (vif->nb_connected > 0)
			mcast_changed(vif, ev->conf);
		break;
	case XB_EV_DISCONNECT:
	case XB_EV_FATAL:
	case XB_EV_OFFLINE:
		cs->connect_pending = false;
		if (vif->nb_connected > 0) {
			data_disconnect(vif);
			XENVIF_LOG(INFO, vif, "disconnected");
		}
		break;
	}
}

static void drain_watches(struct xenvif *vif, struct ctrl_state *cs)
{
	char path[XB_PATH_MAX], token[32];
	struct xb_event ev;

	while (xb_xs_libxenstore_next_watch(vif->xs, path, sizeof(path), token,
					    sizeof(token)) == 0) {
		if (xb_vif_on_watch(vif->xb, path, &ev) == 0)
			handle_event(vif, cs, &ev);
	}
}

static void *ctrl_main(void *arg)
{
	struct xenvif *vif = arg;
	struct ctrl_state cs = {.connect_pending = false};
	struct pollfd pfd[3] = {
		{.fd = xb_xs_libxenstore_fd(vif->xs), .events = POLLIN},
		{.fd = vif->ctrl_wake_fd, .events = POLLIN},
		{.fd = xenvif_cring_fd(vif), .events = POLLIN},
	};
	struct xb_event ev;
	uint64_t junk;

	if (xb_vif_poll(vif->xb, &ev) == 0)
		handle_event(vif, &cs, &ev);
	while (!atomic_load(&vif->ctrl_stop)) {
		if (poll(pfd, RTE_DIM(pfd), XENVIF_CTRL_TICK_MS) < 0 && errno != EINTR)
			XENVIF_LOG(ERR, vif, "control poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN && read(vif->ctrl_wake_fd, &junk, sizeof(junk)) < 0)
			junk = 0;
		pthread_mutex_lock(&vif->ctrl_lock);
		drain_watches(vif, &cs);
		check_fatal(vif);
		serve_cring(vif);
		if (vif->nb_connected > 0)
			xenvif_persist_save(vif, false);
		if (cs.connect_pending)
			cs.connect_pending = !try_connect(vif, &cs.pending, cs.resume);
		pthread_mutex_unlock(&vif->ctrl_lock);
	}
	return NULL;
}

int xenvif_ctrl_start(struct xenvif *vif)
{
	char tname[RTE_MAX_THREAD_NAME_LEN];
	int rc;

	vif->ctrl_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vif->ctrl_wake_fd < 0)
		return -errno;
	xb_vif_set_release_cb(vif->xb, release_cb, vif);
	rc = xb_vif_watch(vif->xb, XENVIF_WATCH_TOKEN);
	if (rc != 0) {
		XENVIF_LOG(ERR, vif, "watching the frontend state: %s", strerror(-rc));
		goto err;
	}
	snprintf(tname, sizeof(tname), "xvif-%u.%u", vif->domid, vif->devid);
	rc = dnb_ctrl_thread_create(&vif->ctrl_thread, tname, ctrl_main, vif);
	if (rc != 0) {
		XENVIF_LOG(ERR, vif, "creating the control thread: %s", strerror(-rc));
		xb_vif_unwatch(vif->xb);
		goto err;
	}
	vif->ctrl_running = true;
	return 0;
err:
	close(vif->ctrl_wake_fd);
	vif->ctrl_wake_fd = -1;
	return rc;
}

void xenvif_ctrl_stop(struct xenvif *vif)
{
	if (vif->ctrl_running) {
		atomic_store(&vif->ctrl_stop, 1);
		xenvif_ctrl_kick(vif);
		pthread_join(vif->ctrl_thread, NULL);
		vif->ctrl_running = false;
		xb_vif_unwatch(vif->xb);
	}
	/* the next process resumes from the key: the changes of the last moment too */
	if (vif->nb_connected > 0 && atomic_load(&vif->keep_on_close))
		xenvif_persist_save(vif, true);
	data_disconnect(vif);
	if (vif->ctrl_wake_fd >= 0)
		close(vif->ctrl_wake_fd);
	vif->ctrl_wake_fd = -1;
}

void xenvif_ctrl_quiesce(struct xenvif *vif)
{
	for (unsigned int i = 0; i < vif->nb_connected; i++)
		queue_quiesce(&vif->queues[i]);
}

void xenvif_ctrl_resume(struct xenvif *vif)
{
	for (unsigned int i = 0; i < vif->nb_connected; i++)
		if (atomic_load(&vif->queues[i].fatal) == NIF_FATAL_NONE) {
			atomic_store_explicit(&vif->queues[i].enabled, 1, memory_order_release);
			xenvif_intr_queue_ready(&vif->queues[i]);
		}
	xenvif_ctrl_kick(vif);
}
