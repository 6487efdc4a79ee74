/* mail/smtp.c: one SMTP submission through libcurl (smtp:// with STARTTLS, smtps://,
 * AUTH, certificate checks), so that openum carries no SMTP client of its own. Runs on
 * a worker thread: it blocks for up to the configured timeout. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "mail.h"

static const char *const starttls_names[] = {"required", "optional", "off"};

int mail_starttls_parse(const char *name, mail_starttls *out)
{
	for (size_t i = 0; name && i < sizeof(starttls_names) / sizeof(starttls_names[0]); i++) {
		if (strcmp(name, starttls_names[i]) == 0) {
			*out = (mail_starttls)i;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

const char *mail_starttls_name(mail_starttls s)
{
	return (unsigned)s < sizeof(starttls_names) / sizeof(starttls_names[0]) ? starttls_names[s]
	                                                                        : "?";
}

typedef struct upload {
	const char *data;
	size_t len, off;
	const volatile bool *stop;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	upload *u = arg;
	size_t n = size * nitems;
	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	const upload *u = arg;
	return u->stop && *u->stop ? 1 : 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mail_smtp_send(const mail_smtp_cfg *cfg, const char *to, const char *data, size_t len,
                   const volatile bool *stop, char *err, size_t errcap)
{
	pthread_once(&curl_once, curl_init);
	if (!cfg->url ||
	    (strncmp(cfg->url, "smtp://", 7) != 0 && strncmp(cfg->url, "smtps://", 8) != 0)) {
		snprintf(err, errcap, "SMTP URL must start with smtp:// or smtps://");
		return OPENUM_EINVAL;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errcap, "cannot start libcurl");
		return OPENUM_ENOMEM;
	}
	char ebuf[CURL_ERROR_SIZE] = "";
	char from[STORE_EMAIL_MAX + 2], rcpt[STORE_EMAIL_MAX + 2];
	snprintf(from, sizeof(from), "<%s>", cfg->from ? cfg->from : "");
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	upload u = {data, len, 0, stop};
	unsigned timeout = cfg->timeout_s ? cfg->timeout_s : MAIL_SMTP_TIMEOUT_S;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_URL, cfg->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &u);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* worker thread: no SIGALRM */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	if (strncmp(cfg->url, "smtp://", 7) == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL,
		                 cfg->starttls == MAIL_STARTTLS_REQUIRED   ? (long)CURLUSESSL_ALL
		                 : cfg->starttls == MAIL_STARTTLS_OPTIONAL ? (long)CURLUSESSL_TRY
		                                                           : (long)CURLUSESSL_NONE);
	if (cfg->user && *cfg->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
	}
	if (cfg->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode rc = rcpts ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	int ret = 0;
	if (rc == CURLE_OK) {
		snprintf(err, errcap, "%ld", code);
	} else {
		if (stop && *stop)
			snprintf(err, errcap, "abandoned: shutting down");
		else if (code)
			snprintf(err, errcap, "SMTP %ld: %s", code,
			         ebuf[0] ? ebuf : curl_easy_strerror(rc));
		else
			snprintf(err, errcap, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		ret = OPENUM_EIO;
	}
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return ret;
}
