/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_fake_xs.h"

static struct fake_xs *to_fx(struct xb_xs *xs)
{
	return (struct fake_xs *)xs;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int find(const struct fake_xs *fx, const char *path)
{
	unsigned int i;

	for (i = 0; i < fx->nb_nodes; i++)
		if (strcmp(fx->nodes[i].path, path) == 0)
			return (int)i;
	return -1;
}

static void fire(struct fake_xs *fx, const char *path, bool removed)
{
	unsigned int i;

	for (i = 0; i < fx->nb_watches && fx->nb_events < FXS_MAX_EVENTS; i++) {
		const char *w = fx->watches[i].path;
		const char *ev = NULL;

		if (strcmp(path, w) == 0 || is_under(path, w))
			ev = path;
		else if (removed && is_under(w, path))
			ev = w;
		if (ev != NULL)
			snprintf(fx->events[fx->nb_events++], FXS_PATH_MAX, "%s", ev);
	}
}

static void log_op(struct fake_xs *fx, bool rm, const char *path, const char *value)
{
	struct fxs_op *op;

	if (fx->nb_log >= FXS_MAX_LOG)
		return;
	op = &fx->log[fx->nb_log++];
	op->rm = rm;
	snprintf(op->path, sizeof(op->path), "%s", path);
	snprintf(op->value, sizeof(op->value), "%s", value != NULL ? value : "");
}

/* Create or update one node, without parents, logging or watches. */
static int set_node(struct fake_xs *fx, const char *path, const char *value)
{
	int i = find(fx, path);

	if (i < 0) {
		if (fx->nb_nodes >= FXS_MAX_NODES)
			return -ENOSPC;
		i = (int)fx->nb_nodes++;
		snprintf(fx->nodes[i].path, FXS_PATH_MAX, "%s", path);
	}
	snprintf(fx->nodes[i].value, FXS_VALUE_MAX, "%s", value);
	return 0;
}

static int apply_write(struct fake_xs *fx, const char *path, const char *value)
{
	char parent[FXS_PATH_MAX];
	char *slash;
	int ret;

	if (path[0] != '/' || strlen(path) >= FXS_PATH_MAX || strlen(value) >= FXS_VALUE_MAX)
		return -EINVAL;
	/* xenstored creates missing parents with empty values. */
	snprintf(parent, sizeof(parent), "%s", path);
	for (slash = strchr(parent + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (find(fx, parent) < 0 && (ret = set_node(fx, parent, "")) < 0)
			return ret;
		*slash = '/';
	}
	ret = set_node(fx, path, value);
	if (ret < 0)
		return ret;
	log_op(fx, false, path, value);
	fire(fx, path, false);
	return 0;
}

static void apply_rm(struct fake_xs *fx, const char *path)
{
	unsigned int i = 0;
	bool any = false;

	while (i < fx->nb_nodes) {
		if (strcmp(fx->nodes[i].path, path) == 0 || is_under(fx->nodes[i].path, path)) {
			fx->nodes[i] = fx->nodes[--fx->nb_nodes];
			any = true;
		} else {
			i++;
		}
	}
	if (any) {
		log_op(fx, true, path, NULL);
		fire(fx, path, true);
	}
}

/* The journalled view of @p path inside the open transaction: 1 found, 0 removed, -1 none. */
static int journal_lookup(const struct fake_xs *fx, const char *path, const char **value)
{
	unsigned int i;

	for (i = fx->nb_journal; i-- > 0;) {
		const struct fxs_op *op = &fx->journal[i];

		if (op->rm && (strcmp(path, op->path) == 0 || is_under(path, op->path)))
			return 0;
		if (!op->rm && strcmp(path, op->path) == 0) {
			*value = op->value;
			return 1;
		}
	}
	return -1;
}

/* Does the test want reads of @p path to fail? */
static bool read_fails(const struct fake_xs *fx, const char *path)
{
	return fx->fail_err != 0 && fx->fail_path[0] != '\0' &&
		(strcmp(path, fx->fail_path) == 0 || is_under(path, fx->fail_path));
}

static int fx_read(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf, size_t size)
{
	struct fake_xs *fx = to_fx(xs);
	const char *value = NULL;
	size_t len;
	int j = -1;

	if (read_fails(fx, path))
		return fx->fail_err;
	if (txn != XB_TXN_NONE) {
		if (txn != fx->txn)
			return -EINVAL;
		j = journal_lookup(fx, path, &value);
		if (j == 0)
			return -ENOENT;
	}
	if (j < 0)
		value = fxs_get(fx, path);
	if (value == NULL)
		return -ENOENT;
	len = strlen(value);
	if (len >= size)
		return -EOVERFLOW;
	memcpy(buf, value, len + 1);
	return (int)len;
}

/* The name of @p node's child under @p dir, or NULL when it is not a direct child. */
static const char *child_name(const char *node, const char *dir)
{
	const char *name;

	if (!is_under(node, dir))
		return NULL;
	name = node + strlen(dir) + 1;
	return strchr(name, '/') == NULL ? name : NULL;
}

static int fx_directory(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf,
		size_t size)
{
	struct fake_xs *fx = to_fx(xs);
	size_t used = 0;
	unsigned int i;
	int nb = 0;

	if (txn != XB_TXN_NONE && txn != fx->txn)
		return -EINVAL;
	if (read_fails(fx, path))
		return fx->fail_err;
	if (find(fx, path) < 0)
		return -ENOENT;
	for (i = 0; i < fx->nb_nodes; i++) {
		const char *name = child_name(fx->nodes[i].path, path);
		size_t len = name != NULL ? strlen(name) + 1 : 0;

		if (name == NULL)
			continue;
		if (len > size - used)
			return -EOVERFLOW;
		memcpy(buf + used, name, len);
		used += len;
		nb++;
	}
	return nb;
}

static int journal_add(struct fake_xs *fx, bool rm, const char *path, const char *value)
{
	struct fxs_op *op;

	if (fx->nb_journal >= sizeof(fx->journal) / sizeof(fx->journal[0]))
		return -ENOSPC;
	op = &fx->journal[fx->nb_journal++];
	op->rm = rm;
	snprintf(op->path, sizeof(op->path), "%s", path);
	snprintf(op->value, sizeof(op->value), "%s", value != NULL ? value : "");
	return 0;
}

static int fx_write(struct xb_xs *xs, xb_txn_t txn, const char *path, const char *value)
{
	struct fake_xs *fx = to_fx(xs);

	if (txn == XB_TXN_NONE)
		return apply_write(fx, path, value);
	if (txn != fx->txn)
		return -EINVAL;
	return journal_add(fx, false, path, value);
}

static int fx_rm(struct xb_xs *xs, xb_txn_t txn, const char *path)
{
	struct fake_xs *fx = to_fx(xs);

	if (txn == XB_TXN_NONE) {
		apply_rm(fx, path);
		return 0;
	}
	if (txn != fx->txn)
		return -EINVAL;
	return journal_add(fx, true, path, NULL);
}

static int fx_txn_start(struct xb_xs *xs, xb_txn_t *txn)
{
	struct fake_xs *fx = to_fx(xs);

	if (fx->txn != XB_TXN_NONE)
		return -EBUSY;
	fx->txn = ++fx->next_txn;
	fx->nb_journal = 0;
	*txn = fx->txn;
	return 0;
}

static int fx_txn_end(struct xb_xs *xs, xb_txn_t txn, bool abort)
{
	struct fake_xs *fx = to_fx(xs);
	unsigned int i;
	int ret = 0;

	if (txn == XB_TXN_NONE || txn != fx->txn)
		return -EINVAL;
	fx->txn = XB_TXN_NONE;
	if (abort)
		return 0;
	if (fx->eagain_left > 0) {
		fx->eagain_left--;
		fx->nb_conflicts++;
		return -EAGAIN;
	}
	for (i = 0; i < fx->nb_journal && ret == 0; i++) {
		if (fx->journal[i].rm)
			apply_rm(fx, fx->journal[i].path);
		else
			ret = apply_write(fx, fx->journal[i].path, fx->journal[i].value);
	}
	fx->nb_commits++;
	return ret;
}

static int fx_watch(struct xb_xs *xs, const char *path, const char *token)
{
	struct fake_xs *fx = to_fx(xs);
	struct fxs_watch *w;

	if (fx->nb_watches >= FXS_MAX_WATCHES)
		return -ENOSPC;
	w = &fx->watches[fx->nb_watches++];
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->token, sizeof(w->token), "%s", token);
	/* xenstored fires every new watch once. */
	if (fx->nb_events < FXS_MAX_EVENTS)
		snprintf(fx->events[fx->nb_events++], FXS_PATH_MAX, "%s", path);
	return 0;
}

static int fx_unwatch(struct xb_xs *xs, const char *path, const char *token)
{
	struct fake_xs *fx = to_fx(xs);
	unsigned int i;

	for (i = 0; i < fx->nb_watches; i++) {
		if (strcmp(fx->watches[i].path, path) == 0 &&
		    strcmp(fx->watches[i].token, token) == 0) {
			fx->watches[i] = fx->watches[--fx->nb_watches];
			return 0;
		}
	}
	return -ENOENT;
}

static const struct xb_xs_ops fx_ops = {
	.read = fx_read,
	.directory = fx_directory,
	.write = fx_write,
	.rm = fx_rm,
	.txn_start = fx_txn_start,
	.txn_end = fx_txn_end,
	.watch = fx_watch,
	.unwatch = fx_unwatch,
};

void fxs_init(struct fake_xs *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->base.ops = &fx_ops;
}

void fxs_write(struct fake_xs *fx, const char *path, const char *value)
{
	apply_write(fx, path, value);
}

void fxs_rm(struct fake_xs *fx, const char *path)
{
	apply_rm(fx, path);
}

const char *fxs_get(const struct fake_xs *fx, const char *path)
{
	int i = find(fx, path);

	return i < 0 ? NULL : fx->nodes[i].value;
}

const char *fxs_history(const struct fake_xs *fx, const char *path, unsigned int from,
		char *buf, size_t size)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = from; i < fx->nb_log; i++) {
		if (fx->log[i].rm || strcmp(fx->log[i].path, path) != 0)
			continue;
		if (off >= size)
			break;
		off += (size_t)snprintf(buf + off, size - off, "%s%s", off == 0 ? "" : ",",
			fx->log[i].value);
	}
	return buf;
}

int fxs_test_setup(void **state)
{
	struct fake_xs *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fxs_init(fx);
	*state = fx;
	return 0;
}

int fxs_test_teardown(void **state)
{
	free(*state);
	return 0;
}
