/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A backend handle's record (see xensim_rec.h): made complete and locked before it has a
 * name, so a reaper never takes a live handle for a dead one; its entries are written by
 * the handle as it pins grants and binds ports.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "xensim_hv_internal.h"

/* Tokens tried before giving up: each one already taken by a record costs a try. */
#define TOKEN_TRIES 16

static atomic_uint fallback_seq;

int xensim_rec_path(char *buf, size_t len, const char *dir, uint32_t token, const char *ext)
{
	int n = snprintf(buf, len, "%s/be%08x.%s", dir, token, ext);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Random, so that a token is not soon used again after its holder is reaped. */
static uint32_t new_token(void)
{
	uint32_t t;

	if (getrandom(&t, sizeof(t), GRND_NONBLOCK) != sizeof(t))
		t = (uint32_t)getpid() * 2654435761u + atomic_fetch_add(&fallback_seq, 1) * 40503u;
	return t != 0 ? t : 1; /* 0 is a free lock and a fresh guest table */
}

/* Give the locked, complete file its name "be<token>.rec" with a token no record has. */
static int rec_publish(struct xensim_rec *rec)
{
	char proc[64], path[PATH_MAX];
	int i, rc;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rec->fd);
	for (i = 0; i < TOKEN_TRIES; i++) {
		rec->token = new_token();
		rc = xensim_rec_path(path, sizeof(path), rec->dir, rec->token, "rec");
		if (rc < 0)
			return rc;
		rec->f->token = rec->token;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int xensim_rec_open(struct xensim_rec *rec, const char *dir,
		    int (*reap)(const char *dir, uint32_t token))
{
	uint32_t i;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->dir = dir;
	rec->reap = reap;
	rec->fd = -1;
	rec->f = MAP_FAILED;
	rec->free_maps = malloc(sizeof(*rec->free_maps) * (XENSIM_REC_PINS - XENSIM_REC_FIRST_MAP));
	if (rec->free_maps == NULL)
		return -ENOMEM;
	for (i = XENSIM_REC_PINS; i-- > XENSIM_REC_FIRST_MAP;)
		rec->free_maps[rec->nr_free++] = i; /* the lowest entry on top */
	rec->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (rec->fd < 0 || flock(rec->fd, LOCK_EX | LOCK_NB) < 0 ||
	    ftruncate(rec->fd, (off_t)sizeof(*rec->f)) < 0)
		goto err_errno;
	rec->f = mmap(NULL, sizeof(*rec->f), PROT_READ | PROT_WRITE, MAP_SHARED, rec->fd, 0);
	if (rec->f == MAP_FAILED)
		goto err_errno;
	rec->f->magic = XENSIM_REC_MAGIC;
	rec->f->version = XENSIM_REC_VERSION;
	rec->f->nr_pins = XENSIM_REC_PINS;
	rec->f->nr_ports = XENSIM_HV_NR_PORTS;
	rec->f->pid = (int32_t)getpid();
	rc = rec_publish(rec);
	if (rc < 0)
		goto err;
	return 0;

err_errno:
	rc = -errno;
err:
	if (rec->f != MAP_FAILED)
		munmap(rec->f, sizeof(*rec->f));
	if (rec->fd >= 0)
		close(rec->fd);
	free(rec->free_maps);
	return rc;
}

void xensim_rec_close(struct xensim_rec *rec)
{
	char path[PATH_MAX];

	/* Unnamed while still locked: a reaper never gets hold of it. */
	if (xensim_rec_path(path, sizeof(path), rec->dir, rec->token, "rec") == 0)
		unlink(path);
	munmap(rec->f, sizeof(*rec->f));
	close(rec->fd);
	free(rec->free_maps);
}

int xensim_rec_map_alloc(struct xensim_rec *rec)
{
	if (rec->nr_free == 0)
		return -ENOMEM; /* as gntdev over its limit */
	return (int)rec->free_maps[--rec->nr_free];
}

void xensim_rec_map_free(struct xensim_rec *rec, uint32_t entry)
{
	rec->free_maps[rec->nr_free++] = entry;
}
