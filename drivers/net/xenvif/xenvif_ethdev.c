/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_xenvif: one Xen guest vif as a DPDK ethdev port, the way net_vhost exposes a
 * vhost-user backend. This file: devargs, probe/remove, ethdev ops, stats and xstats.
 *
 *   --vdev net_xenvif0,domid=5[,devid=0][,queues=N][,mac=00:16:3e:..][,xen=real|sim]
 *          [,layout=packed|naive][,stall_ms=1000][,mtu=1500]
 *
 * The vif's MTU (what the guest may be sent, as the size of frames xen-netback's vif netdev
 * takes) is the toolstack's backend "mtu" key (xl's mtu=) when it has one, else the port's
 * own: devarg "mtu", else rxmode.mtu at configure, changed by rte_eth_dev_set_mtu, which
 * plays the part of vif-bridge giving a vif its bridge's MTU. It is fixed at each connect.
 *
 * The port's MAC address is the guest's (devarg "mac", else the toolstack's backend "mac"
 * key once the guest connects), so a MAC switch can check a vif's source addresses.
 * Link is up while the frontend is connected; changes raise RTE_ETH_EVENT_INTR_LSC.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_cycles.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "xenvif_internal.h"

#define XENVIF_ARG_DOMID "domid"
#define XENVIF_ARG_DEVID "devid"
#define XENVIF_ARG_QUEUES "queues"
#define XENVIF_ARG_MAC "mac"
#define XENVIF_ARG_XEN "xen"
#define XENVIF_ARG_LAYOUT "layout"
#define XENVIF_ARG_STALL_MS "stall_ms"
#define XENVIF_ARG_MTU "mtu"

static const char *const valid_args[] = {
	XENVIF_ARG_DOMID, XENVIF_ARG_DEVID, XENVIF_ARG_QUEUES, XENVIF_ARG_MAC,
	XENVIF_ARG_XEN, XENVIF_ARG_LAYOUT, XENVIF_ARG_STALL_MS, XENVIF_ARG_MTU, NULL,
};

/* Xen's first reserved domain id (DOMID_FIRST_RESERVED): guests are below it. */
#define XENVIF_DOMID_LIMIT 0x7ff0u

/* xen-netback's rx_stall_timeout is 60 s; a polling switch should not wait that long
 * before it stops handing a silent guest packets it will never take. */
#define XENVIF_STALL_MS_DEFAULT 1000u

struct xenvif_args {
	unsigned long domid, devid, queues, stall_ms, mtu; /* mtu 0: not given */
	struct rte_ether_addr mac;
	bool have_domid, have_mac;
	const struct xen_ops *xops;  /* xen=: resolved while parsing, real by default */
	enum nif_layout layout;
};

static int parse_ulong(const char *key, const char *value, unsigned long max,
		       unsigned long *out)
{
	uint32_t v;

	if (xb_parse_u32(value, &v) != 0 || v > max) {
		XENVIF_DRV_LOG(ERR, "bad %s=%s (a number up to %lu)", key, value, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int handle_arg(const char *key, const char *value, void *opaque)
{
	struct xenvif_args *a = opaque;

	if (strcmp(key, XENVIF_ARG_DOMID) == 0) {
		a->have_domid = true;
		if (parse_ulong(key, value, XENVIF_DOMID_LIMIT - 1, &a->domid) != 0)
			return -EINVAL;
		if (a->domid == 0) {
			XENVIF_DRV_LOG(ERR, "domid=0 is Dom0 itself, not a guest");
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, XENVIF_ARG_DEVID) == 0)
		return parse_ulong(key, value, UINT16_MAX, &a->devid);
	if (strcmp(key, XENVIF_ARG_STALL_MS) == 0)
		return parse_ulong(key, value, 3600 * 1000ul, &a->stall_ms);
	if (strcmp(key, XENVIF_ARG_MTU) == 0) {
		if (parse_ulong(key, value, XB_MTU_MAX, &a->mtu) != 0)
			return -EINVAL;
		if (a->mtu < XB_MTU_MIN)
			XENVIF_DRV_LOG(ERR, "bad mtu=%s (%u..%u)", value, XB_MTU_MIN, XB_MTU_MAX);
		return a->mtu < XB_MTU_MIN ? -EINVAL : 0;
	}
	if (strcmp(key, XENVIF_ARG_QUEUES) == 0) {
		if (parse_ulong(key, value, XENVIF_MAX_QUEUES, &a->queues) != 0)
			return -EINVAL;
		return a->queues == 0 ? -EINVAL : 0;
	}
	if (strcmp(key, XENVIF_ARG_MAC) == 0) {
		a->have_mac = rte_ether_unformat_addr(value, &a->mac) == 0;
		if (!a->have_mac)
			XENVIF_DRV_LOG(ERR, "bad mac=%s", value);
		return a->have_mac ? 0 : -EINVAL;
	}
	if (strcmp(key, XENVIF_ARG_XEN) == 0) {
		char names[64];

		a->xops = xen_ops_select(value);
		if (a->xops == NULL) {
			XENVIF_DRV_LOG(ERR, "bad xen=%s (this binary has: %s)", value,
				       xen_ops_names(names, sizeof(names)));
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, XENVIF_ARG_LAYOUT) == 0) {
		if (strcmp(value, "packed") == 0)
			a->layout = NIF_LAYOUT_PACKED;
		else if (strcmp(value, "naive") == 0)
			a->layout = NIF_LAYOUT_NAIVE;
		else {
			XENVIF_DRV_LOG(ERR, "bad layout=%s (packed or naive)", value);
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

static int parse_args(const char *params, struct xenvif_args *a)
{
	struct rte_kvargs *kvlist;
	int rc;

	*a = (struct xenvif_args){.queues = 1, .stall_ms = XENVIF_STALL_MS_DEFAULT,
				  .layout = NIF_LAYOUT_PACKED, .xops = &xen_real_ops};
	kvlist = rte_kvargs_parse(params != NULL ? params : "", valid_args);
	if (kvlist == NULL) {
		XENVIF_DRV_LOG(ERR, "cannot parse devargs '%s' (keys: domid, devid, "
			       "queues, mac, xen, layout, stall_ms, mtu)", params);
		return -EINVAL;
	}
	rc = rte_kvargs_process(kvlist, NULL, handle_arg, a);
	rte_kvargs_free(kvlist);
	if (rc == 0 && !a->have_domid) {
		XENVIF_DRV_LOG(ERR, "devarg domid= is required");
		rc = -EINVAL;
	}
	return rc < 0 ? rc : 0;
}

static int eth_configure(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	if (dev->data->nb_rx_queues != dev->data->nb_tx_queues) {
		XENVIF_LOG(ERR, vif, "rx and tx queue counts must match (queue pairs)");
		return -EINVAL;
	}
	/* ethdev wrote rxmode.mtu (1500 when 0) into data->mtu: it is meant for every port of
	 * the application, the devarg for this vif alone, which keeps it. */
	pthread_mutex_lock(&vif->ctrl_lock);
	if (vif->mtu_from_devarg)
		dev->data->mtu = vif->mtu;
	else
		vif->mtu = dev->data->mtu;
	pthread_mutex_unlock(&vif->ctrl_lock);
	return 0;
}

/*
 * rte_eth_dev_set_mtu (ethdev checked min_mtu..max_mtu): the vif's MTU when the toolstack
 * gives none, from the frontend's next connect on; a connected one keeps the MTU it has,
 * as the ring's packets in flight were sized for it.
 */
static int eth_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct xenvif *vif = dev->data->dev_private;

	pthread_mutex_lock(&vif->ctrl_lock);
	vif->mtu = mtu;
	if (vif->nb_connected > 0)
		XENVIF_LOG(NOTICE, vif, "MTU %u applies from the frontend's next connect", mtu);
	pthread_mutex_unlock(&vif->ctrl_lock);
	return 0;
}

/* Every queue follows the port: ours have no per-queue start/stop ops. */
static void queues_set_state(struct rte_eth_dev *dev, uint8_t state)
{
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = state;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = state;
}

static int eth_start(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	int rc;

	if (dev->data->dev_conf.intr_conf.rxq) {
		rc = xenvif_intr_install(dev);
		if (rc < 0) {
			XENVIF_LOG(ERR, vif, "cannot set up RX interrupts: %s", strerror(-rc));
			return rc;
		}
	}
	pthread_mutex_lock(&vif->ctrl_lock);
	atomic_store(&vif->started, 1);
	xenvif_ctrl_resume(vif);
	pthread_mutex_unlock(&vif->ctrl_lock);
	dev->data->dev_started = 1;
	queues_set_state(dev, RTE_ETH_QUEUE_STATE_STARTED);
	return 0;
}

static int eth_stop(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	pthread_mutex_lock(&vif->ctrl_lock);
	atomic_store(&vif->started, 0);
	xenvif_ctrl_quiesce(vif);
	pthread_mutex_unlock(&vif->ctrl_lock);
	xenvif_intr_uninstall(dev);
	dev->data->dev_started = 0;
	queues_set_state(dev, RTE_ETH_QUEUE_STATE_STOPPED);
	return 0;
}

static void vif_release(struct xenvif *vif)
{
	xenvif_ctrl_stop(vif);
	if (atomic_load(&vif->keep_on_close))
		xb_vif_free_keep(vif->xb);
	else
		xb_vif_destroy(vif->xb);
	vif->xb = NULL;
	xb_xs_libxenstore_close(vif->xs);
	vif->xs = NULL;
	for (unsigned int i = 0; i < vif->max_queues; i++) {
		xen_hv_close(vif->queues[i].hv);
		vif->queues[i].hv = NULL;
		xenvif_intr_queue_fini(&vif->queues[i]);
	}
	xen_hv_close(vif->ctrl_hv);
	vif->ctrl_hv = NULL;
	pthread_mutex_destroy(&vif->ctrl_lock);
}

static int eth_close(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	XENVIF_LOG(INFO, vif, "closing");
	xenvif_intr_uninstall(dev);
	vif_release(vif);
	dev->data->mac_addrs = NULL; /* points into dev_private: not to be freed */
	return 0;
}

static int eth_info_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct xenvif *vif = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = 65535 + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	info->min_mtu = XB_MTU_MIN;
	info->max_mtu = XB_MTU_MAX;
	info->max_rx_queues = vif->max_queues;
	info->max_tx_queues = vif->max_queues;
	info->min_rx_bufsize = 1024;
	/* Guest TX packets may carry TSO and checksum requests; guest RX takes them too. */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO |
				RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	info->default_rxportconf.burst_size = XENVIF_BURST_MAX;
	info->default_txportconf.burst_size = XENVIF_BURST_MAX;
	info->default_rxportconf.ring_size = 256;
	info->default_txportconf.ring_size = 256;
	return 0;
}

static int eth_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct xenvif *vif = dev->data->dev_private;

	dev->data->dev_link = (struct rte_eth_link){
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = atomic_load(&vif->link_up) ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};
	return 0;
}

static int eth_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc __rte_unused,
			      unsigned int socket __rte_unused,
			      const struct rte_eth_rxconf *conf __rte_unused,
			      struct rte_mempool *mp)
{
	struct xenvif *vif = dev->data->dev_private;

	if (qid >= vif->max_queues)
		return -EINVAL;
	pthread_mutex_lock(&vif->ctrl_lock);
	vif->queues[qid].mp = mp;
	pthread_mutex_unlock(&vif->ctrl_lock);
	dev->data->rx_queues[qid] = &vif->queues[qid];
	return 0;
}

static int eth_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc __rte_unused,
			      unsigned int socket __rte_unused,
			      const struct rte_eth_txconf *conf __rte_unused)
{
	struct xenvif *vif = dev->data->dev_private;

	if (qid >= vif->max_queues)
		return -EINVAL;
	dev->data->tx_queues[qid] = &vif->queues[qid];
	return 0;
}

/* Queues live in dev_private; nothing to free per queue. */
static void eth_queue_release(struct rte_eth_dev *dev __rte_unused, uint16_t qid __rte_unused)
{
}

static int eth_promisc_noop(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/* Guest-RX (port TX) drops of every cause, for oerrors. */
static uint64_t rx_drops(const struct nif_rx_stats *s)
{
	return s->rx_drop_too_many_slots + s->rx_drop_no_gso + s->rx_drop_bad_gso +
	       s->rx_drop_oversize + s->rx_mcast_filtered + s->rx_drop_no_csum +
	       s->rx_drop_bad_mbuf +
	       s->rx_drop_too_many_segs + s->rx_gcopy_err;
}

/* The counters of queue @q: previous connections plus the live one. */
static void queue_counters(const struct xenvif_queue *q, struct nif_rx_stats *rx,
			   struct nif_tx_stats *tx)
{
	*rx = q->rx_base;
	*tx = q->tx_base;
	if (q->guest_rx != NULL)
		xenvif_counters_add(rx, nif_rxq_stats(q->guest_rx), sizeof(*rx));
	if (q->guest_tx != NULL)
		xenvif_counters_add(tx, nif_txq_stats(q->guest_tx), sizeof(*tx));
}

static int eth_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct xenvif *vif = dev->data->dev_private;

	pthread_mutex_lock(&vif->ctrl_lock);
	for (unsigned int i = 0; i < vif->max_queues; i++) {
		const struct xenvif_queue *q = &vif->queues[i];
		struct nif_rx_stats rx;
		struct nif_tx_stats tx;

		queue_counters(q, &rx, &tx);
		st->ipackets += tx.tx_packets;
		st->ibytes += tx.tx_bytes;
		st->ierrors += tx.tx_error_rsp;
		st->rx_nombuf += tx.tx_no_mbuf;
		st->opackets += rx.rx_packets;
		st->obytes += rx.rx_bytes;
		st->oerrors += rx_drops(&rx) + q->stats.rx_stall_drops + q->stats.rx_backlog_drops;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = tx.tx_packets;
			st->q_ibytes[i] = tx.tx_bytes;
			st->q_opackets[i] = rx.rx_packets;
			st->q_obytes[i] = rx.rx_bytes;
			st->q_errors[i] = tx.tx_error_rsp;
		}
	}
	pthread_mutex_unlock(&vif->ctrl_lock);
	return 0;
}

static int eth_stats_reset(struct rte_eth_dev *dev)
{
	struct xenvif *vif = dev->data->dev_private;

	pthread_mutex_lock(&vif->ctrl_lock);
	for (unsigned int i = 0; i < vif->max_queues; i++) {
		struct xenvif_queue *q = &vif->queues[i];
		uint64_t headroom = q->stats.rx_headroom; /* a value in use, not a count */

		memset(&q->rx_base, 0, sizeof(q->rx_base));
		memset(&q->tx_base, 0, sizeof(q->tx_base));
		memset(&q->stats, 0, sizeof(q->stats));
		q->stats.rx_headroom = headroom;
		if (q->guest_rx != NULL)
			nif_rxq_stats_reset(q->guest_rx);
		if (q->guest_tx != NULL)
			nif_txq_stats_reset(q->guest_tx);
	}
	memset(&vif->cring_base, 0, sizeof(vif->cring_base));
	if (vif->cring != NULL)
		nif_ctrl_stats_reset(vif->cring);
	memset(&vif->persist_stats, 0, sizeof(vif->persist_stats));
	pthread_mutex_unlock(&vif->ctrl_lock);
	return 0;
}

/* xstats: per queue, lib/netif's counters (named from the guest's point of view, as in
 * netif.h: "guest_rx_*" went into the guest) and the driver's own. */
static const struct nif_stat_name drv_stat_names[] = {
	{"guest_rx_stall_drops", offsetof(struct xenvif_queue_stats, rx_stall_drops)},
	{"guest_rx_not_connected", offsetof(struct xenvif_queue_stats, rx_not_connected)},
	{"evtchn_notify", offsetof(struct xenvif_queue_stats, evtchn_notify)},
	{"gcopy_failed_batches", offsetof(struct xenvif_queue_stats, gcopy_failed)},
	{"resumes", offsetof(struct xenvif_queue_stats, resumes)},
	{"resume_guest_tx_pending", offsetof(struct xenvif_queue_stats, resume_tx_pending)},
	{"resume_guest_rx_posted", offsetof(struct xenvif_queue_stats, resume_rx_posted)},
	{"intr_arms", offsetof(struct xenvif_queue_stats, intr_arms)},
	{"intr_events", offsetof(struct xenvif_queue_stats, intr_events)},
	{"guest_rx_backlog_pkts", offsetof(struct xenvif_queue_stats, rx_backlog_pkts)},
	{"guest_rx_backlog_full", offsetof(struct xenvif_queue_stats, rx_backlog_full)},
	{"guest_rx_backlog_drops", offsetof(struct xenvif_queue_stats, rx_backlog_drops)},
	{"guest_rx_headroom_changes", offsetof(struct xenvif_queue_stats, rx_headroom_changes)},
	{"guest_rx_headroom", offsetof(struct xenvif_queue_stats, rx_headroom)},
	{NULL, 0},
};

static unsigned int names_count(const struct nif_stat_name *names)
{
	unsigned int n = 0;

	while (names[n].name != NULL)
		n++;
	return n;
}

static unsigned int xstats_per_queue(void)
{
	return names_count(nif_rx_stat_names) + names_count(nif_tx_stat_names) +
	       names_count(drv_stat_names);
}

/* Walk one queue's xstats in a fixed order: @fn gets each name and value. */
static unsigned int xstats_walk_queue(const struct xenvif_queue *q,
				      void (*fn)(void *arg, unsigned int idx, const char *prefix,
						 const char *name, uint64_t value),
				      void *arg, unsigned int idx)
{
	static const struct {
		const struct nif_stat_name *names;
		const char *prefix;
	} groups[] = {
		{nif_rx_stat_names, "guest_"}, {nif_tx_stat_names, "guest_"}, {drv_stat_names, ""},
	};
	struct nif_rx_stats rx;
	struct nif_tx_stats tx;
	const void *base[3] = {&rx, &tx, &q->stats};

	queue_counters(q, &rx, &tx);
	for (unsigned int g = 0; g < RTE_DIM(groups); g++)
		for (const struct nif_stat_name *n = groups[g].names; n->name != NULL; n++)
			fn(arg, idx++, groups[g].prefix, n->name,
			   *(const uint64_t *)((const char *)base[g] + n->offset));
	return idx;
}

struct xstats_out {
	uint16_t qid;
	struct rte_eth_xstat *xstats;
	struct rte_eth_xstat_name *names;
};

static void xstat_store(void *arg, unsigned int idx, const char *prefix, const char *name,
			uint64_t value)
{
	struct xstats_out *o = arg;

	if (o->xstats != NULL)
		o->xstats[idx] = (struct rte_eth_xstat){.id = idx, .value = value};
	if (o->names != NULL)
		snprintf(o->names[idx].name, sizeof(o->names[idx].name), "q%u_%s%s", o->qid,
			 prefix, name);
}

/* The vif's control-ring counters, after every queue's, without a queue prefix. */
static unsigned int xstats_fill_cring(const struct xenvif *vif, struct rte_eth_xstat *xstats,
				      struct rte_eth_xstat_name *names, unsigned int idx)
{
	struct nif_ctrl_stats cs;

	xenvif_cring_stats(vif, &cs);
	for (const struct nif_stat_name *n = nif_ctrl_stat_names; n->name != NULL; n++, idx++) {
		if (xstats != NULL)
			xstats[idx] = (struct rte_eth_xstat){
				.id = idx, .value = *(const uint64_t *)((const char *)&cs + n->offset)};
		if (names != NULL)
			snprintf(names[idx].name, sizeof(names[idx].name), "%s", n->name);
	}
	return idx;
}

/* Vif-wide values: the gauges of the multicast filter (request-multicast-control, entries)
 * and the counters of the state key kept for a restart (xenvif_persist.c). */
#define XSTATS_VIF 6u

static unsigned int xstats_fill_vif(const struct xenvif *vif, struct rte_eth_xstat *xstats,
				    struct rte_eth_xstat_name *names, unsigned int idx)
{
	const struct {
		const char *name;
		uint64_t value;
	} g[XSTATS_VIF] = {
		{"guest_mcast_control", nif_mcast_control(&vif->mcast)},
		{"guest_mcast_addrs", nif_mcast_count(&vif->mcast)},
		{"state_saves", vif->persist_stats.saves},
		{"state_save_errors", vif->persist_stats.save_errors},
		{"state_restored", vif->persist_stats.restored},
		{"state_refused", vif->persist_stats.refused},
	};

	for (unsigned int i = 0; i < XSTATS_VIF; i++, idx++) {
		if (xstats != NULL)
			xstats[idx] = (struct rte_eth_xstat){.id = idx, .value = g[i].value};
		if (names != NULL)
			snprintf(names[idx].name, sizeof(names[idx].name), "%s", g[i].name);
	}
	return idx;
}

static int xstats_fill(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		       struct rte_eth_xstat_name *names, unsigned int n)
{
	struct xenvif *vif = dev->data->dev_private;
	unsigned int total = xstats_per_queue() * vif->max_queues +
			     names_count(nif_ctrl_stat_names) + XSTATS_VIF, idx = 0;

	if (n < total || (xstats == NULL && names == NULL))
		return (int)total;
	pthread_mutex_lock(&vif->ctrl_lock);
	for (uint16_t i = 0; i < vif->max_queues; i++) {
		struct xstats_out o = {.qid = i, .xstats = xstats, .names = names};

		idx = xstats_walk_queue(&vif->queues[i], xstat_store, &o, idx);
	}
	idx = xstats_fill_cring(vif, xstats, names, idx);
	xstats_fill_vif(vif, xstats, names, idx);
	pthread_mutex_unlock(&vif->ctrl_lock);
	return (int)total;
}

static int eth_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
			  unsigned int n)
{
	return xstats_fill(dev, xstats, NULL, n);
}

static int eth_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
				unsigned int n)
{
	return xstats_fill(dev, NULL, names, n);
}

static const struct eth_dev_ops xenvif_ops = {
	.dev_configure = eth_configure,
	.dev_start = eth_start,
	.dev_stop = eth_stop,
	.dev_close = eth_close,
	.dev_infos_get = eth_info_get,
	.mtu_set = eth_mtu_set,
	.link_update = eth_link_update,
	.promiscuous_enable = eth_promisc_noop,
	.promiscuous_disable = eth_promisc_noop,
	.allmulticast_enable = eth_promisc_noop,
	.allmulticast_disable = eth_promisc_noop,
	.rx_queue_setup = eth_rx_queue_setup,
	.tx_queue_setup = eth_tx_queue_setup,
	.rx_queue_release = eth_queue_release,
	.tx_queue_release = eth_queue_release,
	.stats_get = eth_stats_get,
	.stats_reset = eth_stats_reset,
	.xstats_get = eth_xstats_get,
	.xstats_get_names = eth_xstats_get_names,
	.xstats_reset = eth_stats_reset,
	.rx_queue_intr_enable = xenvif_rx_intr_enable,
	.rx_queue_intr_disable = xenvif_rx_intr_disable,
};

static int vif_init(struct xenvif *vif, const struct xenvif_args *a, uint16_t port_id)
{
	const struct xb_backend_features feat = {
		.sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true, .ipv6_csum_offload = true,
		.max_queues = (unsigned int)a->queues, .ctrl_ring = true,
	};

	snprintf(vif->name, sizeof(vif->name), "vif%lu.%lu", a->domid, a->devid);
	vif->port_id = port_id;
	vif->domid = (uint16_t)a->domid;
	vif->devid = (uint32_t)a->devid;
	vif->max_queues = (unsigned int)a->queues;
	vif->layout = a->layout;
	vif->stall_tsc = rte_get_tsc_hz() / 1000 * a->stall_ms;
	vif->mac = a->mac;
	vif->mac_from_devarg = a->have_mac;
	vif->mtu = a->mtu != 0 ? (uint16_t)a->mtu : RTE_ETHER_MTU;
	vif->mtu_from_devarg = a->mtu != 0;
	vif->ctrl_wake_fd = -1;
	vif->cring_port = -1;
	pthread_mutex_init(&vif->ctrl_lock, NULL);
	vif->xops = a->xops;
	for (unsigned int i = 0; i < vif->max_queues; i++)
		vif->queues[i].wake_fd = vif->queues[i].intr_fd = vif->queues[i].timer_fd = -1;
	for (unsigned int i = 0; i < vif->max_queues; i++) {
		struct xenvif_queue *q = &vif->queues[i];
		int rc;

		q->vif = vif;
		q->qid = (uint16_t)i;
		q->port_tx = q->port_rx = -1;
		rc = xenvif_intr_queue_init(q);
		if (rc < 0) {
			XENVIF_LOG(ERR, vif, "queue %u's eventfd: %s", i, strerror(-rc));
			return rc;
		}
		q->hv = xen_hv_open(vif->xops);
		if (q->hv == NULL) {
			XENVIF_LOG(ERR, vif, "opening the %s hypervisor interface: %s",
				   vif->xops->name, strerror(errno));
			return -errno;
		}
	}
	vif->ctrl_hv = xen_hv_open(vif->xops); /* the control ring's: queues' are their lcores' */
	if (vif->ctrl_hv == NULL) {
		XENVIF_LOG(ERR, vif, "opening the %s hypervisor interface: %s", vif->xops->name,
			   strerror(errno));
		return -errno;
	}
	vif->xs = xb_xs_libxenstore_open();
	if (vif->xs == NULL) {
		XENVIF_LOG(ERR, vif, "opening xenstore: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	vif->xb = xb_vif_create(vif->xs, vif->domid, vif->devid, &feat);
	if (vif->xb == NULL) {
		XENVIF_LOG(ERR, vif, "taking over %s: %s", "the backend directory",
			   rte_strerror(rte_errno));
		return -rte_errno;
	}
	/* This service plays the part of the vif's hotplug script, which libxl waits for. */
	if (xb_vif_set_hotplug_status(vif->xb, "connected") != 0)
		XENVIF_LOG(WARNING, vif, "cannot write hotplug-status");
	return xenvif_ctrl_start(vif);
}

static int xenvif_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct xenvif_args args;
	struct xenvif *vif;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		XENVIF_DRV_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	rc = parse_args(rte_vdev_device_args(vdev), &args);
	if (rc != 0)
		return rc;
	dev = rte_eth_vdev_allocate(vdev, sizeof(struct xenvif));
	if (dev == NULL)
		return -ENOMEM;
	vif = dev->data->dev_private;
	rc = vif_init(vif, &args, dev->data->port_id);
	if (rc != 0) {
		vif_release(vif);
		rte_eth_dev_release_port(dev);
		return rc;
	}
	dev->data->mac_addrs = &vif->mac;
	dev->data->mtu = vif->mtu;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	dev->dev_ops = &xenvif_ops;
	dev->rx_pkt_burst = xenvif_rx_burst;
	dev->tx_pkt_burst = xenvif_tx_burst;
	eth_link_update(dev, 0);
	rte_eth_dev_probing_finish(dev);
	XENVIF_LOG(INFO, vif, "port %u: %u queue(s), %s hypervisor, waiting for the frontend",
		   dev->data->port_id, vif->max_queues, vif->xops->name);
	return 0;
}

static int xenvif_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0; /* already released */
	eth_close(dev);
	return rte_eth_dev_release_port(dev);
}

/* The vif behind @p port_id, or NULL when it is not a net_xenvif port (the public API). */
static struct xenvif *vif_of_port(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	return dev->dev_ops == &xenvif_ops ? dev->data->dev_private : NULL;
}

int rte_pmd_xenvif_get_offloads(uint16_t port_id, struct rte_pmd_xenvif_offloads *off)
{
	struct xenvif *vif = vif_of_port(port_id);

	if (vif == NULL)
		return -ENODEV;
	/* No ctrl_lock: the LSC callback runs on the control thread while it holds the lock.
	 * The control thread writes the snapshot before it raises link up. */
	*off = vif->fe_offloads;
	return 0;
}

int rte_pmd_xenvif_keep_on_close(uint16_t port_id, bool keep)
{
	struct xenvif *vif = vif_of_port(port_id);

	if (vif == NULL)
		return -ENODEV;
	atomic_store(&vif->keep_on_close, keep);
	return 0;
}

int rte_pmd_xenvif_tx_queues(uint16_t port_id, struct rte_mbuf *const *pkts, uint16_t nb_pkts,
			     uint16_t nb_queues, uint16_t *qids)
{
	struct xenvif *vif = vif_of_port(port_id);

	if (vif == NULL)
		return -ENODEV;
	xenvif_cring_select(vif, pkts, nb_pkts, nb_queues, qids);
	return 0;
}

static struct rte_vdev_driver xenvif_drv = {
	.probe = xenvif_probe,
	.remove = xenvif_remove,
};

RTE_PMD_REGISTER_VDEV(net_xenvif, xenvif_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_xenvif,
	"domid=<1..32751> devid=<int> queues=<1..8> mac=<xx:xx:xx:xx:xx:xx> "
	"xen=<real|sim> layout=<packed|naive> stall_ms=<int>");
