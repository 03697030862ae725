/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A vif's source policy (l2sw_policy.h): what vif-bridge's anti-spoofing does with
 * iptables (vif-common.sh's handle_iptable / frob_iptable: "-s ADDR" per `ip` address,
 * and "-p udp --sport 68 --dport 67" for DHCP), done on the frame in the switch, and the
 * extra source MACs a vif may use. The headers are found by lib/pkt's walk.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "l2sw_fdb.h"
#include "l2sw_policy.h"

#define IP4_HDR_MIN 20
#define IP4_FRAG_OFF_MASK 0x1fff
#define ARP_IP4_LEN 28        /* ARP for IPv4 over Ethernet */
#define ARP_SPA_OFF 14        /* its sender protocol address */
#define IP6_HDR_LEN 40
#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67

int
l2sw_policy_build(const struct l2sw_port_conf *c, struct l2sw_policy *pol)
{
	bool any6 = false;

	memset(pol, 0, sizeof(*pol));
	if (c->kind != L2SW_PORT_VIF)
		return c->learn || c->ip_check || c->nb_extra_macs != 0 ||
		       c->trunk_vlans != NULL ? -EINVAL : 0;
	if (c->trunk_vlans != NULL) {
		/* VID 4095 is reserved (802.1Q): no frame is ever in it */
		if (!c->trunk || (c->trunk_vlans[L2SW_VLAN_WORDS - 1] >> 63) != 0)
			return -EINVAL;
		memcpy(pol->vlans, c->trunk_vlans, sizeof(pol->vlans));
	}
	if (c->nb_extra_macs > L2SW_MAX_EXTRA_MACS || c->nb_ips > L2SW_MAX_IPS ||
	    (c->nb_extra_macs != 0 && c->extra_macs == NULL) ||
	    (c->nb_ips != 0 && c->ips == NULL) || (c->max_learned != 0 && !c->learn))
		return -EINVAL;
	for (unsigned int i = 0; i < c->nb_extra_macs; i++) {
		uint64_t mac = l2sw_mac_u64(&c->extra_macs[i]);

		if (mac == 0 || (mac & L2SW_MAC_GROUP_BIT))
			return -EINVAL;
		pol->macs[i] = mac;
	}
	for (unsigned int i = 0; i < c->nb_ips; i++) {
		if (c->ips[i].len > (c->ips[i].v6 ? 128 : 32))
			return -EINVAL;
		pol->ips[i] = c->ips[i];
		any6 |= c->ips[i].v6;
	}
	pol->nb_macs = c->nb_extra_macs;
	pol->nb_ips = c->ip_check ? c->nb_ips : 0;
	pol->learn = c->learn;
	pol->check4 = c->ip_check;
	/* vif-common restricts IPv4 only: IPv6 is free unless the list names some, or none */
	pol->check6 = c->ip_check && (any6 || c->nb_ips == 0);
	return 0;
}

static bool
ip_listed(const struct l2sw_policy *pol, bool v6, const uint8_t *a)
{
	for (unsigned int i = 0; i < pol->nb_ips; i++)
		if (pkt_ip_prefix_match(&pol->ips[i], v6, a))
			return true;
	return false;
}

/* A DHCP client's message before it has an address: from 0.0.0.0, UDP 68 to 67. */
static bool
ip4_dhcp_client(const uint8_t *ip, uint32_t len)
{
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;

	return ihl >= IP4_HDR_MIN && len >= ihl + 4 && ip[9] == IPPROTO_UDP &&
	       (pkt_rd16(ip + 6) & IP4_FRAG_OFF_MASK) == 0 &&
	       pkt_rd16(ip + 12) == 0 && pkt_rd16(ip + 14) == 0 &&
	       pkt_rd16(ip + ihl) == DHCP_CLIENT_PORT && pkt_rd16(ip + ihl + 2) == DHCP_SERVER_PORT;
}

static bool
ip4_ok(const struct l2sw_policy *pol, const uint8_t *ip, uint32_t len)
{
	if (len < IP4_HDR_MIN || (ip[0] >> 4) != 4)
		return false;
	return ip_listed(pol, false, ip + 12) || ip4_dhcp_client(ip, len);
}

static bool
arp_ok(const struct l2sw_policy *pol, const uint8_t *arp, uint32_t len)
{
	static const uint8_t zero[4];

	/* ARP for IPv4 over Ethernet only: another ARP could claim what we cannot check */
	if (len < ARP_IP4_LEN || pkt_rd16(arp + 2) != RTE_ETHER_TYPE_IPV4 || arp[4] != 6 ||
	    arp[5] != 4)
		return false;
	return memcmp(arp + ARP_SPA_OFF, zero, sizeof(zero)) == 0 ||
	       ip_listed(pol, false, arp + ARP_SPA_OFF);
}

static bool
ip6_ok(const struct l2sw_policy *pol, const uint8_t *ip, uint32_t len)
{
	static const uint8_t unspecified[16];
	const uint8_t *src = ip + 8;

	if (len < IP6_HDR_LEN || (ip[0] >> 4) != 6)
		return false;
	/* DAD probes come from ::, neighbour discovery from fe80::/10 */
	return memcmp(src, unspecified, sizeof(unspecified)) == 0 ||
	       (src[0] == 0xfe && (src[1] & 0xc0) == 0x80) || ip_listed(pol, true, src);
}

bool
l2sw_policy_ip_ok(const struct l2sw_policy *pol, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct pkt_l2 l2;

	if (!pol->check4 && !pol->check6)
		return true;
	/* a frame whose network header we cannot find cannot be shown to be allowed */
	if (pkt_l2_walk(d, m->data_len, PKT_MAX_TAGS, &l2) < 0)
		return false;
	d += l2.l2_len;
	switch (l2.etype) {
	case RTE_ETHER_TYPE_IPV4:
		return !pol->check4 || ip4_ok(pol, d, m->data_len - l2.l2_len);
	case RTE_ETHER_TYPE_ARP:
		return !pol->check4 || arp_ok(pol, d, m->data_len - l2.l2_len);
	case RTE_ETHER_TYPE_IPV6:
		return !pol->check6 || ip6_ok(pol, d, m->data_len - l2.l2_len);
	default:
		return true;
	}
}
