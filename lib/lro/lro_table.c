/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: fixed array of entries, hash buckets chained by index, an age list (oldest
 * aggregate first, for the time budget and eviction) and a free list. Sized at create.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "lro_internal.h"

int lro_table_init(struct lro_ctx *ctx, int socket_id)
{
	uint32_t nb_buckets = rte_align32pow2(ctx->max_flows * 2);

	ctx->flows = rte_zmalloc_socket("lro_flows", sizeof(*ctx->flows) * ctx->max_flows,
					RTE_CACHE_LINE_SIZE, socket_id);
	ctx->buckets = rte_malloc_socket("lro_buckets", sizeof(*ctx->buckets) * nb_buckets,
					 RTE_CACHE_LINE_SIZE, socket_id);
	if (ctx->flows == NULL || ctx->buckets == NULL) {
		lro_table_fini(ctx);
		return -ENOMEM;
	}
	ctx->bucket_mask = nb_buckets - 1;
	for (uint32_t i = 0; i < nb_buckets; i++)
		ctx->buckets[i] = LRO_NIL;
	for (uint32_t i = 0; i < ctx->max_flows; i++)
		ctx->flows[i].bucket_next = i + 1 < ctx->max_flows ? i + 1 : LRO_NIL;
	ctx->free_head = 0;
	ctx->age_head = LRO_NIL;
	ctx->age_tail = LRO_NIL;
	ctx->nb_held_flows = 0;
	return 0;
}

void lro_table_fini(struct lro_ctx *ctx)
{
	rte_free(ctx->flows);
	rte_free(ctx->buckets);
	ctx->flows = NULL;
	ctx->buckets = NULL;
}

/* Take a free entry for @p's flow, put it on its bucket and at the young end of the age list.
 * Returns NULL when the table is full. The caller fills the aggregate (lro_open). */
struct lro_flow *lro_table_insert(struct lro_ctx *ctx, const struct lro_pkt *p)
{
	uint32_t i = ctx->free_head, b = p->hash & ctx->bucket_mask;
	struct lro_flow *f;

	if (i == LRO_NIL)
		return NULL;
	f = &ctx->flows[i];
	ctx->free_head = f->bucket_next;
	f->key = p->key;
	f->hash = p->hash;
	f->bucket_next = ctx->buckets[b];
	ctx->buckets[b] = i;
	f->age_next = LRO_NIL;
	f->age_prev = ctx->age_tail;
	if (ctx->age_tail != LRO_NIL)
		ctx->flows[ctx->age_tail].age_next = i;
	else
		ctx->age_head = i;
	ctx->age_tail = i;
	ctx->nb_held_flows++;
	return f;
}

/* Unlink @f from its bucket and the age list and free it. The caller took its mbufs. */
void lro_table_remove(struct lro_ctx *ctx, struct lro_flow *f)
{
	uint32_t i = (uint32_t)(f - ctx->flows);
	uint32_t *link = &ctx->buckets[f->hash & ctx->bucket_mask];

	while (*link != i)
		link = &ctx->flows[*link].bucket_next;
	*link = f->bucket_next;
	if (f->age_prev != LRO_NIL)
		ctx->flows[f->age_prev].age_next = f->age_next;
	else
		ctx->age_head = f->age_next;
	if (f->age_next != LRO_NIL)
		ctx->flows[f->age_next].age_prev = f->age_prev;
	else
		ctx->age_tail = f->age_prev;
	f->head = NULL;
	f->tail = NULL;
	f->bucket_next = ctx->free_head;
	ctx->free_head = i;
	ctx->nb_held_flows--;
}
