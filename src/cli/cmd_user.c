/* openum user: administration of the proxy's SIP accounts. Add, list, delete users,
 * set their digest passwords (stored only as HA1 hashes, MD5 and SHA-256) and their
 * forwarding settings (immediate forwarding, voicemail on no answer / busy / not
 * registered). A thin shell over the store's users section and auth/auth.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "base/base.h"
#include "cli.h"
#include "store/store.h"

#define DEFAULT_DB_DIR "openum-data"
#define DEFAULT_DB DEFAULT_DB_DIR "/openum.db"
#define PASSWORD_MAX 256
#define PASSWORD_MIN 8

static void usage(FILE *out)
{
	fputs(
	    "usage: openum user [--db PATH] ACTION [ARGS]\n"
	    "\n"
	    "Administers the SIP accounts of `openum proxy`: who may register and call, with\n"
	    "which password, and where their unanswered calls go.\n"
	    "\n"
	    "Actions:\n"
	    "  add ADDRESS [--password PW] [--realm REALM] [FORWARDING]\n"
	    "                      create a user (creates the database if needed)\n"
	    "  list                users, their realm and forwarding settings\n"
	    "  del ADDRESS         delete a user and its registrations\n"
	    "  passwd ADDRESS [--password PW] [--realm REALM]\n"
	    "                      set a new password (and realm)\n"
	    "  forward ADDRESS FORWARDING\n"
	    "                      change the forwarding settings (others stay)\n"
	    "\n"
	    "FORWARDING options:\n"
	    "  --forward URI|none        forward every call at once to URI (sip: or sips:)\n"
	    "  --no-answer SECONDS|off   voicemail after SECONDS of ringing unanswered\n"
	    "  --busy on|off             voicemail when every contact is busy\n"
	    "  --unregistered on|off     voicemail when no contact is registered\n"
	    "A call carrying \"Ms-Sensitivity: normal-no-diversion\" or \"private-no-diversion\"\n"
	    "is never forwarded nor sent to voicemail, whatever these settings say.\n"
	    "\n"
	    "ADDRESS is a SIP address: sip:alice@example.com or alice@example.com (stored\n"
	    "normalised). REALM defaults to the host of ADDRESS; it must equal the proxy's\n"
	    "--realm for the user to authenticate. The password is never stored: only\n"
	    "H(user:realm:password) with MD5 and with SHA-256 (RFC 7616), so changing the\n"
	    "realm needs the password again.\n"
	    "Password: --password PW, else $OPENUM_PASSWORD, else asked twice without echo\n"
	    "when standard input is a terminal (--password shows it to users of `ps`).\n"
	    "At least 8 characters.\n"
	    "The database is --db PATH, else $OPENUM_DB, else ./openum-data/openum.db (the\n"
	    "same database as `openum mailbox`). PATH is an SQLite file or \"sqlite:PATH\", or\n"
	    "a PostgreSQL database: \"postgresql://USER@HOST/DB\" or \"pg:KEY=VALUE ...\".\n"
	    "\n"
	    "Exit status: 0 done, 1 the operation failed (not found, refused, I/O),\n"
	    "2 usage error.\n"
	    "\n"
	    "Examples:\n"
	    "  openum user add alice@example.com --no-answer 20 --busy on --unregistered on\n"
	    "  OPENUM_PASSWORD=s3cret-pw openum user passwd alice@example.com\n"
	    "  openum user forward bob@example.com --forward sip:carol@example.com\n"
	    "  openum user list\n",
	    out);
}

enum { OPT_DB, OPT_PASSWORD, OPT_REALM, OPT_FORWARD, OPT_NO_ANSWER, OPT_BUSY, OPT_UNREG, NOPTS };
static const cli_opt opts[NOPTS] = {
    {"--db", true},        {"--password", true}, {"--realm", true},       {"--forward", true},
    {"--no-answer", true}, {"--busy", true},     {"--unregistered", true}};

typedef struct u_args {
	const char *val[NOPTS];
	int npos;
	const char *pos[3];
	char label[32];
	store_users *u;
} u_args;

static int usage_err(const u_args *a, const char *msg, const char *arg)
{
	fprintf(stderr, "openum %s: %s%s%s (see openum user --help)\n", a->label, msg,
	        arg ? " " : "", arg ? arg : "");
	return CLI_EXIT_USAGE;
}

static int op_fail(const u_args *a, const char *what, const char *why)
{
	fprintf(stderr, "openum %s: %s%s%s\n", a->label, what, why ? ": " : "", why ? why : "");
	return CLI_EXIT_FAIL;
}

static int parse_args(int argc, char **argv, u_args *a)
{
	snprintf(a->label, sizeof(a->label), "user");
	cli_args in = {0};
	int rc = cli_args_parse(argc, argv, "user", opts, NOPTS, 3, &in);
	if (rc != CLI_EXIT_OK)
		return rc;
	memcpy(a->val, in.val, sizeof(a->val));
	for (a->npos = 0; a->npos < in.npos; a->npos++)
		a->pos[a->npos] = in.pos[a->npos];
	if (a->npos == 0)
		return usage_err(a, "no action given", NULL);
	snprintf(a->label, sizeof(a->label), "user %s", a->pos[0]);
	return 0;
}

static int open_users(u_args *a, bool create)
{
	const char *path = a->val[OPT_DB];
	bool is_default = false;
	if (!path || !*path)
		path = getenv("OPENUM_DB");
	if (!path || !*path) {
		path = DEFAULT_DB;
		is_default = true;
	}
	if (create && is_default && mkdir(DEFAULT_DB_DIR, 0700) != 0 && errno != EEXIST)
		return op_fail(a, "cannot create directory " DEFAULT_DB_DIR, strerror(errno));
	store_options o = {0};
	o.no_create = !create;
	const char *why = NULL;
	int err = store_users_open(path, &o, &a->u, &why);
	char shown[512];
	store_conninfo_display(path, shown, sizeof(shown));
	if (err == OPENUM_ENOTFOUND) {
		fprintf(stderr,
		        "openum %s: no database at %s (openum user add creates one; see --db and "
		        "$OPENUM_DB)\n",
		        a->label, shown);
		return CLI_EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "openum %s: cannot open the store %s: %s\n", a->label, shown,
		        why ? why : "error");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int get_password(u_args *a, char *buf, size_t cap)
{
	const char *p = a->val[OPT_PASSWORD];
	if (!p || !*p)
		p = getenv("OPENUM_PASSWORD");
	if (p && *p) {
		if (strlen(p) >= cap)
			return op_fail(a, "password refused", "longer than 255 characters");
		strcpy(buf, p);
	} else {
		if (!isatty(STDIN_FILENO))
			return usage_err(
			    a,
			    "no password: give --password, set $OPENUM_PASSWORD or run "
			    "on a terminal",
			    NULL);
		char again[PASSWORD_MAX];
		if (!cli_read_secret("New password: ", buf, cap) ||
		    !cli_read_secret("Password again: ", again, sizeof(again)))
			return op_fail(a, "no password entered", NULL);
		bool same = strcmp(buf, again) == 0;
		OPENSSL_cleanse(again, sizeof(again));
		if (!same)
			return op_fail(a, "the two passwords differ", NULL);
	}
	if (strlen(buf) < PASSWORD_MIN)
		return op_fail(a, "password refused", "shorter than 8 characters");
	return 0;
}

/* The user part and host of a normalised "sip:user@host[:port]". */
static void split_addr(const char *addr, char *user, size_t ucap, char *host, size_t hcap)
{
	const char *p = strncmp(addr, "sip:", 4) == 0 ? addr + 4 : addr;
	const char *at = strrchr(p, '@');
	size_t un = at ? (size_t)(at - p) : 0;
	snprintf(user, ucap, "%.*s", (int)un, p);
	const char *h = at ? at + 1 : p;
	size_t hn = strcspn(h, ":");
	snprintf(host, hcap, "%.*s", (int)hn, h);
}

/* Fills the HA1 values of u for password in realm (u->address normalised). */
static int make_ha1(u_args *a, store_user *u, const char *password)
{
	char user[STORE_ADDR_MAX], host[STORE_ADDR_MAX];
	split_addr(u->address, user, sizeof(user), host, sizeof(host));
	const char *realm = a->val[OPT_REALM] && *a->val[OPT_REALM] ? a->val[OPT_REALM] : host;
	size_t rn = strlen(realm);
	if (rn >= sizeof(u->realm))
		return op_fail(a, "realm refused", "too long");
	memcpy(u->realm, realm, rn + 1);
	if (auth_ha1(AUTH_MD5, ou_slice_cstr(user), ou_slice_cstr(realm), ou_slice_cstr(password),
	             u->ha1_md5) ||
	    auth_ha1(AUTH_SHA256, ou_slice_cstr(user), ou_slice_cstr(realm),
	             ou_slice_cstr(password), u->ha1_sha256))
		return op_fail(a, "cannot compute the digest hashes", NULL);
	return 0;
}

static int on_off(u_args *a, int opt, bool *out)
{
	const char *v = a->val[opt];
	if (!v)
		return 0;
	if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
		*out = false;
	else
		return usage_err(a, "expected on or off:", v);
	return 0;
}

/* Applies the FORWARDING options present to u. */
static int apply_forwarding(u_args *a, store_user *u)
{
	const char *f = a->val[OPT_FORWARD];
	if (f) {
		if (strcmp(f, "none") == 0 || !*f)
			u->fwd_immediate[0] = '\0';
		else {
			const char *why = NULL;
			if (store_fwd_target_check(f, &why))
				return usage_err(a, why, f);
			snprintf(u->fwd_immediate, sizeof(u->fwd_immediate), "%s", f);
		}
	}
	const char *na = a->val[OPT_NO_ANSWER];
	if (na) {
		uint32_t s = 0;
		if (strcmp(na, "off") == 0)
			u->vm_no_answer_s = 0;
		else if (ou_slice_u32(ou_slice_cstr(na), &s) == 0 && s >= 1 && s <= 3600)
			u->vm_no_answer_s = s;
		else
			return usage_err(a, "--no-answer takes 1..3600 seconds or off:", na);
	}
	int rc = on_off(a, OPT_BUSY, &u->vm_busy);
	if (!rc)
		rc = on_off(a, OPT_UNREG, &u->vm_unregistered);
	return rc;
}

static bool has_forwarding(const u_args *a)
{
	return a->val[OPT_FORWARD] || a->val[OPT_NO_ANSWER] || a->val[OPT_BUSY] ||
	       a->val[OPT_UNREG];
}

static int need_addr(u_args *a, int npos)
{
	if (a->npos < 2)
		return usage_err(a, "missing ADDRESS", NULL);
	if (a->npos > npos)
		return usage_err(a, "too many arguments:", a->pos[npos]);
	return 0;
}

static int normalize(u_args *a, const char *in, char *out, size_t cap)
{
	const char *why = NULL;
	if (store_address_normalize(in, out, cap, &why))
		return usage_err(a, why ? why : "bad address", in);
	return 0;
}

static int act_add(u_args *a)
{
	store_user u = {0};
	int rc = need_addr(a, 2);
	if (!rc)
		rc = normalize(a, a->pos[1], u.address, sizeof(u.address));
	if (!rc)
		rc = apply_forwarding(a, &u);
	if (rc)
		return rc;
	char pw[PASSWORD_MAX];
	rc = get_password(a, pw, sizeof(pw));
	if (!rc)
		rc = make_ha1(a, &u, pw);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (!rc)
		rc = open_users(a, true);
	if (rc)
		return rc;
	const char *why = NULL;
	int err = store_user_add(a->u, &u, NULL, &why);
	if (err)
		return op_fail(a, u.address, why);
	printf("added %s (realm %s)\n", u.address, u.realm);
	return 0;
}

static void print_forwarding(const store_user *u)
{
	printf("  forward: %s  no-answer: ", u->fwd_immediate[0] ? u->fwd_immediate : "none");
	if (u->vm_no_answer_s)
		printf("%us", u->vm_no_answer_s);
	else
		printf("off");
	printf("  busy: %s  unregistered: %s\n", u->vm_busy ? "on" : "off",
	       u->vm_unregistered ? "on" : "off");
}

static int act_list(u_args *a)
{
	if (a->npos > 1)
		return usage_err(a, "too many arguments:", a->pos[1]);
	int rc = open_users(a, false);
	if (rc)
		return rc;
	store_user *l = NULL;
	size_t n = 0;
	const char *why = NULL;
	if (store_user_list(a->u, &l, &n, &why))
		return op_fail(a, "cannot list users", why);
	for (size_t i = 0; i < n; i++) {
		printf("%s  realm %s\n", l[i].address, l[i].realm);
		print_forwarding(&l[i]);
	}
	if (n == 0)
		printf("no users\n");
	free(l);
	return 0;
}

static int act_del(u_args *a)
{
	char addr[STORE_ADDR_MAX];
	int rc = need_addr(a, 2);
	if (!rc)
		rc = normalize(a, a->pos[1], addr, sizeof(addr));
	if (!rc)
		rc = open_users(a, false);
	if (rc)
		return rc;
	const char *why = NULL;
	int err = store_user_del(a->u, addr, &why);
	if (err == OPENUM_ENOTFOUND)
		return op_fail(a, "no such user", addr);
	if (err)
		return op_fail(a, addr, why);
	printf("deleted %s\n", addr);
	return 0;
}

static int act_passwd(u_args *a)
{
	store_user u = {0};
	int rc = need_addr(a, 2);
	if (!rc)
		rc = normalize(a, a->pos[1], u.address, sizeof(u.address));
	if (!rc && has_forwarding(a))
		return usage_err(a, "passwd takes no forwarding options (see forward)", NULL);
	if (!rc)
		rc = open_users(a, false);
	if (rc)
		return rc;
	store_user cur;
	const char *why = NULL;
	int err = store_user_get(a->u, u.address, &cur, &why);
	if (err == OPENUM_ENOTFOUND)
		return op_fail(a, "no such user", u.address);
	if (err)
		return op_fail(a, u.address, why);
	char pw[PASSWORD_MAX];
	rc = get_password(a, pw, sizeof(pw));
	if (!rc)
		rc = make_ha1(a, &u, pw);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc)
		return rc;
	err = store_user_set_ha1(a->u, u.address, u.realm, u.ha1_md5, u.ha1_sha256, &why);
	if (err)
		return op_fail(a, u.address, why);
	printf("password set for %s (realm %s)\n", u.address, u.realm);
	return 0;
}

static int act_forward(u_args *a)
{
	char addr[STORE_ADDR_MAX];
	int rc = need_addr(a, 2);
	if (!rc)
		rc = normalize(a, a->pos[1], addr, sizeof(addr));
	if (!rc && !has_forwarding(a))
		return usage_err(a, "nothing to change: give FORWARDING options", NULL);
	if (!rc && (a->val[OPT_PASSWORD] || a->val[OPT_REALM]))
		return usage_err(a, "forward takes no password (see passwd)", NULL);
	if (!rc)
		rc = open_users(a, false);
	if (rc)
		return rc;
	store_user u;
	const char *why = NULL;
	int err = store_user_get(a->u, addr, &u, &why);
	if (err == OPENUM_ENOTFOUND)
		return op_fail(a, "no such user", addr);
	if (err)
		return op_fail(a, addr, why);
	rc = apply_forwarding(a, &u);
	if (rc)
		return rc;
	err = store_user_set_forwarding(a->u, &u, &why);
	if (err)
		return op_fail(a, addr, why);
	printf("%s\n", u.address);
	print_forwarding(&u);
	return 0;
}

static int run(int argc, char **argv)
{
	u_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	const char *act = a.pos[0];
	bool pw_ok = strcmp(act, "add") == 0 || strcmp(act, "passwd") == 0;
	if (!pw_ok && (a.val[OPT_PASSWORD] || a.val[OPT_REALM]))
		rc = usage_err(&a, "--password and --realm go with add and passwd", NULL);
	else if (strcmp(act, "add") == 0)
		rc = act_add(&a);
	else if (strcmp(act, "list") == 0)
		rc = has_forwarding(&a) ? usage_err(&a, "list takes no options", NULL)
		                        : act_list(&a);
	else if (strcmp(act, "del") == 0)
		rc = has_forwarding(&a) ? usage_err(&a, "del takes no options", NULL) : act_del(&a);
	else if (strcmp(act, "passwd") == 0)
		rc = act_passwd(&a);
	else if (strcmp(act, "forward") == 0)
		rc = act_forward(&a);
	else
		rc = usage_err(&a, "unknown action:", act);
	store_users_close(a.u);
	return rc;
}

const cli_cmd cli_cmd_user = {
    .name = "user",
    .summary = "administer the proxy's SIP accounts",
    .run = run,
    .usage = usage,
};
