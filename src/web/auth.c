/* web/auth.c: who a web request acts for. Both the page's logon and the SOAP service's
 * HTTP Basic check the mailbox address and its PIN with store_mailbox_pin_logon, so a
 * wrong PIN on the web counts towards the same lockout as a wrong PIN on the phone. */
#include <string.h>

#include <microhttpd.h>

#include "web_int.h"

int web_logon(web_server *ws, const char *address, const char *pin, web_logon_result *res,
              web_who *who, const char **why)
{
	store_mailbox mb;
	*res = WEB_LOGON_BAD;
	if (!address || !pin || !*address || !*pin)
		return 0;
	int err = store_mailbox_get_by_address(ws->st, address, &mb, why);
	if (err == OPENUM_ENOTFOUND || err == OPENUM_EINVAL || err == OPENUM_ETOOBIG)
		return 0; /* same answer as a wrong PIN: no mailbox enumeration */
	if (err)
		return err;
	store_logon_result r;
	err = store_mailbox_pin_logon(ws->st, mb.id, pin, &r, NULL, why);
	if (err)
		return err;
	if (r == STORE_LOGON_PIN_OK) {
		*res = WEB_LOGON_OK;
		who->mailbox_id = mb.id;
		memcpy(who->address, mb.address, sizeof who->address);
	} else if (r == STORE_LOGON_LOCKED) {
		*res = WEB_LOGON_LOCKED;
	}
	return 0;
}

int web_basic_logon(web_server *ws, const web_rq *rq, web_logon_result *res, web_who *who)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(rq->conn, &pass);
	*res = WEB_LOGON_BAD;
	int err = OPENUM_EINVAL;
	if (user && pass) {
		err = web_logon(ws, user, pass, res, who, NULL);
		if (err == 0 && *res != WEB_LOGON_OK)
			err = OPENUM_EINVAL;
	}
	if (pass) {
		/* the PIN leaves memory before the buffer goes back to the allocator */
		volatile char *p = pass;
		while (*p)
			*p++ = 0;
	}
	MHD_free(user);
	MHD_free(pass);
	return err;
}
