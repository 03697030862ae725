/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chosen vifs: a control thread watches the toolstack's backend directory
 * (/local/domain/0/backend/vif) and attaches a net_xenvif port (DPDK vdev hotplug) for each
 * vif this service serves — named with --vif, or (--marked-vifs) whose xl config says
 * script=vif-dpdk-netback — while its backend directory exists and says online=1. Every other
 * vif is left alone for the kernel's netback. The workers are never stopped for this.
 *
 * Beside the kernel's xen-netback (loaded, so it probes every vif), a chosen vif is taken
 * only once the kernel has let go of it: the hotplug script unbinds the device from the
 * kernel's driver, and until then (not probed yet, or still bound) the vif is asked about
 * again at the next watch event (the script's xenstore writes fire one) or tick
 * (kernel_owner.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_lcore.h>

#include "dnb.h"
#include "kernel_owner.h"
#include "xb.h"

#define VIF_TICK_MS 500
#define VIF_WATCH_TOKEN "dnb-vifs"
/* Vifs one full pass lists: as many as the service can hold ports for. */
#define VIF_SCAN_MAX RTE_MAX_ETHPORTS

struct vif_slot {
	bool attached;
	struct dnb_vif_id id;
	uint16_t port_id;
	char name[RTE_DEV_NAME_MAX_LEN];
};

static struct {
	struct xb_xs *xs;
	pthread_t thread;
	bool running;
	struct vif_slot slots[RTE_MAX_ETHPORTS];
} vifs;

static bool vif_named(const struct dnb_app *app, struct xb_vif_id id)
{
	for (unsigned int i = 0; i < app->cfg.nb_vifs; i++)
		if (app->cfg.vifs[i].domid == id.domid && app->cfg.vifs[i].devid == id.devid)
			return true;
	return false;
}

/* Is the vif ours? Online (the toolstack's "online"), and named with --vif or (with
 * --marked-vifs) marked by its xl config's script=. */
static bool vif_wanted(const struct dnb_app *app, const struct xb_vif_info *info)
{
	return info->online &&
	       (vif_named(app, info->id) || (app->cfg.marked_vifs && info->script_marked));
}

static struct vif_slot *slot_find(unsigned int domid, unsigned int devid)
{
	for (unsigned int i = 0; i < RTE_DIM(vifs.slots); i++)
		if (vifs.slots[i].attached && vifs.slots[i].id.domid == domid &&
		    vifs.slots[i].id.devid == devid)
			return &vifs.slots[i];
	return NULL;
}

static void vif_attach(struct dnb_app *app, const struct xb_vif_info *info)
{
	unsigned int domid = info->id.domid, devid = info->id.devid;
	char args[160], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr ea;
	struct vif_slot *s = NULL;
	uint16_t port;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(vifs.slots) && s == NULL; i++)
		if (!vifs.slots[i].attached)
			s = &vifs.slots[i];
	if (!info->mac_valid || s == NULL) {
		DNB_LOG(ERR, "vif%u.%u: %s", domid, devid,
			s == NULL ? "no free port slot" : "backend key 'mac' missing or malformed");
		return;
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
		rc = dnb_port_init(app, port, &(struct dnb_vif_id){info->id.domid, info->id.devid});
	if (rc != 0) {
		DNB_LOG(ERR, "vif%u.%u: attaching %s: %s", domid, devid, s->name, strerror(-rc));
		rte_eal_hotplug_remove("vdev", s->name);
		return;
	}
	*s = (struct vif_slot){.attached = true, .id = {domid, devid}, .port_id = port};
	snprintf(s->name, sizeof(s->name), "net_xenvif_%u_%u", domid, devid);
	DNB_LOG(NOTICE, "vif%u.%u: attached as port %u", domid, devid, port);
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

/* Walk the backend directory: attach what is wanted, missing, and not the kernel's. */
static void scan_attach(struct dnb_app *app)
{
	struct xb_vif_id ids[VIF_SCAN_MAX];
	struct xb_vif_info info;
	int nb = xb_discover_scan(vifs.xs, ids, RTE_DIM(ids), NULL);

	for (int i = 0; i < nb; i++)
		if (slot_find(ids[i].domid, ids[i].devid) == NULL &&
		    xb_discover_lookup(vifs.xs, ids[i].domid, ids[i].devid, &info) ==
			    XB_VIF_PRESENT &&
		    vif_wanted(app, &info) && vif_free_of_kernel(&info))
			vif_attach(app, &info);
}

/* Detach the vifs whose backend directory is gone or offline (xl destroy, xl network-detach);
 * a vif xenstore could not tell about stays as it is. */
static void scan_detach(struct dnb_app *app)
{
	struct xb_vif_info info;

	for (unsigned int i = 0; i < RTE_DIM(vifs.slots); i++) {
		struct vif_slot *s = &vifs.slots[i];
		enum xb_presence p;

		if (!s->attached)
			continue;
		p = xb_discover_lookup(vifs.xs, s->id.domid, s->id.devid, &info);
		if (p == XB_VIF_ABSENT || (p == XB_VIF_PRESENT && !vif_wanted(app, &info)))
			vif_detach(app, s);
	}
}

static void *vifs_main(void *arg)
{
	struct dnb_app *app = arg;
	struct pollfd pfd = {.fd = xb_xs_libxenstore_fd(vifs.xs), .events = POLLIN};
	char path[XB_PATH_MAX];

	while (!atomic_load(&app->quit)) {
		/* Rescan on a watch event, and on every tick as well: a vif whose attach failed
		 * (e.g. its keys were not all written yet) is retried without a new event. */
		if (poll(&pfd, 1, VIF_TICK_MS) > 0)
			while (xb_xs_libxenstore_next_watch(vifs.xs, path, sizeof(path), NULL, 0) == 0)
				;
		scan_detach(app);
		scan_attach(app);
	}
	return NULL;
}

int dnb_vifs_start(struct dnb_app *app)
{
	int rc;

	vifs.xs = xb_xs_libxenstore_open();
	if (vifs.xs == NULL) {
		DNB_LOG(ERR, "opening xenstore: %s (is xenstored running? XENSTORED_PATH=%s)",
			strerror(rte_errno),
			getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "");
		return -rte_errno;
	}
	rc = xb_discover_watch(vifs.xs, VIF_WATCH_TOKEN);
	if (rc != 0) {
		DNB_LOG(ERR, "watching %s: %s", XB_BACKEND_VIF_DIR, strerror(-rc));
		xb_xs_libxenstore_close(vifs.xs);
		vifs.xs = NULL;
		return rc;
	}
	scan_attach(app);
	vifs.running = true;
	rc = rte_ctrl_thread_create(&vifs.thread, "dnb-vifs", NULL, vifs_main, app);
	if (rc != 0) {
		DNB_LOG(ERR, "creating the vif control thread: %s", strerror(rc));
		vifs.running = false;
		return -rc;
	}
	return 0;
}

void dnb_vifs_stop(struct dnb_app *app)
{
	if (vifs.running)
		pthread_join(vifs.thread, NULL);
	vifs.running = false;
	for (unsigned int i = 0; i < RTE_DIM(vifs.slots); i++)
		if (vifs.slots[i].attached)
			vif_detach(app, &vifs.slots[i]);
	xb_xs_libxenstore_close(vifs.xs);
	vifs.xs = NULL;
}
