/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpdk-netback's shared state: the ports, the switch, the worker's port table, and the
 * functions the app's files offer each other (main.c, fwd.c, ingress.c, egress.c, vif_watch.c,
 * telemetry.c).
 *
 * A frame's way through the app, one file per stage: fwd.c's loop polls a port, ingress.c
 * (LRO, linearize: all that --lro decides), the switch (lib/switch), egress.c (GSO,
 * checksum, VLAN), the port's tx_burst.
 *
 * Ports: every ethdev port the EAL created at start is a wire port; vif ports (net_xenvif)
 * come and go at run time. The switch port number of a port is its ethdev port id.
 *
 * Switches (--switch): each port is in one, for its life (a wire port as configured, a vif
 * as its backend's `bridge` names); each switch has its own l2sw (FDB, VLANs, counters), and
 * a port is L2SW_PORT_NONE in every other, so nothing crosses between switches. A worker
 * has one switch output per switch (fwd.c).
 *
 * Workers: each port is owned by one worker lcore, which alone polls it and transmits on
 * it (a vif's queue is one guest ring: one writer). A frame switched on another worker for
 * that port goes through the port's hand-off ring (multi-producer, single-consumer).
 *
 * The workers poll the ports of the table published in dnb_app::table; the control thread
 * changes ports by publishing a new table and waiting until every worker's epoch has moved
 * on (none uses the old table any more), an RCU grace period without a library.
 */
#ifndef DNB_APP_H
#define DNB_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "dnb_config.h"
#include "l2sw.h"
#include "lro.h"

extern int dnb_logtype;
#define DNB_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, dnb_logtype, "dpdk-netback: " fmt "\n", ##__VA_ARGS__)

#define DNB_BURST 32
/** Most queue pairs a vif may have (net_xenvif's XENVIF_MAX_QUEUES, netback's default cap). */
#define DNB_MAX_TXQ 8
#define DNB_RING_SIZE 1024
#define DNB_MAX_WORKERS 16
/** Frames waiting for another worker's port: a bound, so a slow port drops, counted. */
#define DNB_HANDOFF_SIZE 4096
/**
 * ... and a bound in buffers, since a frame can be a 64 KiB chain of ~45 mbufs: the mbufs
 * waiting in one port's hand-off ring are at most 1/DNB_HANDOFF_PORT_SHARE of the shared
 * pool, in all hand-off rings together at most 1/DNB_HANDOFF_ALL_SHARE, so a stalled port
 * (a guest that stopped reading) cannot take the buffers the wire and the others need.
 */
#define DNB_HANDOFF_PORT_SHARE 16
/** Seconds between two log lines of a port's GSO drops (the counters count them all). */
#define DNB_GSO_LOG_S 10
#define DNB_HANDOFF_ALL_SHARE 4

/** Counters the app keeps per port, written by the worker only. */
struct dnb_port_stats {
	uint64_t rx_pkts;       /**< received from the port */
	uint64_t tx_pkts;       /**< frames (or GSO segments) the port took */
	uint64_t tx_drops;      /**< refused by the port, or failed GSO/copy (all causes) */
	uint64_t tx_drop_oversize; /**< wire: a frame, or a TSO packet's segments, over its MTU */
	uint64_t tx_drop_prepare;  /**< wire: refused by rte_eth_tx_prepare (the NIC's rules) */
	uint64_t gso_segs;      /**< segments made by software GSO */
	uint64_t tx_drop_gso_unsupported; /**< a TSO packet software GSO does not segment
					   *   (not TCP, IPv6 extension headers it refuses) */
	uint64_t tx_drop_gso;   /**< a TSO packet GSO failed on (malformed, no mbufs) */
	uint64_t sw_csum;       /**< checksums completed in software */
	uint64_t csum_fail;     /**< dropped: headers not in the first segment to checksum */
	uint64_t linearized;    /**< aggregates copied into one buffer (--lro linearize, ingress.c) */
	uint64_t linearize_fail;
	uint64_t rx_offload_drop; /**< wire: a frame the port left partial or aggregated that is
				   *   not TCP/UDP over IP as it must be (ingress.c) */
	uint64_t busy_cycles;   /**< TSC cycles of loop iterations that moved packets */
	uint64_t handoff_pkts;  /**< frames from other workers' hand-off ring sent on this port */
};

struct dnb_port {
	uint16_t port_id;
	bool is_vif;
	/** An HVM guest's emulated NIC (emu_nic.c): a tap under net_af_packet, a socket port
	 *  to the app (its TX is a wire's), a vif to the switch: @c vif's guest, the MAC of
	 *  its vif port @c twin, pinned here while it is attached. */
	bool is_emu;
	uint16_t twin;         /**< emu: the vif's port */
	/* What the port's TX does itself; the rest is done in software before it (egress.c).
	 * A vif's change with each frontend connection (vif_offloads_update in ports.c). */
	bool tso_v4, tso_v6;   /**< TCP segmentation */
	bool csum_v4, csum_v6; /**< TCP/UDP checksum completion */
	bool vlan_insert;      /**< inserts 802.1Q tags (else egress.c does, trunk ports) */
	uint16_t mtu;          /**< wire: the port's MTU (IP packet bytes), read at start */
	uint16_t nb_queues;    /**< queue pairs configured: RX polls them all */
	uint16_t tx_queues;    /**< queues TX spreads flows over (egress.c): 1 for a wire port
				*   (one worker sends to it); a vif's connected ones (its LSC event) */
	uint16_t next_rxq;     /**< the queue the next poll starts with (fairness) */
	uint16_t owner;        /**< the worker that polls and transmits on this port */
	uint8_t sw;            /**< its switch: an index of dnb_app::switches */
	struct rte_ring *handoff; /**< frames for this port from other workers (MP/SC) */
	atomic_uint handoff_mbufs;  /**< mbufs in @c handoff (producers add, the owner subtracts) */
	atomic_ulong handoff_drops; /**< frames refused: the port's or all ports' share was full */
	struct dnb_vif_id vif;
	uint64_t gso_log_next; /**< TSC before which no GSO drop is logged (egress.c) */
	struct lro_ctx *lro;   /**< wire ports with --lro chain|linearize (ingress.c) */
	/** wire: the port aggregates and leaves checksums partial itself (its LRO and RX
	 *  checksum offloads, asked for by ingress.c's choice): lib/lro is not used on it */
	bool rx_lro;
	int wake_fd;           /**< wire: readable when a frame arrived (wire_wake.c); -1: none */
	/** Configured with RX interrupts: a vif whose worker may sleep, or a wire port whose
	 *  driver took them (ports.c); sleep.c arms them and sleeps on their fds. */
	bool rx_intr;
	bool rx_intr_armed;    /**< sleep.c: its queues' interrupts are enabled */
	/** The port's running capture (capture.h), or NULL: the one thing its RX and TX
	 *  bursts look at when no capture runs. Set and cleared by capture.c. */
	_Atomic(struct dnb_capture *) capture;
	/** Written by the owner on every burst: on a line of its own, so that other workers
	 *  reading owner/handoff above (egress to this port) do not share it. */
	struct dnb_port_stats stats __rte_cache_aligned;
	/** A vif's (and its emulated NIC's) domain name when it attached ("": none usable):
	 *  options may name the vif by it (dnb_vif_sel_match). */
	char domain[XB_DOMAIN_NAME_MAX + 1];
} __rte_cache_aligned;

/** What the worker polls: published as a whole, never changed in place. */
struct dnb_port_table {
	uint64_t gen;          /**< +1 per table published (a worker's sleep set follows it) */
	unsigned int nb;
	struct dnb_port *ports[RTE_MAX_ETHPORTS];
};

struct dnb_app;
struct dnb_capture;

/** A switch of its own (--switch, or the one default switch): a bridge of the host. */
struct dnb_switch {
	const char *name;      /**< cfg.switches[i].name: what a vif's `bridge` names */
	struct l2sw *l2;       /**< its ports, FDB, VLANs and counters */
};

/** A worker's sleep when its ports are idle (sleep.c). Its own but for @c parked. */
struct dnb_sleep {
	int epfd;              /**< the vif queues' interrupt fds and @c wake_fd; -1: none */
	int wake_fd;           /**< eventfd: other threads wake the worker (dnb_worker_wake) */
	uint64_t table_gen;    /**< the port table @c epfd was made for */
	uint64_t idle_since;   /**< TSC of the last pass that moved a packet, or of a wake-up */
	bool armed;            /**< the vif queues are armed, no packet since */
	bool nap;              /**< a port cannot wake it (a wire port): sleep at most --idle-sleep-us */
	atomic_bool parked;    /**< asleep or about to be: producers of hand-offs wake it */
	uint64_t cycle_ns;     /**< the worker's CPU clock when this sleep cycle began */
	atomic_ulong sleeps, wake_events, wake_timeouts; /**< read by telemetry */
	atomic_ulong cycle_cpu_ns; /**< telemetry: the worker's CPU in all its sleep cycles */
};

struct dnb_worker {
	struct dnb_app *app;
	unsigned int index;
	atomic_ulong epoch;           /**< +1 per pass over the ports */
	atomic_bool running;
	struct dnb_sleep sleep;
} __rte_cache_aligned;

struct dnb_app {
	struct dnb_config cfg;
	struct rte_mempool *pool;     /**< packet mbufs */
	struct rte_mempool *big_pool; /**< --lro linearize: one buffer per aggregate (ingress.c) */
	struct rte_mempool *gso_indirect;
	/** Guest-TX buffers of the vif on each port id, made when a vif first gets that id and
	 *  kept for the next vif that does (mbufs of a detached vif may still be in a NIC's TX
	 *  ring): what a guest sends can exhaust only its own pool, never the shared one. */
	struct rte_mempool *vif_pools[RTE_MAX_ETHPORTS];
	atomic_uint handoff_mbufs;    /**< mbufs in all hand-off rings */
	uint32_t handoff_port_cap;    /**< DNB_HANDOFF_PORT_SHARE of the shared pool */
	uint32_t handoff_all_cap;     /**< DNB_HANDOFF_ALL_SHARE of the shared pool */
	/** The switches (dnb_switches_create); nb_switches is 0 before and after: telemetry
	 *  answers -EAGAIN then. Changed under ctl_lock. */
	struct dnb_switch switches[DNB_MAX_SWITCHES];
	unsigned int nb_switches;
	struct rte_gso_ctx gso;
	struct dnb_port ports[RTE_MAX_ETHPORTS];
	_Atomic(struct dnb_port_table *) table;
	/** Control paths against each other and against telemetry: port table changes, port
	 *  teardown, the switch's release. Never taken by a worker. */
	pthread_mutex_t ctl_lock;
	struct dnb_worker workers[DNB_MAX_WORKERS];
	unsigned int nb_workers;
	unsigned int next_owner;      /**< round robin of port ownership */
	atomic_bool quit;
	/** What the shutdown does to the vifs: --on-exit, or /dpdk_netback/shutdown's word. */
	_Atomic(enum dnb_exit_mode) exit_mode;
	uint64_t tsc_hz;
};

/* fwd.c */
/** An lcore's forwarding loop; @p arg is its struct dnb_worker. */
int dnb_worker_main(void *arg);
/** Publish a table with @p add added or @p remove removed, and wait until the worker left
 *  the old one. Control thread only. */
void dnb_table_update(struct dnb_app *app, struct dnb_port *add, struct dnb_port *remove);
/** The grace period: wake every worker and wait until each running one started a new pass,
 *  so none still uses what the caller unpublished before the call. Control threads only. */
void dnb_workers_sync(struct dnb_app *app);

/* sleep.c: the one reader of --idle-sleep-us */
/** Make the worker's wake-up file; before it runs. @return 0 or -errno. */
int dnb_sleep_init(struct dnb_worker *w);
void dnb_sleep_fini(struct dnb_worker *w);
/**
 * The worker found nothing to do in a pass over @p t. After DNB_POLL_WINDOW_US without a
 * packet, the first call arms its vif queues (the caller's next pass polls them once more,
 * which catches what came before the arm), the next sleeps until a guest kicks, a hand-off
 * or the control thread wakes it, or --idle-sleep-us passes when it polls a wire port.
 * Owner worker only. @p now: the pass's TSC.
 */
void dnb_sleep_idle(struct dnb_worker *w, const struct dnb_port_table *t, uint64_t now);
/** The worker moved a packet: it polls on (its queues are no longer armed). */
static inline void dnb_sleep_busy(struct dnb_worker *w, uint64_t now)
{
	w->sleep.idle_since = now;
	w->sleep.armed = false;
}
/** What wakes a sleeping worker for a started wire port's frames: its RX interrupts where
 *  its driver has them (@c rx_intr stays set), else a wake-up socket on its kernel
 *  interface (@c wake_fd, wire_wake.c: net_af_packet), else nothing (the worker naps at
 *  most --idle-sleep-us). Logs which. Control thread, before the port is published. */
void dnb_sleep_wire_setup(struct dnb_port *p);
/** Wake @p w if it sleeps, after its hand-off ring got frames. Any thread. */
void dnb_sleep_wake_parked(struct dnb_worker *w);
/** Wake @p w whether it sleeps or not (a new port table, quit). Control threads. */
void dnb_worker_wake(struct dnb_worker *w);

/* wire_wake.c */
/** A wire port's wake-up socket, for net_af_packet ports. @return fd, -ENOTSUP for another
 *  PMD, or -errno. Control thread. */
int dnb_wire_wake_open(uint16_t port_id);
/** Empty it, so that the next frame makes it readable again. Owner worker. */
void dnb_wire_wake_drain(int fd);

/* ingress.c: the one reader of --lro */
/** What the app needs for --lro (the linearize pool); after the shared pool, before the
 *  wire ports. Logs the mode. @return 0 or -rte_errno. */
int dnb_ingress_create(struct dnb_app *app);
/** Undo dnb_ingress_create(), once every port is closed. */
void dnb_ingress_free(struct dnb_app *app);
/** A port's ingress state: a wire port's LRO context unless --lro off; nothing for a vif.
 *  Control thread. @return 0 or -rte_errno (logged). */
int dnb_ingress_port_init(struct dnb_app *app, struct dnb_port *p);
/**
 * The RX offloads to ask of wire port whose driver offers @p info: its LRO with the RX
 * checksum offloads it comes with (a NIC's, virtio's GUEST_TSO and GUEST_CSUM), when --lro
 * aggregates at all and the port offers all three (then set dnb_port::rx_lro); else 0.
 */
uint64_t dnb_ingress_rx_offloads(const struct dnb_app *app, const struct rte_eth_dev_info *info);
/** Free what dnb_ingress_port_init() made (held aggregates with it); safe when it made
 *  nothing or failed. */
void dnb_ingress_port_fini(struct dnb_port *p);
/**
 * A received burst of @p p (@p nb may be 0: held aggregates whose time budget ran out still
 * leave) into the frames for the switch, written to @p out (room @p max_out, at least
 * LRO_OUT_PER_PKT * @p nb). Every mbuf of @p pkts is in @p out, alone or inside an
 * aggregate, or held for a later call. Owner worker only; hot path.
 * @return the frames in @p out.
 */
uint16_t dnb_ingress_burst(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf **pkts,
			   uint16_t nb, uint64_t now, struct rte_mbuf **out, uint16_t max_out);
/** Does @p p hold aggregates (a worker with such a port must not sleep)? Owner worker. */
bool dnb_ingress_holds(const struct dnb_port *p);

/* egress.c */
/** Send @p nb frames by @p p, with what GSO, checksum and VLAN work its TX lacks done in
 *  software. Owner worker only. @return @p nb: every frame is sent, or dropped and counted. */
uint16_t dnb_port_tx(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf **pkts,
		     uint16_t nb);
/** Let a vif's queues send what they hold for their guest (a burst of none). Owner only. */
void dnb_port_tx_kick(struct dnb_port *p);

/* ports.c */
struct xb_vif_ips; /* xb.h */
/**
 * Bring up a wire port (@p vif, @p domain and @p ips NULL) or the vif @p vif of the domain
 * named @p domain ("": none usable; options may name the vif by it), and start forwarding
 * on it in switch @p sw (< app->nb_switches). @p ips: the vif's backend `ip`
 * (xb_discover_read_ips), its IP source check in the switch; read during the call only.
 */
int dnb_port_init(struct dnb_app *app, uint16_t port_id, unsigned int sw,
		  const struct dnb_vif_id *vif, const char *domain,
		  const struct xb_vif_ips *ips);
/**
 * Bring up port @p port_id (a net_af_packet vdev on the tap) as the emulated NIC of the vif
 * on port @p twin (attached), in its switch, with the vif's MAC pinned to it and @p ips (the
 * vif's backend `ip`, as for the vif) its IP source check; forwarding starts on it.
 * Control thread. @return 0 or a negative errno (the port released, logged).
 */
int dnb_port_init_emu(struct dnb_app *app, uint16_t port_id, uint16_t twin,
		      const struct xb_vif_ips *ips);
/* The shared pool's data room for a wire MTU: a whole frame with an 802.1Q tag in one
 * buffer, rounded up to 1 KiB; DPDK's default at 1500 and below. */
uint16_t dnb_port_data_room(uint32_t mtu);
void dnb_port_fini(struct dnb_app *app, uint16_t port_id);

/* vif_watch.c (vifs.h: the rest of the chosen vifs) */
int dnb_vifs_start(struct dnb_app *app);
void dnb_vifs_stop(struct dnb_app *app);

/** What port @p p is, for log lines and telemetry: "vif", "emu" (an emulated NIC) or "wire". */
static inline const char *dnb_port_kind(const struct dnb_port *p)
{
	return p->is_vif ? "vif" : p->is_emu ? "emu" : "wire";
}

/** The switch of port @p p. */
static inline struct l2sw *dnb_port_l2sw(const struct dnb_app *app, const struct dnb_port *p)
{
	return app->switches[p->sw].l2;
}

/* fdb_age.c */
/** Where the FDB ageing scan stands; the main lcore's loop keeps one. */
struct dnb_fdb_ager {
	uint64_t last; /**< TSC of the previous step */
};
/** Age the share of the FDB due since the previous step: the whole table once every
 *  --fdb-age / 8. Main lcore, between its sleeps; takes ctl_lock. */
void dnb_fdb_age_step(struct dnb_app *app, struct dnb_fdb_ager *ager, uint64_t now);

/* telemetry.c */
/** Register the telemetry commands; call before rte_eal_init. @return 0 or -errno. */
int dnb_telemetry_register(struct dnb_app *app);
void dnb_stats_print(struct dnb_app *app);

#endif /* DNB_APP_H */
