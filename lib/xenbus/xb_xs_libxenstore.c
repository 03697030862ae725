/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The production xenstore client for xb: libxenstore. xs_open(0) honours XENSTORED_PATH, so
 * the same code reaches a real xenstored in Dom0 and the test bed's daemon.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include <rte_errno.h>

#include "xb.h"

struct xb_xs_lx {
	struct xb_xs base; /* first: xb hands us &base */
	struct xs_handle *h;
};

static struct xs_handle *lx_handle(struct xb_xs *xs)
{
	return ((struct xb_xs_lx *)xs)->h;
}

/* libxenstore reports failures through errno; never return 0 for a failure. */
static int lx_errno(void)
{
	return errno != 0 ? -errno : -EIO;
}

static int lx_read(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf, size_t size)
{
	unsigned int len = 0;
	char *value;

	if (size == 0)
		return -EINVAL;
	errno = 0;
	value = xs_read(lx_handle(xs), txn, path, &len);
	if (value == NULL)
		return lx_errno();
	if (len >= size) {
		free(value);
		return -EOVERFLOW;
	}
	memcpy(buf, value, len);
	buf[len] = '\0';
	free(value);
	/* A value with an embedded NUL is not a string: treat it as malformed (too long). */
	return strlen(buf) == len ? (int)len : -EOVERFLOW;
}

static int lx_directory(struct xb_xs *xs, xb_txn_t txn, const char *path, char *buf,
		size_t size)
{
	unsigned int num = 0, i;
	size_t used = 0;
	char **names;
	int ret;

	errno = 0;
	names = xs_directory(lx_handle(xs), txn, path, &num);
	if (names == NULL)
		return lx_errno();
	ret = num <= INT_MAX ? (int)num : -EOVERFLOW;
	for (i = 0; i < num && ret >= 0; i++) {
		size_t len = strlen(names[i]) + 1;

		if (len > size - used) {
			ret = -EOVERFLOW;
			break;
		}
		memcpy(buf + used, names[i], len);
		used += len;
	}
	free(names);
	return ret;
}

static int lx_write(struct xb_xs *xs, xb_txn_t txn, const char *path, const char *value)
{
	errno = 0;
	if (!xs_write(lx_handle(xs), txn, path, value, (unsigned int)strlen(value)))
		return lx_errno();
	return 0;
}

static int lx_rm(struct xb_xs *xs, xb_txn_t txn, const char *path)
{
	errno = 0;
	if (!xs_rm(lx_handle(xs), txn, path))
		return errno == ENOENT ? 0 : lx_errno();
	return 0;
}

static int lx_txn_start(struct xb_xs *xs, xb_txn_t *txn)
{
	xs_transaction_t t;

	errno = 0;
	t = xs_transaction_start(lx_handle(xs));
	if (t == XBT_NULL)
		return lx_errno();
	*txn = t;
	return 0;
}

static int lx_txn_end(struct xb_xs *xs, xb_txn_t txn, bool abort)
{
	errno = 0;
	if (!xs_transaction_end(lx_handle(xs), txn, abort))
		return lx_errno();
	return 0;
}

static int lx_watch(struct xb_xs *xs, const char *path, const char *token)
{
	errno = 0;
	if (!xs_watch(lx_handle(xs), path, token))
		return lx_errno();
	return 0;
}

static int lx_unwatch(struct xb_xs *xs, const char *path, const char *token)
{
	errno = 0;
	if (!xs_unwatch(lx_handle(xs), path, token))
		return lx_errno();
	return 0;
}

static const struct xb_xs_ops lx_ops = {
	.read = lx_read,
	.directory = lx_directory,
	.write = lx_write,
	.rm = lx_rm,
	.txn_start = lx_txn_start,
	.txn_end = lx_txn_end,
	.watch = lx_watch,
	.unwatch = lx_unwatch,
};

struct xb_xs *xb_xs_libxenstore_open(void)
{
	struct xb_xs_lx *lx;

	lx = calloc(1, sizeof(*lx));
	if (lx == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	errno = 0;
	lx->h = xs_open(0);
	if (lx->h == NULL) {
		rte_errno = errno != 0 ? errno : EIO;
		free(lx);
		return NULL;
	}
	lx->base.ops = &lx_ops;
	return &lx->base;
}

void xb_xs_libxenstore_close(struct xb_xs *xs)
{
	struct xb_xs_lx *lx = (struct xb_xs_lx *)xs;

	if (lx == NULL)
		return;
	xs_close(lx->h);
	free(lx);
}

int xb_xs_libxenstore_fd(struct xb_xs *xs)
{
	int fd = xs_fileno(lx_handle(xs));

	return fd >= 0 ? fd : -EIO;
}

/* Copy @p s into @p buf; false when it does not fit. */
static bool copy_str(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len >= size)
		return false;
	memcpy(buf, s, len + 1);
	return true;
}

int xb_xs_libxenstore_next_watch(struct xb_xs *xs, char *path, size_t path_size,
		char *token, size_t token_size)
{
	char **vec;
	bool ok;

	for (;;) {
		errno = 0;
		vec = xs_check_watch(lx_handle(xs));
		if (vec == NULL)
			return errno == EAGAIN ? -EAGAIN : lx_errno();
		ok = copy_str(path, path_size, vec[XS_WATCH_PATH]) &&
			(token == NULL || copy_str(token, token_size, vec[XS_WATCH_TOKEN]));
		free(vec);
		if (ok)
			return 0;
		/* An event whose path we cannot hold cannot be ours: take the next one. */
	}
}
