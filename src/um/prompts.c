/* Spoken prompts: loads the G.711 mu-law clips scripts/make-prompts generated from
 * prompts/prompts.txt, and composes sentences (counts, dates, message headers) from
 * clip ids. The composers are pure; only um_prompts_load touches the file system. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "um.h"

#define FAIL(code, reason)                                                                         \
	do {                                                                                       \
		if (why)                                                                           \
			*why = (reason);                                                           \
		return (code);                                                                     \
	} while (0)

/* A clip longer than this is not a prompt: refuse it rather than eat memory. */
#define CLIP_MAX_BYTES (UM_PROMPT_RATE * 60)

static const char *const num_ids[] = {
    "n0",  "n1",  "n2",  "n3",  "n4",  "n5",  "n6",  "n7",  "n8",  "n9",  "n10", "n11",
    "n12", "n13", "n14", "n15", "n16", "n17", "n18", "n19", "n20", "n21", "n22", "n23",
    "n24", "n25", "n26", "n27", "n28", "n29", "n30", "n31", "n32", "n33", "n34", "n35",
    "n36", "n37", "n38", "n39", "n40", "n41", "n42", "n43", "n44", "n45", "n46", "n47",
    "n48", "n49", "n50", "n51", "n52", "n53", "n54", "n55", "n56", "n57", "n58", "n59",
};

/* Sixty to ninety: below sixty every number has its own clip (minutes need them). */
static const char *const tens_ids[] = {"n60", "n70", "n80", "n90"};

static const char *const ord_ids[] = {
    "ord1",  "ord2",  "ord3",  "ord4",  "ord5",  "ord6",  "ord7",  "ord8",
    "ord9",  "ord10", "ord11", "ord12", "ord13", "ord14", "ord15", "ord16",
    "ord17", "ord18", "ord19", "ord20", "ord21", "ord22", "ord23", "ord24",
    "ord25", "ord26", "ord27", "ord28", "ord29", "ord30", "ord31",
};

static const char *const day_ids[] = {
    "day_sunday",   "day_monday", "day_tuesday",  "day_wednesday",
    "day_thursday", "day_friday", "day_saturday",
};

static const char *const month_ids[] = {
    "month_january",   "month_february", "month_march",    "month_april",
    "month_may",       "month_june",     "month_july",     "month_august",
    "month_september", "month_october",  "month_november", "month_december",
};

/* Whole prompts the call logic plays, and the words the composers join. */
static const char *const other_ids[] = {
    "welcome",
    "enter_pin",
    "enter_extension",
    "wrong_pin",
    "locked",
    "not_found",
    "goodbye",
    "you_have",
    "no",
    "new_message",
    "new_messages",
    "saved_message",
    "saved_messages",
    "and",
    "hundred",
    "thousand",
    "message_from",
    "unknown_caller",
    "received",
    "at",
    "oh",
    "am",
    "pm",
    "menu_help",
    "main_menu",
    "end_of_messages",
    "message_deleted",
    "message_saved",
    "invalid_key",
    "leave_message",
    "tone",
    "greet_person_at_ext",
    "greet_not_available",
    "message_too_long",
    "pop_intro",
    "pop_menu",
    "record_greeting",
    "greeting_saved",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *um_prompt_required(size_t i)
{
	static const struct {
		const char *const *ids;
		size_t n;
	} tabs[] = {
	    {other_ids, N(other_ids)}, {num_ids, N(num_ids)}, {tens_ids, N(tens_ids)},
	    {ord_ids, N(ord_ids)},     {day_ids, N(day_ids)}, {month_ids, N(month_ids)},
	};
	for (size_t t = 0; t < N(tabs); t++) {
		if (i < tabs[t].n)
			return tabs[t].ids[i];
		i -= tabs[t].n;
	}
	return NULL;
}

/* ---- composing --------------------------------------------------------------- */

int um_clips_add(um_clips *c, const char *id)
{
	if (c->n >= UM_CLIPS_MAX)
		return OPENUM_ETOOBIG;
	c->id[c->n++] = id;
	return 0;
}

/* Every composer leaves the list as it found it when it fails. */
#define ADD(c, id)                                                                                 \
	do {                                                                                       \
		if (um_clips_add((c), (id)))                                                       \
			goto toobig;                                                               \
	} while (0)

static int below_1000(um_clips *c, unsigned n)
{
	if (n >= 100) {
		if (um_clips_add(c, num_ids[n / 100]) || um_clips_add(c, "hundred"))
			return OPENUM_ETOOBIG;
		n %= 100;
		if (n == 0)
			return 0;
	}
	if (n < 60)
		return um_clips_add(c, num_ids[n]);
	if (um_clips_add(c, tens_ids[n / 10 - 6]))
		return OPENUM_ETOOBIG;
	return n % 10 ? um_clips_add(c, num_ids[n % 10]) : 0;
}

int um_prompt_count(um_clips *c, unsigned n)
{
	unsigned start = c->n;
	if (n > 999999)
		return OPENUM_EINVAL;
	/* American style, no "and": "two thousand five", "three hundred twelve". */
	if (n >= 1000) {
		if (below_1000(c, n / 1000) || um_clips_add(c, "thousand"))
			goto toobig;
		n %= 1000;
		if (n == 0)
			return 0;
	}
	if (below_1000(c, n))
		goto toobig;
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

int um_prompt_digits(um_clips *c, const char *s)
{
	unsigned start = c->n;
	for (; s && *s; s++)
		if (*s >= '0' && *s <= '9')
			ADD(c, num_ids[*s - '0']);
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

static int count_of(um_clips *c, unsigned n, const char *one, const char *many)
{
	if (n == 0 ? um_clips_add(c, "no") : um_prompt_count(c, n))
		return OPENUM_ETOOBIG;
	return um_clips_add(c, n == 1 ? one : many);
}

int um_prompt_messages(um_clips *c, unsigned nnew, unsigned nsaved)
{
	unsigned start = c->n;
	if (nnew > 999999 || nsaved > 999999)
		return OPENUM_EINVAL;
	ADD(c, "you_have");
	if (count_of(c, nnew, "new_message", "new_messages"))
		goto toobig;
	ADD(c, "and");
	if (count_of(c, nsaved, "saved_message", "saved_messages"))
		goto toobig;
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

int um_prompt_datetime(um_clips *c, time_t t, int tz_offset_min)
{
	unsigned start = c->n;
	struct tm tm;
	/* Shifting and reading as UTC keeps this pure: no TZ environment, no locks. */
	if (tz_offset_min < -24 * 60 || tz_offset_min > 24 * 60)
		return OPENUM_EINVAL;
	time_t local = t + (time_t)tz_offset_min * 60;
	if (!gmtime_r(&local, &tm))
		return OPENUM_EINVAL;
	unsigned h12 = tm.tm_hour % 12 ? (unsigned)tm.tm_hour % 12 : 12;
	ADD(c, "received");
	ADD(c, day_ids[tm.tm_wday]);
	ADD(c, month_ids[tm.tm_mon]);
	ADD(c, ord_ids[tm.tm_mday - 1]);
	ADD(c, "at");
	ADD(c, num_ids[h12]);
	if (tm.tm_min > 0 && tm.tm_min < 10)
		ADD(c, "oh"); /* 10:05 is "ten oh five" */
	if (tm.tm_min > 0)
		ADD(c, num_ids[tm.tm_min]);
	ADD(c, tm.tm_hour < 12 ? "am" : "pm");
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

int um_prompt_message_from(um_clips *c, const char *caller_digits)
{
	unsigned start = c->n;
	bool any = false;
	for (const char *s = caller_digits; s && *s; s++)
		any |= *s >= '0' && *s <= '9';
	ADD(c, "message_from");
	if (!any)
		ADD(c, "unknown_caller");
	else if (um_prompt_digits(c, caller_digits))
		goto toobig;
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

int um_prompt_default_greeting(um_clips *c, const char *extension)
{
	unsigned start = c->n;
	ADD(c, "greet_person_at_ext");
	if (um_prompt_digits(c, extension))
		goto toobig;
	ADD(c, "greet_not_available");
	return 0;
toobig:
	c->n = start;
	return OPENUM_ETOOBIG;
}

/* ---- loading ----------------------------------------------------------------- */

typedef struct clip {
	char *id;
	media_sound *snd; /* shared by every call that plays it */
} clip;

struct um_prompts {
	clip *c; /* sorted by id */
	size_t n;
};

static bool has_welcome(const char *dir)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/welcome.ul", dir) >= sizeof(path))
		return false;
	return access(path, R_OK) == 0;
}

const char *um_prompts_default_dir(void)
{
	/* Filled on each call from the same inputs: racing calls write the same bytes. */
	static char buf[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			static const char *const rel[] = {"prompts", "../share/openum/prompts"};
			for (size_t i = 0; i < N(rel); i++) {
				if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", exe, rel[i]) <
				        sizeof(buf) &&
				    has_welcome(buf))
					return buf;
			}
		}
	}
#ifdef OPENUM_PROMPTS_DIR
	return OPENUM_PROMPTS_DIR;
#else
	return "prompts";
#endif
}

static int clip_cmp(const void *a, const void *b)
{
	return strcmp(((const clip *)a)->id, ((const clip *)b)->id);
}

void um_prompts_free(um_prompts *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->c[i].id);
		media_sound_unref(p->c[i].snd);
	}
	free(p->c);
	free(p);
}

static int read_clip(const char *dir, const char *name, clip *out, const char **why)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		FAIL(OPENUM_ETOOBIG, "Prompt path too long");
	FILE *f = fopen(path, "rb");
	if (!f)
		FAIL(OPENUM_EIO, "Cannot open a prompt file");
	int err = 0;
	long len = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
		err = OPENUM_EIO;
		if (why)
			*why = "Cannot read a prompt file";
	} else if (len == 0 || len > CLIP_MAX_BYTES) {
		err = OPENUM_EINVAL;
		if (why)
			*why = len ? "Prompt file too long" : "Empty prompt file";
	} else {
		size_t nl = strlen(name) - 3; /* without ".ul" */
		size_t n = (size_t)len;
		uint8_t *data = malloc(n);
		out->snd = NULL;
		out->id = malloc(nl + 1);
		if (!data || !out->id) {
			err = OPENUM_ENOMEM;
		} else if (fread(data, 1, n, f) != n) {
			err = OPENUM_EIO;
			if (why)
				*why = "Cannot read a prompt file";
		} else if ((err = media_sound_new(data, n, &out->snd)) == 0) {
			memcpy(out->id, name, nl);
			out->id[nl] = '\0';
		}
		free(data);
		if (err) {
			free(out->id);
			out->id = NULL;
		}
	}
	fclose(f);
	return err;
}

int um_prompts_load(const char *dir, um_prompts **out, const char **why)
{
	*out = NULL;
	if (!dir)
		dir = um_prompts_default_dir();
	DIR *d = opendir(dir);
	if (!d)
		FAIL(OPENUM_ENOTFOUND, "Prompt directory not found");
	um_prompts *p = calloc(1, sizeof(*p));
	size_t cap = 0;
	int err = 0;
	struct dirent *e;
	if (!p) {
		closedir(d);
		return OPENUM_ENOMEM;
	}
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (nl <= 3 || e->d_name[0] == '.' || strcmp(e->d_name + nl - 3, ".ul") != 0)
			continue;
		if (p->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			clip *nc = realloc(p->c, ncap * sizeof(*nc));
			if (!nc) {
				err = OPENUM_ENOMEM;
				break;
			}
			p->c = nc;
			cap = ncap;
		}
		if ((err = read_clip(dir, e->d_name, &p->c[p->n], why)) != 0)
			break;
		p->n++;
	}
	closedir(d);
	if (!err && p->n)
		qsort(p->c, p->n, sizeof(*p->c), clip_cmp);
	for (size_t i = 0; !err && um_prompt_required(i); i++) {
		const uint8_t *data;
		size_t len;
		if (um_prompts_get(p, um_prompt_required(i), &data, &len) != 0) {
			err = OPENUM_ENOTFOUND;
			if (why)
				*why = "A prompt file is missing (rebuild target prompts)";
		}
	}
	if (err) {
		um_prompts_free(p);
		return err;
	}
	*out = p;
	return 0;
}

int um_prompts_get(const um_prompts *p, const char *id, const uint8_t **data, size_t *len)
{
	clip key = {.id = (char *)id};
	const clip *c = p->n ? bsearch(&key, p->c, p->n, sizeof(*p->c), clip_cmp) : NULL;
	if (!c)
		return OPENUM_ENOTFOUND;
	*data = media_sound_data(c->snd);
	*len = media_sound_len(c->snd);
	return 0;
}

media_sound *um_prompts_sound(const um_prompts *p, const char *id)
{
	clip key = {.id = (char *)id};
	const clip *c = p->n ? bsearch(&key, p->c, p->n, sizeof(*p->c), clip_cmp) : NULL;
	return c ? c->snd : NULL;
}

size_t um_prompts_count(const um_prompts *p)
{
	return p->n;
}

const char *um_prompts_id(const um_prompts *p, size_t i)
{
	return i < p->n ? p->c[i].id : NULL;
}
