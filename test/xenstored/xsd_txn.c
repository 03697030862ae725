/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_txn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct txn_seen {
	char *path;
	uint64_t gen; /* 0: absent when first seen */
};

struct xsd_txn {
	uint32_t id;
	bool doomed;          /* a note or log failed: the view is not trustworthy */
	struct xsd_tree *tree;
	uint32_t start_nodes; /* node count of the copy at start */
	struct txn_seen *seen;
	uint32_t nr_seen, cap_seen;
	struct xsd_change *log;
	uint32_t nr_log, cap_log;
};

/* Double @cap (from @min) so that one more element of @size fits into *@arr. */
static int grow(void **arr, uint32_t *cap, uint32_t nr, size_t size, uint32_t min)
{
	uint32_t ncap;
	void *p;

	if (nr < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : min;
	p = realloc(*arr, (size_t)ncap * size);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct xsd_txn *xsd_txn_start(const struct xsd_tree *live, uint32_t id)
{
	struct xsd_txn *tx = calloc(1, sizeof(*tx));

	if (tx == NULL)
		return NULL;
	tx->id = id;
	tx->tree = xsd_tree_clone(live);
	if (tx->tree == NULL) {
		free(tx);
		return NULL;
	}
	tx->start_nodes = xsd_tree_nr_nodes(tx->tree);
	return tx;
}

uint32_t xsd_txn_id(const struct xsd_txn *tx)
{
	return tx->id;
}

struct xsd_tree *xsd_txn_tree(struct xsd_txn *tx)
{
	return tx->tree;
}

int xsd_txn_note(struct xsd_txn *tx, const char *path)
{
	uint32_t i;
	char *copy;

	for (i = 0; i < tx->nr_seen; i++)
		if (strcmp(tx->seen[i].path, path) == 0)
			return 0;
	copy = strdup(path);
	if (copy == NULL ||
	    grow((void **)&tx->seen, &tx->cap_seen, tx->nr_seen, sizeof(*tx->seen), 8) != 0) {
		free(copy);
		tx->doomed = true;
		return -ENOMEM;
	}
	tx->seen[tx->nr_seen].path = copy;
	tx->seen[tx->nr_seen].gen = xsd_tree_gen(tx->tree, path);
	tx->nr_seen++;
	return 0;
}

static int note_one(void *arg, const char *path, const struct xsd_node *n)
{
	(void)n;
	return xsd_txn_note(arg, path);
}

int xsd_txn_note_subtree(struct xsd_txn *tx, const char *path)
{
	int rc = xsd_tree_walk(tx->tree, path, note_one, tx);

	/* An absent subtree is still worth remembering as absent. */
	return rc == -ENOENT ? xsd_txn_note(tx, path) : rc;
}

static void change_fini(struct xsd_change *c)
{
	free((char *)c->path);
	free((char *)c->value);
	xsd_perms_fini(&c->perms);
}

int xsd_txn_log(struct xsd_txn *tx, const struct xsd_change *c)
{
	struct xsd_change copy = *c;

	copy.path = NULL;
	copy.value = NULL;
	copy.perms.nr = 0;
	copy.perms.ent = NULL;
	if (grow((void **)&tx->log, &tx->cap_log, tx->nr_log, sizeof(*tx->log), 4) != 0)
		goto nomem;
	copy.path = strdup(c->path);
	if (copy.path == NULL)
		goto nomem;
	if (c->len != 0) {
		copy.value = malloc(c->len);
		if (copy.value == NULL)
			goto nomem;
		memcpy((char *)copy.value, c->value, c->len);
	}
	if (c->kind == XSD_CHANGE_PERMS && xsd_perms_copy(&copy.perms, &c->perms) != 0)
		goto nomem;
	tx->log[tx->nr_log++] = copy;
	return 0;
nomem:
	change_fini(&copy);
	tx->doomed = true;
	return -ENOMEM;
}

int xsd_txn_commit(struct xsd_txn *tx, const struct xsd_tree *live, xsd_txn_apply_fn apply,
		   void *arg)
{
	uint32_t i, now = xsd_tree_nr_nodes(tx->tree);
	int rc;

	if (tx->doomed)
		return -ENOMEM;
	for (i = 0; i < tx->nr_seen; i++)
		if (xsd_tree_gen(live, tx->seen[i].path) != tx->seen[i].gen)
			return -EAGAIN;
	/*
	 * Every node the changes touch is as the transaction saw it, so replaying them grows
	 * the live tree by exactly what they grew the copy: check the room once, up front.
	 */
	if (now > tx->start_nodes && now - tx->start_nodes > xsd_tree_room(live))
		return -ENOSPC;
	for (i = 0; i < tx->nr_log; i++) {
		rc = apply(arg, &tx->log[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void xsd_txn_free(struct xsd_txn *tx)
{
	uint32_t i;

	if (tx == NULL)
		return;
	for (i = 0; i < tx->nr_seen; i++)
		free(tx->seen[i].path);
	for (i = 0; i < tx->nr_log; i++)
		change_fini(&tx->log[i]);
	free(tx->seen);
	free(tx->log);
	xsd_tree_free(tx->tree);
	free(tx);
}
