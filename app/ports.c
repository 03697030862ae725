/* SPDX-License-Identifier: BSD-3-Clause */
/* Port bring-up and tear-down, read top to bottom as in l2fwd: info, offloads gated on
 * capabilities, configure, queues, the port's ingress state (ingress.c) and hand-off ring,
 * start, then the switch port. */
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "capture.h"
#include "dnb.h"
#include "rte_pmd_xenvif.h"
#include "xb.h"

/* The pool a port receives into: the shared one for the wire, the vif's own for a guest. */
static struct rte_mempool *rx_pool(struct dnb_app *app, const struct dnb_port *p)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	/* an emulated NIC's frames are its guest's too: the vif's own pool, not the shared */
	if (!p->is_vif && !p->is_emu)
		return app->pool;
	pthread_mutex_lock(&app->ctl_lock); /* telemetry reads the pool table */
	if (app->vif_pools[p->port_id] == NULL) {
		snprintf(name, sizeof(name), "dnb_vif_port%u", p->port_id);
		app->vif_pools[p->port_id] = rte_pktmbuf_pool_create(
			name, app->cfg.vif_mbufs, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			rte_eth_dev_socket_id(p->port_id));
		if (app->vif_pools[p->port_id] == NULL)
			DNB_LOG(ERR, "port %u: a pool of %u mbufs: %s", p->port_id,
				app->cfg.vif_mbufs, rte_strerror(rte_errno));
	}
	mp = app->vif_pools[p->port_id];
	pthread_mutex_unlock(&app->ctl_lock);
	return mp;
}

/* Ethernet header and one 802.1Q tag: what a frame adds to its MTU on the wire. */
#define DNB_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)

uint16_t dnb_port_data_room(uint32_t mtu)
{
	/* 1 KiB steps: net_af_packet wants framesz - 32 to fit a buffer, framesz 9216 at 9000 */
	uint32_t room = RTE_PKTMBUF_HEADROOM +
			RTE_ALIGN_CEIL(mtu + DNB_FRAME_OVERHEAD, 1024u);

	return (uint16_t)RTE_MIN(RTE_MAX(room, (uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE),
				 (uint32_t)UINT16_MAX);
}

/* The kernel interface's MTU under a socket PMD (if_index set), else 0 (not known). */
static uint32_t kernel_if_mtu(const struct rte_eth_dev_info *info)
{
	struct ifreq ifr = {0};
	int s, rc;

	if (info->if_index == 0 || if_indextoname(info->if_index, ifr.ifr_name) == NULL)
		return 0;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return 0;
	rc = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	return rc == 0 && ifr.ifr_mtu > 0 ? (uint32_t)ifr.ifr_mtu : 0;
}

/*
 * The wire's MTU, --mtu, set before start (what egress.c holds frames to). DPDK 22.11's
 * net_af_packet reports max_rx_pktlen 1518 whatever its framesz, so ethdev refuses it any
 * MTU over 1500: there the interface's MTU and framesz carry the frames, and the MTU is
 * taken as --mtu, or the interface's when smaller (a larger frame could not be sent).
 */
static int wire_mtu_set(struct dnb_app *app, struct dnb_port *p,
			const struct rte_eth_dev_info *info)
{
	uint16_t mtu = (uint16_t)app->cfg.mtu;
	uint32_t if_mtu;
	int rc = rte_eth_dev_get_mtu(p->port_id, &p->mtu);

	if (rc != 0 || p->mtu == mtu)
		return rc;
	rc = rte_eth_dev_set_mtu(p->port_id, mtu);
	if (rc == 0) {
		p->mtu = mtu;
		return 0;
	}
	if (rc != -EINVAL || strcmp(info->driver_name, "net_af_packet") != 0) {
		DNB_LOG(ERR, "wire port %u (%s): cannot take --mtu %u: %s (frames up to %u bytes)",
			p->port_id, info->driver_name, mtu, rte_strerror(-rc), info->max_rx_pktlen);
		return rc;
	}
	if_mtu = kernel_if_mtu(info);
	p->mtu = if_mtu != 0 && if_mtu < mtu ? (uint16_t)if_mtu : mtu;
	DNB_LOG(NOTICE, "wire port %u (net_af_packet): MTU %u (--mtu %u, the interface's %u); "
		"its framesz must hold MTU + 88", p->port_id, p->mtu, mtu, if_mtu);
	return 0;
}

static int port_configure(struct dnb_app *app, struct dnb_port *p, uint16_t nb_queues)
{
	struct rte_mempool *mp = rx_pool(app, p);
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = DNB_RING_SIZE, nb_txd = DNB_RING_SIZE;
	int rc;

	if (mp == NULL)
		return -ENOMEM;
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (!p->is_vif) {
		p->csum_v4 = p->csum_v6 = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
					  (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
		/* A TSO packet's checksum is partial: TSO is used only with checksum offload
		 * (egress.c would otherwise complete the checksum of the unsegmented packet). */
		p->tso_v4 = p->tso_v6 = p->csum_v4 &&
					(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	}
	if (!p->is_vif && p->tso_v4)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (!p->is_vif)
		conf.rxmode.offloads |= dnb_ingress_rx_offloads(app, &info);
	p->rx_lro = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO) != 0;
	p->vlan_insert = !p->is_vif &&
			 (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
	if (p->vlan_insert)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	if (!p->is_vif && p->csum_v4)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
					RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	/* A vif's guest kicks and a wire port's frames wake a sleeping worker (sleep.c). */
	conf.intr_conf.rxq = p->rx_intr;
	/* A vif takes --mtu as a bridge's MTU (the toolstack's key comes first, in the PMD).
	 * A wire frame that a buffer cannot hold is scattered where the port can. */
	conf.rxmode.mtu = p->is_vif ? app->cfg.mtu : 0;
	if (!p->is_vif && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) &&
	    app->cfg.mtu + DNB_FRAME_OVERHEAD >
	    (uint32_t)rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	rc = rte_eth_dev_configure(p->port_id, nb_queues, nb_queues, &conf);
	if (rc == 0 && !p->is_vif)
		rc = wire_mtu_set(app, p, &info);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					    rte_eth_dev_socket_id(p->port_id), NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
						    rte_eth_dev_socket_id(p->port_id), NULL);
	}
	return rc;
}

/*
 * A vif's frontend connected (link up): take what it accepts, so egress.c segments and
 * checksums in software what it cannot take. Runs on the vif's control thread.
 */
static int vif_link_event(uint16_t port_id, enum rte_eth_event_type type, void *arg,
			  void *ret_param __rte_unused)
{
	struct dnb_port *p = &((struct dnb_app *)arg)->ports[port_id];
	struct rte_pmd_xenvif_offloads off;

	if (type != RTE_ETH_EVENT_INTR_LSC || rte_pmd_xenvif_get_offloads(port_id, &off) != 0 ||
	    !off.connected)
		return 0;
	/* A GSO packet's checksum is partial: without checksum offload it is segmented too. */
	p->csum_v4 = off.csum_v4;
	p->csum_v6 = off.csum_v6;
	p->tso_v4 = off.tso_v4 && off.csum_v4;
	p->tso_v6 = off.tso_v6 && off.csum_v6;
	__atomic_store_n(&p->tx_queues, RTE_MAX(RTE_MIN(off.nb_queues, p->nb_queues), 1),
			 __ATOMIC_RELAXED);
	DNB_LOG(INFO, "vif port %u: frontend takes tso %d/%d, checksum offload %d/%d, %u "
		"queue(s), MTU %u", port_id, p->tso_v4, p->tso_v6, p->csum_v4, p->csum_v6,
		(unsigned int)p->tx_queues, off.mtu);
	return 0;
}

/* Undo what dnb_port_init took; safe on a half-initialised port (not in the table). */
static void port_release(struct dnb_app *app, struct dnb_port *p)
{
	struct rte_mbuf *m;

	l2sw_port_set(dnb_port_l2sw(app, p), p->port_id,
		      &(struct l2sw_port_conf){.kind = L2SW_PORT_NONE});
	rte_eth_dev_stop(p->port_id);
	if (p->is_vif)
		rte_eth_dev_callback_unregister(p->port_id, RTE_ETH_EVENT_INTR_LSC, vif_link_event,
						app);
	if (p->handoff != NULL) {
		while (rte_ring_dequeue(p->handoff, (void **)&m) == 0) {
			atomic_fetch_sub(&app->handoff_mbufs, m->nb_segs);
			rte_pktmbuf_free(m);
		}
		rte_ring_free(p->handoff);
		p->handoff = NULL;
	}
	dnb_ingress_port_fini(p);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	p->wake_fd = -1;
}

/* What a port needs beside ethdev: its ingress state (ingress.c), the hand-off ring
 * (several workers). */
static int port_resources(struct dnb_app *app, struct dnb_port *p)
{
	char name[RTE_RING_NAMESIZE];
	int rc;

	rc = dnb_ingress_port_init(app, p);
	if (rc != 0)
		return rc;
	if (app->nb_workers > 1) {
		snprintf(name, sizeof(name), "dnb_handoff%u", p->port_id);
		p->handoff = rte_ring_create(name, DNB_HANDOFF_SIZE,
					     rte_eth_dev_socket_id(p->port_id), RING_F_SC_DEQ);
		if (p->handoff == NULL) {
			DNB_LOG(ERR, "port %u: hand-off ring: %s", p->port_id,
				rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	return 0;
}

/*
 * A switch port takes every frame. A PMD that has no receive filter to open (virtio-user
 * on vhost-net: no control of the RX mode, and every frame of its tap arrives anyway)
 * answers -ENOTSUP: a warning at each start of the port, not fatal, as testpmd takes it.
 */
static int port_promiscuous(const struct dnb_port *p)
{
	int rc = rte_eth_promiscuous_enable(p->port_id);

	if (rc == -ENOTSUP) {
		DNB_LOG(WARNING, "port %u: no promiscuous mode in its driver: it receives what "
			"the driver delivers", p->port_id);
		return 0;
	}
	return rc;
}

/* A vif's sources beyond its mac=: --vif-macs, --vif-learn (@p p NULL: none, an emulated
 * NIC) and its backend's `ip`. */
static void vif_source_policy(const struct dnb_app *app, const struct dnb_port *p,
			      const struct xb_vif_ips *ips, struct l2sw_port_conf *swconf)
{
	const struct dnb_vif_macs *vm = p != NULL ? dnb_config_vif_macs(&app->cfg, p->vif, p->domain) : NULL;

	RTE_BUILD_BUG_ON(DNB_VIF_EXTRA_MACS > L2SW_MAX_EXTRA_MACS);
	RTE_BUILD_BUG_ON(XB_VIF_IP_MAX > L2SW_MAX_IPS);
	RTE_BUILD_BUG_ON(sizeof(struct rte_ether_addr) != sizeof(vm->macs[0]));
	if (vm != NULL) {
		swconf->extra_macs = (const struct rte_ether_addr *)vm->macs;
		swconf->nb_extra_macs = (uint8_t)vm->nb;
		swconf->learn = vm->learn;
		swconf->max_learned = vm->learn ? app->cfg.fdb_port_max : 0;
	}
	if (ips != NULL && ips->check) {
		swconf->ip_check = true;
		swconf->ips = ips->a;
		swconf->nb_ips = (uint8_t)ips->nb;
	}
}

static int port_start(struct dnb_app *app, struct dnb_port *p, const struct xb_vif_ips *ips)
{
	struct l2sw_port_conf swconf = {.kind = p->is_vif ? L2SW_PORT_VIF : L2SW_PORT_WIRE};
	const struct dnb_vif_trunk *trunk;
	int rc;

	RTE_BUILD_BUG_ON(DNB_VLAN_WORDS != L2SW_VLAN_WORDS);

	if (p->is_emu) {
		/* the vif's MAC and VLAN, moved here; its `ip` check; nothing it learns */
		swconf.kind = L2SW_PORT_VIF;
		rte_eth_macaddr_get(p->twin, &swconf.mac);
		swconf.access_vlan = dnb_config_vif_vlan(&app->cfg, p->vif, p->domain);
		swconf.twin_set = true;
		swconf.twin = p->twin;
		vif_source_policy(app, NULL, ips, &swconf);
	} else if (p->is_vif) {
		rte_eth_macaddr_get(p->port_id, &swconf.mac);
		swconf.access_vlan = dnb_config_vif_vlan(&app->cfg, p->vif, p->domain);
		trunk = dnb_config_vif_trunk(&app->cfg, p->vif, p->domain);
		if (trunk != NULL) {
			swconf.trunk = true;
			swconf.trunk_vlans = trunk->all ? NULL : trunk->vlans;
		}
		vif_source_policy(app, p, ips, &swconf);
	} else {
		swconf.trunk = app->cfg.trunk;
		swconf.max_learned = app->cfg.fdb_port_max;
	}
	/* Wire: the switch hands it private frames (software offloads, VLAN insert). A vif
	 * needs that only for some frontends: egress.c copies a shared frame when it must. */
	swconf.tx_writes = !p->is_vif;
	rc = l2sw_port_set(dnb_port_l2sw(app, p), p->port_id, &swconf);
	if (rc == 0)
		rc = port_promiscuous(p);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		DNB_LOG(ERR, "port %u: starting: %s", p->port_id, rte_strerror(-rc));
	return rc;
}

/*
 * A wire port is configured with RX interrupts first, so that a sleeping worker wakes on
 * its frames (virtio-user's call eventfds, net_tap's queues, a NIC's vectors on vfio-pci).
 * A driver that cannot have them fails the configure or the start (no multiple vectors,
 * no event fds): it is brought up again without, and an idle worker polls it in naps of
 * --idle-sleep-us at most (or wakes on net_af_packet's wake-up socket, wire_wake.c).
 * @return whether to try again.
 */
static bool wire_without_intr(struct dnb_port *p, const char *what, int rc)
{
	if (p->is_vif || !p->rx_intr)
		return false;
	DNB_LOG(NOTICE, "wire port %u: cannot %s with RX interrupts (%s): again without",
		p->port_id, what, rte_strerror(-rc));
	p->rx_intr = false;
	return true;
}

/* Configure, start and publish the port @p p describes (dnb_port_init, _emu). */
static int port_bring_up(struct dnb_app *app, struct dnb_port *p, const struct xb_vif_ips *ips)
{
	int rc;

	if (p->is_vif) {
		rc = rte_eth_dev_callback_register(p->port_id, RTE_ETH_EVENT_INTR_LSC,
						   vif_link_event, app);
		if (rc != 0) {
			DNB_LOG(ERR, "port %u: link events: %s", p->port_id, rte_strerror(-rc));
			return rc;
		}
	}
	p->rx_intr = app->cfg.idle_sleep_us != 0;
	rc = port_configure(app, p, p->nb_queues);
	if (rc != 0 && wire_without_intr(p, "configure", rc))
		rc = port_configure(app, p, p->nb_queues);
	if (rc != 0)
		DNB_LOG(ERR, "port %u: configuring: %s", p->port_id, rte_strerror(-rc));
	if (rc == 0)
		rc = port_resources(app, p);
	if (rc == 0)
		rc = port_start(app, p, ips);
	if (rc != 0 && wire_without_intr(p, "start", rc)) {
		rc = port_configure(app, p, p->nb_queues);
		if (rc == 0)
			rc = port_start(app, p, ips);
	}
	if (rc == 0 && !p->is_vif)
		dnb_sleep_wire_setup(p);
	if (rc != 0) {
		port_release(app, p);
		return rc;
	}
	pthread_mutex_lock(&app->ctl_lock);
	dnb_table_update(app, p, NULL);
	pthread_mutex_unlock(&app->ctl_lock);
	return 0;
}

int dnb_port_init(struct dnb_app *app, uint16_t port_id, unsigned int sw,
		  const struct dnb_vif_id *vif, const char *domain,
		  const struct xb_vif_ips *ips)
{
	struct dnb_port *p = &app->ports[port_id];
	bool is_vif = vif != NULL;

	/* A vif takes nothing before a frontend connects; its link-up event sets its offloads. */
	*p = (struct dnb_port){.port_id = port_id, .is_vif = is_vif,
			       .nb_queues = is_vif ? app->cfg.vif_queues : 1,
			       .owner = (uint16_t)(app->next_owner++ % app->nb_workers),
			       .sw = (uint8_t)sw,
			       .tso_v4 = is_vif, .tso_v6 = is_vif,
			       .csum_v4 = is_vif, .csum_v6 = is_vif, .wake_fd = -1,
			       .tx_queues = 1};
	if (is_vif) {
		p->vif = *vif;
		snprintf(p->domain, sizeof(p->domain), "%s", domain);
	}
	return port_bring_up(app, p, ips);
}

int dnb_port_init_emu(struct dnb_app *app, uint16_t port_id, uint16_t twin,
		      const struct xb_vif_ips *ips)
{
	struct dnb_port *p = &app->ports[port_id];

	/* a socket port as a wire one is (offloads from its PMD, a wake-up socket) */
	*p = (struct dnb_port){.port_id = port_id, .is_emu = true, .twin = twin,
			       .vif = app->ports[twin].vif, .nb_queues = 1,
			       .owner = (uint16_t)(app->next_owner++ % app->nb_workers),
			       .sw = app->ports[twin].sw, .wake_fd = -1, .tx_queues = 1};
	memcpy(p->domain, app->ports[twin].domain, sizeof(p->domain));
	return port_bring_up(app, p, ips);
}

void dnb_port_fini(struct dnb_app *app, uint16_t port_id)
{
	struct dnb_port *p = &app->ports[port_id];

	/* The switch stops sending to it first; after the grace period no worker polls it or
	 * holds a frame for its hand-off ring, which is then drained. */
	pthread_mutex_lock(&app->ctl_lock);
	dnb_capture_stop(app, p); /* its file complete, before the port goes */
	l2sw_port_set(dnb_port_l2sw(app, p), port_id,
		      &(struct l2sw_port_conf){.kind = L2SW_PORT_NONE});
	dnb_table_update(app, NULL, p);
	port_release(app, p);
	pthread_mutex_unlock(&app->ctl_lock);
}
