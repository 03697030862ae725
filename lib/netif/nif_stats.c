/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter name tables (for xstats) and fatal-reason names. */
#include <stddef.h>

#include "nif_internal.h"

#define NIF_RX_STAT(f) { #f, offsetof(struct nif_rx_stats, f) }
#define NIF_TX_STAT(f) { #f, offsetof(struct nif_tx_stats, f) }
/* Fields both directions have: named with their direction, so every xstat name is unique. */
#define NIF_RX_STAT_AS(name, f) { name, offsetof(struct nif_rx_stats, f) }
#define NIF_TX_STAT_AS(name, f) { name, offsetof(struct nif_tx_stats, f) }

const struct nif_stat_name nif_rx_stat_names[] = {
	NIF_RX_STAT(rx_packets), NIF_RX_STAT(rx_bytes), NIF_RX_STAT(rx_slots),
	NIF_RX_STAT(rx_gso), NIF_RX_STAT(rx_hash), NIF_RX_STAT(rx_csum_blank), NIF_RX_STAT(rx_data_validated),
	NIF_RX_STAT(rx_drop_too_many_slots), NIF_RX_STAT(rx_drop_no_gso),
	NIF_RX_STAT(rx_drop_bad_gso), NIF_RX_STAT(rx_drop_oversize),
	NIF_RX_STAT(rx_mcast_filtered),
	NIF_RX_STAT(rx_drop_no_csum), NIF_RX_STAT(rx_drop_bad_mbuf),
	NIF_RX_STAT(rx_drop_too_many_segs), NIF_RX_STAT(rx_gcopy_err),
	NIF_RX_STAT(rx_no_slots), NIF_RX_STAT(rx_fatal_impossible_reqs),
	NIF_RX_STAT_AS("rx_gcopy_segs", gcopy_segs),
	NIF_RX_STAT_AS("rx_gcopy_batches", gcopy_batches),
	{ NULL, 0 },
};

const struct nif_stat_name nif_tx_stat_names[] = {
	NIF_TX_STAT(tx_packets), NIF_TX_STAT(tx_bytes), NIF_TX_STAT(tx_slots),
	NIF_TX_STAT(tx_gso), NIF_TX_STAT(tx_csum_blank), NIF_TX_STAT(tx_gso_csum_fixup),
	NIF_TX_STAT(tx_error_rsp), NIF_TX_STAT(tx_drop_too_many_slots),
	NIF_TX_STAT(tx_drop_size_overflow), NIF_TX_STAT(tx_drop_runt),
	NIF_TX_STAT(tx_drop_csum), NIF_TX_STAT(tx_drop_bad_gso),
	NIF_TX_STAT(tx_drop_bad_hdr), NIF_TX_STAT(tx_gcopy_err),
	NIF_TX_STAT(tx_no_mbuf), NIF_TX_STAT(tx_rate_waits), NIF_TX_STAT(tx_rate_held_pkts),
	NIF_TX_STAT(tx_rate_held_bytes), NIF_TX_STAT(tx_mcast_add), NIF_TX_STAT(tx_mcast_del),
	NIF_TX_STAT(tx_mcast_full), NIF_TX_STAT(tx_fatal_impossible_reqs),
	NIF_TX_STAT(tx_fatal_missing_extra), NIF_TX_STAT(tx_fatal_bad_extra_type),
	NIF_TX_STAT(tx_fatal_slots_exceed_reqs), NIF_TX_STAT(tx_fatal_too_many_slots),
	NIF_TX_STAT(tx_fatal_cross_page), NIF_TX_STAT(tx_fatal_gso_size),
	NIF_TX_STAT(tx_fatal_gso_type), NIF_TX_STAT_AS("tx_gcopy_segs", gcopy_segs),
	NIF_TX_STAT_AS("tx_gcopy_batches", gcopy_batches),
	{ NULL, 0 },
};

#define NIF_CTRL_STAT(f) { #f, offsetof(struct nif_ctrl_stats, f) }

const struct nif_stat_name nif_ctrl_stat_names[] = {
	NIF_CTRL_STAT(ctrl_requests), NIF_CTRL_STAT(ctrl_not_supported),
	NIF_CTRL_STAT(ctrl_invalid), NIF_CTRL_STAT(ctrl_gcopy_err),
	NIF_CTRL_STAT(ctrl_fatal_impossible_reqs),
	{ NULL, 0 },
};

const char *nif_fatal_str(enum nif_fatal reason)
{
	static const char *const names[NIF_FATAL_MAX] = {
		[NIF_FATAL_NONE] = "none",
		[NIF_FATAL_IMPOSSIBLE_REQS] = "impossible number of requests",
		[NIF_FATAL_MISSING_EXTRA] = "missing extra info",
		[NIF_FATAL_BAD_EXTRA_TYPE] = "invalid extra info type",
		[NIF_FATAL_SLOTS_EXCEED_REQS] = "packet slots exceed posted requests",
		[NIF_FATAL_TOO_MANY_SLOTS] = "malicious frontend: too many slots",
		[NIF_FATAL_CROSS_PAGE] = "slot crosses a page boundary",
		[NIF_FATAL_GSO_SIZE_ZERO] = "GSO size is zero",
		[NIF_FATAL_GSO_BAD_TYPE] = "bad GSO type",
	};

	if ((unsigned int)reason >= NIF_FATAL_MAX)
		return "unknown";
	return names[reason];
}
