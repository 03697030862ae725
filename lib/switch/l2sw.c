/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Switch object lifecycle, port configuration, ageing, FDB walk and counters: the control
 * side. The data path is in l2sw_forward.c and l2sw_out.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "l2sw_internal.h"

RTE_LOG_REGISTER(l2sw_logtype, netback.switch, NOTICE);

/*
 * An entry's "seen" time is rewritten at most once per age_ticks / L2SW_REFRESH_DIV: each
 * write moves the bucket's cache line to the writing lcore, so an active station costs one
 * write per interval instead of one per frame, and ages out between age_ticks and
 * age_ticks * (1 + 1 / L2SW_REFRESH_DIV) after its last frame.
 */
#define L2SW_REFRESH_DIV 8

struct l2sw *
l2sw_create(const struct l2sw_conf *conf)
{
	struct l2sw *sw;
	int ret;

	if (conf == NULL || conf->nb_ports == 0 || conf->nb_ports > L2SW_MAX_PORTS ||
	    conf->age_ticks == 0 || conf->age_ticks > L2SW_AGE_MAX || conf->fdb_entries == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	sw = rte_zmalloc_socket("l2sw", sizeof(*sw), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (sw == NULL)
		goto err_nomem;
	snprintf(sw->name, sizeof(sw->name), "%s", conf->name != NULL ? conf->name : "l2sw");
	sw->nb_ports = conf->nb_ports;
	sw->age_ticks = conf->age_ticks;
	sw->refresh_ticks = conf->age_ticks / L2SW_REFRESH_DIV;
	sw->copy_pool = conf->copy_pool;
	sw->port_word = rte_zmalloc_socket("l2sw_ports", conf->nb_ports * sizeof(*sw->port_word),
					   RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->max_learned = rte_zmalloc_socket("l2sw_max_learned",
					     conf->nb_ports * sizeof(*sw->max_learned),
					     RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->in_stats = rte_zmalloc_socket("l2sw_in", conf->nb_ports * sizeof(*sw->in_stats),
					  RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->aged = rte_zmalloc_socket("l2sw_aged", conf->nb_ports * sizeof(*sw->aged),
				      RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->retired = rte_zmalloc_socket("l2sw_retired", conf->nb_ports * sizeof(*sw->retired),
					 RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->policy = rte_zmalloc_socket("l2sw_policy", 2 * conf->nb_ports * sizeof(*sw->policy),
					RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->policy_sel = rte_zmalloc_socket("l2sw_policy_sel",
					    conf->nb_ports * sizeof(*sw->policy_sel),
					    RTE_CACHE_LINE_SIZE, conf->socket_id);
	sw->twin = rte_malloc_socket("l2sw_twin", conf->nb_ports * sizeof(*sw->twin), 0,
				     conf->socket_id);
	if (sw->port_word == NULL || sw->max_learned == NULL || sw->in_stats == NULL ||
	    sw->aged == NULL || sw->retired == NULL || sw->policy == NULL ||
	    sw->policy_sel == NULL || sw->twin == NULL)
		goto err_free;
	for (uint16_t p = 0; p < conf->nb_ports; p++)
		sw->twin[p] = -1;
	ret = l2sw_fdb_init(&sw->fdb, conf->fdb_entries, conf->nb_ports, conf->socket_id);
	if (ret < 0) {
		L2SW_LOG(ERR, sw, "FDB of %" PRIu32 " entries: %s", conf->fdb_entries,
			 strerror(-ret));
		goto err_free;
	}
	L2SW_LOG(INFO, sw, "%u ports, FDB %u buckets of %u, age %" PRIu64 " ticks",
		 sw->nb_ports, sw->fdb.mask + 1, L2SW_BUCKET_SLOTS, sw->age_ticks);
	return sw;

err_free:
	l2sw_free(sw); /* every table still NULL or whole, the FDB's too: freed alike */
err_nomem:
	rte_errno = ENOMEM;
	return NULL;
}

void
l2sw_free(struct l2sw *sw)
{
	if (sw == NULL)
		return;
	l2sw_fdb_fini(&sw->fdb);
	rte_free(sw->twin);
	rte_free(sw->policy_sel);
	rte_free(sw->policy);
	rte_free(sw->retired);
	rte_free(sw->aged);
	rte_free(sw->in_stats);
	rte_free(sw->max_learned);
	rte_free(sw->port_word);
	rte_free(sw);
}

static int
port_word_encode(const struct l2sw *sw, const struct l2sw_port_conf *c, uint64_t *w)
{
	uint64_t mac = l2sw_mac_u64(&c->mac);

	*w = (uint64_t)c->kind << L2SW_PW_KIND_SHIFT;
	switch (c->kind) {
	case L2SW_PORT_NONE:
		*w = 0;
		return 0;
	case L2SW_PORT_WIRE:
		/* a wire trunk carries every VLAN (l2sw_policy_build refuses a set) */
		if (c->access_vlan != 0)
			return -EINVAL;
		if (c->trunk)
			*w |= L2SW_PW_TRUNK;
		break;
	case L2SW_PORT_VIF:
		/* a cap on a vif that learns nothing would be a mistake: l2sw_policy_build */
		if ((c->trunk && c->access_vlan != 0) || c->access_vlan > L2SW_VLAN_MAX ||
		    mac == 0 || (mac & L2SW_MAC_GROUP_BIT))
			return -EINVAL;
		*w |= mac | ((uint64_t)c->access_vlan << L2SW_PW_VLAN_SHIFT);
		if (c->trunk)
			*w |= L2SW_PW_TRUNK |
			      (c->trunk_vlans != NULL ?
			       (uint64_t)L2SW_PW_VLAN_LIST << L2SW_PW_VLAN_SHIFT : 0);
		break;
	default:
		return -EINVAL;
	}
	if (c->tx_writes) {
		if (sw->copy_pool == NULL)
			return -EINVAL;
		*w |= L2SW_PW_TX_WRITES;
	}
	return 0;
}

/* Unpin a vif's MACs: its own and its extra ones (those it pinned, see pin_vif_macs). */
static void
unpin_vif_macs(struct l2sw *sw, const struct l2sw_pconf *pc, const struct l2sw_policy *pol,
	       unsigned int nb_extra)
{
	l2sw_fdb_unpin(&sw->fdb, l2sw_fdb_key(pc->vlan, pc->mac));
	for (unsigned int i = 0; i < nb_extra; i++)
		l2sw_fdb_unpin(&sw->fdb, l2sw_fdb_key(pc->vlan, pol->macs[i]));
}

/* Pin a vif's MACs; on failure unpin those pinned and return the error. */
static int
pin_vif_macs(struct l2sw *sw, uint16_t port, const struct l2sw_pconf *pc,
	     const struct l2sw_policy *pol)
{
	unsigned int i = 0;
	uint64_t meta;
	int ret;

	ret = l2sw_fdb_pin(&sw->fdb, l2sw_fdb_key(pc->vlan, pc->mac), port);
	if (ret < 0) {
		L2SW_LOG(ERR, sw, "port %u: cannot pin vif MAC: %s", port, strerror(-ret));
		return ret;
	}
	for (; i < pol->nb_macs; i++) {
		uint64_t key = l2sw_fdb_key(pc->vlan, pol->macs[i]);

		/* anti-poisoning: another vif's MAC is never taken, not even by configuration */
		if (l2sw_fdb_lookup(&sw->fdb, key, &meta) && l2sw_meta_pinned(meta) &&
		    l2sw_meta_port(meta) != port) {
			ret = -EADDRINUSE;
			break;
		}
		ret = l2sw_fdb_pin(&sw->fdb, key, port);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		L2SW_LOG(ERR, sw, "port %u: cannot pin extra MAC %u: %s", port, i + 1,
			 strerror(-ret));
		unpin_vif_macs(sw, pc, pol, i);
	}
	return ret;
}

/*
 * An emulated NIC's twin (l2sw_port_conf::twin): a vif port of the same MAC and VLAN, and
 * the port itself a plain vif (its source is its one MAC, which it shares). @return 0 or
 * -EINVAL.
 */
static int
twin_check(const struct l2sw *sw, uint16_t port, const struct l2sw_port_conf *c,
	   const struct l2sw_pconf *new)
{
	struct l2sw_pconf t;

	if (!c->twin_set)
		return 0;
	if (c->kind != L2SW_PORT_VIF || c->trunk || c->learn || c->nb_extra_macs != 0 ||
	    c->twin >= sw->nb_ports || c->twin == port)
		return -EINVAL;
	t = l2sw_pconf_decode(atomic_load_explicit(&sw->port_word[c->twin],
						   memory_order_relaxed));
	return t.kind == L2SW_PORT_VIF && t.mac == new->mac && t.vlan == new->vlan ? 0 : -EINVAL;
}

/* The emulated NIC on @p port let go of its MAC (unpinned): the pin goes back to its twin,
 * if the twin still is the vif of that MAC (see l2sw_port_conf::twin). */
static void
twin_restore(struct l2sw *sw, uint16_t port, const struct l2sw_pconf *old)
{
	int32_t twin = sw->twin[port];
	struct l2sw_pconf t;

	sw->twin[port] = -1;
	if (twin < 0)
		return;
	t = l2sw_pconf_decode(atomic_load_explicit(&sw->port_word[twin], memory_order_relaxed));
	if (t.kind == L2SW_PORT_VIF && t.mac == old->mac && t.vlan == old->vlan &&
	    l2sw_fdb_pin(&sw->fdb, l2sw_fdb_key(t.vlan, t.mac), (uint16_t)twin) < 0)
		L2SW_LOG(ERR, sw, "port %u: cannot pin its MAC back to its twin port %d", port, twin);
}

int
l2sw_port_set(struct l2sw *sw, uint16_t port, const struct l2sw_port_conf *conf)
{
	struct l2sw_pconf old, new;
	struct l2sw_policy *pol;
	uint8_t sel;
	uint64_t w;
	int ret;

	if (sw == NULL || conf == NULL || port >= sw->nb_ports)
		return -EINVAL;
	ret = port_word_encode(sw, conf, &w);
	if (ret < 0)
		return ret;
	sel = atomic_load_explicit(&sw->policy_sel[port], memory_order_relaxed);
	/* the unpublished slot: no lcore reads it (see l2sw_port_set() in l2sw.h) */
	pol = &sw->policy[2 * port + (sel ^ 1)];
	ret = l2sw_policy_build(conf, pol);
	if (ret < 0)
		return ret;
	old = l2sw_pconf_decode(atomic_load_explicit(&sw->port_word[port], memory_order_relaxed));
	new = l2sw_pconf_decode(w);
	ret = twin_check(sw, port, conf, &new);
	if (ret < 0)
		return ret;
	/* take the port out first so no lcore learns on it while its entries are dropped */
	atomic_store_explicit(&sw->port_word[port], 0, memory_order_release);
	if (old.kind == L2SW_PORT_VIF)
		unpin_vif_macs(sw, &old, &sw->policy[2 * port + sel],
			       sw->policy[2 * port + sel].nb_macs);
	twin_restore(sw, port, &old);
	l2sw_fdb_flush_port(&sw->fdb, port);
	if (new.kind == L2SW_PORT_VIF) {
		/* an emulated NIC takes its twin's pin (the key is one entry, one port) */
		if (conf->twin_set)
			l2sw_fdb_unpin(&sw->fdb, l2sw_fdb_key(new.vlan, new.mac));
		ret = pin_vif_macs(sw, port, &new, pol);
		if (ret < 0) {
			sw->twin[port] = conf->twin_set ? conf->twin : -1;
			twin_restore(sw, port, &new);
			return ret;
		}
		sw->twin[port] = conf->twin_set ? conf->twin : -1;
	}
	atomic_store_explicit(&sw->policy_sel[port], sel ^ 1, memory_order_release);
	/* before the word: a learner that sees the new port sees its cap */
	atomic_store_explicit(&sw->max_learned[port],
			      conf->kind == L2SW_PORT_WIRE || pol->learn ? conf->max_learned : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&sw->port_word[port], w, memory_order_release);
	L2SW_LOG(INFO, sw, "port %u: kind %d vlan %u%s%s, max learned %" PRIu32 ", %u extra "
		 "MACs%s, ip check %s (%u prefixes)", port, conf->kind, conf->access_vlan,
		 conf->trunk ? (conf->trunk_vlans != NULL ? " trunk (VLAN set)" : " trunk") : "",
		 conf->tx_writes ? " tx_writes" : "",
		 sw->max_learned[port], pol->nb_macs, pol->learn ? ", learning" : "",
		 pol->check4 ? (pol->check6 ? "IPv4 and IPv6" : "IPv4") : "off", pol->nb_ips);
	return 0;
}

unsigned int
l2sw_age(struct l2sw *sw, uint64_t now, uint32_t budget)
{
	return l2sw_fdb_age(&sw->fdb, now, sw->age_ticks, budget, sw->aged);
}

uint32_t
l2sw_fdb_buckets(const struct l2sw *sw)
{
	return sw->fdb.mask + 1;
}

int
l2sw_fdb_walk(const struct l2sw *sw, uint64_t now, l2sw_fdb_walk_cb cb, void *arg)
{
	if (sw == NULL || cb == NULL)
		return -EINVAL;
	return l2sw_fdb_walk_entries(&sw->fdb, now, cb, arg);
}

static void
stats_add_in(struct l2sw_stats *st, const struct l2sw_in_stats *in)
{
	st->rx_pkts += l2sw_ctr_read(&in->rx_pkts);
	st->learned += l2sw_ctr_read(&in->learned);
	st->moved += l2sw_ctr_read(&in->moved);
	st->flooded += l2sw_ctr_read(&in->flooded);
	st->unknown_unicast += l2sw_ctr_read(&in->unknown_unicast);
	st->spoofed += l2sw_ctr_read(&in->spoofed);
	st->bad_src += l2sw_ctr_read(&in->bad_src);
	st->same_port += l2sw_ctr_read(&in->same_port);
	st->fdb_full += l2sw_ctr_read(&in->fdb_full);
	st->learn_cap += l2sw_ctr_read(&in->learn_cap);
	st->vlan_drop += l2sw_ctr_read(&in->vlan_drop);
	st->runt += l2sw_ctr_read(&in->runt);
	st->no_port += l2sw_ctr_read(&in->no_port);
	st->ip_spoofed += l2sw_ctr_read(&in->ip_spoofed);
}

static void
stats_add_eg(struct l2sw_stats *st, const struct l2sw_eg_stats *eg)
{
	st->tx_pkts += l2sw_ctr_read(&eg->tx_pkts);
	st->tx_drop += l2sw_ctr_read(&eg->tx_drop);
	st->no_mbuf += l2sw_ctr_read(&eg->no_mbuf);
}

static void
stats_add_port(const struct l2sw *sw, uint16_t port, struct l2sw_stats *st)
{
	stats_add_in(st, &sw->in_stats[port]);
	st->aged += l2sw_ctr_read(&sw->aged[port]);
	st->stations += l2sw_fdb_stations(&sw->fdb, port);
	stats_add_eg(st, &sw->retired[port]);
	for (unsigned int i = 0; i < L2SW_MAX_OUTS; i++)
		if (sw->outs[i] != NULL)
			stats_add_eg(st, &sw->outs[i]->eg[port]);
}

int
l2sw_stats_get(const struct l2sw *sw, uint16_t port, struct l2sw_stats *stats)
{
	if (sw == NULL || stats == NULL || (port >= sw->nb_ports && port != L2SW_PORT_ALL))
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	if (port != L2SW_PORT_ALL) {
		stats_add_port(sw, port, stats);
		return 0;
	}
	for (uint16_t p = 0; p < sw->nb_ports; p++)
		stats_add_port(sw, p, stats);
	return 0;
}
