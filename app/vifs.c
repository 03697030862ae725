/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chosen vifs, one at a time (vifs.h): is a vif ours, and if so attach a net_xenvif port for
 * it (DPDK vdev hotplug), or detach it once it is gone or offline. Ours: named with --vif,
 * or (--marked-vifs) its xl config says script=vif-dpdk-netback, and the toolstack's
 * "online" is 1. Every other vif is left alone for the kernel's netback. The workers are
 * never stopped for this. This is the part of Linux's xenbus that binds a driver to a
 * device (xenbus_dev_probe, xenbus_dev_remove), with the driver's match as policy;
 * vif_watch.c is the part that notices devices (xenbus_probe_backend.c).
 *
 * Beside the kernel's xen-netback (loaded, so it probes every vif), a chosen vif is taken
 * only once the kernel has let go of it: the hotplug script unbinds the device from the
 * kernel's driver, and until then (not probed yet, or still bound) the vif is left to be
 * asked about again (kernel_owner.h).
 *
 * With --switch, a vif joins the switch its backend's `bridge` (xl's bridge=) names, as
 * vif-bridge adds the vif to that bridge (none: the first switch). A vif whose key names no
 * switch, or is malformed, is refused alone: logged once (per value), not attached, and
 * settled: the next full rescan (vif_watch.c) looks again, so a corrected key is taken
 * then. The key is read when the vif attaches; a later change is not followed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ether.h>

#include "emu_nic.h"
#include "kernel_owner.h"
#include "rte_pmd_xenvif.h"
#include "vifs.h"

struct vif_slot {
	bool attached;
	struct xb_vif_id id;
	char domain[XB_DOMAIN_NAME_MAX + 1]; /* its domain's name when it attached */
	uint16_t port_id;
	char name[RTE_DEV_NAME_MAX_LEN];
};

/* One per port the service can hold; control thread only. */
static struct vif_slot slots[RTE_MAX_ETHPORTS];

/* Vifs refused for their `bridge`, so each value is logged once, not on every rescan: a
 * few entries reused in turn (a vif beyond them is logged again, no worse). */
#define REFUSED_MAX 16
static struct refused {
	struct xb_vif_id id;
	char bridge[XB_IFNAME_MAX + 1]; /* "" for a malformed value (xb logged it) */
} refused[REFUSED_MAX];
static unsigned int refused_next;

/* Note a refusal: true when it is new (to be logged), false when said before. */
static bool refused_note(struct xb_vif_id id, const char *bridge)
{
	for (unsigned int i = 0; i < REFUSED_MAX; i++)
		if (xb_vif_id_eq(refused[i].id, id) && strcmp(refused[i].bridge, bridge) == 0)
			return false;
	refused[refused_next].id = id;
	strcpy(refused[refused_next].bridge, bridge);
	refused_next = (refused_next + 1) % REFUSED_MAX;
	return true;
}

/* The vif is attached: a refusal of it later is news again. */
static void refused_forget(struct xb_vif_id id)
{
	for (unsigned int i = 0; i < REFUSED_MAX; i++)
		if (xb_vif_id_eq(refused[i].id, id))
			refused[i].id = (struct xb_vif_id){0, 0};
}

/*
 * The switch the vif joins (vif-bridge's "brctl addif $bridge $vif"): the one its `bridge`
 * names with --switch, the first without a key; without --switch the one switch, the key
 * not read. @return 0 with *@p sw; -EPERM: refused (logged); another negative errno:
 * xenstore could not answer (ask again).
 */
static int vif_switch(const struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id,
		      unsigned int *sw)
{
	char bridge[XB_IFNAME_MAX + 1];
	int rc, named;

	*sw = 0;
	if (!app->cfg.switches_named)
		return 0;
	rc = xb_discover_read_bridge(xs, id.domid, id.devid, bridge);
	if (rc < 0) {
		DNB_LOG(ERR, "vif%u.%u: reading backend key 'bridge': %s", id.domid, id.devid,
			strerror(-rc));
		return rc;
	}
	if (rc == XB_BRIDGE_NONE)
		return 0;
	named = rc == XB_BRIDGE_NAMED ? dnb_config_switch_named(&app->cfg, bridge) : -1;
	if (named >= 0) {
		*sw = (unsigned int)named;
		return 0;
	}
	if (refused_note(id, bridge))
		DNB_LOG(ERR, "vif%u.%u: refused, not attached: backend key 'bridge' %s%s%s", id.domid,
			id.devid, rc == XB_BRIDGE_NAMED ? "= '" : "is malformed", bridge,
			rc == XB_BRIDGE_NAMED ? "' names no --switch" : "");
	return -EPERM;
}

static struct vif_slot *slot_find(struct xb_vif_id id)
{
	for (unsigned int i = 0; i < RTE_DIM(slots); i++)
		if (slots[i].attached && xb_vif_id_eq(slots[i].id, id))
			return &slots[i];
	return NULL;
}

/* Is the vif named with --vif, by its domain's id or name? An attached vif's name is the
 * one read when it attached (a transient xenstore error must not detach it); another's is
 * read only when some --vif names a domain. */
static bool vif_named(const struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id)
{
	const struct vif_slot *s = slot_find(id);
	char domain[XB_DOMAIN_NAME_MAX + 1] = "";
	const struct dnb_vif_id vif = {id.domid, id.devid};

	if (s != NULL)
		memcpy(domain, s->domain, sizeof(domain));
	else if (dnb_config_vifs_by_name(&app->cfg))
		(void)xb_discover_read_domain_name(xs, id.domid, domain);
	return dnb_config_vif_named(&app->cfg, vif, domain);
}

/* Is the vif ours? Online (the toolstack's "online"), and named with --vif or (with
 * --marked-vifs) marked by its xl config's script=. */
static bool vif_wanted(const struct dnb_app *app, struct xb_xs *xs,
		       const struct xb_vif_info *info)
{
	return info->online && ((app->cfg.marked_vifs && info->script_marked) ||
				vif_named(app, xs, info->id));
}

/* Hotplug a net_xenvif port for the vif and start forwarding on it, with the source check
 * its backend's `ip` asks for (vif-bridge's handle_iptable): 0 or a negative errno. */
static int vif_attach(struct dnb_app *app, struct xb_xs *xs, const struct xb_vif_info *info,
		      unsigned int sw)
{
	struct xb_vif_ips ips;
	char domain[XB_DOMAIN_NAME_MAX + 1];
	unsigned int domid = info->id.domid, devid = info->id.devid;
	char args[160], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr ea;
	struct vif_slot *s = NULL;
	uint16_t port;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(slots) && s == NULL; i++)
		if (!slots[i].attached)
			s = &slots[i];
	if (!info->mac_valid || s == NULL) {
		DNB_LOG(ERR, "vif%u.%u: %s", domid, devid,
			s == NULL ? "no free port slot" : "backend key 'mac' missing or malformed");
		return s == NULL ? -ENOSPC : -EINVAL;
	}
	rc = xb_discover_read_ips(xs, info->id.domid, info->id.devid, &ips);
	if (rc == 0)
		rc = xb_discover_read_domain_name(xs, info->id.domid, domain);
	if (rc != 0) {
		DNB_LOG(ERR, "vif%u.%u: reading its keys: %s", domid, devid, strerror(-rc));
		return rc;
	}
	memcpy(ea.addr_bytes, info->mac, sizeof(ea.addr_bytes));
	rte_ether_format_addr(mac, sizeof(mac), &ea);
	snprintf(s->name, sizeof(s->name), "net_xenvif_%u_%u", domid, devid);
	snprintf(args, sizeof(args), "domid=%u,devid=%u,queues=%u,xen=%s,mac=%s", domid, devid,
		 app->cfg.vif_queues, app->cfg.xen, mac);
	rc = rte_eal_hotplug_add("vdev", s->name, args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(s->name, &port);
	if (rc == 0)
		rc = dnb_port_init(app, port, sw,
				   &(struct dnb_vif_id){info->id.domid, info->id.devid}, domain,
				   &ips);
	if (rc != 0) {
		DNB_LOG(ERR, "vif%u.%u: attaching %s: %s", domid, devid, s->name, strerror(-rc));
		rte_eal_hotplug_remove("vdev", s->name);
		return rc;
	}
	*s = (struct vif_slot){.attached = true, .id = info->id, .port_id = port};
	memcpy(s->domain, domain, sizeof(s->domain));
	snprintf(s->name, sizeof(s->name), "net_xenvif_%u_%u", domid, devid);
	refused_forget(info->id);
	DNB_LOG(NOTICE, "vif%u.%u: attached as port %u, domain '%s', switch %s%s", domid, devid,
		port, domain, app->switches[sw].name, app->cfg.switches_named ? "" :
		" (one switch: its backend key 'bridge' is not used without --switch)");
	return 0;
}

static void vif_detach(struct dnb_app *app, struct vif_slot *s)
{
	dnb_port_fini(app, s->port_id);
	rte_eth_dev_close(s->port_id);
	rte_eal_hotplug_remove("vdev", s->name);
	DNB_LOG(NOTICE, "vif%u.%u: detached (port %u)", s->id.domid, s->id.devid, s->port_id);
	s->attached = false;
}

/* May the service take the vif, as far as the kernel is concerned? Logs a vif that waits for
 * the kernel once per wait, not on every tick. */
static bool vif_free_of_kernel(const struct xb_vif_info *info)
{
	/* Domain 0 is never discovered: {0, 0} is "none yet". */
	static struct xb_vif_id last_held;
	unsigned int domid = info->id.domid, devid = info->id.devid;
	int owner = dnb_kernel_owner(DNB_SYSFS_ROOT, domid, devid);

	if (owner == DNB_KERNEL_ABSENT)
		return true;
	/* The kernel's xenbus creates the device node a moment before it binds the driver,
	 * with the backend still Initialising (1); once xen-netback probed it and the script
	 * unbound it, the backend is left at InitWait (2). Initialised (3) and Connected (4):
	 * this service served it before a restart. */
	if (owner == DNB_KERNEL_RELEASED && info->state >= XB_STATE_INITWAIT &&
	    info->state <= XB_STATE_CONNECTED) {
		DNB_LOG(NOTICE, "vif%u.%u: released by the kernel's xen-netback", domid, devid);
		return true;
	}
	if (last_held.domid != domid || last_held.devid != devid) {
		if (owner < 0)
			DNB_LOG(WARNING, "vif%u.%u: cannot tell whether xen-netback holds it (%s); "
				"not taken", domid, devid, strerror(-owner));
		else
			DNB_LOG(NOTICE, "vif%u.%u: held by the kernel's xen-netback; waiting for "
				"its hotplug script to unbind it", domid, devid);
		last_held = info->id;
	}
	return false;
}

/* Attach a vif that is ours, if the kernel let go of it and its `bridge` names a switch.
 * @return true when settled (attached, or refused for its bridge); false: ask again. */
static bool vif_take(struct dnb_app *app, struct xb_xs *xs, const struct xb_vif_info *info)
{
	unsigned int sw;
	int rc;

	if (!vif_free_of_kernel(info))
		return false;
	rc = vif_switch(app, xs, info->id, &sw);
	if (rc != 0)
		return rc == -EPERM;
	return vif_attach(app, xs, info, sw) == 0;
}

bool dnb_vif_examine(struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id)
{
	struct vif_slot *s = slot_find(id);
	struct xb_vif_info info;
	enum xb_presence p = xb_discover_lookup(xs, id.domid, id.devid, &info);
	bool wanted = p == XB_VIF_PRESENT && vif_wanted(app, xs, &info);

	/* A transient xenstore error must not look like a removed vif: change nothing. */
	if (p == XB_VIF_UNKNOWN)
		return false;
	if (s != NULL && !wanted) {
		dnb_emu_detach(app, id);
		vif_detach(app, s);
		return true;
	}
	if (s == NULL && wanted && !vif_take(app, xs, &info))
		return false;
	/* attached (now or before): its emulated NIC, if the hotplug script named one */
	s = slot_find(id);
	if (s != NULL)
		dnb_emu_examine(app, xs, id, s->port_id);
	return true;
}

unsigned int dnb_vif_attached_ids(struct xb_vif_id *ids, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < RTE_DIM(slots) && n < max; i++)
		if (slots[i].attached)
			ids[n++] = slots[i].id;
	return n;
}

bool dnb_vif_attached(struct xb_vif_id id)
{
	return slot_find(id) != NULL;
}

/*
 * After the port let go of the vif (Connected, rings unmapped): the kernel takes it. The
 * state kept for our restart goes first: xen-netback reads no key it does not know, but a
 * dpdk-netback that later finds the vif Connected must not take the kernel's connection
 * for the one that wrote it.
 */
static void vif_to_kernel(struct xb_xs *xs, struct xb_vif_id id)
{
	int rc = xb_persist_remove(xs, id.domid, id.devid);

	if (rc < 0)
		DNB_LOG(ERR, "vif%u.%u: removing %s: %s", id.domid, id.devid, XB_PERSIST_KEY,
			strerror(-rc));
	rc = dnb_kernel_take(DNB_SYSFS_ROOT, id.domid, id.devid);

	if (rc == 0)
		DNB_LOG(NOTICE, "vif%u.%u: handed to the kernel's xen-netback", id.domid,
			id.devid);
	else
		DNB_LOG(ERR, "vif%u.%u: the kernel's xen-netback did not take it (%s); left "
			"Connected for the next dpdk-netback", id.domid, id.devid,
			strerror(-rc));
}

void dnb_vif_detach_all(struct dnb_app *app, struct xb_xs *xs, enum dnb_exit_mode mode)
{
	for (unsigned int i = 0; i < RTE_DIM(slots); i++) {
		struct xb_vif_id id = slots[i].id;

		if (!slots[i].attached)
			continue;
		rte_pmd_xenvif_keep_on_close(slots[i].port_id, mode != DNB_EXIT_RELEASE);
		dnb_emu_detach(app, id);
		vif_detach(app, &slots[i]);
		if (mode == DNB_EXIT_KERNEL)
			vif_to_kernel(xs, id);
	}
}
