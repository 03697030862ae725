/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test bed of dpdk-netback-bench, shared by its guest-RX and guest-TX runs: simulated
 * guests, the backend side of their vifs, and the switch with the wire port and one port
 * per vif.
 */
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"
#include "l2sw.h"

const struct rte_ether_addr pipe_wire_station = { { 0x02, 0, 0, 0, 0, 0x02 } };

struct rte_ether_addr pipe_guest_mac(uint32_t i)
{
	struct rte_ether_addr a = { { 0x02, 0, 0, 0, 0x01, (uint8_t)(i + 1) } };

	return a;
}

void pipe_bed_destroy(struct pipe_bed *b, const struct pipe_env *env)
{
	l2sw_out_free(b->out);
	l2sw_free(b->sw);
	for (uint32_t i = 0; i < b->nb_guests; i++) {
		pipe_vif_destroy(&b->vif[i], env->hv);
		pipe_guest_destroy(&b->guest[i]);
	}
	memset(b, 0, sizeof(*b));
}

static int switch_create(struct pipe_bed *b)
{
	struct l2sw_conf sc = {
		.name = "bench", .socket_id = SOCKET_ID_ANY, .nb_ports = (uint16_t)(1 + b->nb_guests),
		.fdb_entries = 1024, .age_ticks = rte_get_tsc_hz() * 300,
	};
	struct l2sw_port_conf wire = { .kind = L2SW_PORT_WIRE };

	b->sw = l2sw_create(&sc);
	if (b->sw == NULL || l2sw_port_set(b->sw, PIPE_WIRE_PORT, &wire) != 0)
		return -1;
	for (uint32_t i = 0; i < b->nb_guests; i++) {
		struct l2sw_port_conf vif = { .kind = L2SW_PORT_VIF, .mac = pipe_guest_mac(i) };

		if (l2sw_port_set(b->sw, (uint16_t)(1 + i), &vif) != 0)
			return -1;
	}
	b->out = l2sw_out_create(b->sw, PIPE_BACKLOG_CAP, SOCKET_ID_ANY);
	return b->out == NULL ? -1 : 0;
}

int pipe_bed_create(struct pipe_bed *b, const struct pipe_env *env, uint32_t nb_guests,
		    enum nif_layout layout, const struct bf_gen *gen, uint32_t flows)
{
	memset(b, 0, sizeof(*b));
	for (uint32_t i = 0; i < nb_guests; i++) {
		if (pipe_guest_create(&b->guest[i], env->dir, (uint16_t)(1 + i), gen, flows,
				      env->guest_tx_gso) != 0)
			goto fail;
		b->nb_guests = i + 1;
		if (pipe_vif_create(&b->vif[i], env->hv, &b->guest[i], layout, env->tx_pool) != 0)
			goto fail;
	}
	if (switch_create(b) == 0)
		return 0;
fail:
	pipe_bed_destroy(b, env);
	return -1;
}
