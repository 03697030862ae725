/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FDB ageing, paced from the main lcore's loop (main.c). Each wake-up scans the share of the
 * table due since the previous one, so that the whole table is scanned once every
 * --fdb-age / DNB_FDB_SCANS_PER_AGE (each switch's table, each at that pace): an idle station then goes between --fdb-age and 10/8 of
 * it after its last frame (l2sw.h, l2sw_age), and its place in the table and in its port's
 * --fdb-port-max quota comes back. The workers never age: their loop stays as it is.
 */
#include "dnb.h"

/* With the switch's own 1/8 refresh slack, 8 scans per age keep an idle station's
 * lifetime under 10/8 of --fdb-age. */
#define DNB_FDB_SCANS_PER_AGE 8

/* Buckets due after @p elapsed ticks of a scan taking @p period; at least one, so the
 * scan never stalls on a short step. */
static uint32_t age_budget(uint32_t buckets, uint64_t elapsed, uint64_t period)
{
	if (elapsed >= period)
		return buckets;
	/* in floating point: buckets * elapsed overflows 64 bits with --fdb-age in days */
	return (uint32_t)((double)buckets * (double)elapsed / (double)period) + 1;
}

void dnb_fdb_age_step(struct dnb_app *app, struct dnb_fdb_ager *ager, uint64_t now)
{
	uint64_t period = app->tsc_hz * app->cfg.fdb_age_s / DNB_FDB_SCANS_PER_AGE;
	unsigned int aged;

	/* under the control lock, as every control-side use of the switch, which
	 * shutdown_all() frees under it */
	pthread_mutex_lock(&app->ctl_lock);
	for (unsigned int s = 0; s < app->nb_switches; s++) {
		struct l2sw *l2 = app->switches[s].l2;

		aged = l2sw_age(l2, now, age_budget(l2sw_fdb_buckets(l2), now - ager->last, period));
		if (aged != 0)
			DNB_LOG(DEBUG, "fdb of %s: %u idle stations forgotten",
				app->switches[s].name, aged);
	}
	pthread_mutex_unlock(&app->ctl_lock);
	ager->last = now;
}
