/* openum um's e-mail options (docs/email.md): --smtp-* and --email-* into a mail_cfg
 * for the delivery worker. Kept apart from cmd_um.c so that the option list, its help
 * text and its config keys stay together. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const with_value[] = {
    "--smtp-url",
    "--smtp-from",
    "--smtp-from-name",
    "--smtp-user",
    "--smtp-password",
    "--smtp-password-file",
    "--smtp-starttls",
    "--smtp-ca",
    "--email-subject",
    "--email-body",
    "--email-retry-seconds",
    "--email-retry-max-seconds",
    "--email-max-attempts",
    "--email-poll-ms",
};

const char cli_um_mail_help[] =
    "\n"
    "Voice messages to e-mail (docs/email.md; per mailbox: openum mailbox set-email):\n"
    "  --smtp-url URL        smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]; turns\n"
    "                        e-mail delivery on\n"
    "  --smtp-from ADDR      envelope sender and From: address (required with --smtp-url)\n"
    "  --smtp-from-name NAME From: display name (default \"Voice Mail\")\n"
    "  --smtp-user USER      authenticate as USER (AUTH as the server offers it)\n"
    "  --smtp-password PASS  its password (shows in `ps`: prefer the next option)\n"
    "  --smtp-password-file FILE  the password is the first line of FILE\n"
    "  --smtp-starttls MODE  required (default), optional or off, for smtp:// URLs\n"
    "  --smtp-ca FILE        CA bundle that verifies the SMTP server (default: system)\n"
    "  --smtp-insecure       do not verify the SMTP server's certificate (tests only)\n"
    "  --email-subject TPL   subject template (default \"" MAIL_DEFAULT_SUBJECT "\")\n"
    "  --email-body TPL      body template; \"\\n\" is a line break. Placeholders in both:\n"
    "                        {caller} {mailbox} {time} {duration} {transcript}\n"
    "  --email-retry-seconds N  first retry of a failed delivery after N s, then\n"
    "                        doubling (default 60)\n"
    "  --email-retry-max-seconds N  longest wait between attempts (default 3600)\n"
    "  --email-max-attempts N  give up after N attempts (default 10)\n"
    "  --email-poll-ms N     look at the delivery queue every N ms (default 5000)\n";

bool cli_um_mail_takes_value(const char *o)
{
	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (strcmp(o, with_value[i]) == 0)
			return true;
	return false;
}

/* "\n" (backslash, n) in a template becomes a line break: INI values are one line. */
static bool unescape(const char *v, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = v; *p; p++) {
		if (n + 1 >= cap)
			return false;
		if (p[0] == '\\' && p[1] == 'n') {
			out[n++] = '\n';
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return true;
}

int cli_um_mail_opt(cli_um_mail *m, const char *o, const char *v, const char **err)
{
	unsigned n;
	if (strcmp(o, "--smtp-insecure") == 0) {
		m->cfg.smtp.insecure = true;
		return 1;
	}
	if (!cli_um_mail_takes_value(o))
		return 0;
	if (strcmp(o, "--smtp-url") == 0) {
		if (strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0) {
			*err = "--smtp-url needs smtp://HOST[:PORT] or smtps://HOST[:PORT]:";
			return -1;
		}
		m->cfg.smtp.url = v;
	} else if (strcmp(o, "--smtp-from") == 0) {
		if (!store_email_valid(v)) {
			*err = "--smtp-from needs an e-mail address:";
			return -1;
		}
		m->cfg.smtp.from = v;
	} else if (strcmp(o, "--smtp-from-name") == 0) {
		m->cfg.smtp.from_name = v;
	} else if (strcmp(o, "--smtp-user") == 0) {
		m->cfg.smtp.user = v;
	} else if (strcmp(o, "--smtp-password") == 0) {
		m->cfg.smtp.password = v;
	} else if (strcmp(o, "--smtp-password-file") == 0) {
		m->password_file = v;
	} else if (strcmp(o, "--smtp-starttls") == 0) {
		if (mail_starttls_parse(v, &m->cfg.smtp.starttls) != 0) {
			*err = "--smtp-starttls needs required, optional or off:";
			return -1;
		}
	} else if (strcmp(o, "--smtp-ca") == 0) {
		m->cfg.smtp.ca_file = v;
	} else if (strcmp(o, "--email-subject") == 0 || strcmp(o, "--email-body") == 0) {
		bool subj = o[8] == 's';
		if (!unescape(v, subj ? m->subject : m->body,
		              subj ? sizeof(m->subject) : sizeof(m->body))) {
			*err = "template too long:";
			return -1;
		}
		if (subj)
			m->cfg.subject = m->subject;
		else
			m->cfg.body = m->body;
	} else if (strcmp(o, "--email-retry-seconds") == 0 ||
	           strcmp(o, "--email-retry-max-seconds") == 0) {
		if (!cli_num(v, 86400 * 7, &n) || n == 0) {
			*err = "expected a positive number of seconds:";
			return -1;
		}
		if (o[14] == 's')
			m->cfg.retry_base_s = n;
		else
			m->cfg.retry_max_s = n;
	} else if (strcmp(o, "--email-max-attempts") == 0) {
		if (!cli_num(v, 1000, &n) || n == 0) {
			*err = "--email-max-attempts needs 1 to 1000:";
			return -1;
		}
		m->cfg.max_attempts = n;
	} else {
		if (!cli_num(v, 3600000, &n) || n < 100) {
			*err = "--email-poll-ms needs 100 or more:";
			return -1;
		}
		m->cfg.poll_ms = n;
	}
	return 1;
}

int cli_um_mail_finish(cli_um_mail *m, const char **err)
{
	if (!m->cfg.smtp.url) {
		if (m->cfg.smtp.from || m->cfg.smtp.user || m->password_file) {
			*err = "the --smtp-* options need --smtp-url";
			return -1;
		}
		return 0;
	}
	if (!m->cfg.smtp.from) {
		*err = "--smtp-url needs --smtp-from";
		return -1;
	}
	if (!m->cfg.smtp.from_name)
		m->cfg.smtp.from_name = "Voice Mail";
	if (m->password_file) {
		FILE *f = fopen(m->password_file, "r");
		if (!f || !fgets(m->password, sizeof(m->password), f)) {
			if (f)
				fclose(f);
			*err = "cannot read --smtp-password-file";
			return -1;
		}
		fclose(f);
		m->password[strcspn(m->password, "\r\n")] = '\0';
		m->cfg.smtp.password = m->password;
	}
	m->on = true;
	return 0;
}

void cli_um_mail_free(cli_um_mail *m)
{
	memset(m->password, 0, sizeof(m->password));
}
