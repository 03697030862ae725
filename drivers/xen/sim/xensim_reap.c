/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's release of a dead process's sim handles (see xensim_rec.h). For each record
 * whose flock can be taken: put back what its holder left half done under a lock, drop each
 * pin it recorded (GTF flags go when no holder is left, as gntdev's unmap does), close each
 * port as Xen's evtchn_close does, then delete the holder's socket and record.
 *
 * The reaper acts as the dead holder (its token, its record), so what it does is written
 * where the next reaper finds it: a reaper killed halfway leaves work that the next one
 * finishes exactly. Everything read from a record is checked, once, before use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim_hv_internal.h"

/* Reaps nested in lock waits (a dead holder's reaper waiting on another dead holder's
 * lock): each holds a different record's flock, so this is never reached in practice. */
#define MAX_NESTED 8

static _Thread_local unsigned int nested;

struct reap {
	struct xensim_rec rec;     /* the dead holder, with our hands */
	struct xensim_domain *dom; /* the last domain attached */
};

/* The live domain @p domid, if it is still the instance the record names; else NULL
 * (gone, and its grant table and ports with it). */
static struct xensim_domain *reap_domain(struct reap *r, uint16_t domid, uint64_t instance)
{
	if (domid == 0 || instance == 0)
		return NULL; /* no guest has domid 0; no domain has instance 0 */
	if (r->dom != NULL && (r->dom->domid != domid || !xensim_domain_alive(r->dom))) {
		xensim_domain_put(r->dom);
		r->dom = NULL;
	}
	if (r->dom == NULL)
		r->dom = xensim_domain_get(r->rec.dir, domid);
	if (r->dom == NULL || r->dom->instance != instance)
		return NULL;
	return r->dom;
}

static bool pin_kind(uint8_t kind)
{
	return kind == XENSIM_REC_PIN_RO || kind == XENSIM_REC_PIN_RW;
}

/* The pin entry @p entry of a grant op's undo: does it name the op's grant? */
static bool entry_is_op(const struct xensim_rec_entry *e, const struct xensim_rec_op *op)
{
	return __atomic_load_n(&e->instance, __ATOMIC_RELAXED) == op->instance &&
	       __atomic_load_n(&e->domid, __ATOMIC_RELAXED) == op->domid &&
	       __atomic_load_n(&e->index, __ATOMIC_RELAXED) == op->index;
}

/* A grant op the holder died in, its lock still taken: the state before it comes back. */
static void undo_grant(struct reap *r, struct xensim_domain *d, const struct xensim_rec_op *op)
{
	struct xensim_rec_entry *e;

	if (!xensim_pins_valid(op->pins_before) || op->entry >= XENSIM_REC_PINS ||
	    (op->kind_before != XENSIM_REC_FREE && !pin_kind(op->kind_before)))
		return;
	e = &r->rec.f->pins[op->entry];
	/* Only an unpin puts an entry back, and it changed nothing but the kind. */
	if (op->kind_before != XENSIM_REC_FREE && !entry_is_op(e, op))
		return;
	xensim_gnttab_restore(d, op->index, op->pins_before);
	__atomic_store_n(&e->kind, op->kind_before, __ATOMIC_RELEASE);
}

/* The lock the holder took or held when it died, and what it was doing under it. */
static void reap_op(struct reap *r)
{
	struct xensim_rec_op *live = &r->rec.f->op, op;
	struct xensim_domain *d;
	uint32_t state, *word;

	op.what = __atomic_load_n(&live->what, __ATOMIC_ACQUIRE);
	op.instance = __atomic_load_n(&live->instance, __ATOMIC_RELAXED);
	op.index = __atomic_load_n(&live->index, __ATOMIC_RELAXED);
	op.domid = __atomic_load_n(&live->domid, __ATOMIC_RELAXED);
	op.undo = __atomic_load_n(&live->undo, __ATOMIC_RELAXED);
	op.pins_before = __atomic_load_n(&live->pins_before, __ATOMIC_RELAXED);
	op.entry = __atomic_load_n(&live->entry, __ATOMIC_RELAXED);
	op.kind_before = __atomic_load_n(&live->kind_before, __ATOMIC_RELAXED);
	if (op.what != XENSIM_LOCK_GRANT && op.what != XENSIM_LOCK_PORT)
		goto done;
	d = reap_domain(r, op.domid, op.instance);
	if (d == NULL || (op.what == XENSIM_LOCK_GRANT && op.index >= d->nr_grefs) ||
	    (op.what == XENSIM_LOCK_PORT && (op.index == 0 || op.index >= XENSIM_NR_PORTS)))
		goto done;
	word = xensim_lock_word(d, op.what, op.index);
	/* Died before taking it, or after freeing it: nothing was left half done. */
	if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != r->rec.token)
		goto done;
	if (op.what == XENSIM_LOCK_GRANT && op.undo == 1) {
		undo_grant(r, d, &op);
	} else if (op.what == XENSIM_LOCK_PORT) {
		/* Died in the middle of a claim: the port was unbound before. */
		state = XENSIM_ECS_BINDING;
		__atomic_compare_exchange_n(&d->evtchn[op.index].state, &state,
					    XENSIM_ECS_UNBOUND, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	}
	xensim_unlock(&r->rec, d, op.what, op.index);
done:
	__atomic_store_n(&live->undo, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&live->what, (uint8_t)XENSIM_LOCK_NONE, __ATOMIC_SEQ_CST);
}

static bool port_kind(uint8_t kind)
{
	return kind == XENSIM_REC_PORT;
}

/* Read entry @p e once. @return its kind (XENSIM_REC_FREE: nothing to do), with *index and
 * *d, the entry's domain when @p wanted accepts the kind and the domain is still the
 * instance it names (else NULL). */
static uint8_t entry_read(struct reap *r, struct xensim_rec_entry *e, bool (*wanted)(uint8_t),
			  uint32_t *index, struct xensim_domain **d)
{
	uint8_t kind = __atomic_load_n(&e->kind, __ATOMIC_ACQUIRE);

	*d = NULL;
	*index = __atomic_load_n(&e->index, __ATOMIC_RELAXED);
	if (kind != XENSIM_REC_FREE && wanted(kind))
		*d = reap_domain(r, __atomic_load_n(&e->domid, __ATOMIC_RELAXED),
				 __atomic_load_n(&e->instance, __ATOMIC_RELAXED));
	return kind;
}

/* gntdev's release: every recorded pin dropped, through the ordinary unpin. Entries that
 * are bad, or whose domain is gone with its grants, are only cleared. */
static void reap_pins(struct reap *r)
{
	struct xensim_domain *d;
	uint32_t i, ref;
	uint8_t kind;

	for (i = 0; i < XENSIM_REC_PINS; i++) {
		kind = entry_read(r, &r->rec.f->pins[i], pin_kind, &ref, &d);
		if (kind == XENSIM_REC_FREE)
			continue;
		if (d != NULL && ref < d->nr_grefs)
			xensim_gnttab_unpin(d, ref, kind == XENSIM_REC_PIN_RO, &r->rec, i);
		else
			xensim_rec_clear(&r->rec.f->pins[i]);
	}
}

/* evtchn's release: every recorded port closed, as Xen's evtchn_close. */
static void reap_ports(struct reap *r)
{
	struct xensim_domain *d;
	uint32_t lport, gport;

	for (lport = 0; lport < XENSIM_HV_NR_PORTS; lport++) {
		if (entry_read(r, &r->rec.f->ports[lport], port_kind, &gport, &d) ==
		    XENSIM_REC_FREE)
			continue;
		if (d != NULL && lport != 0 && gport != 0 && gport < XENSIM_NR_PORTS)
			xensim_hv_port_close(&r->rec, d, gport, lport);
		else
			xensim_rec_clear(&r->rec.f->ports[lport]);
	}
}

static bool header_valid(const struct xensim_rec_file *f, uint32_t token)
{
	return f->magic == XENSIM_REC_MAGIC && f->version == XENSIM_REC_VERSION &&
	       f->token == token && f->nr_pins == XENSIM_REC_PINS &&
	       f->nr_ports == XENSIM_HV_NR_PORTS;
}

/* Reap the record @p fd (its flock taken) of holder @p token.
 * @return 1 reaped, 0 reaped already (by a reaper before us), or -errno. */
static int reap_record(const char *dir, int fd, uint32_t token)
{
	struct reap r = {
		.rec = { .dir = dir, .token = token, .fd = fd, .reap = xensim_reap_holder },
	};
	char path[PATH_MAX];
	struct stat st;
	void *map;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_nlink == 0)
		return 0; /* reaped meanwhile, by the reaper whose lock we now have */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size >= sizeof(struct xensim_rec_file)) {
		map = mmap(NULL, sizeof(struct xensim_rec_file), PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return -errno; /* kept for a later reap */
		r.rec.f = map;
		if (header_valid(r.rec.f, token)) {
			reap_op(&r);
			reap_pins(&r);
			reap_ports(&r);
		}
		xensim_domain_put(r.dom);
		munmap(map, sizeof(struct xensim_rec_file));
	}
	/* A bad header: nothing in it can be undone, and its owner is gone. */
	if (xensim_rec_path(path, sizeof(path), dir, token, "evtchn") == 0)
		unlink(path);
	if (xensim_rec_path(path, sizeof(path), dir, token, "rec") == 0)
		unlink(path);
	return 1;
}

int xensim_reap_holder(const char *dir, uint32_t token)
{
	char path[PATH_MAX];
	int fd, rc;

	if (nested >= MAX_NESTED)
		return 0;
	rc = xensim_rec_path(path, sizeof(path), dir, token, "rec");
	if (rc < 0)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* Held: its handle lives (or another reaper is at it). */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? 0 : -errno;
		close(fd);
		return rc;
	}
	nested++;
	rc = reap_record(dir, fd, token);
	nested--;
	close(fd);
	return rc;
}

/* "be" and 8 lower-case hex digits (not all zero) then ".rec": a record's name. */
static bool record_token(const char *name, uint32_t *token)
{
	uint32_t t = 0;
	int i;

	if (strlen(name) != 14 || strncmp(name, "be", 2) != 0 || strcmp(name + 10, ".rec") != 0)
		return false;
	for (i = 2; i < 10; i++) {
		if (name[i] >= '0' && name[i] <= '9')
			t = t << 4 | (uint32_t)(name[i] - '0');
		else if (name[i] >= 'a' && name[i] <= 'f')
			t = t << 4 | (uint32_t)(name[i] - 'a' + 10);
		else
			return false;
	}
	*token = t;
	return t != 0;
}

int xensim_reap(const char *dir)
{
	unsigned int seen = 0;
	struct dirent *de;
	uint32_t token;
	int reaped = 0;
	DIR *dh;

	dh = opendir(dir);
	if (dh == NULL)
		return -errno;
	while (seen++ < XENSIM_REAP_MAX_DIRENTS && (de = readdir(dh)) != NULL)
		if (record_token(de->d_name, &token) && xensim_reap_holder(dir, token) == 1)
			reaped++;
	closedir(dh);
	return reaped;
}
