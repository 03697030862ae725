/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to lib/switch: a vif's source policy beyond its one MAC (l2sw_policy.c): the
 * extra MACs or learning it may send from, and the IP sources it may use, what
 * vif-common.sh's handle_iptable (iptables -s per `ip` address, DHCP) does for vif-bridge;
 * and the VLANs a trunk vif carries (l2sw_port_conf::trunk_vlans), published with the rest.
 * Uses l2sw.h and lib/pkt only; l2sw.c builds policies, l2sw_forward.c applies them.
 */
#ifndef L2SW_POLICY_H
#define L2SW_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "l2sw.h"
#include "pkt.h"

/** One vif port's source policy; read by the lcore forwarding the port. */
struct l2sw_policy {
	bool learn;     /**< any unicast source MAC, learned (l2sw_port_conf::learn) */
	bool check4;    /**< IPv4 and ARP sources checked */
	bool check6;    /**< IPv6 sources checked */
	uint8_t nb_macs;
	uint8_t nb_ips;
	uint64_t macs[L2SW_MAX_EXTRA_MACS];      /**< as l2sw_mac_u64 */
	struct pkt_ip_prefix ips[L2SW_MAX_IPS];
	/** trunk vif with a set: its VLANs (bit 0: untagged); unused otherwise */
	uint64_t vlans[L2SW_VLAN_WORDS];
};

/**
 * Validate the policy part of @p c and build it into @p pol (zeroed for a port without one).
 * @return 0 or -EINVAL (see l2sw_port_set()).
 */
int l2sw_policy_build(const struct l2sw_port_conf *c, struct l2sw_policy *pol);

/** May a vif with @p pol send from @p src (not its own pinned MAC)? Hot path. */
static inline bool
l2sw_policy_mac_ok(const struct l2sw_policy *pol, uint64_t src)
{
	if (pol->learn)
		return true;
	for (unsigned int i = 0; i < pol->nb_macs; i++)
		if (pol->macs[i] == src)
			return true;
	return false;
}

/** Is @p vlan (0..4095) in the policy's VLAN set? Hot path. */
static inline bool
l2sw_policy_vlan(const struct l2sw_policy *pol, uint16_t vlan)
{
	return (pol->vlans[(vlan >> 6) & (L2SW_VLAN_WORDS - 1)] >> (vlan & 63)) & 1;
}

/**
 * May a vif with @p pol send frame @p m as far as its IP sources go? Reads the first
 * segment only (its data_len was checked to hold the Ethernet header). Hot path.
 */
bool l2sw_policy_ip_ok(const struct l2sw_policy *pol, const struct rte_mbuf *m);

#endif /* L2SW_POLICY_H */
