/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dnb_test_eal.h"

#define DNB_TEST_EAL_MAX_ARGS 32

int dnb_test_eal_init(unsigned int mem_mb)
{
	static int done;
	static char mem[16], extra[256];
	char *argv[DNB_TEST_EAL_MAX_ARGS];
	int argc = 0;
	const char *env;

	if (done)
		return 0;
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	argv[argc++] = (char *)"dnb-test";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--iova-mode=va";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"--log-level=lib.eal:warning";
	env = getenv("DNB_TEST_EAL_ARGS");
	if (env != NULL) {
		snprintf(extra, sizeof(extra), "%s", env);
		for (char *tok = strtok(extra, " "); tok != NULL && argc < DNB_TEST_EAL_MAX_ARGS - 1;
		     tok = strtok(NULL, " "))
			argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "dnb_test_eal_init: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	done = 1;
	return 0;
}
