/* openum mailbox: administration of the UM mailbox store. Add, list, show and delete
 * mailboxes, set PINs, unlock after too many failed logons, import and export voice
 * messages as WAV files, and read the call log. A thin shell over store/store.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "cli.h"
#include "media/media.h"
#include "store/store.h"

#define DEFAULT_DB_DIR "openum-data"
#define DEFAULT_DB DEFAULT_DB_DIR "/openum.db"
#define DEFAULT_LOG_LIMIT 50

static void usage(FILE *out)
{
	fputs("usage: openum mailbox [--db PATH] ACTION [ARGS]\n"
	      "\n"
	      "Administers the UM server's mailbox store.\n"
	      "\n"
	      "Actions:\n"
	      "  add ADDRESS --name NAME --ext DIGITS [--pin PIN]\n"
	      "                      create a mailbox (creates the database if needed)\n"
	      "  list                list mailboxes with their message counts\n"
	      "  show ADDRESS        a mailbox's settings and its messages\n"
	      "  del ADDRESS [--yes] delete a mailbox and its messages (asks on a terminal;\n"
	      "                      elsewhere --yes is required); the call log stays\n"
	      "  set-pin ADDRESS [--pin PIN]\n"
	      "                      set a new PIN (does not unlock: see unlock)\n"
	      "  unlock ADDRESS      unlock after too many failed logons; zero the count\n"
	      "  import ADDRESS FILE.wav [--caller URI]\n"
	      "                      store FILE.wav as a new message\n"
	      "  export ADDRESS MSGID FILE.wav\n"
	      "                      write message MSGID (see show) to FILE.wav\n"
	      "  greeting ADDRESS FILE.wav | greeting ADDRESS --clear\n"
	      "                      the greeting call answering plays (--clear: the default\n"
	      "                      \"the person at extension N is not available\")\n"
	      "  log [ADDRESS] [--limit N]\n"
	      "                      the call log, newest first (default 50 calls, 0 = all)\n"
	      "  set-email ADDRESS [--email ADDR] [--mode attach|notify|off]\n"
	      "            [--format wav|opus]\n"
	      "                      voice messages to e-mail (docs/email.md): attach the audio,\n"
	      "                      notify without it, or off (the default); the audio as WAV\n"
	      "                      (16-bit PCM, the default) or Opus in Ogg. Unnamed settings\n"
	      "                      stay; --email '' clears the address (needs --mode off)\n"
	      "  mail-log [ADDRESS] [--limit N]\n"
	      "                      e-mail deliveries, newest first: sent, retrying (with the\n"
	      "                      error and the next attempt's time) or gave up\n"
	      "\n"
	      "ADDRESS is a SIP address: sip:alice@example.com or alice@example.com (stored\n"
	      "normalised: scheme sip, host in lower case, URI parameters dropped).\n"
	      "The database is --db PATH, else $OPENUM_DB, else ./openum-data/openum.db.\n"
	      "PATH is an SQLite file or \"sqlite:PATH\", or a PostgreSQL database shared by\n"
	      "several UM servers: \"postgresql://USER@HOST/DB\" or \"pg:KEY=VALUE ...\"\n"
	      "(libpq; add creates the tables in an existing database).\n"
	      "\n"
	      "PIN: from --pin, else $OPENUM_PIN, else asked twice without echo when standard\n"
	      "input is a terminal (--pin shows the PIN to other users of `ps`). PINs are\n"
	      "6-24 digits, not one digit repeated (111111) and not one run up or down\n"
	      "(123456, 987654, 890123); the last 5 PINs of a mailbox cannot be reused.\n"
	      "\n"
	      "WAV files are 8000 Hz mono, 16-bit PCM, mu-law or A-law; export writes the\n"
	      "message in the encoding it was stored in. Times are printed in UTC.\n"
	      "\n"
	      "Exit status: 0 done, 1 the operation failed (not found, refused, I/O),\n"
	      "2 usage error.\n"
	      "\n"
	      "Examples:\n"
	      "  openum mailbox add sip:alice@example.com --name 'Alice Smith' --ext 1001\n"
	      "  OPENUM_PIN=204862 openum mailbox set-pin alice@example.com\n"
	      "  openum mailbox import alice@example.com hello.wav --caller sip:bob@example.com\n"
	      "  openum mailbox export alice@example.com 1 out.wav\n"
	      "  openum mailbox log alice@example.com --limit 10\n"
	      "  openum mailbox set-email alice@example.com --email a@mail.example --mode attach\n"
	      "  openum mailbox mail-log alice@example.com\n",
	      out);
}

enum {
	OPT_DB = 1 << 0,
	OPT_NAME = 1 << 1,
	OPT_EXT = 1 << 2,
	OPT_PIN = 1 << 3,
	OPT_CALLER = 1 << 4,
	OPT_LIMIT = 1 << 5,
	OPT_YES = 1 << 6,
	OPT_CLEAR = 1 << 7,
	OPT_EMAIL = 1 << 8,
	OPT_MODE = 1 << 9,
	OPT_FORMAT = 1 << 10,
};

/* In the order of the bits above: option k is bit 1 << k. */
static const cli_opt opts[] = {
    {"--db", true},     {"--name", true},  {"--ext", true},    {"--pin", true},
    {"--caller", true}, {"--limit", true}, {"--yes", false},   {"--clear", false},
    {"--email", true},  {"--mode", true},  {"--format", true},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))
#define MAXPOS 4

typedef struct mb_args {
	const char *val[NOPTS];
	unsigned seen;
	int npos;
	const char *pos[MAXPOS];
	const char *action;
	char label[32]; /* "mailbox add" for messages */
	store *s;
} mb_args;

static const char *opt_val(const mb_args *a, unsigned bit)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (1u << i == bit)
			return a->val[i];
	return NULL;
}

static int usage_err(const mb_args *a, const char *msg, const char *arg)
{
	fprintf(stderr, "openum %s: %s%s%s (see openum mailbox --help)\n", a->label, msg,
	        arg ? " " : "", arg ? arg : "");
	return CLI_EXIT_USAGE;
}

static int op_fail(const mb_args *a, const char *what, const char *why, const char *subject)
{
	fprintf(stderr, "openum %s: %s%s%s%s%s\n", a->label, what ? what : "",
	        what && why ? ": " : "", why ? why : "", subject ? ": " : "",
	        subject ? subject : "");
	return CLI_EXIT_FAIL;
}

static int parse_args(int argc, char **argv, mb_args *a)
{
	snprintf(a->label, sizeof(a->label), "mailbox");
	cli_args in = {0};
	int rc = cli_args_parse(argc, argv, "mailbox", opts, NOPTS, MAXPOS + 1, &in);
	if (rc != CLI_EXIT_OK)
		return rc;
	memcpy(a->val, in.val, sizeof(a->val));
	a->seen = in.seen;
	for (int i = 0; i < in.npos; i++)
		if (i == 0)
			a->action = in.pos[0];
		else
			a->pos[a->npos++] = in.pos[i];
	return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static void fmt_time(int64_t ms, char *buf, size_t cap)
{
	if (ms <= 0) {
		snprintf(buf, cap, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, cap, "%lld", (long long)ms);
}

static void fmt_dur(uint32_t ms, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%01us", ms / 1000, (ms % 1000) / 100);
}

/* Prints text with control bytes escaped: values come from callers on the network. */
static void put_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static const char *db_path(const mb_args *a, bool *is_default)
{
	const char *p = opt_val(a, OPT_DB);
	*is_default = false;
	if (p && *p)
		return p;
	p = getenv("OPENUM_DB");
	if (p && *p)
		return p;
	*is_default = true;
	return DEFAULT_DB;
}

static int open_store(mb_args *a, bool create)
{
	bool is_default;
	const char *path = db_path(a, &is_default);
	if (create && is_default && mkdir(DEFAULT_DB_DIR, 0700) != 0 && errno != EEXIST)
		return op_fail(a, "cannot create directory", strerror(errno), DEFAULT_DB_DIR);
	store_options o = {0};
	o.no_create = !create;
	const char *why = NULL;
	int err = store_open(path, &o, &a->s, &why);
	char shown[512];
	store_conninfo_display(path, shown, sizeof(shown));
	if (err == OPENUM_ENOTFOUND) {
		fprintf(stderr,
		        "openum %s: no database at %s (openum mailbox add creates one; "
		        "see --db and $OPENUM_DB)\n",
		        a->label, shown);
		return CLI_EXIT_FAIL;
	}
	if (err) { /* as the servers say it: the store, then the reason */
		fprintf(stderr, "openum %s: cannot open the store %s: %s\n", a->label, shown,
		        why ? why : "error");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int get_mailbox(mb_args *a, const char *addr, store_mailbox *mb)
{
	const char *why = NULL;
	int err = store_mailbox_get_by_address(a->s, addr, mb, &why);
	if (err == OPENUM_ENOTFOUND)
		return op_fail(a, "no mailbox for", NULL, addr);
	if (err)
		return op_fail(a, addr, why, NULL);
	return 0;
}

/* Opens the store and finds the mailbox the first argument names: 0, or the exit code
 * after the error line. */
static int open_mailbox(mb_args *a, store_mailbox *mb)
{
	int rc = open_store(a, false);
	return rc ? rc : get_mailbox(a, a->pos[0], mb);
}

/* The PIN for add/set-pin: --pin, $OPENUM_PIN, or a terminal prompt asked twice. */
static int get_pin(mb_args *a, char *buf, size_t cap)
{
	const char *p = opt_val(a, OPT_PIN);
	if (!p || !*p)
		p = getenv("OPENUM_PIN");
	if (p && *p) {
		if (strlen(p) >= cap)
			return op_fail(a, "PIN refused", "PIN longer than 24 digits", NULL);
		strcpy(buf, p);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return usage_err(a, "no PIN: give --pin, set $OPENUM_PIN or run on a terminal",
		                 NULL);
	char again[64];
	if (!cli_read_secret("New PIN: ", buf, cap) ||
	    !cli_read_secret("PIN again: ", again, sizeof(again)))
		return op_fail(a, "no PIN entered", NULL, NULL);
	bool same = strcmp(buf, again) == 0;
	memset(again, 0, sizeof(again));
	if (!same)
		return op_fail(a, "the two PINs differ", NULL, NULL);
	return 0;
}

static int pin_refused(mb_args *a, const char *why)
{
	fprintf(stderr,
	        "openum %s: PIN refused: %s (PINs are %u-%u digits, not one digit repeated, not a "
	        "run like 123456, not one of the last %u)\n",
	        a->label, why, (unsigned)STORE_PIN_MIN_LEN, (unsigned)STORE_PIN_MAX_LEN,
	        (unsigned)STORE_PIN_HISTORY);
	return CLI_EXIT_FAIL;
}

/* ---- actions ------------------------------------------------------------------ */

static int act_add(mb_args *a)
{
	const char *name = opt_val(a, OPT_NAME), *ext = opt_val(a, OPT_EXT);
	if (!name)
		return usage_err(a, "--name NAME is required", NULL);
	if (!ext)
		return usage_err(a, "--ext DIGITS is required", NULL);
	char norm[STORE_ADDR_MAX];
	const char *why = NULL;
	if (store_address_normalize(a->pos[0], norm, sizeof(norm), &why) != 0)
		return op_fail(a, "bad address", why, a->pos[0]);
	if (!store_ext_valid(ext))
		return op_fail(a, "bad extension", "must be 1-24 digits", ext);
	char pin[64];
	int rc = get_pin(a, pin, sizeof(pin));
	if (rc)
		return rc;
	if (store_pin_policy_check(pin, 0, &why) != 0)
		return pin_refused(a, why);
	rc = open_store(a, true);
	if (rc)
		return rc;
	int64_t id = 0;
	int err = store_mailbox_add(a->s, norm, name, ext, pin, &id, &why);
	memset(pin, 0, sizeof(pin));
	if (err)
		return op_fail(a, NULL, why, norm);
	printf("added mailbox %s (extension %s)\n", norm, ext);
	return CLI_EXIT_OK;
}

static int act_list(mb_args *a)
{
	int rc = open_store(a, false);
	if (rc)
		return rc;
	store_mailbox *l = NULL;
	size_t n = 0;
	const char *why = NULL;
	if (store_mailbox_list(a->s, &l, &n, &why) != 0)
		return op_fail(a, "cannot list mailboxes", why, NULL);
	printf("%-36s %-8s %5s %5s %-6s %s\n", "ADDRESS", "EXT", "NEW", "SAVED", "LOCKED", "NAME");
	for (size_t i = 0; i < n; i++) {
		unsigned nn = 0, ns = 0;
		if (store_msg_count(a->s, l[i].id, &nn, &ns, &why) != 0) {
			free(l);
			return op_fail(a, "cannot count messages", why, NULL);
		}
		printf("%-36s %-8s %5u %5u %-6s ", l[i].address, l[i].ext, nn, ns,
		       l[i].locked ? "yes" : "no");
		put_safe(l[i].name);
		putchar('\n');
	}
	printf("%zu mailbox%s\n", n, n == 1 ? "" : "es");
	free(l);
	return CLI_EXIT_OK;
}

static int act_show(mb_args *a)
{
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	if (rc)
		return rc;
	char t[32];
	printf("address:       %s\n", mb.address);
	printf("name:          ");
	put_safe(mb.name);
	printf("\nextension:     %s\n", mb.ext);
	printf("e-mail:        %s (messages: %s", mb.email[0] ? mb.email : "-",
	       store_email_mode_name((store_email_mode)mb.email_mode));
	if (mb.email_mode == STORE_EMAIL_ATTACH)
		printf(", %s", store_email_format_name((store_email_format)mb.email_format));
	printf(")\n");
	fmt_time(mb.pin_set_ms, t, sizeof(t));
	if (mb.has_pin)
		printf("PIN:           set %s UTC\n", t);
	else
		printf("PIN:           not set\n");
	printf("failed logons: %u\n", mb.failed_logons);
	printf("locked:        %s\n", mb.locked ? "yes (openum mailbox unlock)" : "no");
	printf("greeting:      %s\n", mb.has_greeting ? "recorded" : "default");
	fmt_time(mb.created_ms, t, sizeof(t));
	printf("created:       %s UTC\n", t);

	store_msg *l = NULL;
	size_t n = 0;
	const char *why = NULL;
	if (store_msg_list(a->s, mb.id, STORE_MSG_MASK_ALL, &l, &n, &why) != 0)
		return op_fail(a, "cannot list messages", why, NULL);
	printf("messages:      %zu\n", n);
	if (n)
		printf("  %-6s %-7s %-19s %8s %-5s %-12s %s\n", "ID", "STATE", "RECEIVED (UTC)",
		       "LENGTH", "CODEC", "DIVERSION", "CALLER");
	for (size_t i = 0; i < n; i++) {
		char d[24];
		fmt_time(l[i].received_ms, t, sizeof(t));
		fmt_dur(l[i].duration_ms, d, sizeof(d));
		printf("  %-6lld %-7s %-19s %8s %-5s %-12s ", (long long)l[i].id,
		       store_msg_state_name(l[i].state), t, d, store_codec_name(l[i].audio.codec),
		       l[i].diversion[0] ? l[i].diversion : "-");
		put_safe(l[i].caller[0] ? l[i].caller : "(unknown)");
		putchar('\n');
		/* speech-to-text (docs/transcription.md): a line of its own under the message */
		if (l[i].transcript_state != STORE_TRANSCRIPT_NONE) {
			printf("         transcript [%s]%s",
			       store_transcript_state_name(l[i].transcript_state),
			       l[i].transcript_state == STORE_TRANSCRIPT_DONE ? ": " : "");
			put_safe(l[i].transcript);
			putchar('\n');
		}
	}
	free(l);
	return CLI_EXIT_OK;
}

static int act_del(mb_args *a)
{
	bool yes = (a->seen & OPT_YES) != 0;
	if (!yes && !isatty(STDIN_FILENO))
		return usage_err(a, "refusing to delete without --yes (not a terminal)", NULL);
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	if (rc)
		return rc;
	const char *why = NULL;
	if (!yes) {
		unsigned nn = 0, ns = 0;
		store_msg_count(a->s, mb.id, &nn, &ns, NULL);
		fprintf(stderr, "Delete mailbox %s and its %u message%s? [y/N] ", mb.address,
		        nn + ns, nn + ns == 1 ? "" : "s");
		char ans[16];
		if (!fgets(ans, sizeof(ans), stdin) || (ans[0] != 'y' && ans[0] != 'Y')) {
			fprintf(stderr, "openum %s: not deleted\n", a->label);
			return CLI_EXIT_FAIL;
		}
	}
	if (store_mailbox_del(a->s, mb.id, &why) != 0)
		return op_fail(a, NULL, why, mb.address);
	printf("deleted mailbox %s\n", mb.address);
	return CLI_EXIT_OK;
}

static int act_set_pin(mb_args *a)
{
	char pin[64];
	int rc = get_pin(a, pin, sizeof(pin));
	if (rc)
		return rc;
	const char *why = NULL;
	if (store_pin_policy_check(pin, 0, &why) != 0)
		return pin_refused(a, why);
	rc = open_store(a, false);
	if (rc)
		return rc;
	store_mailbox mb;
	rc = get_mailbox(a, a->pos[0], &mb);
	if (rc)
		return rc;
	int err = store_mailbox_set_pin(a->s, mb.id, pin, &why);
	memset(pin, 0, sizeof(pin));
	if (err == OPENUM_EINVAL)
		return pin_refused(a, why);
	if (err)
		return op_fail(a, NULL, why, mb.address);
	printf("PIN set for %s\n", mb.address);
	if (mb.locked)
		printf("note: the mailbox is still locked (openum mailbox unlock %s)\n",
		       mb.address);
	return CLI_EXIT_OK;
}

static int act_unlock(mb_args *a)
{
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	if (rc)
		return rc;
	const char *why = NULL;
	if (store_mailbox_unlock(a->s, mb.id, &why) != 0)
		return op_fail(a, NULL, why, mb.address);
	printf("%s %s (failed logons were %u)\n",
	       mb.locked ? "unlocked" : "was not locked:", mb.address, mb.failed_logons);
	return CLI_EXIT_OK;
}

/* Reads a WAV file for the store (kept as the file holds it: no transcoding); the
 * audio points into *img, which the caller frees. CLI_EXIT_OK or the exit code after
 * the error line. */
static int load_wav(mb_args *a, const char *file, ou_buf *img, store_audio *au)
{
	const char *why = NULL;
	ou_buf_init(img);
	*au = (store_audio){0}; /* defined on every path, also when the load fails */
	media_wav_info w;
	errno = 0;
	int err = media_wav_load(file, img, &w, &why);
	if (err == OPENUM_EINVAL) {
		char desc[160];
		media_wav_describe(&w, desc, sizeof(desc));
		fprintf(stderr,
		        "openum %s: %s: %s (convert with: sox IN.wav -r 8000 -c 1 -b 16 OUT.wav)\n",
		        a->label, file, desc);
		ou_buf_free(img);
		return CLI_EXIT_FAIL;
	}
	if (err == OPENUM_EIO && errno == ENOENT)
		why = "file not found";
	if (err == 0 && w.data_len > STORE_AUDIO_MAX) {
		err = OPENUM_ETOOBIG;
		why = "WAV audio too long";
	}
	if (err) {
		ou_buf_free(img);
		return op_fail(a, file, why, NULL);
	}
	*au = (store_audio){
	    .codec = w.format == MEDIA_WAV_PCM16  ? STORE_CODEC_L16
	             : w.format == MEDIA_WAV_ALAW ? STORE_CODEC_PCMA
	                                          : STORE_CODEC_PCMU,
	    .data = (uint8_t *)w.data,
	    .len = w.data_len,
	};
	return CLI_EXIT_OK;
}

static int act_import(mb_args *a)
{
	const char *file = a->pos[1];
	const char *caller = opt_val(a, OPT_CALLER);
	char ncaller[STORE_ADDR_MAX] = "";
	const char *why = NULL;
	if (caller && store_address_normalize(caller, ncaller, sizeof(ncaller), &why) != 0)
		return op_fail(a, "bad --caller", why, caller);
	ou_buf img;
	store_audio au;
	int lrc = load_wav(a, file, &img, &au);
	if (lrc)
		return lrc;
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	if (rc == 0) {
		store_msg m = {0};
		m.mailbox_id = mb.id;
		m.state = STORE_MSG_NEW;
		snprintf(m.caller, sizeof(m.caller), "%s", ncaller);
		m.audio = au;
		int64_t id = 0;
		if (store_msg_add(a->s, &m, &id, &why) != 0) {
			rc = op_fail(a, "cannot store the message", why, NULL);
		} else {
			char d[24];
			fmt_dur(store_audio_duration_ms(au.codec, au.len), d, sizeof(d));
			printf("imported message %lld into %s (%s, %s)\n", (long long)id,
			       mb.address, d, store_codec_name(au.codec));
		}
	}
	ou_buf_free(&img);
	return rc;
}

/* The owner's greeting for call answering: a WAV file, or --clear for the default
 * spoken one. */
static int act_greeting(mb_args *a)
{
	const char *file = a->npos > 1 ? a->pos[1] : NULL;
	bool clear = (a->seen & OPT_CLEAR) != 0;
	if (clear == (file != NULL))
		return usage_err(a, "greeting needs FILE.wav or --clear (one of them)", NULL);
	ou_buf img;
	store_audio au = {0};
	ou_buf_init(&img);
	if (!clear) {
		int lrc = load_wav(a, file, &img, &au);
		if (lrc)
			return lrc;
	}
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	const char *why = NULL;
	if (rc == 0 && store_greeting_set(a->s, mb.id, clear ? NULL : &au, &why) != 0)
		rc = op_fail(a, "cannot store the greeting", why, NULL);
	else if (rc == 0 && clear)
		printf("greeting of %s cleared (the default one plays)\n", mb.address);
	else if (rc == 0) {
		char d[24];
		fmt_dur(store_audio_duration_ms(au.codec, au.len), d, sizeof(d));
		printf("greeting of %s set (%s, %s)\n", mb.address, d, store_codec_name(au.codec));
	}
	ou_buf_free(&img);
	return rc;
}

static int act_export(mb_args *a)
{
	char *end = NULL;
	errno = 0;
	long long id = strtoll(a->pos[1], &end, 10);
	if (errno || !end || *end || end == a->pos[1] || id <= 0)
		return usage_err(a, "MSGID must be a message number (see show):", a->pos[1]);
	store_mailbox mb;
	int rc = open_mailbox(a, &mb);
	if (rc)
		return rc;
	store_msg m;
	const char *why = NULL;
	int err = store_msg_get(a->s, id, &m, &why);
	if (err == OPENUM_ENOTFOUND || (!err && m.mailbox_id != mb.id)) {
		store_msg_clear(&m);
		fprintf(stderr, "openum %s: no message %lld in %s\n", a->label, id, mb.address);
		return CLI_EXIT_FAIL;
	}
	if (err)
		return op_fail(a, "cannot read the message", why, NULL);
	media_wav_format fmt = m.audio.codec == STORE_CODEC_L16    ? MEDIA_WAV_PCM16
	                       : m.audio.codec == STORE_CODEC_PCMA ? MEDIA_WAV_ALAW
	                                                           : MEDIA_WAV_ULAW;
	err = media_wav_write_encoded(a->pos[2], fmt, m.audio.data, m.audio.len, &why);
	if (err) {
		store_msg_clear(&m);
		return op_fail(a, a->pos[2], why, NULL);
	}
	char d[24];
	fmt_dur(m.duration_ms, d, sizeof(d));
	printf("exported message %lld of %s to %s (%s, %s)\n", id, mb.address, a->pos[2], d,
	       store_codec_name(m.audio.codec));
	store_msg_clear(&m);
	return CLI_EXIT_OK;
}

static int act_log(mb_args *a)
{
	unsigned limit = DEFAULT_LOG_LIMIT;
	const char *ls = opt_val(a, OPT_LIMIT);
	if (ls) {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(ls, &end, 10);
		if (errno || !end || *end || end == ls || ls[0] == '-' || v > 1000000000ul)
			return usage_err(a, "--limit needs a number:", ls);
		limit = (unsigned)v;
	}
	int rc = open_store(a, false);
	if (rc)
		return rc;
	const char *addr = a->npos ? a->pos[0] : NULL;
	char norm[STORE_ADDR_MAX];
	const char *why = NULL;
	if (addr && store_address_normalize(addr, norm, sizeof(norm), &why) != 0)
		return op_fail(a, "bad address", why, addr);
	store_call *l = NULL;
	size_t n = 0;
	if (store_call_list(a->s, addr ? norm : NULL, limit, &l, &n, &why) != 0)
		return op_fail(a, "cannot read the call log", why, NULL);
	printf("%-19s %-17s %-10s %-8s %-4s %-22s %-7s %-8s %-30s %s\n", "TIME (UTC)", "KIND",
	       "LOGON", "DURATION", "TP", "PEER", "TRUSTED", "SKIP-PIN", "MAILBOX",
	       "CALL-ID / DETAIL");
	for (size_t i = 0; i < n; i++) {
		char t[32], d[24];
		fmt_time(l[i].time_ms, t, sizeof(t));
		fmt_dur(l[i].duration_ms, d, sizeof(d));
		printf("%-19s %-17s %-10s %8s %-4s %-22s %-7s %-8s %-30s ", t,
		       store_call_kind_name(l[i].kind), store_logon_result_name(l[i].logon), d,
		       l[i].transport[0] ? l[i].transport : "-", l[i].peer[0] ? l[i].peer : "-",
		       l[i].trusted ? "yes" : "no", l[i].skip_pin_requested ? "asked" : "-",
		       l[i].mailbox[0] ? l[i].mailbox : "-");
		put_safe(l[i].call_id);
		if (l[i].detail[0]) {
			fputs(" ", stdout);
			put_safe(l[i].detail);
		}
		putchar('\n');
	}
	free(l);
	return CLI_EXIT_OK;
}

static int act_set_email(mb_args *a)
{
	const char *email = opt_val(a, OPT_EMAIL);
	const char *ms = opt_val(a, OPT_MODE), *fs = opt_val(a, OPT_FORMAT);
	store_email_mode mode = STORE_EMAIL_OFF;
	store_email_format fmt = STORE_EMAIL_WAV;
	if (ms && store_email_mode_parse(ms, &mode) != 0)
		return usage_err(a, "--mode needs attach, notify or off:", ms);
	if (fs && store_email_format_parse(fs, &fmt) != 0)
		return usage_err(a, "--format needs wav or opus:", fs);
	if (email && *email && !store_email_valid(email))
		return usage_err(a, "--email needs an address like alice@example.com:", email);
	if (!email && !ms && !fs)
		return usage_err(a, "nothing to set: give --email, --mode or --format", NULL);
	int rc = open_store(a, false);
	if (rc)
		return rc;
	store_mailbox mb;
	rc = get_mailbox(a, a->pos[0], &mb);
	if (rc)
		return rc;
	if (!ms)
		mode = (store_email_mode)mb.email_mode;
	if (!fs)
		fmt = (store_email_format)mb.email_format;
	const char *why = NULL;
	if (store_mailbox_set_email_delivery(a->s, mb.id, email, mode, fmt, &why) != 0)
		return op_fail(a, "cannot set e-mail delivery", why, mb.address);
	const char *shown = email ? email : mb.email;
	printf("%s: e-mail %s, messages %s", mb.address, *shown ? shown : "-",
	       store_email_mode_name(mode));
	if (mode == STORE_EMAIL_ATTACH)
		printf(" (%s)", store_email_format_name(fmt));
	putchar('\n');
	return CLI_EXIT_OK;
}

static int act_mail_log(mb_args *a)
{
	unsigned limit = DEFAULT_LOG_LIMIT;
	const char *ls = opt_val(a, OPT_LIMIT);
	if (ls) {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(ls, &end, 10);
		if (errno || !end || *end || end == ls || ls[0] == '-' || v > 1000000000ul)
			return usage_err(a, "--limit needs a number:", ls);
		limit = (unsigned)v;
	}
	int rc = open_store(a, false);
	if (rc)
		return rc;
	const char *addr = a->npos ? a->pos[0] : NULL;
	store_mailq *l = NULL;
	size_t n = 0;
	const char *why = NULL;
	if (store_mailq_list(a->s, addr, limit, &l, &n, &why) != 0)
		return op_fail(a, "cannot read the delivery log", why, addr);
	printf("%-6s %-19s %-30s %-7s %-9s %8s %-19s %s\n", "ID", "QUEUED (UTC)", "MAILBOX",
	       "MESSAGE", "STATE", "ATTEMPTS", "NEXT TRY (UTC)", "LAST RESULT");
	for (size_t i = 0; i < n; i++) {
		char t[32], nx[32], msg[24];
		fmt_time(l[i].created_ms, t, sizeof(t));
		bool pending = l[i].state == STORE_MAILQ_PENDING;
		fmt_time(pending ? l[i].next_ms : 0, nx, sizeof(nx));
		if (pending && l[i].next_ms == 0)
			snprintf(nx, sizeof(nx), "now");
		if (l[i].message_id)
			snprintf(msg, sizeof(msg), "%lld", (long long)l[i].message_id);
		else
			snprintf(msg, sizeof(msg), "deleted");
		const char *st = l[i].state == STORE_MAILQ_SENT      ? "sent"
		                 : l[i].state == STORE_MAILQ_GAVE_UP ? "gave-up"
		                 : l[i].attempts                     ? "retrying"
		                                                     : "queued";
		printf("%-6lld %-19s %-30s %-7s %-9s %8u %-19s ", (long long)l[i].id, t,
		       l[i].mailbox, msg, st, l[i].attempts, nx);
		put_safe(l[i].result[0] ? l[i].result : "-");
		putchar('\n');
	}
	free(l);
	return CLI_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(mb_args *a);
	unsigned allowed; /* options beyond --db */
	int minpos, maxpos;
	const char *args; /* for the usage error */
} actions[] = {
    {"add", act_add, OPT_NAME | OPT_EXT | OPT_PIN, 1, 1, "ADDRESS --name NAME --ext DIGITS"},
    {"list", act_list, 0, 0, 0, ""},
    {"show", act_show, 0, 1, 1, "ADDRESS"},
    {"del", act_del, OPT_YES, 1, 1, "ADDRESS [--yes]"},
    {"set-pin", act_set_pin, OPT_PIN, 1, 1, "ADDRESS [--pin PIN]"},
    {"unlock", act_unlock, 0, 1, 1, "ADDRESS"},
    {"import", act_import, OPT_CALLER, 2, 2, "ADDRESS FILE.wav [--caller URI]"},
    {"export", act_export, 0, 3, 3, "ADDRESS MSGID FILE.wav"},
    {"greeting", act_greeting, OPT_CLEAR, 1, 2, "ADDRESS FILE.wav | ADDRESS --clear"},
    {"log", act_log, OPT_LIMIT, 0, 1, "[ADDRESS] [--limit N]"},
    {"set-email", act_set_email, OPT_EMAIL | OPT_MODE | OPT_FORMAT, 1, 1,
     "ADDRESS [--email A] [--mode M] [--format F]"},
    {"mail-log", act_mail_log, OPT_LIMIT, 0, 1, "[ADDRESS] [--limit N]"},
};

static int run(int argc, char **argv)
{
	mb_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	if (!a.action)
		return usage_err(
		    &a, "an action is needed:",
		    "add, list, show, del, set-pin, unlock, import, export, greeting, log, "
		    "set-email or mail-log");
	size_t k = 0;
	while (k < sizeof(actions) / sizeof(actions[0]) && strcmp(actions[k].name, a.action) != 0)
		k++;
	if (k == sizeof(actions) / sizeof(actions[0])) {
		fprintf(stderr, "openum mailbox: unknown action '%s' (see openum mailbox --help)\n",
		        a.action);
		return CLI_EXIT_USAGE;
	}
	snprintf(a.label, sizeof(a.label), "mailbox %s", a.action);
	unsigned extra = a.seen & ~(actions[k].allowed | OPT_DB);
	for (size_t i = 0; i < NOPTS; i++)
		if (extra & 1u << i)
			return usage_err(&a, "option not used by this action:", opts[i].name);
	if (a.npos < actions[k].minpos || a.npos > actions[k].maxpos) {
		char msg[96];
		snprintf(msg, sizeof(msg), "usage: openum mailbox %s%s%s", a.action,
		         actions[k].args[0] ? " " : "", actions[k].args);
		return usage_err(&a, msg, NULL);
	}
	rc = actions[k].fn(&a);
	store_close(a.s);
	return rc;
}

const cli_cmd cli_cmd_mailbox = {
    .name = "mailbox",
    .summary = "administer UM mailboxes and read the call log",
    .run = run,
    .usage = usage,
};
