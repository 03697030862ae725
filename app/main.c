/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-netback: a userspace Xen Dom0 network backend.
 *
 *   dpdk-netback [EAL options] -- [options]      (see --help)
 *
 * The EAL's ports are the wire; vifs are attached as net_xenvif ports as their guests come
 * (vifs.c). Worker lcores forward (fwd.c: ingress.c, the switch, egress.c); the main lcore
 * ages the FDB (fdb_age.c), prints stats (every --stats seconds, and at once on SIGUSR1) and
 * waits for SIGINT/SIGTERM, then everything is closed in reverse order.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "capture.h"
#include "dnb.h"

static struct dnb_app app = { .ctl_lock = PTHREAD_MUTEX_INITIALIZER };

/* SIGUSR1 asks for a stats line now: a bench reads the busy time before and after a run. */
static atomic_bool stats_asked;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		atomic_store(&stats_asked, true);
	else
		atomic_store(&app.quit, true);
}

static int pools_create(struct dnb_app *a)
{
	a->pool = rte_pktmbuf_pool_create("dnb_pkts", a->cfg.nb_mbufs, 256, 0,
					  dnb_port_data_room(a->cfg.mtu), (int)rte_socket_id());
	a->gso_indirect = rte_pktmbuf_pool_create("dnb_gso_ind", 8192, 256, 0, 0,
						  (int)rte_socket_id());
	if (a->pool == NULL || a->gso_indirect == NULL)
		return -rte_errno;
	a->handoff_port_cap = a->cfg.nb_mbufs / DNB_HANDOFF_PORT_SHARE;
	a->handoff_all_cap = a->cfg.nb_mbufs / DNB_HANDOFF_ALL_SHARE;
	a->gso = (struct rte_gso_ctx){
		.direct_pool = a->pool,
		.indirect_pool = a->gso_indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.flag = 0,
	};
	return 0;
}

/* The EAL's ports into the switches (--switch), then one l2sw each, sized alike. Exits on a
 * bad --switch (config.c prints which). @return 0 or -rte_errno. */
static int switches_create(struct dnb_app *a)
{
	struct dnb_wire_port wires[RTE_MAX_ETHPORTS];
	char names[RTE_MAX_ETHPORTS][RTE_ETH_NAME_MAX_LEN];
	unsigned int nb = 0;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		if (rte_eth_dev_get_name_by_port(port, names[nb]) != 0)
			snprintf(names[nb], sizeof(names[nb]), "port%u", port);
		wires[nb] = (struct dnb_wire_port){.port_id = port, .name = names[nb]};
		nb++;
	}
	if (dnb_config_switches_resolve(&a->cfg, wires, nb) != 0)
		rte_exit(EXIT_FAILURE, "bad --switch (above)\n");
	for (unsigned int s = 0; s < a->cfg.nb_switches; s++) {
		struct l2sw_conf conf = {
			.name = a->cfg.switches[s].name,
			.socket_id = (int)rte_socket_id(),
			.nb_ports = RTE_MAX_ETHPORTS,
			.fdb_entries = a->cfg.fdb_entries,
			.age_ticks = a->tsc_hz * a->cfg.fdb_age_s,
			.copy_pool = a->pool,
		};

		a->switches[s] = (struct dnb_switch){.name = a->cfg.switches[s].name,
						     .l2 = l2sw_create(&conf)};
		if (a->switches[s].l2 == NULL)
			return -rte_errno;
		a->nb_switches = s + 1;
	}
	return 0;
}

static void wire_ports_init(struct dnb_app *a)
{
	uint16_t port;
	int rc;

	RTE_ETH_FOREACH_DEV(port) {
		int sw = dnb_config_wire_switch(&a->cfg, port);

		rc = dnb_port_init(a, port, (unsigned int)sw, NULL, NULL, NULL);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "wire port %u: %s\n", port, rte_strerror(-rc));
		DNB_LOG(NOTICE, "wire port %u: switch %s, tso %s, checksum offload %s", port,
			a->switches[sw].name, a->ports[port].tso_v4 ? "on" : "software",
			a->ports[port].csum_v4 ? "on" : "software");
	}
	if (atomic_load(&a->table)->nb == 0)
		rte_exit(EXIT_FAILURE, "no wire port: give one to the EAL, e.g. "
			 "--vdev net_af_packet0,iface=eth0\n");
}

/* Before any port: the port table's updates wake the workers. */
static void workers_init(struct dnb_app *a)
{
	int rc;

	for (unsigned int i = 0; i < a->nb_workers; i++) {
		a->workers[i] = (struct dnb_worker){.app = a, .index = i};
		rc = dnb_sleep_init(&a->workers[i]);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "worker %u's wake-up eventfd: %s\n", i,
				 strerror(-rc));
	}
}

/* One worker per lcore after the main one; ports are spread over them (ports.c). */
static void launch_workers(struct dnb_app *a)
{
	unsigned int lcore, i = 0;
	int rc;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == a->nb_workers)
			break;
		rc = rte_eal_remote_launch(dnb_worker_main, &a->workers[i], lcore);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "launching worker %u on lcore %u: %s\n", i, lcore,
				 rte_strerror(-rc));
		i++;
	}
}

static void run_until_signal(struct dnb_app *a)
{
	uint64_t next = rte_rdtsc() + a->tsc_hz * a->cfg.stats_interval_s;
	struct dnb_fdb_ager ager = {.last = rte_rdtsc()};

	while (!atomic_load(&a->quit)) {
		usleep(100 * 1000);
		dnb_fdb_age_step(a, &ager, rte_rdtsc());
		if (a->cfg.stats_interval_s != 0 && rte_rdtsc() >= next) {
			dnb_stats_print(a);
			next += a->tsc_hz * a->cfg.stats_interval_s;
		}
		if (atomic_exchange(&stats_asked, false))
			dnb_stats_print(a);
	}
}

static void shutdown_all(struct dnb_app *a)
{
	uint16_t port;

	atomic_store(&a->quit, true);
	for (unsigned int i = 0; i < a->nb_workers; i++)
		dnb_worker_wake(&a->workers[i]);
	rte_eal_mp_wait_lcore();
	for (unsigned int i = 0; i < a->nb_workers; i++)
		dnb_sleep_fini(&a->workers[i]);
	dnb_vifs_stop(a);
	RTE_ETH_FOREACH_DEV(port) {
		dnb_port_fini(a, port);
		rte_eth_dev_close(port);
	}
	dnb_capture_fini(a); /* every port's capture ended above: the writer and its pool */
	pthread_mutex_lock(&a->ctl_lock);
	for (unsigned int s = 0; s < a->nb_switches; s++)
		l2sw_free(a->switches[s].l2);
	a->nb_switches = 0; /* telemetry answers -EAGAIN from now on */
	rte_free(atomic_load(&a->table));
	atomic_store(&a->table, NULL);
	dnb_ingress_free(a);
	rte_mempool_free(a->gso_indirect);
	rte_mempool_free(a->pool);
	a->gso_indirect = a->pool = NULL;
	for (unsigned int i = 0; i < RTE_DIM(a->vif_pools); i++) {
		rte_mempool_free(a->vif_pools[i]);
		a->vif_pools[i] = NULL;
	}
	pthread_mutex_unlock(&a->ctl_lock);
}

int main(int argc, char **argv)
{
	int rc, tel_rc;

	tel_rc = dnb_telemetry_register(&app);
	/* dpdk-netback --help: the EAL prints its options, then ours. */
	rte_set_application_usage_hook(dnb_config_usage);
	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"dpdk-netback";
	rc = dnb_config_parse(argc, argv, &app.cfg);
	if (rc != 0) {
		rte_eal_cleanup();
		return rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	atomic_store(&app.exit_mode, app.cfg.on_exit);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	app.tsc_hz = rte_get_tsc_hz();
	app.nb_workers = RTE_MIN(rte_lcore_count() - 1, (unsigned int)DNB_MAX_WORKERS);
	if (app.nb_workers == 0)
		rte_exit(EXIT_FAILURE, "needs two lcores (e.g. -l 0-1): the main one controls, "
			 "the others forward\n");
	workers_init(&app);
	atomic_store(&app.table, rte_zmalloc("dnb_port_table", sizeof(struct dnb_port_table), 0));
	if (atomic_load(&app.table) == NULL || pools_create(&app) != 0 ||
	    dnb_ingress_create(&app) != 0 || switches_create(&app) != 0)
		rte_exit(EXIT_FAILURE, "setting up memory, ingress and the switch: %s\n",
			 rte_strerror(rte_errno));
	if (tel_rc != 0)
		DNB_LOG(WARNING, "telemetry commands not registered: %s", rte_strerror(-tel_rc));
	wire_ports_init(&app);
	launch_workers(&app);
	rc = dnb_vifs_start(&app);
	if (rc == 0) {
		DNB_LOG(NOTICE, "forwarding on %u worker lcore(s); SIGINT or SIGTERM to stop",
			app.nb_workers);
		run_until_signal(&app);
	}
	shutdown_all(&app);
	DNB_LOG(NOTICE, "stopped; vifs %s", atomic_load(&app.exit_mode) == DNB_EXIT_KEEP ?
		"left Connected for the next dpdk-netback" :
		atomic_load(&app.exit_mode) == DNB_EXIT_RELEASE ? "released" :
		"handed to the kernel's xen-netback");
	rte_eal_cleanup();
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
