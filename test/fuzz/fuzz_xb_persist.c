/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_xb_persist: lib/xenbus's parser of the backend's state key (XB_PERSIST_KEY,
 * xb_persist_parse), fed any bytes as a process that crashed, a hand edit or a newer
 * version may have left them. The first byte picks the connection's queue count (0..17, so
 * the parser's own refusals of 0 and past XB_MAX_QUEUES are reached too); the rest, up to
 * its first NUL, is the value.
 *
 * Invariants: no crash, no read past the value; a refusal leaves the output untouched; an
 * accepted state is within every bound the key documents (mapping entries below the queue
 * count: XSA-270's bound), encodes again (xb_persist_encode) and that encoding parses back
 * to the same state, byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "xb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet_logs();
	return 0;
}

static void check_bounds(const struct xb_persist *st, unsigned int nb_queues)
{
	fz_check(st->hash_alg <= 1, "alg %u", st->hash_alg);
	fz_check((st->hash_flags & ~XB_PERSIST_HASH_TYPES) == 0, "flags %#x", st->hash_flags);
	fz_check(st->map_size <= XB_PERSIST_MAPPING_MAX, "map size %u", st->map_size);
	fz_check(st->nb_mcast <= XB_PERSIST_MCAST_MAX, "%u addresses", st->nb_mcast);
	for (uint32_t i = 0; i < st->map_size; i++)
		fz_check(st->mapping[i] < nb_queues, "entry %u = %u for %u queues", i,
			 st->mapping[i], nb_queues);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char enc[XB_PERSIST_VALUE_MAX];
	struct xb_persist st, again, guard;
	unsigned int nb_queues;
	char *value;
	int rc;

	if (size == 0)
		return 0;
	nb_queues = data[0] % (XB_MAX_QUEUES + 2);
	/* exactly the bytes given, in a buffer of their own size: ASan sees a read past it */
	value = malloc(size);
	if (value == NULL)
		return 0;
	memcpy(value, data + 1, size - 1);
	value[size - 1] = '\0';
	memset(&st, 0x5a, sizeof(st));
	guard = st;
	rc = xb_persist_parse(value, nb_queues, &st);
	if (rc < 0) {
		fz_check(memcmp(&st, &guard, sizeof(st)) == 0, "refused (%d) but written", rc);
	} else {
		fz_check(rc == 0, "parse returned %d", rc);
		check_bounds(&st, nb_queues);
		rc = xb_persist_encode(&st, enc, sizeof(enc));
		fz_check(rc > 0 && (size_t)rc == strlen(enc), "encode returned %d", rc);
		fz_check(xb_persist_parse(enc, nb_queues, &again) == 0, "'%s' does not parse", enc);
		fz_check(memcmp(&st, &again, sizeof(st)) == 0, "'%s' parses to another state",
			 enc);
	}
	free(value);
	return 0;
}
