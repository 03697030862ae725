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
#include <rte_ether.h>
#include <rte_lcore.h>
#include <xenstore.h>

#include "dnb.h"
#include "kernel_owner.h"

#define BACKEND_VIF "/local/domain/0/backend/vif"
#define VIF_TICK_MS 500

struct vif_slot {
	bool attached;
	struct dnb_vif_id id;
	uint16_t port_id;
	char name[RTE_DEV_NAME_MAX_LEN];
};

static struct {
	struct xs_handle *xs;
	pthread_t thread;
	bool running;
	struct vif_slot slots[RTE_MAX_ETHPORTS];
} vifs;

static char *xs_read_str(const char *fmt, unsigned int domid, unsigned int devid,
			 const char *key)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), fmt, domid, devid, key);
	return xs_read(vifs.xs, XBT_NULL, path, &len);
}

static bool vif_named(const struct dnb_app *app, unsigned int domid, unsigned int devid)
{
	for (unsigned int i = 0; i < app->cfg.nb_vifs; i++)
		if (app->cfg.vifs[i].domid == domid && app->cfg.vifs[i].devid == devid)
			return true;
	return false;
}

enum vif_verdict {
	VIF_NOT_WANTED, /* absent, offline, or not ours */
	VIF_WANTED,
	VIF_UNKNOWN,    /* xenstore could not be read: keep the vif as it is, ask again later */
};

/* Read a backend key; NULL with *unknown set when the read failed for another reason than
 * the key not existing (a transient xenstore error must not look like a removed vif). */
static char *read_key(unsigned int domid, unsigned int devid, const char *key, bool *unknown)
{
	char *v;

	errno = 0;
	v = xs_read_str(BACKEND_VIF "/%u/%u/%s", domid, devid, key);
	if (v == NULL && errno != ENOENT)
		*unknown = true;
	return v;
}

/* Is the vif ours and present? Reads the toolstack's keys (dom0-owned, trusted as much as
 * the toolstack is); a guest cannot write them. */
static enum vif_verdict vif_wanted(const struct dnb_app *app, unsigned int domid,
				   unsigned int devid)
{
	bool unknown = false, wanted;
	char *online = read_key(domid, devid, "online", &unknown);
	char *script = NULL;

	wanted = online != NULL && strcmp(online, "1") == 0;
	if (wanted && !vif_named(app, domid, devid)) {
		const char *base;

		script = read_key(domid, devid, "script", &unknown);
		base = script != NULL ? strrchr(script, '/') : NULL;
		base = base != NULL ? base + 1 : script;
		wanted = app->cfg.marked_vifs && base != NULL && strcmp(base, DNB_VIF_SCRIPT) == 0;
	}
	free(online);
	free(script);
	if (unknown)
		return VIF_UNKNOWN;
	return wanted ? VIF_WANTED : VIF_NOT_WANTED;
}

static struct vif_slot *slot_find(unsigned int domid, unsigned int devid)
{
	for (unsigned int i = 0; i < RTE_DIM(vifs.slots); i++)
		if (vifs.slots[i].attached && vifs.slots[i].id.domid == domid &&
		    vifs.slots[i].id.devid == devid)
			return &vifs.slots[i];
	return NULL;
}

static void vif_attach(struct dnb_app *app, unsigned int domid, unsigned int devid)
{
	char *mac = xs_read_str(BACKEND_VIF "/%u/%u/%s", domid, devid, "mac");
	struct rte_ether_addr ea;
	struct vif_slot *s = NULL;
	char args[160];
	uint16_t port;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(vifs.slots) && s == NULL; i++)
		if (!vifs.slots[i].attached)
			s = &vifs.slots[i];
	if (mac == NULL || rte_ether_unformat_addr(mac, &ea) != 0 || s == NULL) {
		DNB_LOG(ERR, "vif%u.%u: %s", domid, devid,
			s == NULL ? "no free port slot" : "backend key 'mac' missing or malformed");
		free(mac);
		return;
	}
	snprintf(s->name, sizeof(s->name), "net_xenvif_%u_%u", domid, devid);
	snprintf(args, sizeof(args), "domid=%u,devid=%u,queues=%u,xen=%s,mac=%s", domid, devid,
		 app->cfg.vif_queues, app->cfg.xen, mac);
	free(mac);
	rc = rte_eal_hotplug_add("vdev", s->name, args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(s->name, &port);
	if (rc == 0)
		rc = dnb_port_init(app, port, &(struct dnb_vif_id){domid, devid});
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

static bool parse_id(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* May the service take the vif, as far as the kernel is concerned? Logs a vif that waits for
 * the kernel once per wait, not on every tick. */
static bool vif_free_of_kernel(unsigned int domid, unsigned int devid)
{
	/* Domain 0 never reaches here (scan_attach skips it): {0, 0} is "none yet". */
	static struct dnb_vif_id last_held;
	int owner = dnb_kernel_owner(DNB_SYSFS_ROOT, domid, devid);

	if (owner == DNB_KERNEL_ABSENT)
		return true;
	if (owner == DNB_KERNEL_RELEASED) {
		/* The kernel's xenbus creates the device node a moment before it binds the driver,
		 * with the backend still Initialising (1); once xen-netback probed it and the
		 * script unbound it, the backend is left at InitWait (2). Initialised (3) and
		 * Connected (4): this service served it before a restart. */
		bool unknown = false;
		char *state = read_key(domid, devid, "state", &unknown);
		bool probed = state != NULL && state[0] >= '2' && state[0] <= '4' &&
			      state[1] == '\0';

		free(state);
		if (probed) {
			DNB_LOG(NOTICE, "vif%u.%u: released by the kernel's xen-netback", domid,
				devid);
			return true;
		}
	}
	if (last_held.domid != domid || last_held.devid != devid) {
		if (owner < 0)
			DNB_LOG(WARNING, "vif%u.%u: cannot tell whether xen-netback holds it (%s); "
				"not taken", domid, devid, strerror(-owner));
		else
			DNB_LOG(NOTICE, "vif%u.%u: held by the kernel's xen-netback; waiting for "
				"its hotplug script to unbind it", domid, devid);
		last_held = (struct dnb_vif_id){(uint16_t)domid, (uint16_t)devid};
	}
	return false;
}

/* Walk the backend directory: attach what is wanted, missing, and not the kernel's. */
static void scan_attach(struct dnb_app *app)
{
	unsigned int nb_doms = 0, nb_devs, domid, devid;
	char **doms = xs_directory(vifs.xs, XBT_NULL, BACKEND_VIF, &nb_doms);

	for (unsigned int i = 0; doms != NULL && i < nb_doms; i++) {
		char path[96];
		char **devs;

		if (!parse_id(doms[i], 0x7fef, &domid) || domid == 0)
			continue;
		snprintf(path, sizeof(path), BACKEND_VIF "/%u", domid);
		devs = xs_directory(vifs.xs, XBT_NULL, path, &nb_devs);
		for (unsigned int j = 0; devs != NULL && j < nb_devs; j++)
			if (parse_id(devs[j], UINT16_MAX, &devid) && slot_find(domid, devid) == NULL &&
			    vif_wanted(app, domid, devid) == VIF_WANTED &&
			    vif_free_of_kernel(domid, devid))
				vif_attach(app, domid, devid);
		free(devs);
	}
	free(doms);
}

/* Detach the vifs whose backend directory is gone or offline (xl destroy, xl network-detach). */
static void scan_detach(struct dnb_app *app)
{
	for (unsigned int i = 0; i < RTE_DIM(vifs.slots); i++)
		if (vifs.slots[i].attached &&
		    vif_wanted(app, vifs.slots[i].id.domid, vifs.slots[i].id.devid) ==
			    VIF_NOT_WANTED)
			vif_detach(app, &vifs.slots[i]);
}

static void *vifs_main(void *arg)
{
	struct dnb_app *app = arg;
	struct pollfd pfd = {.fd = xs_fileno(vifs.xs), .events = POLLIN};

	while (!atomic_load(&app->quit)) {
		char **ev;

		/* Rescan on a watch event, and on every tick as well: a vif whose attach failed
		 * (e.g. its keys were not all written yet) is retried without a new event. */
		if (poll(&pfd, 1, VIF_TICK_MS) > 0)
			while ((ev = xs_check_watch(vifs.xs)) != NULL)
				free(ev);
		scan_detach(app);
		scan_attach(app);
	}
	return NULL;
}

int dnb_vifs_start(struct dnb_app *app)
{
	int rc;

	vifs.xs = xs_open(0);
	if (vifs.xs == NULL) {
		DNB_LOG(ERR, "opening xenstore: %s (is xenstored running? XENSTORED_PATH=%s)",
			strerror(errno), getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "");
		return -errno;
	}
	if (!xs_watch(vifs.xs, BACKEND_VIF, "dnb-vifs")) {
		DNB_LOG(ERR, "watching %s: %s", BACKEND_VIF, strerror(errno));
		xs_close(vifs.xs);
		return -errno;
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
	if (vifs.xs != NULL)
		xs_close(vifs.xs);
	vifs.xs = NULL;
}
