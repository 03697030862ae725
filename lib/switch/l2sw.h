/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * l2sw: the MAC learning switch between the physical port(s) and the guest vifs.
 *
 * Switch ports are numbered 0..nb_ports-1; the caller maps them to ethdev ports. A port is a
 * wire port (a physical NIC, optionally an 802.1Q trunk) or a vif port (one guest interface,
 * with the one source MAC the guest may use and an optional access VLAN).
 *
 * Data path, one call per received burst:
 * @code
 *	n = rte_eth_rx_burst(eth_of[in], 0, pkts, RTE_DIM(pkts));
 *	l2sw_forward_burst(sw, out, in, pkts, n, rte_rdtsc());
 *	while ((n = l2sw_out_next(out, &port, &tx)) != 0)
 *		l2sw_out_done(out, port, rte_eth_tx_burst(eth_of[port], 0, tx, n));
 * @endcode
 *
 * VLANs. VLAN 0 means "untagged". A wire port that is not a trunk and a vif without an
 * access VLAN carry VLAN 0 only, and any 802.1Q tag in their frames is payload to the switch,
 * as on a Linux bridge without vlan_filtering: such a frame passes between those ports
 * unchanged and its source is learned in VLAN 0 (the bridge's FDB without VLAN filtering is
 * one table for all tags). A tag that a wire PMD stripped into the metadata
 * (RTE_MBUF_F_RX_VLAN_STRIPPED, vlan_tci) on such a port is the frame's too: it leaves every
 * destination with RTE_MBUF_F_TX_VLAN and that vlan_tci, for the egress to put it back
 * (RTE_MBUF_F_RX_VLAN alone means the tag is still in the data: nothing to do).
 * A trunk port carries every VLAN (a trunk vif: those of its set, l2sw_port_conf::trunk_vlans):
 * untagged frames are VLAN 0, tagged frames are moved into the mbuf metadata at ingress (tag
 * removed from the data, RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED, vlan_tci), as a
 * NIC with VLAN strip would; frames leaving a trunk port in VLAN v != 0 carry v in vlan_tci
 * with RTE_MBUF_F_TX_VLAN.
 * The egress rule is one for every port: RTE_MBUF_F_TX_VLAN set means "insert vlan_tci"
 * (NIC VLAN insert offload, or rte_vlan_insert() in software), clear means "send the data as
 * it is". A frame given to a port with TX_VLAN is private to that port (its only reference),
 * or shared only with ports that insert the same tag: a port that must not insert it (an
 * access vif) gets it without the flag, from a frame of its own when need be.
 * A VLAN 0 frame whose data (or stripped metadata) still carries a tag is never sent to a
 * trunk port (it would land in that VLAN there: counted as @c vlan_drop). A frame with a
 * stripped tag on a vif (no vif PMD strips), a tag a vif in an access VLAN put in its own
 * frame, 802.1ad and VID 4095 on a trunk are dropped (@c vlan_drop).
 *
 * Pinning. A vif's configured MAC is entered in the FDB as a static entry for its port and
 * VLAN when the port is set, rather than learned: the guest is reachable before it sends
 * (no flood of the first frames towards it), it does not age out while the guest is idle,
 * and no other port can take the MAC over by sending with it as source (such a wire frame is
 * dropped and counted as @c spoofed), which closes the FDB poisoning that a learned entry
 * allows. The cost is one FDB slot per vif MAC. Vif ports learn nothing unless configured
 * with @c learn: the source check already restricts a vif to its pinned MACs.
 *
 * Sharing. A flooded frame is one mbuf given to every destination with its reference
 * count raised (rte_pktmbuf_refcnt_update, every segment), not copied. Consumers of a
 * frame whose refcnt is above one must not write to its data or metadata: a vif backend
 * only reads it for the grant copy. A port whose TX path writes frames (tx_prepare checksum
 * fix-ups, software VLAN insert) is configured with @c tx_writes and receives a private
 * copy (rte_pktmbuf_copy from the switch's copy pool) whenever the frame is shared.
 *
 * Threads. l2sw_forward_burst() may run on several lcores at once, provided each ingress
 * port is forwarded by one lcore at a time and each lcore uses its own struct l2sw_out.
 * The forwarding database is lock-free for those concurrent lookups and learns (see
 * l2sw_fdb.c); l2sw_age(), l2sw_fdb_walk(), l2sw_port_set() and l2sw_stats_get() may run
 * concurrently with forwarding from one control thread; l2sw_age() may also run on a thread
 * of its own, concurrently with that one (one ager at a time). Nothing in the data path locks,
 * allocates (except private copies from the copy pool) or logs.
 */
#ifndef L2SW_H
#define L2SW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of switch ports (each port fits an int16_t reference count step). */
#define L2SW_MAX_PORTS 256
/** Highest usable VLAN id; 0 means untagged. */
#define L2SW_VLAN_MAX 4094
/** Most IP prefixes a vif's source check lists (l2sw_port_conf::ips). */
#define L2SW_MAX_IPS 16
/** Most source MACs a vif may use beside its own (l2sw_port_conf::extra_macs). */
#define L2SW_MAX_EXTRA_MACS 8
/** 64-bit words of a VLAN bitmap (l2sw_port_conf::trunk_vlans): 4096 bits. */
#define L2SW_VLAN_WORDS 64
/** Port number that l2sw_stats_get() takes for the sum over all ports. */
#define L2SW_PORT_ALL UINT16_MAX

/** Opaque switch handle. */
struct l2sw;
/** Opaque per-lcore output: one array of frames per destination port. */
struct l2sw_out;

/** What a switch port is. */
enum l2sw_port_kind {
	L2SW_PORT_NONE = 0, /**< unused or removed: receives nothing, its ingress is dropped */
	L2SW_PORT_WIRE,     /**< a physical port: source MACs are learned */
	L2SW_PORT_VIF,      /**< a guest vif: one permitted source MAC, pinned in the FDB */
};

/** Per-port configuration. */
struct l2sw_port_conf {
	enum l2sw_port_kind kind;
	/** vif only: the guest's MAC (xl `mac=`); the only source accepted, never multicast/zero. */
	struct rte_ether_addr mac;
	/** vif only: access VLAN 1..L2SW_VLAN_MAX, or 0 for none. */
	uint16_t access_vlan;
	/**
	 * 802.1Q trunk: untagged = VLAN 0, tagged = that VLAN (the tag moved to the metadata at
	 * ingress, inserted at egress). A wire trunk carries every VLAN; a vif trunk (a guest
	 * with its own 802.1Q interfaces) those of @c trunk_vlans. A trunk vif's MAC is pinned
	 * in VLAN 0 and learned in the other VLANs it sends in (it learns only the sources
	 * it may use: its MAC and @c extra_macs, unless @c learn). Not with @c access_vlan.
	 */
	bool trunk;
	/**
	 * vif trunk only: the VLANs it carries, or NULL for all of them and untagged frames.
	 * A bitmap of L2SW_VLAN_WORDS words, VLAN v at bit v % 64 of word v / 64; bit 0 is
	 * untagged frames (VLAN 0); bit 4095 must be clear. Frames of other VLANs are dropped
	 * at ingress (@c vlan_drop) and never sent to it. Read during the call only.
	 */
	const uint64_t *trunk_vlans;
	/** The port's TX path writes frames: it gets a private copy of shared frames. */
	bool tx_writes;
	/**
	 * vif only: more source MACs the guest may use (VRRP, a nested bridge), each pinned to
	 * the port in its VLAN as @c mac is. @c nb_extra_macs <= L2SW_MAX_EXTRA_MACS; none
	 * multicast or zero, none pinned to another port (the FDB's anti-poisoning holds).
	 * Read during the call only.
	 */
	const struct rte_ether_addr *extra_macs;
	uint8_t nb_extra_macs;
	/**
	 * vif only: the guest may send from any unicast source MAC, learned as on a wire port
	 * (under @c max_learned), as a bridge port learns. A MAC pinned to another port is still
	 * refused (@c spoofed).
	 */
	bool learn;
	/**
	 * vif only: check the guest's IP sources (xl `ip=`, vif-common.sh's handle_iptable).
	 * With it, IPv4 frames must come from an address in @c ips (or be DHCP from 0.0.0.0:
	 * UDP 68 to 67, unfragmented), ARP must claim an address in @c ips as sender (or
	 * 0.0.0.0, an RFC 5227 probe); IPv6 frames are checked when @c ips lists an IPv6
	 * prefix or lists nothing (fail closed): their source must be in @c ips, the
	 * unspecified address (DAD) or link-local (fe80::/10, which never leaves the link).
	 * Frames whose headers cannot be read (cut short, too many tags) are dropped. Other
	 * ethertypes pass. The headers are found past any VLAN tags in the data. Drops count as
	 * @c ip_spoofed.
	 */
	bool ip_check;
	uint8_t nb_ips;                     /**< entries of @c ips, <= L2SW_MAX_IPS */
	const struct pkt_ip_prefix *ips;    /**< read during the call only */
	/**
	 * wire, or vif with @c learn: most stations learned on this port at once, 0 for no limit. One port
	 * (a host sending from many source MACs) cannot then fill the FDB and leave every
	 * other port's stations unlearned, hence flooded. Beyond it a new source MAC, or a
	 * station moving in from another port (its old entry is then removed), is not learned:
	 * counted as @c learn_cap, the frame still forwarded. Pinned vif MACs never count.
	 */
	uint32_t max_learned;
	/**
	 * vif only: this port is the emulated NIC of vif port @c twin (an HVM guest's device
	 * model NIC, a tap: the same guest, the same @c mac and @c access_vlan). A Linux bridge
	 * learns the guest's MAC on whichever of the two sent last; here the MAC stays pinned,
	 * to this port while it is set (the guest uses the emulated NIC until its PV drivers
	 * unplug it), back to @c twin when this port is reconfigured or removed. Not with
	 * @c trunk, @c learn or @c extra_macs. Precondition: @c twin is a vif port with that MAC
	 * and VLAN, and stays one until this port is removed (remove this port first).
	 */
	bool twin_set;
	uint16_t twin;
};

/** Switch configuration for l2sw_create(). */
struct l2sw_conf {
	const char *name;        /**< for log lines; copied */
	int socket_id;           /**< NUMA socket of the tables, or SOCKET_ID_ANY */
	uint16_t nb_ports;       /**< 1..L2SW_MAX_PORTS; all start as L2SW_PORT_NONE */
	uint32_t fdb_entries;    /**< FDB capacity in stations (rounded up to whole buckets) */
	/**
	 * Idle time after which a learned station is removed, in the units of the @c now
	 * arguments (TSC ticks are the intended unit). 1 .. 2^46-1.
	 */
	uint64_t age_ticks;
	/** Pool for private copies (see "Sharing"); required before a tx_writes port is set. */
	struct rte_mempool *copy_pool;
};

/** Counters, one per cause. Per port: ingress causes count on the ingress port. */
struct l2sw_stats {
	uint64_t rx_pkts;         /**< frames offered to the switch by this port */
	uint64_t tx_pkts;         /**< frames the egress took (l2sw_out_done nb_sent) */
	uint64_t tx_drop;         /**< frames the egress refused, or its output array was full */
	uint64_t learned;         /**< new stations learned */
	uint64_t moved;           /**< learned stations seen on another port */
	uint64_t aged;            /**< stations removed for idleness (counted on their port) */
	uint64_t flooded;         /**< frames flooded (broadcast, multicast, unknown unicast) */
	uint64_t unknown_unicast; /**< unicast frames flooded for lack of an FDB entry */
	uint64_t spoofed;         /**< vif source MAC not its own; or a pinned vif MAC elsewhere */
	uint64_t bad_src;         /**< source MAC multicast, broadcast or zero */
	uint64_t same_port;       /**< destination station is on the ingress port */
	uint64_t fdb_full;        /**< a station could not be learned (frame still forwarded) */
	uint64_t learn_cap;       /**< not learned: the port is at max_learned (still forwarded) */
	uint64_t vlan_drop;       /**< tag not allowed (vif with access VLAN, QinQ, VID 4095, a
				   *   trunk vif's VLAN not in its set, ...) */
	uint64_t runt;            /**< shorter than an Ethernet header in the first segment */
	uint64_t no_port;         /**< ingress port not configured, or a flood with no destination */
	uint64_t no_mbuf;         /**< private copy failed (copy pool empty): that egress missed it */
	uint64_t ip_spoofed;      /**< vif IP source (or ARP sender) not allowed by its ip_check */
	/**
	 * Not a counter: stations learned on this port now, the number checked against
	 * max_learned. While learners, the ager and port flushes run it may exceed the entries
	 * a walk would find by one per operation in progress, never the other way.
	 */
	uint64_t stations;
};

/** One FDB entry as shown by l2sw_fdb_walk(). */
struct l2sw_fdb_entry {
	struct rte_ether_addr mac;
	uint16_t vlan;
	uint16_t port;
	bool pinned;   /**< a vif's configured MAC: never aged, never moved */
	uint64_t idle; /**< @c now minus last seen, in the caller's units (0 when pinned) */
};

/**
 * Walk callback: return 0 to continue, anything else stops the walk and is returned by it.
 */
typedef int (*l2sw_fdb_walk_cb)(const struct l2sw_fdb_entry *entry, void *arg);

/**
 * Create a switch. Control path: allocates the FDB and port tables on @c conf->socket_id.
 * @param conf  configuration; not kept after the call.
 * @return the switch, or NULL with rte_errno set (EINVAL bad conf, ENOMEM).
 */
struct l2sw *l2sw_create(const struct l2sw_conf *conf);

/**
 * Free a switch and its tables. Every struct l2sw_out made for it must be freed first, and
 * no lcore may be forwarding. Frames already handed out are not affected. NULL is a no-op.
 */
void l2sw_free(struct l2sw *sw);

/**
 * Configure (or reconfigure, or remove with L2SW_PORT_NONE) one port. Control path; safe
 * while other lcores forward: the port's configuration is one atomic word. Stations learned
 * on the port are forgotten, the old vif MAC is unpinned and the new one pinned.
 * A vif's source policy (extra MACs, learning, IP check) is published with the port: an
 * lcore forwarding a burst from the port while it is reconfigured applies the old policy or
 * the new one to each frame, provided the port is not reconfigured twice within one burst.
 * @return 0; -EINVAL (bad port, VLAN, vif MAC multicast/zero, a trunk vif with an access
 *   VLAN or VID 4095 in its set, trunk_vlans on a port that is no trunk vif, max_learned
 *   on a vif without learn, an extra MAC multicast/zero, too many extra MACs or IPs, a policy
 *   field on a wire port, tx_writes without a copy pool, a @c twin that is not a vif port
 *   of the same MAC and VLAN, or with trunk, learn or extra MACs); -EADDRINUSE if an extra MAC is
 *   pinned to another port; -ENOSPC if a vif MAC cannot be pinned because both of its FDB
 *   buckets hold only pinned entries (the port is then left as L2SW_PORT_NONE).
 */
int l2sw_port_set(struct l2sw *sw, uint16_t port, const struct l2sw_port_conf *conf);

/**
 * Make an output for one lcore. Control path.
 * @param burst_cap  frames each destination port can hold between two drains (>= 1);
 *   frames beyond that are freed and counted as @c tx_drop of that port.
 * @return the output, or NULL with rte_errno set (EINVAL, ENOMEM, ENOSPC: too many outputs).
 */
struct l2sw_out *l2sw_out_create(struct l2sw *sw, uint16_t burst_cap, int socket_id);

/**
 * Free an output: frames still queued in it are freed (counted as @c tx_drop); its counters
 * are kept by the switch. NULL is a no-op. Not while its lcore forwards.
 */
void l2sw_out_free(struct l2sw_out *out);

/**
 * Switch a burst received on @p in_port into @p out.
 *
 * Ownership: the switch takes every mbuf in pkts[0..nb_pkts): each is queued for one or more
 * destinations or freed (and counted). The caller must hold the only reference to each
 * frame (as after rx_burst); the switch may rewrite its metadata and, on a trunk port, remove
 * the VLAN tag from its data. Frames already queued in @p out stay queued: several bursts
 * (e.g. of several ingress ports) may be forwarded before one drain.
 *
 * Hot path: no locks, no allocation except private copies, no logging.
 * Preconditions: @p out belongs to @p sw and is used by this lcore only; no other lcore
 * forwards @p in_port at the same time.
 *
 * @param now  current time in the units of conf.age_ticks (e.g. rte_rdtsc()).
 * @return number of frame references queued in @p out by this call (a flood counts once per
 *   destination); frames not queued were freed and counted. An @p in_port out of range frees
 *   the burst and returns 0.
 */
uint16_t l2sw_forward_burst(struct l2sw *sw, struct l2sw_out *out, uint16_t in_port,
			    struct rte_mbuf **pkts, uint16_t nb_pkts, uint64_t now);

/**
 * Look at the next destination port that has frames queued. Hot path.
 * @param[out] port  the switch port number.
 * @param[out] pkts  its frames, in arrival order; owned by @p out until l2sw_out_done().
 * @return how many frames are queued for @p port, 0 when @p out is empty.
 */
uint16_t l2sw_out_next(struct l2sw_out *out, uint16_t *port, struct rte_mbuf ***pkts);

/**
 * Finish a destination port returned by l2sw_out_next(): the first @p nb_sent frames were
 * taken by the egress (ownership passed to it), the rest are freed by the switch and counted
 * as @c tx_drop. The port's queue is then empty. Hot path.
 * @return 0, or -EINVAL if @p port has nothing queued or @p nb_sent exceeds what was queued
 *   (then nothing is freed).
 */
int l2sw_out_done(struct l2sw_out *out, uint16_t port, uint16_t nb_sent);

/**
 * Remove stations idle for more than conf.age_ticks, scanning at most @p budget FDB buckets
 * (8 entries each) from where the previous call stopped. Pinned entries stay. An entry's
 * "last seen" time is rewritten at most every age_ticks / 8 (to keep a busy station's
 * bucket from bouncing between lcores), so a station goes between age_ticks and
 * 9/8 age_ticks after its last frame, plus the time the scan takes to come round: a caller
 * that scans the whole table every age_ticks / 8 (l2sw_fdb_buckets() buckets per age_ticks / 8)
 * keeps that under 10/8 age_ticks. A removed station no longer counts against its port's
 * max_learned. Control path or a housekeeping lcore: one caller at a time, concurrently with
 * forwarding, l2sw_fdb_walk() and l2sw_port_set().
 * @return the number of stations removed.
 */
unsigned int l2sw_age(struct l2sw *sw, uint64_t now, uint32_t budget);

/** Number of FDB buckets: a budget that makes l2sw_age() scan the whole table once. */
uint32_t l2sw_fdb_buckets(const struct l2sw *sw);

/**
 * Call @p cb for each FDB entry (telemetry). Concurrent forwarding may add, move or remove
 * entries during the walk: each entry reported is consistent in itself.
 * @param now  used for l2sw_fdb_entry.idle.
 * @return 0 after the whole table, or the first non-zero value returned by @p cb.
 */
int l2sw_fdb_walk(const struct l2sw *sw, uint64_t now, l2sw_fdb_walk_cb cb, void *arg);

/**
 * Read counters of one port, or their sum with L2SW_PORT_ALL. Control path; counters are
 * read while written, each is exact in itself.
 * @return 0, or -EINVAL for a bad port or NULL @p stats.
 */
int l2sw_stats_get(const struct l2sw *sw, uint16_t port, struct l2sw_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* L2SW_H */
