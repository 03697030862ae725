/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * An in-memory xenstore behind lib/xenbus's struct xb_xs ops table, for unit tests: a flat
 * tree of nodes, one transaction at a time (writes journalled and applied on commit), watch
 * events queued for the test to deliver, a log of every write, injected conflicts and
 * injected read failures. Directory listings show the committed tree (a transaction's own
 * writes are not listed before it commits).
 */
#ifndef DNB_XB_FAKE_XS_H
#define DNB_XB_FAKE_XS_H

#include <stdbool.h>
#include <stddef.h>

#include "xb.h"

#define FXS_MAX_NODES 2048
#define FXS_PATH_MAX 160
#define FXS_VALUE_MAX 256
#define FXS_MAX_LOG 4096
#define FXS_MAX_WATCHES 32
#define FXS_MAX_EVENTS 256

struct fxs_node {
	char path[FXS_PATH_MAX];
	char value[FXS_VALUE_MAX];
};

struct fxs_op {
	bool rm;
	char path[FXS_PATH_MAX];
	char value[FXS_VALUE_MAX];
};

struct fxs_watch {
	char path[FXS_PATH_MAX];
	char token[64];
};

struct fake_xs {
	struct xb_xs base; /* first */
	struct fxs_node nodes[FXS_MAX_NODES];
	unsigned int nb_nodes;

	xb_txn_t txn;           /* the open transaction, or XB_TXN_NONE */
	xb_txn_t next_txn;
	struct fxs_op journal[64];
	unsigned int nb_journal;

	unsigned int eagain_left; /* commits still to fail with -EAGAIN */
	unsigned int nb_commits;
	unsigned int nb_conflicts;

	/* Committed writes, in order (for state sequences). */
	struct fxs_op log[FXS_MAX_LOG];
	unsigned int nb_log;

	/* Reads and directory listings of this path, or below it, fail with fail_err (a
	 * transient xenstore error: the node may well exist). "" or 0: none fail. */
	char fail_path[FXS_PATH_MAX];
	int fail_err;

	struct fxs_watch watches[FXS_MAX_WATCHES];
	unsigned int nb_watches;
	char events[FXS_MAX_EVENTS][FXS_PATH_MAX];
	unsigned int nb_events;
};

/** Initialise @p fx (may be static or heap memory) as an empty store. */
void fxs_init(struct fake_xs *fx);

/** cmocka fixture: a fresh store in *@p state (heap), and its release. @return 0 or -1. */
int fxs_test_setup(void **state);
int fxs_test_teardown(void **state);

/** Test-side direct access, outside any transaction (fires watches, is logged). */
void fxs_write(struct fake_xs *fx, const char *path, const char *value);
void fxs_rm(struct fake_xs *fx, const char *path);
/** The value at @p path, or NULL. */
const char *fxs_get(const struct fake_xs *fx, const char *path);

/**
 * Values written to @p path since log index @p from, oldest first, joined with ','
 * into @p buf (e.g. "5,6,2").
 */
const char *fxs_history(const struct fake_xs *fx, const char *path, unsigned int from,
		char *buf, size_t size);

#endif /* DNB_XB_FAKE_XS_H */
