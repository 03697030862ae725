/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated NIC of a chosen vif (emu_nic.h): vif-bridge's `type_if=tap` branch, with
 * this service as the bridge. libxl runs the vif's hotplug script a second time for an
 * HVM guest's device-model NIC, with `type_if=tap` and INTERFACE naming the tap; our
 * script writes that name to the vif's backend key XB_EMU_TAP_KEY (and removes it on the
 * tap's `remove`), so this service stays the one reader of what it serves and a restarted
 * service finds the tap again where it finds the vif.
 *
 * The tap becomes a net_af_packet port of the vif's switch: to the switch a vif port of
 * the vif's MAC (pinned to the tap while it is there, l2sw_port_conf::twin) and `ip`; to
 * the app a socket port, whose TX is done as a wire's (software checksum and GSO, MTU).
 * It goes when the key goes, when the vif goes, or when the tap goes (QEMU exits, or the
 * guest's PV drivers unplug the emulated NIC and QEMU deletes it).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>

#include "emu_nic.h"

struct emu_slot {
	bool attached;
	struct xb_vif_id id;
	uint16_t port_id;
	unsigned int ifindex;          /* the tap's, when attached: a new tap is another */
	char tap[XB_IFNAME_MAX + 1];
	char dev[RTE_DEV_NAME_MAX_LEN];
};

/* At most one per port the service can hold; control thread only. */
static struct emu_slot slots[RTE_MAX_ETHPORTS];

static struct emu_slot *slot_find(struct xb_vif_id id)
{
	for (unsigned int i = 0; i < RTE_DIM(slots); i++)
		if (slots[i].attached && xb_vif_id_eq(slots[i].id, id))
			return &slots[i];
	return NULL;
}

static void emu_detach(struct dnb_app *app, struct emu_slot *s, const char *why)
{
	dnb_port_fini(app, s->port_id);
	rte_eth_dev_close(s->port_id);
	rte_eal_hotplug_remove("vdev", s->dev);
	DNB_LOG(NOTICE, "vif%u.%u: emulated NIC %s detached (port %u): %s", s->id.domid,
		s->id.devid, s->tap, s->port_id, why);
	s->attached = false;
}

/* Hotplug a net_af_packet port on the tap and start forwarding on it: 0 or -errno. */
static int emu_attach(struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id,
		      uint16_t vif_port, const char *tap, unsigned int ifindex)
{
	struct emu_slot *s = NULL;
	struct xb_vif_ips ips;
	char args[64];
	uint16_t port;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(slots) && s == NULL; i++)
		if (!slots[i].attached)
			s = &slots[i];
	if (s == NULL)
		return -ENOSPC;
	rc = xb_discover_read_ips(xs, id.domid, id.devid, &ips);
	if (rc != 0) {
		DNB_LOG(ERR, "vif%u.%u: reading backend key 'ip': %s", id.domid, id.devid,
			strerror(-rc));
		return rc;
	}
	snprintf(s->dev, sizeof(s->dev), "net_af_packet_emu%u_%u", id.domid, id.devid);
	snprintf(args, sizeof(args), "iface=%s", tap);
	rc = rte_eal_hotplug_add("vdev", s->dev, args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(s->dev, &port);
	if (rc == 0)
		rc = dnb_port_init_emu(app, port, vif_port, &ips);
	if (rc != 0) {
		DNB_LOG(ERR, "vif%u.%u: attaching its emulated NIC %s: %s", id.domid, id.devid,
			tap, strerror(-rc));
		rte_eal_hotplug_remove("vdev", s->dev);
		return rc;
	}
	s->attached = true;
	s->id = id;
	s->port_id = port;
	s->ifindex = ifindex;
	snprintf(s->tap, sizeof(s->tap), "%s", tap);
	DNB_LOG(NOTICE, "vif%u.%u: emulated NIC %s attached as port %u, switch %s", id.domid,
		id.devid, tap, port, app->switches[app->ports[port].sw].name);
	return 0;
}

/* A key naming a tap that does not exist (yet): said once per vif and name. */
static void log_missing(struct xb_vif_id id, const char *tap)
{
	static struct xb_vif_id last_id;
	static char last_tap[XB_IFNAME_MAX + 1];

	if (xb_vif_id_eq(last_id, id) && strcmp(last_tap, tap) == 0)
		return;
	last_id = id;
	snprintf(last_tap, sizeof(last_tap), "%s", tap);
	DNB_LOG(NOTICE, "vif%u.%u: backend key '%s' names %s, which is no interface (yet): "
		"its emulated NIC waits", id.domid, id.devid, XB_EMU_TAP_KEY, tap);
}

void dnb_emu_examine(struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id,
		     uint16_t vif_port)
{
	char tap[XB_IFNAME_MAX + 1];
	struct emu_slot *s = slot_find(id);
	int rc = xb_discover_read_emu_tap(xs, id.domid, id.devid, tap);
	unsigned int ifindex = rc == XB_BRIDGE_NAMED ? if_nametoindex(tap) : 0;

	if (rc < 0)
		return; /* xenstore could not tell: the next look decides */
	if (s != NULL && (rc != XB_BRIDGE_NAMED || strcmp(tap, s->tap) != 0))
		emu_detach(app, s, rc == XB_BRIDGE_NAMED ? "its backend key names another tap" :
			   rc == XB_BRIDGE_NONE ? "its backend key was removed" :
			   "its backend key is malformed");
	else if (s != NULL && ifindex != s->ifindex)
		emu_detach(app, s, ifindex == 0 ? "the tap is gone" : "the tap was made again");
	else if (s != NULL)
		return;
	if (rc != XB_BRIDGE_NAMED)
		return;
	if (ifindex == 0)
		log_missing(id, tap);
	else
		emu_attach(app, xs, id, vif_port, tap, ifindex);
}

void dnb_emu_detach(struct dnb_app *app, struct xb_vif_id id)
{
	struct emu_slot *s = slot_find(id);

	if (s != NULL)
		emu_detach(app, s, "its vif is detached");
}

void dnb_emu_check_taps(struct dnb_app *app)
{
	for (unsigned int i = 0; i < RTE_DIM(slots); i++)
		if (slots[i].attached && if_nametoindex(slots[i].tap) != slots[i].ifindex)
			emu_detach(app, &slots[i], "the tap is gone");
}
