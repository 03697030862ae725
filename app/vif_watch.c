/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When to look at the vifs: the vif control thread, its one watch on the toolstack's
 * backend directory (/local/domain/0/backend/vif), a tick, and a slow full rescan. Linux's
 * xenbus_probe_backend.c does the same for its devices: xenbus_probe_devices lists the tree
 * once, then backend_changed probes only the device a watch event names.
 *
 * The watch fires on every write below the directory: every vif's state (this service
 * rewrites it whenever a guest toggles its own), hotplug-status, features. So an event
 * costs only what its path names (xb_discover_classify reads no xenstore): the one vif
 * whose directory, "online", "script", "mac" or emulated NIC key (XB_EMU_TAP_KEY)
 * changed, or whose "state" changed while the
 * vif waits for the kernel to release it; every vif of a domain whose directory came or
 * went; nothing for any other key. One batch takes at most VIF_BATCH_EVENTS events and
 * looks at each vif it names once; past VIF_BATCH_VIFS distinct vifs it asks for a full
 * rescan instead, at most one a tick.
 *
 * On every tick, the attached emulated NICs' taps are checked too (emu_nic.h): a tap that
 * went is detached without any xenstore event.
 *
 * A vif that must be asked again (the kernel holds it, its attach failed, xenstore could
 * not tell) stays in the pending set and is asked on every tick (VIF_TICK_MS), with no
 * event needed. Everything is rescanned every VIF_RESCAN_MS: the safety net for an event
 * xenstored did not deliver.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dnb_dpdk_compat.h"

#include "emu_nic.h"
#include "vifs.h"

/** Pending vifs are asked again this often (ms). */
#define VIF_TICK_MS 500
/** Every vif is looked at again this often (ms), events or not. */
#define VIF_RESCAN_MS 5000
/** Watch events one batch takes; the rest wait for the next loop (poll returns at once). */
#define VIF_BATCH_EVENTS 256
/** Distinct vifs (and domains) one batch looks at; past that: a full rescan. */
#define VIF_BATCH_VIFS 32
/** Vifs waiting to be asked again; past that they wait for the next full rescan. */
#define VIF_PENDING_MAX 64
/** Vifs one full rescan looks at (a vif per domain, for as many domains as a scan lists). */
#define VIF_SCAN_MAX XB_DISCOVER_MAX_DOMAINS
#define VIF_WATCH_TOKEN "dnb-vifs"

/* A small set of vif ids (or of domains, with devid 0). */
struct vif_set {
	unsigned int nb;
	struct xb_vif_id ids[VIF_PENDING_MAX];
};

/* What one batch of watch events asks to look at again. */
struct vif_batch {
	bool all;
	struct vif_set doms;
	struct vif_set vifs;
};

static struct {
	struct xb_xs *xs;
	pthread_t thread;
	bool running;
	struct vif_set pending;
	uint64_t last_rescan_ms;
	int last_scan_err;     /* the full rescan's last failure, logged once */
} watch;

static bool set_has(const struct vif_set *s, struct xb_vif_id id)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (xb_vif_id_eq(s->ids[i], id))
			return true;
	return false;
}

/* Add @p id unless present; false when the set (bounded by @p cap) is full. */
static bool set_add(struct vif_set *s, struct xb_vif_id id, unsigned int cap)
{
	if (set_has(s, id))
		return true;
	if (s->nb >= RTE_MIN(cap, (unsigned int)RTE_DIM(s->ids)))
		return false;
	s->ids[s->nb++] = id;
	return true;
}

static void set_del(struct vif_set *s, struct xb_vif_id id)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (xb_vif_id_eq(s->ids[i], id)) {
			s->ids[i] = s->ids[--s->nb];
			return;
		}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Look at one vif again; keep it pending until it is settled. */
static void examine(struct dnb_app *app, struct xb_vif_id id)
{
	if (dnb_vif_examine(app, watch.xs, id))
		set_del(&watch.pending, id);
	else if (!set_add(&watch.pending, id, VIF_PENDING_MAX))
		DNB_LOG(DEBUG, "vif%u.%u: pending set full; left to the next full rescan",
			id.domid, id.devid);
}

/* Every vif: the attached ones (gone or offline?), then every one the directory lists. */
static void rescan_all(struct dnb_app *app)
{
	struct xb_vif_id ids[VIF_SCAN_MAX];
	unsigned int nb_att = dnb_vif_attached_ids(ids, RTE_DIM(ids));
	bool partial = false;
	int nb;

	for (unsigned int i = 0; i < nb_att; i++)
		examine(app, ids[i]);
	nb = xb_discover_scan(watch.xs, ids, RTE_DIM(ids), &partial);
	if (nb < 0 && nb != watch.last_scan_err)
		DNB_LOG(WARNING, "listing %s: %s; only watch events find new vifs until it works",
			XB_BACKEND_VIF_DIR, strerror(-nb));
	else if (partial && watch.last_scan_err == 0)
		DNB_LOG(WARNING, "%s: some vifs could not be listed (read error or over %u)",
			XB_BACKEND_VIF_DIR, VIF_SCAN_MAX);
	else if (nb >= 0 && !partial && watch.last_scan_err != 0)
		DNB_LOG(NOTICE, "%s: listed in full again", XB_BACKEND_VIF_DIR);
	watch.last_scan_err = nb < 0 ? nb : partial ? -EOVERFLOW : 0;
	for (int i = 0; i < nb; i++)
		if (!dnb_vif_attached(ids[i]))
			examine(app, ids[i]);
	watch.last_rescan_ms = now_ms();
}

/* One domain's directory came or went: its attached vifs, then the ones it lists. */
static void rescan_domain(struct dnb_app *app, uint16_t domid)
{
	struct xb_vif_id ids[RTE_MAX(XB_DISCOVER_MAX_DEVS, RTE_MAX_ETHPORTS)];
	unsigned int nb_att = dnb_vif_attached_ids(ids, RTE_DIM(ids));
	int nb;

	for (unsigned int i = 0; i < nb_att; i++)
		if (ids[i].domid == domid)
			examine(app, ids[i]);
	nb = xb_discover_scan_domain(watch.xs, domid, ids, XB_DISCOVER_MAX_DEVS, NULL);
	for (int i = 0; i < nb; i++)
		if (!dnb_vif_attached(ids[i]))
			examine(app, ids[i]);
}

/* Note what one event's path names; false when the batch has no room left for it. */
static bool batch_note(struct vif_batch *b, const char *path)
{
	struct xb_vif_id id;

	switch (xb_discover_classify(path, &id)) {
	case XB_DISCOVER_ALL:
		b->all = true;
		return true;
	case XB_DISCOVER_DOMAIN:
		id.devid = 0;
		return set_add(&b->doms, id, VIF_BATCH_VIFS);
	case XB_DISCOVER_VIF_STATE:
		/* The backend's state matters only to a vif waiting for the kernel to let go. */
		if (!set_has(&watch.pending, id))
			return true;
		/* fall through */
	case XB_DISCOVER_VIF:
		return set_add(&b->vifs, id, VIF_BATCH_VIFS);
	case XB_DISCOVER_IGNORE:
	default:
		return true;
	}
}

/* Take up to VIF_BATCH_EVENTS watch events; true when more may be waiting. */
static bool batch_take(struct vif_batch *b)
{
	char path[XB_PATH_MAX];

	for (unsigned int n = 0; n < VIF_BATCH_EVENTS; n++) {
		if (xb_xs_libxenstore_next_watch(watch.xs, path, sizeof(path), NULL, 0) != 0)
			return false;
		if (!batch_note(b, path))
			b->all = true;
	}
	return true;
}

static void batch_run(struct dnb_app *app, const struct vif_batch *b)
{
	for (unsigned int i = 0; i < b->doms.nb; i++)
		rescan_domain(app, b->doms.ids[i].domid);
	for (unsigned int i = 0; i < b->vifs.nb; i++)
		if (!set_has(&b->doms, (struct xb_vif_id){b->vifs.ids[i].domid, 0}))
			examine(app, b->vifs.ids[i]);
}

/* The pending vifs, asked again (examine changes the set: walk a copy). */
static void retry_pending(struct dnb_app *app)
{
	struct vif_set again = watch.pending;

	for (unsigned int i = 0; i < again.nb; i++)
		examine(app, again.ids[i]);
}

/* Milliseconds from @p now to @p then, for poll(): 0 when past, at most one tick. */
static int ms_until(uint64_t now, uint64_t then)
{
	return then <= now ? 0 : (int)RTE_MIN(then - now, (uint64_t)VIF_TICK_MS);
}

static void *watch_main(void *arg)
{
	struct dnb_app *app = arg;
	struct pollfd pfd = {.fd = xb_xs_libxenstore_fd(watch.xs), .events = POLLIN};
	uint64_t now = now_ms(), next_tick = now + VIF_TICK_MS;
	bool more = false, rescan_due = false;

	while (!atomic_load(&app->quit)) {
		struct vif_batch b = {.all = false};

		if (poll(&pfd, 1, more ? 0 : ms_until(now, next_tick)) < 0 && errno != EINTR)
			DNB_LOG(ERR, "vif watch poll: %s", strerror(errno));
		more = batch_take(&b);
		rescan_due |= b.all;
		now = now_ms();
		/* A full rescan on its slow period, or when a batch asked for one: then at most
		 * one a tick, however many events come. */
		if (now >= watch.last_rescan_ms + VIF_RESCAN_MS ||
		    (rescan_due && now >= watch.last_rescan_ms + VIF_TICK_MS)) {
			rescan_all(app);
			rescan_due = false;
		} else {
			batch_run(app, &b);
		}
		if (now >= next_tick) {
			retry_pending(app);
			dnb_emu_check_taps(app);
			next_tick = now + VIF_TICK_MS;
		}
	}
	return NULL;
}

int dnb_vifs_start(struct dnb_app *app)
{
	int rc;

	watch.xs = xb_xs_libxenstore_open();
	if (watch.xs == NULL) {
		DNB_LOG(ERR, "opening xenstore: %s (is xenstored running? XENSTORED_PATH=%s)",
			strerror(rte_errno),
			getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "");
		return -rte_errno;
	}
	rc = xb_discover_watch(watch.xs, VIF_WATCH_TOKEN);
	if (rc != 0) {
		DNB_LOG(ERR, "watching %s: %s", XB_BACKEND_VIF_DIR, strerror(-rc));
		xb_xs_libxenstore_close(watch.xs);
		watch.xs = NULL;
		return rc;
	}
	rescan_all(app);
	watch.running = true;
	rc = dnb_ctrl_thread_create(&watch.thread, "dnb-vifs", watch_main, app);
	if (rc != 0) {
		DNB_LOG(ERR, "creating the vif control thread: %s", strerror(-rc));
		watch.running = false;
		return rc;
	}
	return 0;
}

void dnb_vifs_stop(struct dnb_app *app)
{
	if (watch.running)
		pthread_join(watch.thread, NULL);
	watch.running = false;
	dnb_vif_detach_all(app, watch.xs, atomic_load(&app->exit_mode));
	xb_xs_libxenstore_close(watch.xs);
	watch.xs = NULL;
}
