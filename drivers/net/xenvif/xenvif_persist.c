/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a guest set through its rings, kept across a service restart: the control ring's
 * hashing state (xen-netback's vif->hash) and the multicast list (vif->fe_mcast_addr).
 * netback keeps both in the kernel for the connection's life and has no restart; this PMD's
 * process may be replaced under a Connected guest (rte_pmd_xenvif_keep_on_close), and the
 * guest sends neither again. So the control thread saves them to the vif's backend key
 * XB_PERSIST_KEY (lib/xenbus: the encoding, its strict parser, and its removal whenever the
 * backend leaves Connected) and a resume restores them before the queues are enabled.
 *
 * Saving is the control thread's, never the data path's: the multicast list changes on the
 * lcores serving the guest's TX rings, which only move its generation (nif_mcast_gen); the
 * hashing state changes on this thread (nif_ctrl_hash_read's generation). A save happens
 * when either moved and what would be written differs from what was, at most once per
 * XENVIF_PERSIST_MS (a guest that toggles a group in a loop costs xenstore a few writes a
 * second), and once more when the port closes. A process killed in between loses the last
 * changes of that window, as it loses the requests it had not answered.
 *
 * Below xenvif_ctrl.c, which calls it and logs what it reports: nothing here logs.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "xenvif_internal.h"

#include <xen/io/netif.h> /* after xen_ops.h: xenctrl.h first */

/* Shortest time between two writes of the key (ms). */
#define XENVIF_PERSIST_MS 200

_Static_assert(NIF_HASH_KEY_SIZE == XB_PERSIST_KEY_SIZE, "hash key sizes differ");
_Static_assert(NIF_HASH_MAPPING_MAX == XB_PERSIST_MAPPING_MAX, "mapping sizes differ");
_Static_assert(NIF_MCAST_MAX == XB_PERSIST_MCAST_MAX, "multicast list sizes differ");
_Static_assert(XENVIF_MAX_QUEUES <= XB_MAX_QUEUES, "a mapping entry must fit the encoding");
_Static_assert(XB_PERSIST_HASH_TYPES == (XEN_NETIF_CTRL_HASH_TYPE_IPV4 |
	XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | XEN_NETIF_CTRL_HASH_TYPE_IPV6 |
	XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP), "hash types differ");

/* The state as the key holds it: the hashing state last read, the list as it is now. */
static void persist_build(struct xenvif *vif, struct xb_persist *st)
{
	const struct nif_hash *h = &vif->persist.hash;

	memset(st, 0, sizeof(*st));
	st->hash_alg = h->alg;
	st->hash_flags = h->flags;
	memcpy(st->hash_key, h->key, sizeof(st->hash_key));
	st->map_size = h->size;
	for (uint32_t i = 0; i < h->size; i++)
		st->mapping[i] = (uint8_t)h->mapping[i]; /* < nb_queues: nif_ctrl's bound */
	st->nb_mcast = nif_mcast_list(&vif->mcast, st->mcast, XB_PERSIST_MCAST_MAX);
}

void xenvif_persist_connect(struct xenvif *vif)
{
	memset(&vif->persist, 0, sizeof(vif->persist));
	/* a key left by another connection (or a malformed one) is overwritten at once */
	vif->persist.dirty = true;
}

static bool hash_is_off(const struct xb_persist *st)
{
	static const uint8_t zero[XB_PERSIST_KEY_SIZE];

	return st->hash_alg == 0 && st->hash_flags == 0 && st->map_size == 0 &&
	       memcmp(st->hash_key, zero, sizeof(zero)) == 0;
}

int xenvif_persist_restore(struct xenvif *vif, unsigned int nb_queues)
{
	struct xb_persist st;
	struct nif_hash h;
	int rc = xb_vif_persist_load(vif->xb, nb_queues, &st);

	if (rc < 0) {
		vif->persist_stats.refused += rc != -ENOENT;
		return rc; /* lib/xenbus logged a key it refused */
	}
	memset(&h, 0, sizeof(h));
	h.alg = st.hash_alg;
	h.flags = st.hash_flags;
	memcpy(h.key, st.hash_key, sizeof(h.key));
	h.size = st.map_size;
	for (uint32_t i = 0; i < st.map_size; i++)
		h.mapping[i] = st.mapping[i];
	/* hashing state for a connection without a control ring: not this connection's */
	if (vif->cring == NULL ? !hash_is_off(&st) : nif_ctrl_hash_restore(vif->cring, &h) < 0) {
		vif->persist_stats.refused++;
		return -ERANGE;
	}
	for (uint32_t i = 0; i < st.nb_mcast; i++)
		if (nif_mcast_add(&vif->mcast, st.mcast[i]) < 0)
			return -ERANGE; /* cannot happen: nb_mcast <= NIF_MCAST_MAX, list empty */
	/* what the key holds needs no write until it changes */
	if (vif->cring != NULL)
		nif_ctrl_hash_read(vif->cring, &vif->persist.hash, &vif->persist.hash_gen);
	vif->persist.mcast_gen = nif_mcast_gen(&vif->mcast);
	vif->persist.saved = st;
	vif->persist.saved_valid = true;
	vif->persist.dirty = false;
	vif->persist_stats.restored++;
	return (int)st.nb_mcast;
}

int xenvif_persist_save(struct xenvif *vif, bool now)
{
	struct xenvif_persist *p = &vif->persist;
	uint64_t tsc = rte_get_timer_cycles();
	uint32_t mgen = nif_mcast_gen(&vif->mcast);
	struct xb_persist st;
	int rc;

	if (vif->cring != NULL && nif_ctrl_hash_read(vif->cring, &p->hash, &p->hash_gen))
		p->dirty = true;
	if (mgen != p->mcast_gen)
		p->dirty = true;
	/* the bound holds for failed writes too: a guest that keeps the thread awake (its
	 * control ring) must not turn a failing xenstore into a write per wake-up */
	if (!p->dirty || (!now && p->last_tsc != 0 &&
			  tsc - p->last_tsc < rte_get_timer_hz() / 1000 * XENVIF_PERSIST_MS))
		return 0;
	p->mcast_gen = mgen; /* before the list is read: a change after it moves it again */
	persist_build(vif, &st);
	p->dirty = false;
	if (p->saved_valid && memcmp(&st, &p->saved, sizeof(st)) == 0)
		return 0;
	rc = xb_vif_persist_save(vif->xb, &st);
	p->last_tsc = tsc;
	if (rc < 0) {
		p->dirty = true; /* again at the next tick (lib/xenbus logged it) */
		vif->persist_stats.save_errors++;
		return rc;
	}
	vif->persist_stats.saves++;
	p->saved = st;
	p->saved_valid = true;
	return 1;
}
