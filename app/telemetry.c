/* SPDX-License-Identifier: BSD-3-Clause */
/* Stats for people (a periodic line) and for scripts (DPDK telemetry: dpdk-telemetry.py). */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "dnb_dpdk_compat.h"

#include "capture.h"
#include "dnb.h"
#include "xb.h"

static struct dnb_app *tel_app;

/* A uint64_t counter of a stats struct and the name telemetry gives it. */
struct tel_stat {
	const char *name;
	size_t off;
};

/* Tables rather than a call per counter, as DPDK's xstats names: a counter is one line. */
#define PORT_STAT(f) { #f, offsetof(struct dnb_port_stats, f) }
static const struct tel_stat tel_port_stats[] = {
	PORT_STAT(rx_pkts), PORT_STAT(tx_pkts), PORT_STAT(tx_drops), PORT_STAT(tx_drop_oversize),
	PORT_STAT(tx_drop_prepare), PORT_STAT(gso_segs), PORT_STAT(tx_drop_gso_unsupported),
	PORT_STAT(tx_drop_gso), PORT_STAT(sw_csum), PORT_STAT(csum_fail), PORT_STAT(linearized),
	PORT_STAT(linearize_fail), PORT_STAT(rx_offload_drop), PORT_STAT(busy_cycles),
	PORT_STAT(handoff_pkts),
};

/* The switch's counters of the port, "sw_" before the field's name. */
#define SW_STAT(f) { "sw_" #f, offsetof(struct l2sw_stats, f) }
static const struct tel_stat tel_sw_stats[] = {
	SW_STAT(rx_pkts), SW_STAT(tx_pkts), SW_STAT(tx_drop), SW_STAT(learned), SW_STAT(moved),
	SW_STAT(aged), SW_STAT(fdb_full), SW_STAT(learn_cap), SW_STAT(stations),
	SW_STAT(unknown_unicast), SW_STAT(flooded), SW_STAT(spoofed), SW_STAT(ip_spoofed),
	SW_STAT(bad_src), SW_STAT(vlan_drop), SW_STAT(runt),
};

#define LRO_STAT(f) { "lro_" #f, offsetof(struct lro_stats, f) }
static const struct tel_stat tel_lro_stats[] = {
	LRO_STAT(pkts_in), LRO_STAT(pkts_out), LRO_STAT(aggregates_out), LRO_STAT(segs_out),
};

static void dict_add_stats(struct rte_tel_data *d, const void *stats,
			   const struct tel_stat *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		dnb_tel_dict_add_u64(d, t[i].name,
				     *(const uint64_t *)((const char *)stats + t[i].off));
}

static void port_dict(struct rte_tel_data *d, const struct dnb_port *p)
{
	struct rte_eth_stats es = {0};
	struct l2sw_stats ss;
	char vif[16];

	rte_eth_stats_get(p->port_id, &es);
	rte_tel_data_add_dict_string(d, "kind", dnb_port_kind(p));
	if (p->is_emu) {
		/* the vif whose guest this emulated NIC is: DOMID/DEVID as --vif names it */
		snprintf(vif, sizeof(vif), "%u/%u", p->vif.domid, p->vif.devid);
		rte_tel_data_add_dict_string(d, "emu_of", vif);
	}
	if (p->is_vif || p->is_emu)
		rte_tel_data_add_dict_string(d, "domain", p->domain);
	rte_tel_data_add_dict_string(d, "switch", tel_app->switches[p->sw].name);
	dict_add_stats(d, &p->stats, tel_port_stats, RTE_DIM(tel_port_stats));
	/* the rate busy_cycles count at: the EAL's TSC frequency (what the CPU states in CPUID
	 * leaf 0x15 or its MSR, else measured against CLOCK_MONOTONIC_RAW at start) */
	dnb_tel_dict_add_u64(d, "tsc_hz", rte_get_tsc_hz());
	dnb_tel_dict_add_u64(d, "handoff_mbufs", atomic_load(&p->handoff_mbufs));
	dnb_tel_dict_add_u64(d, "handoff_drops", atomic_load(&p->handoff_drops));
	if ((p->is_vif || p->is_emu) && tel_app->vif_pools[p->port_id] != NULL)
		dnb_tel_dict_add_u64(d, "pool_in_use",
			rte_mempool_in_use_count(tel_app->vif_pools[p->port_id]));
	dnb_tel_dict_add_u64(d, "eth_ipackets", es.ipackets);
	dnb_tel_dict_add_u64(d, "eth_opackets", es.opackets);
	dnb_tel_dict_add_u64(d, "eth_ierrors", es.ierrors);
	dnb_tel_dict_add_u64(d, "eth_oerrors", es.oerrors);
	if (l2sw_stats_get(dnb_port_l2sw(tel_app, p), p->port_id, &ss) == 0)
		dict_add_stats(d, &ss, tel_sw_stats, RTE_DIM(tel_sw_stats));
	if (p->lro != NULL) {
		struct lro_stats ls;

		lro_stats_get(p->lro, &ls);
		dict_add_stats(d, &ls, tel_lro_stats, RTE_DIM(tel_lro_stats));
	}
}

/* A port being forwarded by its id, its vif's DOMID/DEVID or NAME/DEVID, or "wire" (the one
 * wire port). @return it, or NULL with the reason in @p why. */
static struct dnb_port *port_named(const char *s, char *why, size_t why_len)
{
	struct dnb_port_table *t = atomic_load(&tel_app->table);
	struct dnb_port *found = NULL;
	struct dnb_vif_sel vif = {0};
	unsigned int wires = 0;
	bool by_vif = strchr(s, '/') != NULL, wire = strcmp(s, "wire") == 0;
	uint32_t id = UINT32_MAX;

	if (by_vif ? dnb_vif_sel_parse(s, &vif) != 0 : !wire && xb_parse_u32(s, &id) != 0) {
		snprintf(why, why_len, "bad PORT '%.40s' (a port id, DOMID/DEVID, NAME/DEVID or "
			 "wire)", s);
		return NULL;
	}
	for (unsigned int i = 0; t != NULL && i < t->nb; i++) {
		struct dnb_port *p = t->ports[i];

		if ((wire && !p->is_vif && !p->is_emu && wires++ == 0) || (!by_vif && !wire && p->port_id == id) ||
		    (by_vif && p->is_vif && dnb_vif_sel_match(&vif, p->vif, p->domain)))
			found = p;
	}
	if (wires > 1) {
		snprintf(why, why_len, "%u wire ports: name one by its port id", wires);
		return NULL;
	}
	if (found == NULL)
		snprintf(why, why_len, "no port '%.40s' is being forwarded", s);
	return found;
}

/* /dpdk_netback/stats,PORT: one port's counters (app, ethdev, LRO); PORT as port_named
 * takes it. None such: null (an error). */
static int tel_stats(const char *params, struct rte_tel_data *d)
{
	struct dnb_port *p;
	char why[96];

	if (atomic_load(&tel_app->table) == NULL || tel_app->nb_switches == 0)
		return -EAGAIN;
	p = port_named(params != NULL ? params : "", why, sizeof(why));
	if (p == NULL)
		return -ENOENT;
	rte_tel_data_start_dict(d);
	port_dict(d, p);
	return 0;
}

/* /dpdk_netback/ports: the ports being forwarded, each with its switch: {"PORT": "SWITCH"}
 * (a port id is a valid telemetry name; a switch's may hold '.' or '-', which are not). */
static int tel_ports(const char *params __rte_unused, struct rte_tel_data *d)
{
	struct dnb_port_table *t = atomic_load(&tel_app->table);

	if (t == NULL || tel_app->nb_switches == 0)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < t->nb; i++) {
		char id[8];

		snprintf(id, sizeof(id), "%u", t->ports[i]->port_id);
		rte_tel_data_add_dict_string(d, id, tel_app->switches[t->ports[i]->sw].name);
	}
	return 0;
}

/* What /dpdk_netback/fdb gathers in one walk of the table. */
struct fdb_dump {
	struct rte_tel_data *entries; /**< "mac/vlan": port, as many as telemetry takes */
	uint64_t stations;
	uint64_t pinned;
};

static int fdb_add(const struct l2sw_fdb_entry *e, void *arg)
{
	struct fdb_dump *dump = arg;
	const uint8_t *b = e->mac.addr_bytes;
	char key[32];

	dump->stations++;
	dump->pinned += e->pinned;
	/* DPDK 22.11 refuses a name with anything but letters, digits, '_' and '/': no ':' */
	snprintf(key, sizeof(key), "%02x_%02x_%02x_%02x_%02x_%02x/%u", b[0], b[1], b[2], b[3],
		 b[4], b[5], e->vlan);
	/* beyond RTE_TEL_MAX_DICT_ENTRIES this fails: the counts above stay whole */
	rte_tel_data_add_dict_int(dump->entries, key, e->port);
	return 0;
}

/* /dpdk_netback/fdb[,SWITCH]: one switch's MAC table (the first's without a name): how many
 * stations, how many pinned, and MAC/VLAN -> switch port. */
static int tel_fdb(const char *params, struct rte_tel_data *d)
{
	struct fdb_dump dump = {0};
	int sw = 0;

	if (tel_app->nb_switches == 0)
		return -EAGAIN;
	if (params != NULL && params[0] != '\0')
		sw = dnb_config_switch_named(&tel_app->cfg, params);
	if (sw < 0)
		return -ENOENT;
	dump.entries = rte_tel_data_alloc();
	if (dump.entries == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(dump.entries);
	if (l2sw_fdb_walk(tel_app->switches[sw].l2, rte_rdtsc(), fdb_add, &dump) < 0) {
		rte_tel_data_free(dump.entries);
		return -EIO;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "switch", tel_app->switches[sw].name);
	dnb_tel_dict_add_u64(d, "stations", dump.stations);
	dnb_tel_dict_add_u64(d, "pinned", dump.pinned);
	if (rte_tel_data_add_dict_container(d, "entries", dump.entries, 0) != 0)
		rte_tel_data_free(dump.entries);
	return 0;
}

/* /dpdk_netback/mempool: packet buffers held by the service (leak checks, sizing): the
 * shared pool, every vif's own, and "in_use" over all of them. */
static int tel_mempool(const char *params __rte_unused, struct rte_tel_data *d)
{
	uint64_t vif_size = 0, vif_in_use = 0, shared;

	if (tel_app->pool == NULL)
		return -EAGAIN;
	for (unsigned int i = 0; i < RTE_DIM(tel_app->vif_pools); i++)
		if (tel_app->vif_pools[i] != NULL) {
			vif_size += tel_app->vif_pools[i]->size;
			vif_in_use += rte_mempool_in_use_count(tel_app->vif_pools[i]);
		}
	shared = rte_mempool_in_use_count(tel_app->pool);
	rte_tel_data_start_dict(d);
	dnb_tel_dict_add_u64(d, "size", tel_app->pool->size);
	dnb_tel_dict_add_u64(d, "avail", rte_mempool_avail_count(tel_app->pool));
	dnb_tel_dict_add_u64(d, "shared_in_use", shared);
	dnb_tel_dict_add_u64(d, "vif_size", vif_size);
	dnb_tel_dict_add_u64(d, "vif_in_use", vif_in_use);
	dnb_tel_dict_add_u64(d, "in_use", shared + vif_in_use);
	dnb_tel_dict_add_u64(d, "handoff_mbufs", atomic_load(&tel_app->handoff_mbufs));
	return 0;
}

/* /dpdk_netback/workers: each worker's passes and sleeps (sleep.c). */
static int tel_workers(const char *params __rte_unused, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tel_app->nb_workers; i++) {
		const struct dnb_worker *w = &tel_app->workers[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[sizeof("worker4294967295")];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		dnb_tel_dict_add_u64(c, "passes", atomic_load(&w->epoch));
		dnb_tel_dict_add_u64(c, "sleeps", atomic_load(&w->sleep.sleeps));
		dnb_tel_dict_add_u64(c, "wake_events", atomic_load(&w->sleep.wake_events));
		dnb_tel_dict_add_u64(c, "wake_timeouts", atomic_load(&w->sleep.wake_timeouts));
		dnb_tel_dict_add_u64(c, "sleep_cpu_us", atomic_load(&w->sleep.cycle_cpu_ns) / 1000);
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

/* /dpdk_netback/shutdown,keep|release|kernel: stop the service, choosing what the vifs see. */
static int tel_shutdown(const char *params, struct rte_tel_data *d)
{
	static const char *const what[] = {
		[DNB_EXIT_KEEP] = "stopping, vifs kept",
		[DNB_EXIT_RELEASE] = "stopping, vifs released",
		[DNB_EXIT_KERNEL] = "stopping, vifs handed to the kernel",
	};
	enum dnb_exit_mode mode;

	if (params == NULL || dnb_exit_mode_parse(params, &mode) != 0)
		return -EINVAL;
	atomic_store(&tel_app->exit_mode, mode);
	atomic_store(&tel_app->quit, true);
	rte_tel_data_string(d, what[mode]);
	return 0;
}

/* Refuse a telemetry request: {"error": why}, and the same in the log. */
static int tel_refuse(struct rte_tel_data *d, const char *cmd, const char *why)
{
	char msg[RTE_TEL_MAX_STRING_LEN];

	snprintf(msg, sizeof(msg), "%s", why);
	DNB_LOG(WARNING, "%s: refused: %s", cmd, why);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}


/* /dpdk_netback/capture: the running captures; ,start,PORT,FILE[,MAXBYTES]; ,stop,PORT.
 * One command with parameters: DPDK 22.11 keeps only 64 (see dnb_telemetry_register). */
static int tel_capture(const char *params, struct rte_tel_data *d)
{
	static const char cmd[] = "/dpdk_netback/capture";
	char buf[512], why[RTE_TEL_MAX_STRING_LEN], *arg[5] = {NULL}, *save = NULL;
	unsigned int n = 0;
	struct dnb_port *p;
	uint32_t max = 0;
	int rc;

	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_dict(d);
		return dnb_capture_list(d);
	}
	if (strlen(params) >= sizeof(buf))
		return tel_refuse(d, cmd, "parameters too long");
	strcpy(buf, params);
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		if (n < RTE_DIM(arg))
			arg[n++] = tok;
	if (!(n == 2 && strcmp(arg[0], "stop") == 0) &&
	    !((n == 3 || n == 4) && strcmp(arg[0], "start") == 0))
		return tel_refuse(d, cmd, "usage: start,PORT,FILE[,MAXBYTES] | stop,PORT");
	if (n == 4 && xb_parse_u32(arg[3], &max) != 0)
		return tel_refuse(d, cmd, "bad MAXBYTES (bytes, at most 4294967295)");
	p = port_named(arg[1], why, sizeof(why));
	if (p == NULL)
		return tel_refuse(d, cmd, why);
	if (strcmp(arg[0], "stop") == 0) {
		if (dnb_capture_stop(tel_app, p) != 0)
			return tel_refuse(d, cmd, "no capture of this port runs");
		rte_tel_data_string(d, "stopped");
		return 0;
	}
	rc = dnb_capture_start(tel_app, p, arg[2], max, why, sizeof(why));
	if (rc != 0)
		return tel_refuse(d, cmd, why);
	rte_tel_data_start_dict(d);
	dnb_tel_dict_add_u64(d, "port", p->port_id);
	rte_tel_data_add_dict_string(d, "file", atomic_load(&p->capture)->file);
	return 0;
}

static const struct {
	const char *cmd;
	int (*fn)(const char *params, struct rte_tel_data *d);
	const char *help;
} tel_cmds[] = {
	{ "/dpdk_netback/ports", tel_ports,
	  "Ports being forwarded, each with its switch. No parameters" },
	{ "/dpdk_netback/stats", tel_stats,
	  "One port's forwarding, switch, ethdev and LRO counters. Parameters: port id, D/V or wire" },
	{ "/dpdk_netback/fdb", tel_fdb,
	  "A switch's MAC table: stations, pinned, up to 256 \"aa_bb_cc_dd_ee_ff/vlan\": port. "
	  "Parameter: switch (the first)" },
	{ "/dpdk_netback/shutdown", tel_shutdown,
	  "Stop the service. Parameter: keep (vifs stay Connected), release or kernel" },
	{ "/dpdk_netback/mempool", tel_mempool,
	  "Packet buffers of the shared pool and the vifs' pools. No parameters" },
	{ "/dpdk_netback/capture", tel_capture,
	  "Packet capture to pcapng. No parameters: list; start,PORT,FILE[,MAXBYTES]; stop,PORT "
	  "(PORT: id, D/V or wire)" },
	{ "/dpdk_netback/workers", tel_workers,
	  "Each worker's passes, sleeps, wake-ups (events, timeouts) and its sleeps' CPU time. "
	  "No parameters" },
};

/* Every command runs under the control lock: a vif detaching meanwhile (its port's LRO and
 * ethdev going away, the old port table freed) waits until the answer is built. */
static int tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -EINVAL;

	pthread_mutex_lock(&tel_app->ctl_lock);
	for (unsigned int i = 0; i < RTE_DIM(tel_cmds); i++)
		if (strcmp(cmd, tel_cmds[i].cmd) == 0) {
			rc = tel_cmds[i].fn(params, d);
			break;
		}
	pthread_mutex_unlock(&tel_app->ctl_lock);
	return rc;
}

/*
 * A help text must stay under RTE_TEL_MAX_STRING_LEN (128) bytes, or the command is refused.
 * Called before rte_eal_init: DPDK 22.11 keeps at most 64 telemetry commands, and the EAL's
 * PMD plugins (Debian loads every one it ships) register enough to fill the table, after
 * which a late registration fails. The handlers answer -EAGAIN until the app is set up.
 * Names are /dpdk_netback/...: telemetry accepts only letters, digits, '_' and '/'.
 */
int dnb_telemetry_register(struct dnb_app *app)
{
	int rc = 0;

	tel_app = app;
	for (unsigned int i = 0; i < RTE_DIM(tel_cmds) && rc == 0; i++)
		rc = rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_dispatch, tel_cmds[i].help);
	return rc;
}

void dnb_stats_print(struct dnb_app *app)
{
	struct dnb_port_table *t;

	pthread_mutex_lock(&app->ctl_lock);
	t = atomic_load(&app->table);

	for (unsigned int i = 0; i < t->nb; i++) {
		const struct dnb_port *p = t->ports[i];

		printf("port %u (%s): rx %" PRIu64 " tx %" PRIu64 " drop %" PRIu64
		       " gso %" PRIu64 " busy %.3f s%s", p->port_id, dnb_port_kind(p),
		       p->stats.rx_pkts, p->stats.tx_pkts, p->stats.tx_drops, p->stats.gso_segs,
		       (double)p->stats.busy_cycles / (double)app->tsc_hz,
		       i + 1 < t->nb ? " | " : "\n");
	}
	fflush(stdout);
	pthread_mutex_unlock(&app->ctl_lock);
}
