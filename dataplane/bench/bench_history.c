/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A quiet core's pace from earlier runs on the same machine: what a case
 * measured on a core the host slowed from the run's start to its end is
 * judged against (bench_pace_mark()).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dataplane/bench/bench.h"

/* Do the machines @p a and @p b (JSON objects) measure alike: the same
 * CPU model, TSC, IPsec-MB and its code path? */
static bool same_machine(const json_t *a, const json_t *b)
{
	static const char *const same[] = { "cpu_model", "ipsec_mb", "ipsec_mb_arch" };

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		const json_t *x = json_object_get(a, same[i]), *y = json_object_get(b, same[i]);

		if (!json_is_string(x) || !json_equal(x, y))
			return false;
	}
	return fabs(json_number_value(json_object_get(a, "tsc_ghz")) -
		    json_number_value(json_object_get(b, "tsc_ghz"))) < 0.005;
}

/* The quietest pace of the cases of @p doc, 0 when none has one. */
static double quietest_case(const json_t *doc)
{
	const json_t *c;
	size_t i;
	double best = 0;

	json_array_foreach(json_object_get(doc, "cases"), i, c) {
		double pace = json_number_value(json_object_get(c, "pace_cycles"));

		if (json_integer_value(json_object_get(c, "error")) == 0 && pace > 0 &&
		    (best == 0 || pace < best))
			best = pace;
	}
	return best;
}

double bench_pace_history(const char *dir, const struct json_t *machine, unsigned *runs)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	double best = 0;

	*runs = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[4096];
		json_t *doc;
		double pace;

		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		doc = json_load_file(path, 0, NULL);
		if (doc == NULL)
			continue;
		if (same_machine(json_object_get(doc, "machine"), machine) &&
		    (pace = quietest_case(doc)) > 0) {
			(*runs)++;
			if (best == 0 || pace < best)
				best = pace;
		}
		json_decref(doc);
	}
	closedir(d);
	return best;
}
