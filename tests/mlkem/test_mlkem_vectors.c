/*
 * test_mlkem_vectors.c - every case of the NIST ACVP and Wycheproof ML-KEM
 * files in tests/vectors/mlkem, read at run time, through every back end
 * this CPU supports.
 *
 * The directory comes from $MLKEM_VECTORS (set by meson) or argv[1].
 * Each (back end, file) pair is one Check test; it prints how many cases
 * passed and fails if any case failed or if no case was found.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "control/mlkem/mlkem.h"
#include "tests/check_run.h"

static const char *vec_dir;

static const char *const vec_files[] = {
	"nist-acvp/ML-KEM-keyGen-FIPS203/internalProjection.json",
	"nist-acvp/ML-KEM-encapDecap-FIPS203/internalProjection.json",
	"wycheproof/mlkem_512_test.json",
	"wycheproof/mlkem_768_test.json",
	"wycheproof/mlkem_1024_test.json",
	"wycheproof/mlkem_512_encaps_test.json",
	"wycheproof/mlkem_768_encaps_test.json",
	"wycheproof/mlkem_1024_encaps_test.json",
	"wycheproof/mlkem_512_semi_expanded_decaps_test.json",
	"wycheproof/mlkem_768_semi_expanded_decaps_test.json",
	"wycheproof/mlkem_1024_semi_expanded_decaps_test.json",
};
enum { N_FILES = sizeof(vec_files) / sizeof(vec_files[0]) };

static const enum mlkem_impl impls[] = {
	MLKEM_IMPL_PORTABLE, MLKEM_IMPL_AVX2,
};
enum { N_IMPLS = sizeof(impls) / sizeof(impls[0]) };

/* A hex string decoded into a buffer that owns it. */
struct blob {
	uint8_t *p;
	size_t len;
	int ok;		/* the field was present and valid hex */
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct blob get_hex(const json_t *obj, const char *key)
{
	struct blob b = { NULL, 0, 0 };
	const char *s = json_string_value(json_object_get(obj, key));
	size_t n;

	if (!s)
		return b;
	n = strlen(s);
	if (n % 2)
		return b;
	b.p = malloc(n / 2 + 1);
	ck_assert_ptr_nonnull(b.p);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return b;
		b.p[i] = (uint8_t)(hi << 4 | lo);
	}
	b.len = n / 2;
	b.ok = 1;
	return b;
}

static void blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
}

static int param_of(const json_t *group, enum mlkem_param *p)
{
	const char *s = json_string_value(json_object_get(group,
							  "parameterSet"));

	if (!s)
		return -1;
	if (!strcmp(s, "ML-KEM-512"))
		*p = MLKEM_512;
	else if (!strcmp(s, "ML-KEM-768"))
		*p = MLKEM_768;
	else if (!strcmp(s, "ML-KEM-1024"))
		*p = MLKEM_1024;
	else
		return -1;
	return 0;
}

static int eq(const uint8_t *a, size_t alen, const struct blob *b)
{
	return b->ok && alen == b->len && !memcmp(a, b->p, alen);
}

struct counts {
	unsigned pass, fail;
};

static void record(struct counts *c, int ok, const char *file, long tc,
		   const char *what)
{
	if (ok) {
		c->pass++;
		return;
	}
	c->fail++;
	fprintf(stderr, "FAIL %s tcId %ld: %s\n", file, tc, what);
}

static int has_flag(const json_t *t, const char *flag)
{
	const json_t *flags = json_object_get(t, "flags");
	size_t i;
	json_t *f;

	json_array_foreach(flags, i, f)
		if (json_string_value(f) && !strcmp(json_string_value(f), flag))
			return 1;
	return 0;
}

/* Output buffers, sized for the largest set. */
static uint8_t ek_out[MLKEM_MAX_EK_BYTES], dk_out[MLKEM_MAX_DK_BYTES];
static uint8_t ct_out[MLKEM_MAX_CT_BYTES], ss_out[MLKEM_SS_BYTES];

/* ACVP keyGen: KeyGen_internal(d, z) == (ek, dk). */
static void run_acvp_keygen(const json_t *group, enum mlkem_param p,
			    struct counts *c, const char *file)
{
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(group, "tests"), i, t) {
		struct blob d = get_hex(t, "d"), z = get_hex(t, "z");
		struct blob ek = get_hex(t, "ek"), dk = get_hex(t, "dk");
		long tc = (long)json_integer_value(json_object_get(t, "tcId"));
		int ok = d.ok && z.ok && d.len == 32 && z.len == 32 &&
			 mlkem_keygen_seed(p, d.p, z.p, ek_out,
					   mlkem_ek_bytes(p), dk_out,
					   mlkem_dk_bytes(p)) == 0 &&
			 eq(ek_out, mlkem_ek_bytes(p), &ek) &&
			 eq(dk_out, mlkem_dk_bytes(p), &dk);

		record(c, ok, file, tc, "keyGen ek/dk mismatch");
		blob_free(&d);
		blob_free(&z);
		blob_free(&ek);
		blob_free(&dk);
	}
}

/* ACVP encapsulation (AFT) and decapsulation (VAL) groups. */
static void run_acvp_encdec(const json_t *group, enum mlkem_param p,
			    struct counts *c, const char *file)
{
	const char *fn = json_string_value(json_object_get(group,
							   "function"));
	struct blob gek = get_hex(group, "ek"), gdk = get_hex(group, "dk");
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(group, "tests"), i, t) {
		struct blob ct = get_hex(t, "c"), k = get_hex(t, "k");
		struct blob ek = get_hex(t, "ek"), dk = get_hex(t, "dk");
		struct blob m = get_hex(t, "m");
		long tc = (long)json_integer_value(json_object_get(t, "tcId"));
		int ok;

		if (fn && !strcmp(fn, "encapsulation")) {
			ok = ek.ok && m.ok && m.len == 32 &&
			     mlkem_encaps_msg(p, ek.p, ek.len, m.p, ct_out,
					      mlkem_ct_bytes(p), ss_out) == 0 &&
			     eq(ct_out, mlkem_ct_bytes(p), &ct) &&
			     eq(ss_out, 32, &k);
			/* and the matching dk recovers the same key */
			ok = ok && dk.ok &&
			     mlkem_decaps(p, dk.p, dk.len, ct.p, ct.len,
					  ss_out) == 0 &&
			     eq(ss_out, 32, &k);
			record(c, ok, file, tc, "encapsulation mismatch");
		} else {
			/* the group's dk embeds the group's ek (dk layout
			 * dk_pke || ek || H(ek) || z), and decapsulates */
			size_t off = mlkem_dk_bytes(p) - mlkem_ek_bytes(p) - 64;

			ok = gdk.ok && gek.ok && ct.ok &&
			     gdk.len == mlkem_dk_bytes(p) &&
			     eq(gdk.p + off, mlkem_ek_bytes(p), &gek) &&
			     mlkem_decaps(p, gdk.p, gdk.len, ct.p, ct.len,
					  ss_out) == 0 &&
			     eq(ss_out, 32, &k);
			record(c, ok, file, tc, "decapsulation mismatch");
		}
		blob_free(&ct);
		blob_free(&k);
		blob_free(&ek);
		blob_free(&dk);
		blob_free(&m);
	}
	blob_free(&gek);
	blob_free(&gdk);
}

static int is_input_error(int r)
{
	return r == -EMSGSIZE || r == -EBADMSG || r == -EKEYREJECTED;
}

/* Wycheproof MLKEMTest: KeyGen from seed d || z, then Decaps(dk, c). */
static void run_wp_kem(const json_t *group, enum mlkem_param p,
		       struct counts *c, const char *file)
{
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(group, "tests"), i, t) {
		struct blob seed = get_hex(t, "seed"), ek = get_hex(t, "ek");
		struct blob ct = get_hex(t, "c"), k = get_hex(t, "K");
		const char *res = json_string_value(json_object_get(t,
								   "result"));
		long tc = (long)json_integer_value(json_object_get(t, "tcId"));
		int valid = res && !strcmp(res, "valid");
		int r, ok;

		r = mlkem_keygen_from_seed(p, seed.p, seed.len, ek_out,
					   mlkem_ek_bytes(p), dk_out,
					   mlkem_dk_bytes(p));
		if (!r && ek.ok && ek.len)
			r = eq(ek_out, mlkem_ek_bytes(p), &ek) ? 0 : 1;
		if (!r)
			r = mlkem_decaps(p, dk_out, mlkem_dk_bytes(p), ct.p,
					 ct.len, ss_out);
		if (valid)
			ok = r == 0 && eq(ss_out, 32, &k);
		else
			ok = is_input_error(r);
		record(c, ok, file, tc, valid ? "valid case: wrong result"
					      : "invalid case accepted");
		blob_free(&seed);
		blob_free(&ek);
		blob_free(&ct);
		blob_free(&k);
	}
}

/* Wycheproof MLKEMEncapsTest: Encaps_internal(ek, m), §7.2 checks. */
static void run_wp_encaps(const json_t *group, enum mlkem_param p,
			  struct counts *c, const char *file)
{
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(group, "tests"), i, t) {
		struct blob ek = get_hex(t, "ek"), m = get_hex(t, "m");
		struct blob ct = get_hex(t, "c"), k = get_hex(t, "K");
		const char *res = json_string_value(json_object_get(t,
								   "result"));
		long tc = (long)json_integer_value(json_object_get(t, "tcId"));
		int valid = res && !strcmp(res, "valid");
		int r, ok;

		r = mlkem_encaps_msg(p, ek.p, ek.len, m.p, ct_out,
				     mlkem_ct_bytes(p), ss_out);
		if (valid)
			ok = r == 0 && eq(ct_out, mlkem_ct_bytes(p), &ct) &&
			     eq(ss_out, 32, &k);
		else if (ek.len == mlkem_ek_bytes(p))
			ok = r == -EBADMSG;	/* modulus check, §7.2 */
		else
			ok = r == -EMSGSIZE;	/* length check, §7.2 */
		record(c, ok, file, tc, valid ? "valid case: wrong result"
					      : "invalid case: wrong error");
		blob_free(&ek);
		blob_free(&m);
		blob_free(&ct);
		blob_free(&k);
	}
}

/* Wycheproof MLKEMDecapsValidationTest: Decaps with expanded dk, §7.3. */
static void run_wp_decaps(const json_t *group, enum mlkem_param p,
			  struct counts *c, const char *file)
{
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(group, "tests"), i, t) {
		struct blob dk = get_hex(t, "dk"), ct = get_hex(t, "c");
		struct blob k = get_hex(t, "K");
		const char *res = json_string_value(json_object_get(t,
								   "result"));
		long tc = (long)json_integer_value(json_object_get(t, "tcId"));
		int valid = res && !strcmp(res, "valid");
		int r = mlkem_decaps(p, dk.p, dk.len, ct.p, ct.len, ss_out);
		int ok;

		if (valid)
			ok = r == 0 && eq(ss_out, 32, &k);
		else if (has_flag(t, "InvalidDecapsulationKey"))
			ok = r == -EKEYREJECTED;
		else
			ok = r == -EMSGSIZE;
		record(c, ok, file, tc, valid ? "valid case: wrong result"
					      : "invalid case: wrong error");
		blob_free(&dk);
		blob_free(&ct);
		blob_free(&k);
	}
}

START_TEST(test_vector_file)
{
	const char *file = vec_files[_i % N_FILES];
	enum mlkem_impl impl = impls[_i / N_FILES];
	char path[4096];
	struct counts c = { 0, 0 };
	json_error_t jerr;
	json_t *root, *g;
	const char *mode, *type;
	size_t gi;

	if (mlkem_set_impl(impl) == -ENOTSUP) {
		printf("%-60s [%s] skipped: CPU lacks it\n", file,
		       mlkem_impl_name(impl));
		return;
	}
	ck_assert_int_eq(mlkem_get_impl(), impl);
	ck_assert_ptr_nonnull(vec_dir);
	snprintf(path, sizeof(path), "%s/%s", vec_dir, file);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	mode = json_string_value(json_object_get(root, "mode"));

	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		enum mlkem_param p;

		ck_assert_msg(param_of(g, &p) == 0, "%s: group %zu: no "
			      "parameterSet", file, gi);
		type = json_string_value(json_object_get(g, "type"));
		if (mode && !strcmp(mode, "keyGen"))
			run_acvp_keygen(g, p, &c, file);
		else if (mode && !strcmp(mode, "encapDecap"))
			run_acvp_encdec(g, p, &c, file);
		else if (type && !strcmp(type, "MLKEMTest"))
			run_wp_kem(g, p, &c, file);
		else if (type && !strcmp(type, "MLKEMEncapsTest"))
			run_wp_encaps(g, p, &c, file);
		else if (type && !strcmp(type, "MLKEMDecapsValidationTest"))
			run_wp_decaps(g, p, &c, file);
		else
			ck_abort_msg("%s: unknown group kind", file);
	}
	json_decref(root);

	printf("%-60s [%-8s] %4u passed, %u failed\n", file,
	       mlkem_impl_name(impl), c.pass, c.fail);
	fflush(stdout);
	ck_assert_msg(c.pass > 0, "%s: no test cases found", file);
	ck_assert_uint_eq(c.fail, 0);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("mlkem-vectors");
	TCase *tc = tcase_create("vectors");

	vec_dir = argc > 1 ? argv[1] : getenv("MLKEM_VECTORS");
	if (!vec_dir) {
		fprintf(stderr, "set MLKEM_VECTORS or pass the directory\n");
		return 1;
	}
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_vector_file, 0, N_FILES * N_IMPLS);
	suite_add_tcase(s, tc);
	return check_run(s);
}
