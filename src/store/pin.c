/* store/pin.c: the PIN policy and PIN hashing. Hashes are PBKDF2-HMAC-SHA256 with a
 * random 16-byte salt per PIN; the iteration count is stored with each hash so that
 * raising STORE_PIN_ITERATIONS later does not invalidate PINs already set. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/base.h"
#include "store_int.h"

int store_pin_policy_check(const char *pin, unsigned min_len, const char **why)
{
	const char *w = NULL;
	if (min_len == 0)
		min_len = STORE_PIN_MIN_LEN;
	if (min_len < STORE_PIN_MIN_LOWEST || min_len > STORE_PIN_MAX_LEN) {
		w = "PIN minimum length out of range 4-24";
		goto bad;
	}
	if (!pin) {
		w = "PIN missing";
		goto bad;
	}
	size_t n = strlen(pin);
	for (size_t i = 0; i < n; i++) {
		if (!ou_is((unsigned char)pin[i], OU_C_DIGIT)) {
			w = "PIN must be digits only";
			goto bad;
		}
	}
	if (n < min_len) {
		w = "PIN too short";
		goto bad;
	}
	if (n > STORE_PIN_MAX_LEN) {
		w = "PIN longer than 24 digits";
		goto bad;
	}
	/* Guessable shapes: one digit repeated, or one run up or down (wrapping 9-0,
	 * so 890123 counts as a run too). */
	bool same = true, up = true, down = true;
	for (size_t i = 1; i < n; i++) {
		int prev = pin[i - 1] - '0', cur = pin[i] - '0';
		same = same && cur == prev;
		up = up && cur == (prev + 1) % 10;
		down = down && cur == (prev + 9) % 10;
	}
	if (same) {
		w = "PIN must not repeat one digit";
		goto bad;
	}
	if (up || down) {
		w = "PIN must not be a run of digits";
		goto bad;
	}
	return 0;
bad:
	if (why)
		*why = w;
	return OPENUM_EINVAL;
}

int store_pin_hash(const char *pin, const uint8_t salt[STORE_PIN_SALT_LEN], unsigned iterations,
                   uint8_t out[STORE_PIN_HASH_LEN])
{
	if (!pin || iterations == 0 || iterations > (unsigned)INT32_MAX)
		return OPENUM_EINVAL;
	size_t n = strlen(pin);
	if (n > STORE_PIN_MAX_LEN)
		return OPENUM_EINVAL;
	if (PKCS5_PBKDF2_HMAC(pin, (int)n, salt, STORE_PIN_SALT_LEN, (int)iterations, EVP_sha256(),
	                      STORE_PIN_HASH_LEN, out) != 1)
		return OPENUM_EIO;
	return 0;
}

bool store_pin_hash_equal(const uint8_t a[STORE_PIN_HASH_LEN], const uint8_t b[STORE_PIN_HASH_LEN])
{
	return CRYPTO_memcmp(a, b, STORE_PIN_HASH_LEN) == 0;
}

int store_pin_make(const char *pin, unsigned iterations, store_pin_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (RAND_bytes(out->salt, STORE_PIN_SALT_LEN) != 1)
		return OPENUM_EIO;
	out->iterations = iterations;
	out->set_ms = store_now_ms();
	return store_pin_hash(pin, out->salt, iterations, out->hash);
}

bool store_pin_matches(const char *pin, const store_pin_rec *rec)
{
	uint8_t h[STORE_PIN_HASH_LEN];
	/* A PIN too long to be one, or a record with no iterations, never matches; the
	 * hash still runs on a fixed input so a timing probe learns nothing extra. */
	bool usable = pin && strlen(pin) <= STORE_PIN_MAX_LEN && rec->iterations > 0;
	if (store_pin_hash(usable ? pin : "", rec->salt, rec->iterations ? rec->iterations : 1,
	                   h) != 0)
		return false;
	bool eq = store_pin_hash_equal(h, rec->hash);
	OPENSSL_cleanse(h, sizeof(h));
	return usable && eq;
}
