/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's timeline (struct pipe_vclock, bench_pipe.h).
 *
 * dpdk-netback-bench runs the backend, the "NIC" (the generator) and the guests on one
 * thread, taking turns. In a real Dom0 they run at the same time on their own CPUs, and the
 * wire port's worker polls without stopping: the LRO's time budget elapses on the worker's
 * own timeline. On the bench's wall clock it would also elapse while the guest copies out and
 * while the generator builds the next burst, which a saturated NIC has ready already; an
 * aggregate would then be flushed by the clock after a fraction of a train. So the
 * aggregation engines are given the worker's timeline: only Dom0 passes advance it.
 *
 * lib/lro takes "now" as an argument. librte_gro reads the TSC itself (rte_gro_reassemble
 * stamps items, rte_gro_timeout_flush compares with rte_rdtsc() - timeout), so for it the
 * time budget is translated: the flush threshold is the wall-clock instant at which the
 * worker's timeline read (now - budget), found in the history of pass starts. Both engines
 * thus see the same budget on the same timeline.
 *
 * For comparison the bench can also run the budget on the wall clock (--budget-clock wall),
 * as a single-threaded simulation would naively do.
 */
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"

void pipe_vclock_init(struct pipe_vclock *c, uint64_t max_pass_cycles, bool wall)
{
	memset(c, 0, sizeof(*c));
	c->now = rte_rdtsc();
	c->origin_wall = c->now;
	c->max_pass_cycles = max_pass_cycles;
	c->wall = wall;
}

uint64_t pipe_vclock_pass_begin(struct pipe_vclock *c)
{
	uint32_t i = c->head % PIPE_VCLOCK_HIST;

	c->pass_wall = rte_rdtsc();
	if (c->wall)
		return c->now = c->pass_wall;
	c->hist[i].v = c->now;
	c->hist[i].w = c->pass_wall;
	c->head++;
	return c->now;
}

void pipe_vclock_pass_end(struct pipe_vclock *c)
{
	/* A preempted pass (see struct pipe_clock) counts only up to the preemption limit:
	 * another process's time slice is not the worker's. */
	if (!c->wall)
		c->now += RTE_MIN(rte_rdtsc() - c->pass_wall, c->max_pass_cycles);
}

uint64_t pipe_vclock_wall_budget(const struct pipe_vclock *c, uint64_t budget)
{
	uint64_t wall = rte_rdtsc();
	uint64_t v_now = c->now + (wall - c->pass_wall); /* called inside a pass */
	uint32_t n = RTE_MIN(c->head, (uint32_t)PIPE_VCLOCK_HIST);
	uint64_t target;

	if (c->wall)
		return budget;
	if (n == 0 || v_now - c->origin_wall <= budget)
		return wall - c->origin_wall; /* nothing can be older than the budget yet */
	target = v_now - budget;
	/* newest pass start at or before the target; inside a pass both clocks run together */
	for (uint32_t k = 1; k <= n; k++) {
		const struct pipe_vclock_mark *m = &c->hist[(c->head - k) % PIPE_VCLOCK_HIST];

		if (m->v <= target)
			return wall - (m->w + (target - m->v));
	}
	/* older than the history: flush what is older than its oldest entry */
	return wall - c->hist[(c->head - n) % PIPE_VCLOCK_HIST].w;
}
